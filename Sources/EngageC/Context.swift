import Engage
import Synchronization

// engage_context_*: a user's document parsed once, asked many questions.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an `engage_context*` points to. Handles are recycled through their engine's
/// pool instead of freed, so a gateway opening a context per request allocates nothing
/// once the pool holds as many handles as it has requests in flight — and a closed
/// handle stays valid memory, so a stale pointer is recognised, never dereferenced into
/// freed memory.
///
/// A recycled handle must not let a stale pointer act on the next user's context. So
/// the pointer a host holds is the handle's address with its **generation** in the top
/// 16 bits (user-space addresses leave them zero; the host never dereferences the
/// opaque pointer): closing a context bumps the generation, and a call whose pointer
/// carries another generation is ENGAGE_MISUSE. A handle is reused at most 65,535
/// times, then retired (kept, never handed out again), so no pointer value is ever
/// handed out twice.
final class ContextHandle: Sendable {
    static let liveMagic: UInt64 = 0x6374_7865_6761_6765 // distinct from EngineHandle's
    /// First stored property, as in EngineHandle: an engine passed as a context (or the
    /// reverse) fails the magic check. Set once, when the handle is made.
    let magic = Atomic<UInt64>(ContextHandle.liveMagic)
    let owner: EngineHandle
    /// The current generation and, while open, the context.
    let slot: Mutex<Slot>

    struct Slot {
        var generation: UInt16 = 1
        var context: DecisionContext? = nil
    }

    init(owner: EngineHandle) {
        self.owner = owner
        self.slot = Mutex(Slot())
    }

    static let addressBits: UInt = 48
    static let addressMask: UInt = (1 << addressBits) - 1

    /// Whether this handle's address leaves the generation bits free (always, for
    /// user-space addresses on x86-64 and arm64); a handle where it does not is used once.
    var taggable: Bool {
        UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()) & ~Self.addressMask == 0
    }

    /// The pointer a host holds for generation `generation`.
    func pointer(_ generation: UInt16) -> OpaquePointer {
        let plain = OpaquePointer(Unmanaged.passUnretained(self).toOpaque())
        guard taggable else { return plain }
        let address = UInt(bitPattern: UnsafeRawPointer(plain))
        return OpaquePointer(bitPattern: address | UInt(generation) << Self.addressBits) ?? plain
    }

    /// The handle behind a host's pointer and the generation it carries; nil for NULL or
    /// a pointer that is not a context's.
    static func decode(_ pointer: OpaquePointer) -> (ContextHandle, UInt16)? {
        let bits = UInt(bitPattern: UnsafeRawPointer(pointer))
        guard let address = UnsafeRawPointer(bitPattern: bits & addressMask) else { return nil }
        let h = Unmanaged<ContextHandle>.fromOpaque(address).takeUnretainedValue()
        guard h.magic.load(ordering: .acquiring) == liveMagic else { return nil }
        return (h, UInt16(truncatingIfNeeded: bits >> addressBits))
    }
}

/// The engine and context behind a context handle, or a failure for NULL, a foreign
/// pointer, a closed or stale context or a closed engine.
func context(_ handle: OpaquePointer?) -> Result<(Engine, ABILimits, DecisionContext), CallFailure> {
    guard let handle else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context is NULL"))
    }
    guard let (h, generation) = ContextHandle.decode(handle),
        let ctx = h.slot.withLock({ $0.generation == generation ? $0.context : nil })
    else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context is closed or not a context"))
    }
    guard let e = h.owner.engine.withLock({ $0 }) else {
        return .failure(CallFailure(ENGAGE_MISUSE, code: "misuse", "the context's engine is closed"))
    }
    return .success((e, h.owner.limits, ctx))
}

@_cdecl("engage_context_open")
public func engage_context_open(
    _ handle: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ len: Int,
    _ contextOut: UnsafeMutablePointer<OpaquePointer?>?,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
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
        pool.all.append(fresh) // keeps every handle alive (and reachable) for good
        return fresh
    }
    let generation = h.slot.withLock { slot -> UInt16 in
        slot.context = ctx
        return slot.generation
    }
    contextOut.pointee = h.pointer(generation)
    outLen?.pointee = 0
    return ENGAGE_OK
}

/// Decides for a question in a context and returns the status with the text.
func contextDecideText(_ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int) -> (Int32, [UInt8]) {
    switch context(handle) {
    case .failure(let f): return (f.status, f.body)
    case .success(let (engine, limits, ctx)):
        let parsed: Result<JSON, CallFailure> =
            len == 0
            ? .success(.object(JSONObject()))
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
public func engage_context_decide(
    _ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int,
    _ out: OutText, _ outLen: OutLen
) -> Int32 {
    out?.pointee = nil
    let (status, text) = contextDecideText(handle, question, len)
    return respond(status, text, out, outLen)
}

@_cdecl("engage_context_decide_into")
public func engage_context_decide_into(
    _ handle: OpaquePointer?, _ question: UnsafePointer<CChar>?, _ len: Int,
    _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int, _ outLen: OutLen
) -> Int32 {
    guard let outLen else { return ENGAGE_MISUSE }
    let (status, text) = contextDecideText(handle, question, len)
    return respondInto(status, text, buf, cap, outLen)
}

@_cdecl("engage_context_close")
public func engage_context_close(_ handle: OpaquePointer?) {
    guard let handle, let (h, generation) = ContextHandle.decode(handle) else { return }
    // Only the holder of the current generation closes: a stale pointer (closed, maybe
    // reused since) is a no-op, never a close of someone else's context.
    let reusable = h.slot.withLock { slot -> Bool? in
        guard slot.generation == generation, slot.context != nil else { return nil }
        slot.context = nil
        slot.generation &+= 1
        return slot.generation != 0 && h.taggable
    }
    guard let reusable else { return }
    // A handle whose generations are used up (or whose address cannot carry one) is
    // retired: it stays in `all`, so it stays valid memory, and is never handed out again.
    if reusable { h.owner.contexts.withLock { $0.free.append(h) } }
}
