import Engage
import EngageStores

// The exported engage_* functions. Each: check arguments → one call → status + JSON.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public typealias OutText = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
public typealias OutLen = UnsafeMutablePointer<Int>?

@_cdecl("engage_version")
public func engage_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("engage_abi_version")
public func engage_abi_version() -> Int32 { abiVersion }

@_cdecl("engage_status_string")
public func engage_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    let s: StaticString = statusStrings[status] ?? "unknown status"
    return UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("engage_free")
public func engage_free(_ p: UnsafeMutableRawPointer?) {
    free(p)
}

@_cdecl("engage_engine_open")
public func engage_engine_open(
    _ config: UnsafePointer<CChar>?, _ configLen: Int,
    _ engineOut: UnsafeMutablePointer<OpaquePointer?>?,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    openEngine(config, configLen, hostStore: nil, engineOut, out, outLen)
}

/// engage_engine_open and engage_engine_open_with_store: `hostStore` is the host's
/// `engage_store`, or nil.
func openEngine(
    _ config: UnsafePointer<CChar>?, _ configLen: Int, hostStore: UnsafeRawPointer?,
    _ engineOut: UnsafeMutablePointer<OpaquePointer?>?, _ out: OutText, _ outLen: OutLen
) -> Int32 {
    out?.pointee = nil
    guard let engineOut else { return fail(ENGAGE_MISUSE, code: "misuse", "engine must not be NULL", out, outLen) }
    engineOut.pointee = nil
    guard let bytes = input(config, configLen) else {
        return fail(ENGAGE_MISUSE, code: "misuse", "config is NULL with a non-zero length", out, outLen)
    }
    // Parsed in place: the length is the host's word, so nothing is copied before the
    // parser has checked it against the limit.
    var config = EngineConfig()
    if bytes.count > 0 {
        switch parse(bytes, limits: EngineConfig.textLimits) {
        case .failure(let e): return fail(ENGAGE_INVALID_JSON, code: e.code.rawValue, "config: \(e)", out, outLen)
        case .success(let json):
            do throws(EngineConfig.Problem) {
                config = try EngineConfig(json: json)
            } catch {
                return fail(ENGAGE_INVALID_REQUEST, code: "invalid_config", path: error.path, error.message, out, outLen)
            }
        }
    }
    let engine: Engine
    do throws(EngineConfig.Problem) {
        if let hostStore {
            switch HostStorage.read(hostStore) {
            case .failure(let problem): return fail(ENGAGE_MISUSE, code: "misuse", path: "store", problem.message, out, outLen)
            case .success(let storage):
                engine = try Engine(config: config, store: VersionedStateStore(storage, policy: config.retentionPolicy))
            }
        } else {
            engine = try Engine.open(config: config)
        }
    } catch {
        if let e = error.store { return fail(ENGAGE_STORE, code: e.code.rawValue, path: error.path, error.message, out, outLen) }
        return fail(ENGAGE_INVALID_REQUEST, code: "invalid_config", path: error.path, error.message, out, outLen)
    }
    let handle = EngineHandle(
        engine: engine,
        limits: ABILimits(
            maxRequestBytes: engine.requestLimits.maxBytes,
            requestDepth: engine.requestLimits.maxDepth))
    engineOut.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
    outLen?.pointee = 0
    return ENGAGE_OK
}

@_cdecl("engage_engine_close")
public func engage_engine_close(_ handle: OpaquePointer?) {
    guard let handle, let h = EngineHandle.at(handle) else { return }
    let (closed, _) = h.magic.compareExchange(expected: EngineHandle.liveMagic, desired: 0, ordering: .acquiringAndReleasing)
    guard closed else { return }
    // Calls in flight hold their own reference; the engine goes when they finish. The
    // handle itself stays allocated (its +1 is never released) so later calls see it
    // closed.
    h.engine.withLock { $0 = nil }
    closedHandles.withLock { $0.append(h) }
}

@_cdecl("engage_load_campaigns")
public func engage_load_campaigns(
    _ handle: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    out?.pointee = nil
    guard let (engine, limits) = engine(handle) else {
        return fail(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed", out, outLen)
    }
    guard let bytes = input(json, len) else {
        return fail(ENGAGE_MISUSE, code: "misuse", "json is NULL with a non-zero length", out, outLen)
    }
    guard bytes.count <= limits.maxCampaignBytes else {
        return fail(ENGAGE_TOO_BIG, code: "too_big", "campaign set is \(bytes.count) bytes, over \(limits.maxCampaignBytes)", out, outLen)
    }
    do throws(CampaignSetLoadError) {
        let set = try engine.load(bytes: Array(bytes))
        let body = JSON.object(
            JSONObject([
                ("status", .string("ok")), ("warnings", problemList(set.warnings)),
                ("warnings_truncated", .bool(set.warningsTruncated)),
            ]))
        // The set is loaded: a reply that cannot be allocated does not undo it.
        _ = give(JSONSerializer.bytes(body), out, outLen)
        return ENGAGE_OK
    } catch {
        let invalidJSON = error.problems.count == 1 && error.problems.first?.code == .invalidJSON
        let problems = problemList(error.problems)
        let status = invalidJSON ? ENGAGE_INVALID_JSON : ENGAGE_INVALID_CAMPAIGNS
        let body = JSON.object(
            JSONObject([
                ("status", .string(statusName(status))), ("code", .string(invalidJSON ? "invalid_json" : "invalid_campaigns")),
                ("path", .string(error.problems.first?.path ?? "")),
                ("message", .string(error.problems.first.map { "\($0)" } ?? "invalid campaign set")),
                ("problems", problems), ("truncated", .bool(error.truncated)),
            ]))
        return give(JSONSerializer.bytes(body), out, outLen) ? status : ENGAGE_NOMEM
    }
}

/// `[{"path", "code", "message"}]`: a campaign set's problems or warnings.
func problemList(_ list: [CampaignSetError]) -> JSON {
    .array(
        list.map {
            .object(JSONObject([("path", .string($0.path)), ("code", .string($0.code.rawValue)), ("message", .string($0.message))]))
        })
}

/// Decides for the request document and returns the status with the text to hand back.
func decideText(_ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ len: Int) -> (Int32, [UInt8]) {
    switch prepare(handle, request, len, what: "request", counted: true) {
    case .failure(let f): return (f.status, f.body)
    case .success(let (engine, _, json)):
        return decisionText { () throws(DecisionError) in try engine.decide(json: json) }
    }
}

/// The decision `decide` returns as JSON text, or its error object, with the status.
func decisionText(_ decide: () throws(DecisionError) -> Decision) -> (Int32, [UInt8]) {
    do throws(DecisionError) {
        return (ENGAGE_OK, try decide().jsonBytes)
    } catch {
        let f = CallFailure(error)
        return (f.status, f.body)
    }
}

@_cdecl("engage_decide")
public func engage_decide(
    _ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    out?.pointee = nil
    let (status, text) = decideText(handle, request, len)
    return respond(status, text, out, outLen)
}

@_cdecl("engage_decide_into")
public func engage_decide_into(
    _ handle: OpaquePointer?, _ request: UnsafePointer<CChar>?, _ len: Int,
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ outLen: OutLen
) -> Int32 {
    guard let outLen else { return ENGAGE_MISUSE }
    let (status, text) = decideText(handle, request, len)
    return respondInto(status, text, buf, cap, outLen)
}

@_cdecl("engage_record")
public func engage_record(
    _ handle: OpaquePointer?, _ record: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    out?.pointee = nil
    switch prepare(handle, record, len, what: "record") {
    case .failure(let f): return respond(f.status, f.body, out, outLen)
    case .success(let (engine, _, json)):
        do throws(DecisionError) {
            try engine.record(json: json)
            return respond(ENGAGE_OK, Array("{\"status\":\"ok\"}".utf8), out, outLen)
        } catch {
            let f = CallFailure(error)
            return respond(f.status, f.body, out, outLen)
        }
    }
}

/// A live engine and a user id of 1-256 bytes of UTF-8 without NUL.
func engineAndUser(_ handle: OpaquePointer?, _ userID: UnsafePointer<CChar>?, _ len: Int) -> Result<(Engine, String), CallFailure> {
    guard let (engine, _) = engine(handle) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed"))
    }
    guard let bytes = input(userID, len) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "user_id is NULL with a non-zero length"))
    }
    guard bytes.count > 0, bytes.count <= 256, !bytes.contains(0) else {
        return .failure(CallFailure(ENGAGE_INVALID_REQUEST, code: "invalid_request", path: "user_id", "expected 1-256 bytes without NUL"))
    }
    guard let id = String(validating: bytes, as: UTF8.self) else {
        return .failure(CallFailure(ENGAGE_INVALID_REQUEST, code: "invalid_request", path: "user_id", "not valid UTF-8"))
    }
    return .success((engine, id))
}

/// A store error as a call failure at `user_id`.
func storeFailure(_ error: StateStoreError) -> CallFailure {
    CallFailure(
        error.code == .invalidRecord ? ENGAGE_INVALID_REQUEST : ENGAGE_STORE,
        code: error.code.rawValue, path: "user_id", error.message)
}

/// A call about one user: checks the engine and the id, runs `body`, hands its text
/// back (or the store's error, at `user_id`).
func userCall(
    _ handle: OpaquePointer?, _ userID: UnsafePointer<CChar>?, _ len: Int, _ out: OutText, _ outLen: OutLen,
    _ body: (Engine, String) throws(StateStoreError) -> [UInt8]
) -> Int32 {
    out?.pointee = nil
    switch engineAndUser(handle, userID, len) {
    case .failure(let f): return respond(f.status, f.body, out, outLen)
    case .success(let (engine, id)):
        do throws(StateStoreError) {
            return respond(ENGAGE_OK, try body(engine, id), out, outLen)
        } catch {
            let f = storeFailure(error)
            return respond(f.status, f.body, out, outLen)
        }
    }
}

@_cdecl("engage_forget_user")
public func engage_forget_user(
    _ handle: OpaquePointer?, _ userID: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    userCall(handle, userID, len, out, outLen) { engine, id throws(StateStoreError) in
        try engine.forget(userID: id)
        return Array("{\"status\":\"ok\"}".utf8)
    }
}

@_cdecl("engage_export_user")
public func engage_export_user(
    _ handle: OpaquePointer?, _ userID: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    userCall(handle, userID, len, out, outLen) { engine, id throws(StateStoreError) in
        JSONSerializer.bytes(try engine.export(userID: id))
    }
}

@_cdecl("engage_drain_exposures")
public func engage_drain_exposures(_ handle: OpaquePointer?, _ max: Int, _ out: OutText, _ outLen: OutLen) -> Int32 {
    out?.pointee = nil
    guard let (engine, _) = engine(handle) else {
        return fail(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed", out, outLen)
    }
    // size_t arrives as Int: a `max` over Int.max (SIZE_MAX, say) reads as negative and
    // means "all", as 0 does, rather than draining nothing.
    let drained = engine.drainExposureText(max: max <= 0 ? .max : max)
    return give(drained.text, out, outLen) ? ENGAGE_OK : ENGAGE_NOMEM
}

@_cdecl("engage_stats")
public func engage_stats(_ handle: OpaquePointer?, _ out: OutText, _ outLen: OutLen) -> Int32 {
    out?.pointee = nil
    guard let (engine, _) = engine(handle) else {
        return fail(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed", out, outLen)
    }
    return give(JSONSerializer.bytes(engine.stats()), out, outLen) ? ENGAGE_OK : ENGAGE_NOMEM
}
