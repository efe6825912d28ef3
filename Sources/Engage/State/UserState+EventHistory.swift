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

    /// One call per hourly bucket: the series is the behaviour series (its index), whose
    /// buckets differ only in their numeric means.
    public func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        guard from <= through else { return }
        // Every matching hour of every series with this name, newest first.
        var picks: [(series: Int, hour: Int, last: Int64)] = []
        for (s, series) in behaviour.enumerated() where series.name == name {
            var h = series.hours.count - 1
            while h >= 0 {
                let last = series.hours[h].last
                if last < from { break }
                if last <= through { picks.append((s, h, last)) }
                h -= 1
            }
        }
        guard !picks.isEmpty else { return }
        picks.sort { $0.last > $1.last }
        // Each series' property shape is built once, and only if some bucket's properties
        // are read; its hours then only fill in values.
        var templates = [JSONObject??](repeating: nil, count: behaviour.count)
        for pick in picks {
            let series = behaviour[pick.series]
            let (s, hour) = (pick.series, pick.hour)
            let more = body(s, series.numericKeys, pick.last, Int(series.hours[hour].count)) {
                if templates[s] == nil { templates[s] = .some(series.propertiesTemplate) }
                return series.properties(hour: hour, template: templates[s] ?? nil)
            }
            if !more { return }
        }
    }

    /// Series by series, hours newest first: no list of picks, no sort, no closure per
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
        // Answers by the read members' values, in the order of `filterReads` (nil: absent).
        var answers: [(values: [JSON?], answer: FilterAnswer)] = []
        for series in behaviour where series.name == name {
            let hours = series.hours
            guard let (oldest, newest) = series.hours(from: from, through: through) else { continue }
            if !filterReads.contains(where: { series.numericKeys.contains($0) }) {
                let values = filterReads.map { key in series.dimensions.first { $0.key == key }?.value }
                let known = answers.first { $0.values == values }?.answer
                let answer = try keep({ Self.object(filterReads, values) }, newest - oldest + 1, known)
                if known == nil { answers.append((values, answer)) }
                guard answer.keep else { continue }
                for h in oldest...newest { result.count += Int(hours[h].count) }
                result.last = max(result.last ?? .min, hours[newest].last)
            } else {
                let template = series.propertiesTemplate
                for h in stride(from: newest, through: oldest, by: -1)
                where try keep({ series.properties(hour: h, template: template) }, 1, nil).keep {
                    result.count += Int(hours[h].count)
                    result.last = max(result.last ?? .min, hours[h].last)
                }
            }
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
        for series in behaviour where series.name == name {
            let hours = series.hours
            guard let (oldest, newest) = series.hours(from: from, through: through) else { continue }
            if series.numericKeys.contains(key) {
                let template = series.propertiesTemplate
                for h in stride(from: newest, through: oldest, by: -1)
                where try keep({ series.properties(hour: h, template: template) }, 1, nil).keep {
                    result.count += Int(hours[h].count)
                    result.last = max(result.last ?? .min, hours[h].last)
                }
                continue
            }
            let value = series.dimensions.first { $0.key == key }?.value
            let known = answers.first { $0.value == value }?.answer
            let answer = try keep(
                {
                    guard let value else { return .null }
                    if layout == nil { layout = JSONObject([(key, JSON.null)]) }
                    return .object(JSONObject(sharingKeysOf: layout ?? JSONObject(), values: [value]))
                }, newest - oldest + 1, known)
            if known == nil { answers.append((value, answer)) }
            guard answer.keep else { continue }
            for h in oldest...newest { result.count += Int(hours[h].count) }
            result.last = max(result.last ?? .min, hours[newest].last)
        }
        return result
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
        for series in behaviour where series.name == name {
            var h = series.hours.count - 1
            while h >= 0 {
                let hour = series.hours[h]
                if hour.last < from { break }
                if hour.last <= through {
                    result.count += Int(hour.count)
                    result.last = max(result.last ?? .min, hour.last)
                    if let property { result.sum += series.sum(hour: h, key: property) }
                }
                h -= 1
            }
        }
        return result
    }
}

extension UserState {
    /// From the campaign's impression ledger (exact for the newest
    /// ``RetentionPolicy/exactImpressions``; see ``ImpressionLedger`` for older ones).
    public func impressions(campaign id: String, from: Int64, through: Int64) -> EventAggregate {
        guard from <= through, let ledger = ledger(for: .campaign(id)) else { return EventAggregate() }
        let end = through == .max ? Int64.max : through + 1
        var result = EventAggregate(count: ledger.count(in: from..<end))
        if let t = ledger.recent.last(where: { $0 <= through }), t >= from { result.last = t }
        return result
    }
}
