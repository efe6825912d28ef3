import Synchronization

/// Decision records waiting for the host to drain them: every message shown and every
/// holdout or control assignment, as JSON text. Bounded: beyond `capacity` the oldest
/// record is dropped and counted.
///
/// The records are kept as bytes in one growing buffer, each written there by the
/// decision that made it (``ExposureRecord``) with a comma before it, so that a run of
/// queued records between brackets is the JSON array a drain returns: a drain copies
/// one span, it does not parse or serialize. After a drain that empties the queue the
/// buffers keep their capacity (up to ``keptBytes``), so steady-state decisions
/// allocate nothing here.
final class ExposureLog: Sendable {
    /// Where a record starts in the text (at its comma), and whose it is (for erasure:
    /// compared as Strings, as the stores compare user ids).
    private struct Entry {
        var start: Int
        var userID: String
    }

    private struct State {
        /// `,{record},{record}…`: every entry's text, oldest first; the first `head`
        /// entries' text is dead until compacted.
        var text: [UInt8] = []
        var entries: [Entry] = []
        var head = 0
        var dropped = 0

        var queued: Int { entries.count - head }

        /// Where entry `k`'s text ends.
        func end(_ k: Int) -> Int { k + 1 < entries.count ? entries[k + 1].start : text.count }

        /// Drops the dead prefix once it is most of the buffers (amortised O(1) per record).
        mutating func compactIfWorthIt() {
            guard head > 4096, head * 2 > entries.count else { return }
            let cut = head < entries.count ? entries[head].start : text.count
            text.removeFirst(cut)
            entries.removeFirst(head)
            head = 0
            for k in entries.indices { entries[k].start -= cut }
        }

        /// Keeps only the queued entries `keep` accepts; returns how many went.
        mutating func retain(where keep: (Entry) -> Bool) -> Int {
            var kept = State(dropped: dropped)
            for k in head..<entries.count where keep(entries[k]) {
                kept.entries.append(Entry(start: kept.text.count, userID: entries[k].userID))
                kept.text.append(contentsOf: text[entries[k].start..<end(k)])
            }
            let gone = queued - kept.entries.count
            self = kept
            return gone
        }
    }

    private let state = Mutex(State())
    let capacity: Int
    /// The most text an emptied queue keeps room for (a few thousand records).
    static let keptBytes = 1 << 20

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Queues `record`'s text, dropping the oldest record when the queue is full.
    func append(_ record: ExposureRecord) {
        state.withLock { s in
            if s.queued >= capacity {
                s.head += 1
                s.dropped += 1
            }
            s.entries.append(Entry(start: s.text.count, userID: record.userID))
            s.text.append(0x2C)
            record.write(into: &s.text)
            s.compactIfWorthIt()
        }
    }

    /// Removes up to `max` records, oldest first: the JSON array of their text
    /// (`[]` when none), and how many it holds.
    func drain(max: Int) -> (text: [UInt8], count: Int) {
        state.withLock { s in
            let n = Swift.min(Swift.max(0, max), s.queued)
            var out: [UInt8] = []
            if n == 0 {
                out = [0x5B, 0x5D]
            } else {
                // The span starts at the first record's comma: skip it.
                let span = (s.entries[s.head].start + 1)..<s.end(s.head + n - 1)
                out.reserveCapacity(span.count + 2)
                out.append(0x5B)
                out.append(contentsOf: s.text[span])
                out.append(0x5D)
            }
            s.head += n
            if s.head == s.entries.count {
                // Room for the next records is kept, unless a burst made it large.
                let keep = s.text.capacity <= Self.keptBytes
                s.text.removeAll(keepingCapacity: keep)
                s.entries.removeAll(keepingCapacity: keep)
                s.head = 0
            } else {
                s.compactIfWorthIt()
            }
            return (out, n)
        }
    }

    /// Erasure: removes the user's queued records.
    func forget(userID: String) {
        _ = state.withLock { s in s.retain { $0.userID != userID } }
    }

    /// Erasures elsewhere: removes the queued records of every user in `userIDs`, in one
    /// pass; returns how many went.
    func forget(userIDs: Set<String>) -> Int {
        guard !userIDs.isEmpty else { return 0 }
        return state.withLock { s in s.retain { !userIDs.contains($0.userID) } }
    }

    /// Erasures lost track of: removes every queued record; returns how many went.
    func forgetAll() -> Int {
        state.withLock { s in
            let n = s.queued
            s = State(dropped: s.dropped)
            return n
        }
    }

    var dropped: Int { state.withLock { $0.dropped } }
    var count: Int { state.withLock { $0.queued } }
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
