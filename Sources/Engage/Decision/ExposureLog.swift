import Synchronization

/// Decision records waiting for the host to drain them: every message shown and every
/// holdout or control assignment, as JSON. Bounded: beyond `capacity` the oldest record
/// is dropped and counted.
final class ExposureLog: Sendable {
    private struct State {
        var records: [(userID: String, record: JSON)] = []
        var head = 0
        var dropped = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func append(userID: String, _ record: JSON) {
        state.withLock { s in
            if s.records.count - s.head >= capacity {
                s.head += 1
                s.dropped += 1
            }
            s.records.append((userID, record))
            if s.head > 4096, s.head * 2 > s.records.count {
                s.records.removeFirst(s.head)
                s.head = 0
            }
        }
    }

    func drain(max: Int) -> [JSON] {
        state.withLock { s in
            let n = Swift.min(Swift.max(0, max), s.records.count - s.head)
            let out = s.records[s.head..<(s.head + n)].map(\.record)
            s.head += n
            if s.head == s.records.count {
                s.records.removeAll(keepingCapacity: true)
                s.head = 0
            }
            return out
        }
    }

    /// Erasure: removes the user's queued records.
    func forget(userID: String) {
        state.withLock { s in
            s.records = s.records[s.head...].filter { $0.userID != userID }
            s.head = 0
        }
    }

    /// Erasures elsewhere: removes the queued records of every user in `userIDs`, in one
    /// pass; returns how many went.
    func forget(userIDs: Set<String>) -> Int {
        guard !userIDs.isEmpty else { return 0 }
        return state.withLock { s in
            let before = s.records.count - s.head
            s.records = s.records[s.head...].filter { !userIDs.contains($0.userID) }
            s.head = 0
            return before - s.records.count
        }
    }

    /// Erasures lost track of: removes every queued record; returns how many went.
    func forgetAll() -> Int {
        state.withLock { s in
            let n = s.records.count - s.head
            s.records.removeAll(keepingCapacity: false)
            s.head = 0
            return n
        }
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var count: Int { state.withLock { $0.records.count - $0.head } }
}

/// Counters readable through ``Engine/stats()``.
final class EngineMetrics: Sendable {
    private struct State {
        var decisions = 0
        var failed = 0
        var storeUnavailable = 0
        var records = 0
        var erasuresReceived = 0
        var exposuresErased = 0
        var erasureGaps = 0
        var erasureChecksFailed = 0
        var reasons = ReasonTally()
        /// Latency buckets: [0] < 1 µs, [i] < 2^i µs, last is everything above.
        var latency = [Int](repeating: 0, count: 24)
    }

    private let state = Mutex(State())

    /// One decision: its reasons, its latency and the events it recorded (0 or 1).
    func decided(reasons: ReasonTally, nanoseconds: Int64, recordedEvents: Int) {
        let micros = max(0, nanoseconds / 1000)
        var bucket = 0
        while bucket < 23, (Int64(1) << bucket) <= micros { bucket += 1 }
        state.withLock { s in
            s.decisions += 1
            s.records += recordedEvents
            s.reasons.add(reasons)
            s.latency[bucket] += 1
        }
    }

    func failed() { state.withLock { $0.failed += 1 } }
    /// One decision answered without the store (fail closed), besides ``decided``.
    func storeUnavailable() { state.withLock { $0.storeUnavailable += 1 } }
    func recorded() { state.withLock { $0.records += 1 } }

    /// One look at the store's erasures before a drain: `users` erased elsewhere,
    /// `exposures` queued records dropped for them, `gap` when the store lost track.
    func erasuresChecked(users: Int, exposures: Int, gap: Bool) {
        state.withLock { s in
            s.erasuresReceived += users
            s.exposuresErased += exposures
            if gap { s.erasureGaps += 1 }
        }
    }

    /// A drain held back because the store could not say what was erased.
    func erasureCheckFailed() { state.withLock { $0.erasureChecksFailed += 1 } }

    func json(droppedExposures: Int, queuedExposures: Int) -> JSON {
        state.withLock { s in
            var reasons: [(String, JSON)] = []
            for r in ReasonCode.allCases { reasons.append((r.rawValue, .number(Double(s.reasons[r])))) }
            var histogram: [(String, JSON)] = []
            for (i, n) in s.latency.enumerated() where n > 0 {
                histogram.append((i == 23 ? "inf" : "lt_\(1 << i)us", .number(Double(n))))
            }
            return .object(
                JSONObject([
                    ("decisions", .number(Double(s.decisions))),
                    ("failed_requests", .number(Double(s.failed))),
                    ("store_unavailable", .number(Double(s.storeUnavailable))),
                    ("records", .number(Double(s.records))),
                    ("reasons", .object(JSONObject(reasons))),
                    ("latency", .object(JSONObject(histogram))),
                    ("exposures_queued", .number(Double(queuedExposures))),
                    ("exposures_dropped", .number(Double(droppedExposures))),
                    ("erasures_received", .number(Double(s.erasuresReceived))),
                    ("exposures_erased", .number(Double(s.exposuresErased))),
                    ("erasure_gaps", .number(Double(s.erasureGaps))),
                    ("erasure_checks_failed", .number(Double(s.erasureChecksFailed))),
                ]))
        }
    }
}
