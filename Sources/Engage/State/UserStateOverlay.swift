/// What a decision reads: a user's state as loaded plus the request's event, the event
/// not packed into the state but held beside it as the one change it makes
/// (``BehaviourLog/Change``) — every query (``EventHistory``, caps, cooldowns, exits,
/// conversations) answers exactly as the state with the event applied
/// (``UserState/apply(_:policy:)``) would, without re-packing the behaviour log per
/// decision. The commit still applies the event through the store.
///
/// When applying the event would prune behaviour (its time moves the retention cutoff past
/// a stored bucket, or the event is older than the cutoff itself), the event is applied
/// instead: rare, and the same answers by construction.
struct UserStateOverlay: EventHistory {
    /// The loaded state with the record's effects other than the behaviour event applied
    /// (the newest time, the prune); with the whole record when it is not held aside.
    let state: UserState
    /// The behaviour log as read, with the event's change when it is held aside.
    let behaviour: BehaviourView

    /// `loaded` with `record` (nil: none) applied under `policy`, a behaviour event held
    /// aside as an overlay.
    init(_ loaded: UserState, _ record: StateRecord?, policy: RetentionPolicy) {
        var state = loaded
        var change: BehaviourLog.Change? = nil
        if let record {
            let cutoff = policy.cutoff(newest: max(state.newest, record.time))
            if case .behaviour(let event) = record, event.time >= cutoff, state.behaviourLog.prunesNothing(before: cutoff) {
                // What apply does besides adding the event: the newest time, then the prune
                // (of ledgers and conversations: the behaviour keeps everything, checked above).
                state.newest = max(state.newest, event.time)
                state.prune(policy: policy)
                change = state.behaviourLog.change(adding: event, maxSeries: policy.maxBehaviourSeries)
            } else {
                state.apply(record, policy: policy)
            }
        }
        self.state = state
        behaviour = BehaviourView(state.behaviourLog, change: change)
    }

    /// The user's activity on a campaign, or nil.
    func activity(for campaignID: String) -> CampaignActivity? { state.activity(for: campaignID) }

    /// Impressions in `scope` with a time in `range` (``UserState/impressionCount(_:in:)``).
    func impressionCount(_ scope: CapScope, in range: Range<Int64>) -> Int { state.impressionCount(scope, in: range) }

    /// True when a conversation on `channel` is open at `time`.
    func isConversationOpen(channel: String, at time: Int64) -> Bool {
        state.isConversationOpen(channel: channel, at: time)
    }

    // MARK: EventHistory

    func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        behaviour.forEachEvent(named: name, from: from, through: through, body)
    }

    func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        behaviour.forEachEventGroup(named: name, from: from, through: through, body)
    }

    func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        behaviour.forEachEventBucket(named: name, from: from, through: through, body)
    }

    func countBySeries(
        named name: String, from: Int64, through: Int64, filterReads: [String],
        keep: (_ properties: () -> JSON, _ buckets: Int, _ known: FilterAnswer?) throws(LogicError) -> FilterAnswer
    ) throws(LogicError) -> EventAggregate? {
        try behaviour.countBySeries(named: name, from: from, through: through, filterReads: filterReads, keep: keep)
    }

    func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        behaviour.aggregate(named: name, from: from, through: through, sumOf: property)
    }

    func impressions(campaign id: String, from: Int64, through: Int64) -> EventAggregate {
        state.impressions(campaign: id, from: from, through: through)
    }
}
