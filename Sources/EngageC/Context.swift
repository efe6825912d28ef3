// engage_context_*: a user's document parsed once, asked many questions.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Engage
import Synchronization

/// What an `engage_context*` points to. Handles are recycled through their engine's
/// pool instead of freed: a closed handle stays valid memory (so a stale pointer is
/// recognised, or — once reused — reads another context, as a reused file descriptor
/// would), and a gateway opening a context per request allocates nothing once the pool
/// holds as many handles as it has requests in flight.
final class ContextHandle: Sendable {
    static let liveMagic: UInt64 = 0x6374_7865_6761_6765 // distinct from EngineHandle's
    /// First stored property, as in EngineHandle: an engine passed as a context (or the
    /// reverse) fails the magic check.
    let magic = Atomic<UInt64>(0)
    let owner: EngineHandle
    let context: Mutex<DecisionContext?>

    init(owner: EngineHandle) {
        self.owner = owner
        self.context = Mutex(nil)
    }
}

/// The engine and context behind a context handle, or a failure for NULL, a foreign
/// pointer, a closed context or a closed engine.
func context(_ handle: OpaquePointer?) -> Result<(Engine, ABILimits, DecisionContext), CallFailure> {
    guard let handle else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context is NULL"))
    }
    let h = Unmanaged<ContextHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    guard h.magic.load(ordering: .acquiring) == ContextHandle.liveMagic,
          let ctx = h.context.withLock({ $0 }) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context is closed or not a context"))
    }
    guard let e = h.owner.engine.withLock({ $0 }) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context's engine is closed"))
    }
    return .success((e, h.owner.limits, ctx))
}

@_cdecl("engage_context_open")
public func engage_context_open(_ handle: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ len: Int,
                                _ contextOut: UnsafeMutablePointer<OpaquePointer?>?,
                                _ out: OutText, _ outLen: OutLen) -> Int32 {
    out?.pointee = nil
    guard let contextOut else {
        return respond(ENGAGE_MISUSE, errorJSON(ENGAGE_MISUSE, code: "misuse", "context must not be NULL"), out, outLen)
    }
    contextOut.pointee = nil
    guard let owner = liveHandle(handle) else {
        return respond(ENGAGE_MISUSE, errorJSON(ENGAGE_MISUSE, code: "misuse", "the engine is NULL or closed"), out, outLen)
    }
    let ctx: DecisionContext
    switch parseInput(json, len, what: "context", limits: owner.limits) {
    case .failure(let f): return respond(f.status, f.body, out, outLen)
    case .success(let doc):
        do throws(DecisionError) {
            ctx = try DecisionContext(json: doc)
        } catch {
            let f = CallFailure(error)
            return respond(f.status, f.body, out, outLen)
        }
    }
    let h = owner.contexts.withLock { pool -> ContextHandle in
        if let reused = pool.free.popLast() { return reused }
        let fresh = ContextHandle(owner: owner)
        pool.all.append(fresh)      // keeps every handle alive (and reachable) for good
        return fresh
    }
    h.context.withLock { $0 = ctx }
    h.magic.store(ContextHandle.liveMagic, ordering: .releasing)
    contextOut.pointee = OpaquePointer(Unmanaged.passUnretained(h).toOpaque())
    outLen?.pointee = 0
    return ENGAGE_OK
}

/// Decides for a question in a context and returns the status with the text.
func contextDecideText(_ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int) -> (Int32, [UInt8]) {
    switch context(handle) {
    case .failure(let f): return (f.status, f.body)
    case .success(let (engine, limits, ctx)):
        let parsed: Result<JSON, CallFailure> = len == 0 ? .success(.object(JSONObject()))
            : parseInput(question, len, what: "question", limits: limits)
        switch parsed {
        case .failure(let f):
            engine.countFailedRequest()
            return (f.status, f.body)
        case .success(let q):
            return decisionText { () throws(DecisionError) in try engine.decide(q, in: ctx) }
        }
    }
}

@_cdecl("engage_context_decide")
public func engage_context_decide(_ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int,
                                  _ out: OutText, _ outLen: OutLen) -> Int32 {
    out?.pointee = nil
    let (status, text) = contextDecideText(handle, question, len)
    return respond(status, text, out, outLen)
}

@_cdecl("engage_context_decide_into")
public func engage_context_decide_into(_ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int,
                                       _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ outLen: OutLen) -> Int32 {
    guard let outLen else { return ENGAGE_MISUSE }
    let (status, text) = contextDecideText(handle, question, len)
    return respondInto(status, text, buf, cap, outLen)
}

@_cdecl("engage_context_close")
public func engage_context_close(_ handle: OpaquePointer?) {
    guard let handle else { return }
    let h = Unmanaged<ContextHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
    let (closed, _) = h.magic.compareExchange(expected: ContextHandle.liveMagic, desired: 0, ordering: .acquiringAndReleasing)
    guard closed else { return }
    h.context.withLock { $0 = nil }
    h.owner.contexts.withLock { $0.free.append(h) }
}
