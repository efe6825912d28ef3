// One decision, as the specification reads (docs/pipeline.md maps each step to its
// file): the request read (this file: the clock, the time zone, the user's state with
// the request's event applied) → the eligibility steps, campaign by campaign
// (Eligibility/) → arbitration, holdout/control, variant and personalisation
// (Arbitration.swift) → the commit (Commit.swift: the only stage that writes the store
// and the exposure log) → the decision (Finish.swift). Each step that drops a campaign
// names a ReasonCode and the values involved (docs/decisions.md).

/// One decision's working state.
struct DecisionRun {
    let engine: Engine
    let set: CompiledCampaignSet
    let request: DecisionRequest
    let now: Int64
    let zone: ZoneRules
    let zoneName: String
    /// The user's state as loaded, with the request's event applied (``eventRecord``).
    let state: UserStateOverlay
    /// The request's event as the decision records it (nil: no event, or
    /// `record_event: false`).
    let eventRecord: StateRecord?
    /// What the store read, for the decision's first commit to start from
    /// (``StateStore/loadForCommit(userID:)``); nil once used, or when the store has no
    /// use for it.
    var basis: StateBasis?
    /// For rules on event properties (trigger and exit filters).
    let context: EvaluationContext
    /// For rules on the request (audience, exclusion, score): remembers segment results.
    let requestContext: EvaluationContext
    let local: LocalDateTime
    var traces: [Int: CampaignTrace] = [:]
    var reasonCounts = ReasonTally()
    /// The current local day, week and month, once resolved (cap windows).
    var calendarRanges = InlineArray<3, Range<Int64>?>(repeating: nil)
    /// Impressions counted per policy cap (tag caps, then global, then channel; -1 not
    /// yet counted), made on first use.
    var capUsed: [Int] = []
    /// Consent per purpose × (any, each channel): 0 not yet read, 1 no, 2 yes.
    var consentCache = InlineArray<21, UInt8>(repeating: 0)
    /// Quiet-hours policy per purpose × channel (``Channel/ordinal``): -2 not yet
    /// resolved, -1 none, else its index.
    var quietCache = InlineArray<21, Int32>(repeating: -2)
    /// The request's reachable channels, one bit per ``Channel/ordinal`` (all when unsaid).
    let reachableMask: UInt8
    /// Whether the user is on the suppression list (read once, not per campaign).
    let suppressed: Bool
    /// Whether the commit recorded the request's event.
    var recordedEvent = false
    /// Answers of the set's distinct rules, each evaluated at most once.
    var memo: RuleMemo

    /// The request read: the decision's clock and time zone, and the user's state as the
    /// store holds it with the request's event applied. The store is read here and
    /// written only by the commit (Commit.swift).
    init(engine: Engine, set: CompiledCampaignSet, request: DecisionRequest) throws(DecisionError) {
        self.engine = engine
        self.set = set
        self.request = request
        now = request.now ?? engine.clock()
        if let name = request.timeZone {
            do throws(TimeZoneError) {
                zone = try engine.zones.zone(named: name)
            } catch {
                throw DecisionError(.invalidRequest, path: "time_zone", "\(error)")
            }
            zoneName = name
        } else {
            zone = set.defaultZone
            zoneName = set.set.defaultTimeZone
        }
        // The request's event is part of the history this decision reads (the 3rd
        // visit sees 3), applied as the store will apply it when the decision commits.
        var event: StateRecord? = nil
        if request.recordEvent, let name = request.eventName {
            let record = StateRecord.behaviour(HistoryEvent(name: name, time: now, properties: request.eventProperties))
            do throws(StateStoreError) {
                try UserState.validate(userID: request.userID, record)
            } catch {
                throw DecisionError(.invalidRequest, path: "event", error.message)
            }
            event = record
        }
        let loadedState: UserState
        do throws(StateStoreError) {
            if request.commit {
                (loadedState, basis) = try engine.store.loadForCommit(userID: request.userID)
            } else {
                loadedState = try engine.store.load(userID: request.userID)
            }
        } catch {
            throw DecisionError(store: error)
        }
        state = UserStateOverlay(loadedState, event, policy: engine.store.policy)
        eventRecord = event
        reachableMask = request.reachableMask ?? 0xFF
        suppressed = set.set.policies.suppression.contains(request.userID)
        context = EvaluationContext(now: now, userID: request.userID, timeZone: zoneName, history: state)
        var withMemo = context
        withMemo.segmentMemo = SegmentMemo(segments: set.segments.ordinals)
        requestContext = withMemo
        local = zone.localTime(atUTC: Self.seconds(now))
        memo = RuleMemo(set.ruleSlots)
    }

    static func seconds(_ ms: Int64) -> Int64 { ms / 1000 - (ms % 1000 < 0 ? 1 : 0) }

    // MARK: - Run

    /// The stages in order: the campaigns the request's event and placements can apply,
    /// each through the eligibility steps (``screen(_:)``), ranked, then arbitrated
    /// and committed (``allocate(_:)``).
    mutating func execute() throws(DecisionError) -> Decision {
        // The campaigns the event or a placement can apply, one bit each: walked in
        // document order with no sort, no index list and no hashing of indexes.
        var taken = [UInt64](repeating: 0, count: (set.campaigns.count + 63) / 64)
        func take(_ list: [Int]?) {
            for i in list ?? [] where i >= 0 && i / 64 < taken.count { taken[i / 64] |= 1 << UInt64(i % 64) }
        }
        if let event = request.eventName { take(set.byEvent[event]) }
        for p in request.placements { take(set.byPlacement[p]) }
        if request.explain {
            for c in set.campaigns where taken[c.index / 64] & (1 << UInt64(c.index % 64)) == 0 {
                traces[c.index] = CampaignTrace(
                    campaignID: c.campaign.id, reason: .trigger,
                    detail: "not triggered by this event or placement")
            }
        }
        var eligible: [Candidate] = []
        for (w, word) in taken.enumerated() {
            var bits = word
            while bits != 0 {
                let i = w * 64 + bits.trailingZeroBitCount
                bits &= bits &- 1
                if let c = screen(set.campaigns[i]) { eligible.append(c) }
            }
        }
        rank(&eligible)
        return try allocate(eligible)
    }

    // MARK: - Shared by the steps

    /// Counts a campaign out at `reason`; `detail` is built only when the request asks
    /// for an explanation.
    mutating func drop(
        _ index: Int, _ reason: ReasonCode, _ detail: @autoclosure () -> String,
        cap: CapScope? = nil
    ) {
        reasonCounts[reason] += 1
        if request.explain {
            let text = request.explainDetails || reason == .channel || reason == .quietHours ? detail() : ""
            traces[index] = CampaignTrace(
                campaignID: set.campaigns[index].campaign.id, reason: reason, detail: text,
                capScope: cap)
        }
    }

    /// `prefix`, then (explanations only) the clause that decided and the values it read.
    func explainRule(_ rule: JSON?, was outcome: Bool, prefix: String) -> String {
        guard let rule else { return prefix }
        var explainer = RuleExplainer(set: set, data: request.data, context: context, limits: engine.evaluationLimits)
        return prefix + ": " + explainer.why(rule, was: outcome)
    }
}

/// A number as two digits (local clock times in explanations).
func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
