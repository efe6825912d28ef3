// A UserState is an EventHistory: its behaviour log read through a ``BehaviourView``
// without a pending change, its campaign ledgers for the impression operators.

extension UserState: EventHistory {
    public func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        BehaviourView(behaviourLog).forEachEvent(named: name, from: from, through: through, body)
    }

    /// One call per hourly bucket, with the bucket's event count.
    public func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        BehaviourView(behaviourLog).forEachEventGroup(named: name, from: from, through: through, body)
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
        BehaviourView(behaviourLog).forEachEventBucket(named: name, from: from, through: through, body)
    }

    /// Series by series (``BehaviourView/countBySeries(named:from:through:filterReads:keep:)``).
    public func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate? {
        try BehaviourView(behaviourLog).countBySeries(named: name, from: from, through: through, filterReads: filterReads, keep: keep)
    }

    public func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        BehaviourView(behaviourLog).aggregate(named: name, from: from, through: through, sumOf: property)
    }

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
