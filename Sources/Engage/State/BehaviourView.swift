// The behaviour operators (`event_count`, `event_sum`, `last_seen`) read a user's
// behaviour log through this view: its hourly aggregates are replayed as events (see
// BehaviourSeries for the precision), and unfiltered aggregates are answered from the
// buckets without replay. The view may carry one pending change (the request's event, not
// yet applied: ``UserStateOverlay``), and answers exactly as the log with it applied.

/// A user's behaviour log as read by the behaviour operators, with at most one pending
/// ``BehaviourLog/Change``: its series is read in place of the stored one it replaces (or
/// after the stored ones when new), and the series it evicts is skipped — the order and
/// the bytes ``BehaviourLog/add(_:maxSeries:)`` would leave.
struct BehaviourView: EventHistory {
    let log: BehaviourLog
    let change: BehaviourLog.Change?

    init(_ log: BehaviourLog, change: BehaviourLog.Change? = nil) {
        self.log = log
        self.change = change
    }

    /// Which symbols a string is, in the patch's symbols when there is one (the stored
    /// ones followed by any new): valid for the records of both.
    private func match(_ string: String) -> BehaviourLog.Match {
        if let change { return change.patch.match(string) }
        return log.match(string)
    }

    /// Calls `body` with each series named `name` and the log it lies in, in the order of
    /// the log with the change applied, until it returns false.
    private func forEachSeries<E: Error>(
        named name: String, _ body: (BehaviourLog, BehaviourLog.Record) throws(E) -> Bool
    ) throws(E) {
        guard let change else {
            try log.forEachSeries(named: name) { (r) throws(E) -> Bool in try body(log, r) }
            return
        }
        let (patch, replaced, evicted) = (change.patch, change.replaced ?? -1, change.evicted ?? -1)
        var stopped = false
        try log.forEachSeries(named: name) { (r) throws(E) -> Bool in
            if r.start == evicted { return true }
            if r.start == replaced, let p = patch.record(at: 0) {
                stopped = !(try body(patch, p))
            } else {
                stopped = !(try body(log, r))
            }
            return !stopped
        }
        guard !stopped, replaced < 0 else { return }
        try patch.forEachSeries(named: name) { (r) throws(E) -> Bool in try body(patch, r) }
    }

    func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        forEachEventGroup(named: name, from: from, through: through) { event, count in
            var remaining = count
            while remaining > 0 {
                if !body(event) { return false }
                remaining -= 1
            }
            return true
        }
    }

    /// One call per hourly bucket, with the bucket's event count.
    func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        forEachEventBucket(named: name, from: from, through: through) { _, _, time, count, properties in
            body(HistoryEvent(name: name, time: time, properties: properties()), count)
        }
    }

    /// One call per hourly bucket: the series is the behaviour series (its position among
    /// the series of this name), whose buckets differ only in their numeric means.
    func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        guard from <= through else { return }
        // Every matching bucket of every series with this name, newest first.
        var series: [(log: BehaviourLog, record: BehaviourLog.Record)] = []
        var picks: [(series: Int, bucket: BehaviourLog.Bucket)] = []
        forEachSeries(named: name) { log, r in
            var c = log.cursor(r)
            while let b = log.next(&c), b.last >= from {
                if b.last <= through { picks.append((series.count, b)) }
            }
            series.append((log, r))
            return true
        }
        guard !picks.isEmpty else { return }
        picks.sort { $0.bucket.last > $1.bucket.last }
        // Each series' numeric keys and property shape are built once, and only if needed;
        // its buckets then only fill in values.
        var keys = [[String]?](repeating: nil, count: series.count)
        var templates = [JSONObject??](repeating: nil, count: series.count)
        for pick in picks {
            let (s, b) = (pick.series, pick.bucket)
            let (log, r) = series[s]
            if keys[s] == nil { keys[s] = r.numericCount == 0 ? [] : log.numericKeys(r) }
            let more = body(s, keys[s] ?? [], b.last, b.count) {
                if templates[s] == nil { templates[s] = .some(log.template(r)) }
                return log.properties(r, b, template: templates[s] ?? nil)
            }
            if !more { return }
        }
    }

    /// Series by series, buckets newest first: no list of picks, no sort, no closure per
    /// bucket when the filter reads only a series' fixed members — and one evaluation per
    /// distinct tuple of the values it reads (11 pages, not 36 page × referrer series),
    /// on an object of just those members.
    func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate? {
        var result = EventAggregate()
        guard from <= through else { return result }
        if filterReads.count == 1 {
            return try countBySeries(named: name, from: from, through: through, reading: filterReads[0], keep: keep)
        }
        // Answers by the read members' values, in the order of `filterReads` (nil: absent).
        var answers: [(values: [JSON?], answer: FilterAnswer)] = []
        let reads = filterReads.map { match($0) }
        try forEachSeries(named: name) { (log, r) throws(LogicError) -> Bool in
            if !reads.contains(where: { log.numericIndex(r, $0) != nil }) {
                guard let (count, buckets, last) = log.window(r, from: from, through: through) else { return true }
                let values = reads.map { log.dimension(r, $0) }
                let known = answers.first { $0.values == values }?.answer
                let answer = try keep({ Self.object(filterReads, values) }, buckets, known)
                if known == nil { answers.append((values, answer)) }
                guard answer.keep else { return true }
                result.count += count
                result.last = max(result.last ?? .min, last)
            } else {
                try Self.countBuckets(log, r, from, through, into: &result, keep)
            }
            return true
        }
        return result
    }

    /// ``countBySeries(named:from:through:filterReads:keep:)`` for a filter that reads one
    /// member (`{"==": [{"var": "page"}, "/plans"]}`, the common case): answers by that
    /// member's value, no array of values per series; the objects evaluated share one
    /// key layout.
    private func countBySeries(
        named name: String, from: Int64, through: Int64, reading key: String,
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    )
        throws(LogicError) -> EventAggregate
    {
        var result = EventAggregate()
        var answers: [(value: JSON?, answer: FilterAnswer)] = []
        var layout: JSONObject? = nil
        let read = match(key)
        try forEachSeries(named: name) { (log, r) throws(LogicError) -> Bool in
            if log.numericIndex(r, read) != nil {
                try Self.countBuckets(log, r, from, through, into: &result, keep)
                return true
            }
            guard let (count, buckets, last) = log.window(r, from: from, through: through) else { return true }
            let value = log.dimension(r, read)
            let known = answers.first { $0.value == value }?.answer
            let answer = try keep(
                {
                    guard let value else { return .null }
                    if layout == nil { layout = JSONObject([(key, JSON.null)]) }
                    return .object(JSONObject(sharingKeysOf: layout ?? JSONObject(), values: [value]))
                }, buckets, known)
            if known == nil { answers.append((value, answer)) }
            guard answer.keep else { return true }
            result.count += count
            result.last = max(result.last ?? .min, last)
            return true
        }
        return result
    }

    /// Adds the buckets in the window that `keep` accepts, one evaluation per bucket (a
    /// filter that reads a numeric member, whose mean varies by bucket).
    private static func countBuckets(
        _ log: BehaviourLog, _ r: BehaviourLog.Record, _ from: Int64, _ through: Int64, into result: inout EventAggregate,
        _ keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) {
        var template: JSONObject?? = nil
        var c = log.cursor(r)
        while let b = log.next(&c), b.last >= from {
            guard b.last <= through else { continue }
            let properties = {
                if template == nil { template = .some(log.template(r)) }
                return log.properties(r, b, template: template ?? nil)
            }
            if try keep(properties, 1, nil).keep {
                result.count += b.count
                result.last = max(result.last ?? .min, b.last)
            }
        }
    }

    /// `{key: value}` for the keys with a value; null when none has one.
    private static func object(_ keys: [String], _ values: [JSON?]) -> JSON {
        var pairs: [(String, JSON)] = []
        for (key, value) in zip(keys, values) { if let value { pairs.append((key, value)) } }
        return pairs.isEmpty ? .null : .object(JSONObject(pairs))
    }

    func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        var result = EventAggregate()
        guard from <= through else { return result }
        let sumOf = property.map { match($0) } ?? .none
        forEachSeries(named: name) { log, r in
            guard let k = log.numericIndex(r, sumOf) else {
                if let (count, _, last) = log.window(r, from: from, through: through) {
                    result.count += count
                    result.last = max(result.last ?? .min, last)
                }
                return true
            }
            var c = log.cursor(r)
            while let b = log.next(&c), b.last >= from {
                guard b.last <= through else { continue }
                result.count += b.count
                result.last = max(result.last ?? .min, b.last)
                result.sum += log.sum(b, k)
            }
            return true
        }
        return result
    }
}
