import Engage
import Synchronization

// The C ABI (include/engage.h): each function checks its arguments, makes one call into
// Engage, and converts the result back. Nothing here may trap: every input path returns
// a status code.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let ENGAGE_OK: Int32 = 0
let ENGAGE_ERROR: Int32 = 1
let ENGAGE_MISUSE: Int32 = 2
let ENGAGE_INVALID_JSON: Int32 = 3
let ENGAGE_INVALID_REQUEST: Int32 = 4
let ENGAGE_INVALID_CAMPAIGNS: Int32 = 5
let ENGAGE_NO_CAMPAIGNS: Int32 = 6
let ENGAGE_STORE: Int32 = 7
let ENGAGE_TOO_BIG: Int32 = 8
let ENGAGE_NOMEM: Int32 = 9

let abiVersion: Int32 = 1
let versionString: StaticString = "0.1.0"

/// What an `engage_engine*` points to. Closing drops the engine but keeps this object
/// alive (a few bytes), so a stale handle is recognised instead of dereferencing freed
/// memory.
final class EngineHandle: Sendable {
    static let liveMagic: UInt64 = 0x656E_6761_6765_2131 // "engage!1"
    let magic = Atomic<UInt64>(EngineHandle.liveMagic)
    let engine: Mutex<Engine?>
    let limits: ABILimits
    /// Context handles opened on this engine: every one ever made, and those closed and
    /// free for reuse.
    let contexts = Mutex<ContextPool>(ContextPool())

    init(engine: Engine, limits: ABILimits) {
        self.engine = Mutex(engine)
        self.limits = limits
    }

    /// The object a host's engine pointer points to, not yet checked (see the magic).
    /// The top 16 bits are masked off: a context pointer passed as an engine carries its
    /// generation there (ContextHandle), and must read as a foreign object, not fault.
    static func at(_ pointer: OpaquePointer) -> EngineHandle? {
        let bits = UInt(bitPattern: UnsafeRawPointer(pointer)) & ContextHandle.addressMask
        guard let address = UnsafeRawPointer(bitPattern: bits) else { return nil }
        return Unmanaged<EngineHandle>.fromOpaque(address).takeUnretainedValue()
    }
}

/// Closed handles. A closed handle's few bytes are never freed (so a stale pointer is
/// recognised), and they are kept here so they stay reachable: a host running under
/// valgrind or LeakSanitizer would otherwise see one "definitely lost" block per
/// engage_engine_close and fail its leak check.
let closedHandles = Mutex<[EngineHandle]>([])

/// Input limits from the engine config.
struct ABILimits: Sendable {
    var maxRequestBytes = 1 << 20
    var maxCampaignBytes = 64 << 20
    var requestDepth = 64
}

struct ContextPool: ~Copyable {
    var all: [ContextHandle] = []
    var free: [ContextHandle] = []
}

/// The handle object of a live engine, or nil (NULL, foreign or closed).
func liveHandle(_ handle: OpaquePointer?) -> EngineHandle? {
    guard let handle else { return nil }
    guard let h = EngineHandle.at(handle) else { return nil }
    guard h.magic.load(ordering: .acquiring) == EngineHandle.liveMagic else { return nil }
    return h
}

/// The engine behind a handle, or nil for NULL, a foreign pointer's magic, or a
/// closed handle. A strong reference: a concurrent close cannot free it mid-call.
func engine(_ handle: OpaquePointer?) -> (Engine, ABILimits)? {
    guard let handle else { return nil }
    guard let h = EngineHandle.at(handle) else { return nil }
    guard h.magic.load(ordering: .acquiring) == EngineHandle.liveMagic else { return nil }
    guard let e = h.engine.withLock({ $0 }) else { return nil }
    return (e, h.limits)
}

/// A call refused before or by the engine: its status and the error object to return.
struct CallFailure: Error {
    let status: Int32
    let body: [UInt8]

    init(_ status: Int32, code: String, path: String = "", _ message: String) {
        self.status = status
        self.body = errorJSON(status, code: code, path: path, message)
    }

    init(_ error: DecisionError) {
        self.init(EngageC.status(for: error), code: error.code.rawValue, path: error.path, error.message)
    }
}

/// The checks every call that takes an engine and a JSON document starts with: a live
/// engine, a non-NULL input within `limits.maxRequestBytes` (or `maxBytes`), parsed
/// with the configured depth. A refusal is counted in the engine's failed requests
/// when `counted`.
func prepare(
    _ handle: OpaquePointer?, _ p: UnsafePointer<CChar>?, _ len: Int, what: String,
    counted: Bool = false
) -> Result<(Engine, ABILimits, JSON), CallFailure> {
    guard let (engine, limits) = engine(handle) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed"))
    }
    switch parseInput(p, len, what: what, limits: limits) {
    case .success(let json): return .success((engine, limits, json))
    case .failure(let f):
        if counted { engine.countFailedRequest() }
        return .failure(f)
    }
}

/// A non-NULL input within the request size limit, parsed with the configured depth.
func parseInput(
    _ p: UnsafePointer<CChar>?, _ len: Int, what: String,
    limits: ABILimits
) -> Result<JSON, CallFailure> {
    guard let bytes = input(p, len) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "\(what) is NULL with a non-zero length"))
    }
    guard bytes.count <= limits.maxRequestBytes else {
        return .failure(CallFailure(ENGAGE_TOO_BIG, code: "too_big", "\(what) is \(bytes.count) bytes, over \(limits.maxRequestBytes)"))
    }
    switch parse(bytes, limits: JSONLimits(maxDepth: limits.requestDepth, maxBytes: limits.maxRequestBytes)) {
    case .success(let json): return .success(json)
    case .failure(let e): return .failure(CallFailure(ENGAGE_INVALID_JSON, code: e.code.rawValue, "\(what): \(e)"))
    }
}

/// Hands `text` back through `out`/`outLen`; `status`, or ENGAGE_NOMEM when the copy
/// cannot be allocated.
func respond(
    _ status: Int32, _ text: [UInt8], _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ outLen: UnsafeMutablePointer<Int>?
) -> Int32 {
    give(text, out, outLen) ? status : ENGAGE_NOMEM
}

/// Writes `text` and a NUL into the caller's buffer when it fits (`cap > count`);
/// `*outLen` always receives the text's length. A decision that does not fit is
/// ENGAGE_TOO_BIG; an error keeps its own status.
func respondInto(
    _ status: Int32, _ text: [UInt8], _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int,
    _ outLen: UnsafeMutablePointer<Int>
) -> Int32 {
    outLen.pointee = text.count
    // size_t arrives as Int: a capacity over Int.max reads as negative and is plenty.
    guard let buf, cap < 0 || cap > text.count else { return status == ENGAGE_OK ? ENGAGE_TOO_BIG : status }
    text.withUnsafeBufferPointer { b in
        if let base = b.baseAddress { memcpy(buf, base, b.count) }
    }
    buf[text.count] = 0
    return status
}

/// Copies `bytes` into a malloc'd, NUL-terminated buffer for the caller.
func give(
    _ bytes: [UInt8], _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ outLen: UnsafeMutablePointer<Int>?
) -> Bool {
    outLen?.pointee = bytes.count
    guard let out else { return true }
    out.pointee = nil
    guard let p = malloc(bytes.count + 1)?.assumingMemoryBound(to: UInt8.self) else { return false }
    bytes.withUnsafeBufferPointer { b in
        if let base = b.baseAddress { memcpy(p, base, b.count) }
    }
    p[bytes.count] = 0
    out.pointee = UnsafeMutableRawPointer(p).assumingMemoryBound(to: CChar.self)
    return true
}

/// The error object every failing call returns.
func errorJSON(_ status: Int32, code: String, path: String = "", _ message: String) -> [UInt8] {
    JSONSerializer.bytes(
        .object(
            JSONObject([
                ("status", .string(statusName(status))), ("code", .string(code)),
                ("path", .string(path)), ("message", .string(message)),
            ])))
}

func fail(
    _ status: Int32, code: String, path: String = "", _ message: String,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ outLen: UnsafeMutablePointer<Int>?
) -> Int32 {
    give(errorJSON(status, code: code, path: path, message), out, outLen) ? status : ENGAGE_NOMEM
}

/// The input bytes, or nil when the pointer is NULL with a non-zero length.
func input(_ p: UnsafePointer<CChar>?, _ len: Int) -> UnsafeRawBufferPointer? {
    if len == 0 { return UnsafeRawBufferPointer(start: nil, count: 0) }
    guard let p, len > 0 else { return nil }
    return UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: len)
}

func statusName(_ s: Int32) -> String {
    switch s {
    case ENGAGE_OK: return "ok"
    case ENGAGE_ERROR: return "error"
    case ENGAGE_MISUSE: return "misuse"
    case ENGAGE_INVALID_JSON: return "invalid json"
    case ENGAGE_INVALID_REQUEST: return "invalid request"
    case ENGAGE_INVALID_CAMPAIGNS: return "invalid campaigns"
    case ENGAGE_NO_CAMPAIGNS: return "no campaigns"
    case ENGAGE_STORE: return "store error"
    case ENGAGE_TOO_BIG: return "too big"
    case ENGAGE_NOMEM: return "out of memory"
    case ENGAGE_STORE_CONFLICT: return "store conflict"
    default: return "unknown status"
    }
}

/// Static C strings for engage_status_string.
let statusStrings: [Int32: StaticString] = [
    0: "ok", 1: "error", 2: "misuse", 3: "invalid json", 4: "invalid request", 5: "invalid campaigns",
    6: "no campaigns", 7: "store error", 8: "too big", 9: "out of memory", 10: "store conflict",
]

func status(for error: DecisionError) -> Int32 {
    switch error.code {
    case .invalidJSON: return ENGAGE_INVALID_JSON
    case .invalidRequest: return ENGAGE_INVALID_REQUEST
    case .noCampaignSet: return ENGAGE_NO_CAMPAIGNS
    case .store: return ENGAGE_STORE
    }
}

func parse(_ bytes: UnsafeRawBufferPointer, limits: JSONLimits) -> Result<JSON, JSONParseError> {
    do throws(JSONParseError) {
        return .success(try JSONParser.parse(bytes, limits: limits))
    } catch {
        return .failure(error)
    }
}
