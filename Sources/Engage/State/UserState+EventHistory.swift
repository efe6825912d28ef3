// The behaviour operators (`event_count`, `event_sum`, `last_seen`) read a UserState
// directly: its hourly aggregates are replayed as events (see BehaviourSeries for the
// precision), and unfiltered aggregates are answered from the buckets without replay.

extension UserState: EventHistory {
    public func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
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
    public func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        forEachEventBucket(named: name, from: from, through: through) { _, _, time, count, properties in
            body(HistoryEvent(name: name, time: time, properties: properties()), count)
        }
    }

    /// One call per hourly bucket: the series is the behaviour series (its position among
    /// the series of this name), whose buckets differ only in their numeric means.
    public func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        guard from <= through else { return }
        let log = behaviourLog
        // Every matching bucket of every series with this name, newest first.
        var series: [BehaviourLog.Record] = []
        var picks: [(series: Int, bucket: BehaviourLog.Bucket)] = []
        log.forEachSeries(named: name) { r in
            var c = log.cursor(r)
            while let b = log.next(&c), b.last >= from {
                if b.last <= through { picks.append((series.count, b)) }
            }
            series.append(r)
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
            let r = series[s]
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
    public func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate? {
        var result = EventAggregate()
        guard from <= through else { return result }
        if filterReads.count == 1 {
            return try countBySeries(named: name, from: from, through: through, reading: filterReads[0], keep: keep)
        }
        let log = behaviourLog
        // Answers by the read members' values, in the order of `filterReads` (nil: absent).
        var answers: [(values: [JSON?], answer: FilterAnswer)] = []
        let reads = filterReads.map { log.match($0) }
        try log.forEachSeries(named: name) { (r) throws(LogicError) -> Bool in
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
        let log = behaviourLog
        let read = log.match(key)
        try log.forEachSeries(named: name) { (r) throws(LogicError) -> Bool in
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

    public func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        var result = EventAggregate()
        guard from <= through else { return result }
        let log = behaviourLog
        let sumOf = property.map { log.match($0) } ?? .none
        log.forEachSeries(named: name) { r in
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

extension UserState {
    /// From the campaign's impression ledger (exact for the newest
    /// ``RetentionPolicy/exactImpressions``; see ``ImpressionLedger`` for older ones).
    public func impressions(campaign id: String, from: Int64, through: Int64) -> EventAggregate {
        guard from <= through, let i = ledgerLog.scopes.firstIndex(of: .campaign(id)) else { return EventAggregate() }
        let end = through == .max ? Int64.max : through + 1
        var result = EventAggregate(count: ledgerLog.count(i, in: from..<end))
        if let t = ledgerLog.last(i, through: through), t >= from { result.last = t }
        return result
    }
}
