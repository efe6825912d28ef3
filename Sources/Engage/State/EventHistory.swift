/// One behaviour event in a user's history (a page view, an app open, a cart add).
public struct HistoryEvent: Sendable, Equatable {
    /// The event name, e.g. `page_view`.
    public var name: String
    /// When it happened, in milliseconds since the Unix epoch (UTC).
    public var time: Int64
    /// Its properties (an object, or null), e.g. `{"page": "/plans", "dwell_s": 42}`.
    public var properties: JSON

    /// An event.
    public init(name: String, time: Int64, properties: JSON = .null) {
        self.name = name
        self.time = time
        self.properties = properties
    }
}

/// Count, sum and most recent time of a set of events.
public struct EventAggregate: Sendable, Equatable {
    /// How many events.
    public var count: Int
    /// Sum of a numeric property over the events (non-numeric values are skipped).
    public var sum: Double
    /// The most recent event's time, or nil when there is none.
    public var last: Int64?

    /// An aggregate; empty by default.
    public init(count: Int = 0, sum: Double = 0, last: Int64? = nil) {
        self.count = count
        self.sum = sum
        self.last = last
    }
}

/// A filter's answer for an event and the evaluation steps it took.
public struct FilterAnswer: Sendable, Equatable {
    public var keep: Bool
    public var steps: Int

    public init(keep: Bool, steps: Int) {
        self.keep = keep
        self.steps = steps
    }
}

/// Read access to one user's behaviour history, for the behaviour operators
/// (`event_count`, `event_sum`, `last_seen`). Stores implement it: the in-memory
/// ``InMemoryHistory`` here, durable and shared stores elsewhere.
///
/// Implementations must be safe to call from several threads at once.
public protocol EventHistory: Sendable {
    /// Calls `body` with each event named `name` whose time is in `from...through`,
    /// **newest first**, until `body` returns false.
    func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool)

    /// Count, sum of `property` (when given) and last time of the events named `name`
    /// in `from...through`. Stores that keep bucketed aggregates answer this without
    /// visiting events; the default implementation visits them.
    func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate

    /// Like ``forEachEvent(named:from:through:_:)``, but identical events may come as one
    /// call with their number (`count` ≥ 1), newest first — stores that keep bucketed
    /// history pass a bucket once, so a filter is evaluated once per bucket. The default
    /// passes each event with a count of 1.
    func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool)

    /// Like ``forEachEventGroup(named:from:through:_:)``, newest first, with each group's
    /// `series` — groups of one series share it within one call and have the same
    /// properties except the members named in `varying` — and its properties built only
    /// if `properties` is called. A series of -1 is unknown (no sharing). Filters that
    /// read only members outside `varying` are evaluated once per series.
    func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool)

    /// Count and last time of the impressions of campaign `id` in `from...through` (for
    /// the `impressions` and `last_impression` operators). Histories that hold no
    /// impressions use the default: none.
    func impressions(campaign id: String, from: Int64, through: Int64) -> EventAggregate

    /// Count and last time of the events named `name` in `from...through` that `keep`
    /// accepts, for a filter that reads only the members `filterReads` of an event's
    /// properties (first keys). Histories that keep series (see
    /// ``forEachEventBucket(named:from:through:_:)``) call `keep` once per series whose
    /// fixed members hold values of the read keys not seen before in this call — with an
    /// object of just those members and the number of buckets (groups) the answer stands
    /// for — and otherwise pass the answer given for those values as `known` (the
    /// closure counts the work again and returns it); when the filter reads a member that varies within a series, once per bucket
    /// with that bucket's properties and 1. Histories without series answer nil (the
    /// default): the caller visits the events.
    func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate?
}

extension EventHistory {
    public func impressions(campaign id: String, from: Int64, through: Int64) -> EventAggregate {
        EventAggregate()
    }

    public func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate? {
        nil
    }

    public func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        forEachEventGroup(named: name, from: from, through: through) { e, count in
            body(-1, [], e.time, count, { e.properties })
        }
    }

    public func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        forEachEvent(named: name, from: from, through: through) { body($0, 1) }
    }

    public func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        var result = EventAggregate()
        forEachEvent(named: name, from: from, through: through) { event in
            result.count += 1
            if result.last == nil { result.last = event.time }
            if let property, case .number(let d)? = event.properties[property] { result.sum += d }
            return true
        }
        return result
    }
}

/// A history held in memory: events grouped by name and sorted by time, so a query
/// costs O(log n + matches).
public struct InMemoryHistory: EventHistory {
    private let byName: [String: [HistoryEvent]]

    /// Builds a history from events in any order.
    public init(_ events: [HistoryEvent]) {
        var groups: [String: [HistoryEvent]] = [:]
        for e in events { groups[e.name, default: []].append(e) }
        for k in groups.keys { groups[k]?.sort { $0.time < $1.time } }
        byName = groups
    }

    /// Builds a history from a JSON array of `{"name": ..., "time": ms, "properties": {...}}`.
    ///
    /// - Throws: ``LogicError`` (`invalidArguments`) naming the first malformed entry.
    public init(json: JSON) throws(LogicError) {
        guard case .array(let items) = json else {
            throw LogicError(.invalidArguments, path: "history", "history must be an array of events, found \(json.typeName)")
        }
        var events: [HistoryEvent] = []
        for (i, item) in items.enumerated() {
            guard case .string(let name)? = item["name"] else {
                throw LogicError(.invalidArguments, path: "history[\(i)].name", "expected a string")
            }
            guard let t = item["time"].flatMap(Instant.milliseconds) else {
                throw LogicError(
                    .invalidArguments, path: "history[\(i)].time",
                    "\(Instant.expected), found \(item["time"].map(ErrorText.shown) ?? "nothing")")
            }
            events.append(HistoryEvent(name: name, time: t, properties: item["properties"] ?? .null))
        }
        self.init(events)
    }

    public func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        guard let list = byName[name], from <= through else { return }
        // First index with time > through.
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].time <= through { lo = mid + 1 } else { hi = mid }
        }
        var i = lo - 1
        while i >= 0, list[i].time >= from {
            if !body(list[i]) { return }
            i -= 1
        }
    }
}
