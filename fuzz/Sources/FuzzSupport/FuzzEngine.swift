import Engage
import Glibc
import Synchronization

/// One engine per fuzz process, in memory, with a clock the target sets (a fixed
/// instant unless an input's config names another), and helpers that run a call and
/// check whatever error it returns. Each input cleans up the users it touched, so
/// inputs do not see each other's state and memory stays flat over millions of runs.
public final class FuzzEngine: Sendable {
    /// The fixed clock: 2026-11-19T15:46:40Z (the examples' `now`).
    public static let now: Int64 = 1_795_150_000_000
    /// The limits Engine.decide(bytes:) and the C layer apply to a request, record or
    /// context by default (`limits` in docs/engine-config.md).
    public static let requestLimits = JSONLimits(maxDepth: 64, maxBytes: 1 << 20)

    public let engine: Engine
    private let clock: FixedClock

    /// An engine with `campaigns` (a path under examples/) loaded, or none.
    public init(campaigns: String? = "campaigns/telco-full.json") {
        let clock = FixedClock()
        self.clock = clock
        engine = Engine(clock: { clock.ms.load(ordering: .relaxed) })
        guard let campaigns else { return }
        do throws(CampaignSetLoadError) {
            try engine.load(bytes: Array(Seeds.example(campaigns).utf8))
        } catch {
            fatalError("fuzz engine: examples/\(campaigns) does not load: \(error)")
        }
    }

    /// Sets the engine's clock (``now`` until changed).
    public func setClock(_ ms: Int64) { clock.ms.store(ms, ordering: .relaxed) }

    /// Decides for request text (parsed within ``requestLimits``); nil on an error,
    /// which is checked.
    @discardableResult
    public func decide(bytes: [UInt8], _ step: String) -> Decision? {
        do throws(DecisionError) {
            return use(try engine.decide(bytes: bytes, limits: Self.requestLimits))
        } catch {
            refused(error, step)
            return nil
        }
    }

    /// Decides for a parsed request.
    @discardableResult
    public func decide(json: JSON, _ step: String) -> Decision? {
        do throws(DecisionError) {
            return use(try engine.decide(json: json))
        } catch {
            refused(error, step)
            return nil
        }
    }

    /// The request read and decided with every campaign's trace.
    @discardableResult
    public func explain(json: JSON, _ step: String) -> Decision? {
        do throws(DecisionError) {
            let request = try DecisionRequest(json: json)
            return use(try engine.explain(request))
        } catch {
            refused(error, step)
            return nil
        }
    }

    /// A read request decided with every campaign's trace.
    @discardableResult
    public func explain(_ request: DecisionRequest, _ step: String) -> Decision? {
        do throws(DecisionError) {
            return use(try engine.explain(request))
        } catch {
            refused(error, step)
            return nil
        }
    }

    /// Decides `question` in `context`.
    @discardableResult
    public func decide(_ question: JSON, in context: DecisionContext, _ step: String) -> Decision? {
        do throws(DecisionError) {
            return use(try engine.decide(question, in: context))
        } catch {
            refused(error, step)
            return nil
        }
    }

    /// Records a state change given as JSON; whether it was accepted.
    @discardableResult
    public func record(json: JSON, _ step: String) -> Bool {
        do throws(DecisionError) {
            try engine.record(json: json)
            Seeds.note("\(step): recorded")
            return true
        } catch {
            Check.error(error, step)
            return false
        }
    }

    /// A decision refused: its texts are short, and it is not the store's refusal. The
    /// store is in memory and can refuse only what breaks StateLimits — a request or a
    /// set the readers accepted must not reach the commit with such a value (the time
    /// in year 9999 of issue 13, point 5, failed there, naming no request field).
    private func refused(_ error: DecisionError, _ step: String) {
        Check.error(error, step)
        if error.code == .store { Check.fail("\(step): the store refused what the readers accepted: \(error)") }
    }

    /// A decision's answer is written as a host would receive it.
    private func use(_ d: Decision) -> Decision {
        let text = JSONSerializer.bytes(d.json)
        let longest = Self.longestDetail(d)
        Seeds.note("longest explanation detail: \(longest) bytes")
        if let limit = Self.detailLimit, longest > limit {
            Check.fail("an explanation detail or skip reason is \(longest) bytes (ENGAGE_FUZZ_DETAIL_LIMIT \(limit))")
        }
        Seeds.note("decision: \(d.messages.count) messages, \(d.assignments.count) assignments: \(String(decoding: text.prefix(300), as: UTF8.self))")
        return d
    }

    /// Explanations are not errors, so their length is no invariant by default; set
    /// `ENGAGE_FUZZ_DETAIL_LIMIT=4096` to treat a longer detail as a finding too.
    static let detailLimit: Int? = getenv("ENGAGE_FUZZ_DETAIL_LIMIT").flatMap { Int(String(cString: $0)) }

    /// The longest reason text a decision carries (trace details, skipped channels).
    static func longestDetail(_ d: Decision) -> Int {
        let traces = d.traces?.map { $0.detail.utf8.count } ?? []
        let skips = d.messages.flatMap { $0.skippedChannels.map { $0.reason.utf8.count } }
        return (traces + skips).max() ?? 0
    }

    /// Exports, then erases, what the engine holds about `users`; drops queued exposures.
    public func forget(_ users: [String]) {
        for user in Set(users) {
            do throws(StateStoreError) {
                _ = JSONSerializer.bytes(try engine.export(userID: user))
                try engine.forget(userID: user)
            } catch {
                Check.text(error.description, "store error for forget/export")
            }
        }
        _ = engine.drainExposures()
        setClock(Self.now)
    }

    /// `json["user_id"]` when it is a string.
    public static func userID(_ json: JSON?) -> String? {
        if case .string(let s)? = json?["user_id"] { return s }
        return nil
    }
}

private final class FixedClock: Sendable {
    let ms = Atomic<Int64>(FuzzEngine.now)
}
