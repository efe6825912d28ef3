// The decision pipeline, in the specification's order: status/schedule → trigger/
// placement → consent → audience/exclusion → exit → cooldown → caps → quiet hours →
// channel resolution; then arbitration, holdout/control, variant, personalisation and
// the atomic commit. Each step that drops a campaign names a ReasonCode and the values
// involved (docs/decisions.md).

extension Engine {
    /// Decides for `request`.
    ///
    /// - Throws: ``DecisionError`` for a request the engine cannot answer (no set
    ///   loaded, unknown time zone, store failure). A campaign whose rule fails to
    ///   evaluate is skipped with `rule_error`, never fails the decision.
    public func decide(_ request: DecisionRequest) throws(DecisionError) -> Decision {
        let started = ContinuousClock.now
        guard let set = campaignSet else {
            metrics.failed()
            throw DecisionError(.noCampaignSet, path: "", "no campaign set is loaded")
        }
        var run: DecisionRun
        let decision: Decision
        do throws(DecisionError) {
            run = try DecisionRun(engine: self, set: set, request: request)
            decision = try run.execute()
        } catch {
            if let closed = failClosed(error, request: request, set: set, started: started) { return closed }
            metrics.failed()
            throw error
        }
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        metrics.decided(
            reasons: run.reasonCounts,
            nanoseconds: seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000,
            recordedEvents: run.recordedEvent ? 1 : 0)
        return decision
    }

    /// Decides for a request given as JSON text, parsed within `limits` (default: the
    /// engine's ``requestLimits``, `limits.max_request_bytes` and `limits.max_depth`).
    public func decide(bytes: [UInt8], limits: JSONLimits? = nil) throws(DecisionError) -> Decision {
        let json: JSON
        do throws(JSONParseError) {
            json = try JSONParser.parse(bytes, limits: limits ?? requestLimits)
        } catch {
            metrics.failed()
            throw DecisionError(.invalidJSON, path: "", "\(error)")
        }
        return try decide(json: json)
    }

    /// Decides for a parsed request document.
    public func decide(json: JSON) throws(DecisionError) -> Decision {
        let request: DecisionRequest
        do throws(DecisionError) {
            request = try DecisionRequest(json: json)
        } catch {
            metrics.failed()
            throw error
        }
        return try decide(request)
    }

    /// Decides for `question` (a JSON object of request members) asked in `context`
    /// (``DecisionContext``): the decision for the context's members with the
    /// question's replacing those of the same name.
    public func decide(_ question: JSON, in context: DecisionContext) throws(DecisionError) -> Decision {
        let request: DecisionRequest
        do throws(DecisionError) {
            request = try context.request(question)
        } catch {
            metrics.failed()
            throw error
        }
        return try decide(request)
    }

    /// Hook for the C layer (`package`, not API): counts a request a host layer refused
    /// before it reached the engine (too big, not JSON), so `failed_requests` in
    /// ``stats()`` covers every failed call.
    package func countFailedRequest() { metrics.failed() }

    /// Like ``decide(_:)`` with `explain` set: every campaign's trace is returned.
    public func explain(_ request: DecisionRequest) throws(DecisionError) -> Decision {
        var r = request
        r.explain = true
        return try decide(r)
    }
}

/// Messages placed per slot (a placement, or nil for the event's message) during
/// arbitration: a few slots, so a list searched in place, no hashing.
private struct SlotFill {
    private var slots: [(slot: String?, count: Int)] = []

    func count(_ slot: String?) -> Int {
        for s in slots where s.slot == slot { return s.count }
        return 0
    }

    mutating func add(_ slot: String?) {
        for i in slots.indices where slots[i].slot == slot {
            slots[i].count += 1
            return
        }
        slots.append((slot, 1))
    }
}

/// An eligible campaign waiting for arbitration.
private struct Candidate {
    let index: Int
    let compiled: CompiledCampaign
    var campaign: Campaign { compiled.campaign }
    let score: Double
    /// Arbitration's keys besides the score: the campaign's priority and its id's rank
    /// (``CompiledCampaignSet/idRank``).
    let priority: Int
    let rank: Int
    /// Whether the request's event triggered it (it may then fill the event's slot,
    /// after the requested placements it has: ``DecisionRun/slot(for:filled:)``).
    let triggered: Bool
    let channel: Channel
    let cost: Double
}

/// Why a channel was skipped, kept as values: the text is written only for the messages
/// shown and for explanations, not for every channel of every campaign considered.
private enum ChannelSkip {
    case quiet(Channel, policy: Int)
    case notForeground
    case unreachable(Channel)
    case noConsent(Channel, Purpose)
    case cap(Channel, CapCheck, used: Int)
    case costsMore(Channel, than: Channel)

    var channel: Channel {
        switch self {
        case .quiet(let c, _), .unreachable(let c), .noConsent(let c, _), .cap(let c, _, _), .costsMore(let c, _): return c
        case .notForeground: return .inApp
        }
    }
}

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

    /// `detail` is built only when the request asks for an explanation.
    private mutating func drop(
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
    private func explainRule(_ rule: JSON?, was outcome: Bool, prefix: String) -> String {
        guard let rule else { return prefix }
        var explainer = RuleExplainer(set: set, data: request.data, context: context, limits: engine.evaluationLimits)
        return prefix + ": " + explainer.why(rule, was: outcome)
    }

    // MARK: - Run

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
                if let c = evaluate(set.campaigns[i]) { eligible.append(c) }
            }
        }
        // Arbitration: priority, then score, then campaign id (stable and documented),
        // the id as its precomputed rank: no string is compared.
        eligible.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.score != b.score { return a.score > b.score }
            return a.rank < b.rank
        }
        return try allocate(eligible)
    }

    // MARK: - Eligibility

    private mutating func evaluate(_ compiled: CompiledCampaign) -> Candidate? {
        let i = compiled.index
        guard compiled.campaign.status == .active else {
            drop(i, .status, "status \(compiled.campaign.status.rawValue)")
            return nil
        }
        if let s = compiled.campaign.schedule, let why = scheduleProblem(s, compiled.scheduleZone) {
            drop(i, .schedule, why)
            return nil
        }
        // Trigger / placement.
        let placed = request.placements.contains { compiled.campaign.placements.contains($0) }
        var matched = false
        if let event = request.eventName {
            let triggerSlots = set.ruleSlots.campaigns[i].triggers
            for (k, t) in compiled.triggers.enumerated() where t.event == event {
                guard let filter = t.filter else { matched = true; break }
                do throws(LogicError) {
                    let properties = request.eventProperties, context = context, limits = engine.evaluationLimits
                    if try memo.triggerFilter(
                        triggerSlots[k],
                        { () throws(LogicError) in
                            try filter.matches(properties, context: context, limits: limits)
                        })
                    {
                        matched = true; break
                    }
                } catch {
                    drop(i, .ruleError, "trigger filter: \(error)")
                    return nil
                }
            }
        }
        guard placed || matched else {
            let eventName = request.eventName
            drop(i, .trigger, eventName.map { "event \($0) does not match" } ?? "placements do not match")
            return nil
        }
        if compiled.campaign.purpose != .transactional, suppressed {
            drop(i, .suppressed, "user is on the suppression list")
            return nil
        }
        guard consents(compiled.campaign.purpose, nil) else {
            drop(i, .consent, "no \(compiled.campaign.purpose.rawValue) consent")
            return nil
        }
        let ruleSlots = set.ruleSlots.campaigns[i]
        if let audience = compiled.audience {
            do throws(LogicError) {
                guard try requestRule(audience, ruleSlots.audience) else {
                    let detail =
                        request.explain && request.explainDetails ? explainRule(compiled.campaign.audience, was: false, prefix: "audience rule is false") : ""
                    drop(i, .audience, detail)
                    return nil
                }
            } catch {
                drop(i, .ruleError, "audience: \(error)")
                return nil
            }
        }
        if let exclusion = compiled.exclusion {
            do throws(LogicError) {
                if try requestRule(exclusion, ruleSlots.exclusion) {
                    let detail =
                        request.explain && request.explainDetails ? explainRule(compiled.campaign.exclusion, was: true, prefix: "exclusion rule is true") : ""
                    drop(i, .exclusion, detail)
                    return nil
                }
            } catch {
                drop(i, .ruleError, "exclusion: \(error)")
                return nil
            }
        }
        if let why = exitReason(compiled, ruleSlots.exits) {
            drop(i, .exit, why)
            return nil
        }
        if let cooldown = compiled.campaign.cooldownAfterDismiss, let last = state.activity(for: compiled.campaign.id)?.lastDismissal,
            now &- last < cooldown.milliseconds
        {
            let zone = self.zone // the detail closure must not read self while drop mutates it
            drop(i, .cooldown, "dismissed at \(zone.rfc3339(last)); cooldown \(cooldown.text) until \(zone.rfc3339(last &+ cooldown.milliseconds))")
            return nil
        }
        // Campaign, tag and global caps.
        if let (full, used) = firstFull(set.capSpecs.campaign[i]) {
            drop(i, .cap, "cap \(full.label): \(used) of \(full.limit) used", cap: full.scope)
            return nil
        }
        // Quiet hours, reachability, channel consent and caps, cost.
        let choice = chooseChannel(compiled, keepSkips: request.explain)
        guard let chosen = choice.best else {
            let reason: ReasonCode = choice.quietOnly && !compiled.channelOrder.isEmpty ? .quietHours : .channel
            let detail = request.explain ? choice.skipped.map { "\($0.channel.rawValue): \(skipText($0))" }.joined(separator: "; ") : ""
            drop(i, reason, detail.isEmpty ? "no channels" : detail)
            return nil
        }
        var score = 0.0
        if let rule = compiled.score {
            do throws(LogicError) {
                let data = request.data, context = requestContext, limits = engine.evaluationLimits
                score = try memo.score(ruleSlots.score) { () throws(LogicError) in
                    numericValue(try rule.evaluate(data, context: context, limits: limits)) ?? 0
                }
            } catch {
                drop(i, .ruleError, "score: \(error)")
                return nil
            }
        }
        return Candidate(
            index: i, compiled: compiled, score: score, priority: compiled.campaign.priority, rank: set.idRank[i], triggered: matched,
            channel: chosen.channel, cost: chosen.cost)
    }

    /// The cheapest channel `compiled` can go out on now (quiet hours, reachability,
    /// channel consent and caps, cost), and — with `keepSkips`, for explanations and the
    /// messages shown — why each other channel was passed over. Reads only what the
    /// decision has read, so a second call answers as the first.
    private mutating func chooseChannel(
        _ compiled: CompiledCampaign, keepSkips: Bool
    ) -> (best: (channel: Channel, cost: Double)?, skipped: [ChannelSkip], quietOnly: Bool) {
        var best: (channel: Channel, cost: Double)? = nil
        var skipped: [ChannelSkip] = []
        var quietOnly = true
        func skip(_ s: @autoclosure () -> ChannelSkip) { if keepSkips { skipped.append(s()) } }
        for ch in compiled.channelOrder {
            if let q = quietPolicy(for: compiled.campaign.purpose, ch) {
                skip(.quiet(ch, policy: q))
                continue
            }
            quietOnly = false
            if ch == .inApp ? !request.foreground : reachableMask & ch.bit == 0 {
                skip(ch == .inApp ? .notForeground : .unreachable(ch))
                continue
            }
            guard consents(compiled.campaign.purpose, ch) else {
                skip(.noConsent(ch, compiled.campaign.purpose))
                continue
            }
            if let (full, used) = firstFull(set.capSpecs.channel[ch.ordinal]) {
                skip(.cap(ch, full, used: used))
                continue
            }
            var cost = set.channelCost[ch.ordinal]
            if ch == .whatsapp, state.isConversationOpen(channel: ch.rawValue, at: now) { cost = 0 }
            if let previous = best {
                if cost < previous.cost {
                    skip(.costsMore(previous.channel, than: ch))
                    best = (ch, cost)
                } else {
                    skip(.costsMore(ch, than: previous.channel))
                }
            } else {
                best = (ch, cost)
            }
        }
        return (best, skipped, quietOnly)
    }

    /// The slot a candidate fills next: the first requested placement it has with room,
    /// then (when the event triggered it) the event's slot (nil); nil when all are full.
    private func slot(for candidate: Candidate, filled: SlotFill) -> String?? {
        let placements = candidate.campaign.placements
        for p in request.placements where filled.count(p) < request.k && placements.contains(p) { return .some(p) }
        if candidate.triggered, filled.count(nil) < request.k { return .some(nil) }
        return nil
    }

    private func scheduleProblem(_ s: Schedule, _ fixed: ZoneRules?) -> String? {
        // Instants in the user's zone, as the rest of the explanation reads local time.
        if let start = s.start, now < start { return "starts at \(zone.rfc3339(start))" }
        if let end = s.end, now >= end { return "ended at \(zone.rfc3339(end))" }
        let t = fixed.map { $0.localTime(atUTC: Self.seconds(now)) } ?? local
        if !s.days.contains(isoWeekday: t.weekday) { return "not on \(WeekdaySet.names[max(0, min(6, t.weekday - 1))])" }
        if let hours = s.hours, !hours.contains(minuteOfDay: t.hour * 60 + t.minute) {
            return "outside \(hours) (local \(two(t.hour)):\(two(t.minute)))"
        }
        return nil
    }

    /// An audience or exclusion rule's answer, evaluated once per decision per slot.
    private mutating func requestRule(_ rule: Rule, _ slot: Int32) throws(LogicError) -> Bool {
        let data = request.data, context = requestContext, limits = engine.evaluationLimits
        return try memo.request(slot) { () throws(LogicError) in try rule.matches(data, context: context, limits: limits) }
    }

    private mutating func exitReason(_ compiled: CompiledCampaign, _ slots: [Int32]) -> String? {
        if state.activity(for: compiled.campaign.id)?.hasConverted == true { return "converted" }
        for (k, exit) in compiled.exit.enumerated() {
            let (state, now, context, limits) = (state, now, context, engine.evaluationLimits)
            let found = memo.exit(slots[k]) {
                var found = false
                state.forEachEvent(named: exit.event, from: .min, through: now) { e in
                    if let filter = exit.filter {
                        found = (try? filter.matches(e.properties, context: context, limits: limits)) ?? false
                    } else {
                        found = true
                    }
                    return !found
                }
                return found
            }
            if found { return "converted: \(exit.event)" }
        }
        return nil
    }

    /// The quiet-hours policy (its index) that holds `channel` quiet for `purpose` now.
    /// The quiet-hours policy (its index) in force now for `purpose` on `channel`, or
    /// nil; each purpose × channel resolved once per decision.
    private mutating func quietPolicy(for purpose: Purpose, _ channel: Channel) -> Int? {
        let k = Self.purposeIndex(purpose) * 7 + channel.ordinal
        if quietCache[k] == -2 {
            quietCache[k] = -1
            for (i, q) in set.set.policies.quietHours.enumerated()
            where (q.purpose == nil || q.purpose == purpose) && q.channels.contains(channel) {
                let t = quietLocalTime(q)
                if q.hours.contains(minuteOfDay: t.hour * 60 + t.minute) {
                    quietCache[k] = Int32(clamping: i)
                    break
                }
            }
        }
        return quietCache[k] < 0 ? nil : Int(quietCache[k])
    }

    private static func purposeIndex(_ purpose: Purpose) -> Int {
        purpose == .marketing ? 0 : purpose == .service ? 1 : 2
    }

    private func quietLocalTime(_ q: QuietHours) -> LocalDateTime {
        switch q.timeZone {
        case .user: return local
        case .named(let n): return set.zones[n].map { $0.localTime(atUTC: Self.seconds(now)) } ?? local
        }
    }

    /// A skipped channel's reason as the decision and explanations write it.
    private func skipText(_ skip: ChannelSkip) -> String {
        switch skip {
        case .quiet(let channel, let k):
            let policies = set.set.policies.quietHours
            guard k < policies.count else { return "quiet hours" }
            let q = policies[k]
            let t = quietLocalTime(q)
            let name: String
            switch q.timeZone {
            case .user: name = zoneName
            case .named(let n): name = n
            }
            return "quiet hours \(q.purpose?.rawValue ?? "all")/\(channel.rawValue) \(q.hours) \(name), now \(two(t.hour)):\(two(t.minute))"
        case .notForeground: return "app not in the foreground"
        case .unreachable: return "not reachable"
        case .noConsent(let channel, let purpose): return "no \(purpose.rawValue) consent on \(channel.rawValue)"
        case .cap(_, let full, let used): return "cap \(full.label): \(used) of \(full.limit) used"
        case .costsMore(_, let than): return "costs more than \(than.rawValue)"
        }
    }

    /// Consent for `purpose` on `channel` (nil: the purpose at all), read from the
    /// request once per decision and pair.
    private mutating func consents(_ purpose: Purpose, _ channel: Channel?) -> Bool {
        let p = purpose == .marketing ? 0 : purpose == .service ? 1 : 2
        var ch = 0
        if let channel {
            switch channel {
            case .inApp: ch = 1
            case .push: ch = 2
            case .rcs: ch = 3
            case .sms: ch = 4
            case .whatsapp: ch = 5
            case .email: ch = 6
            }
        }
        let k = p * 7 + ch
        if consentCache[k] == 0 { consentCache[k] = request.consents(purpose, channel) ? 2 : 1 }
        return consentCache[k] == 2
    }

    /// A cap resolved at `now`; the label's parts are joined only if read.
    private mutating func check(_ spec: CapSpec) -> CapCheck {
        CapCheck(
            scope: spec.scope, range: capRange(spec.cap), limit: spec.cap.count, labelPrefix: spec.labelPrefix,
            labelName: spec.labelName, windowLabel: spec.cap.window.label)
    }

    /// A cap's window resolved at `now`; calendar windows once per unit per decision.
    private mutating func capRange(_ cap: Cap) -> Range<Int64> {
        guard case .calendar(let unit) = cap.window else {
            return cap.window.range(now: now, zone: zone, firstWeekday: set.set.policies.weekStart)
        }
        let slot = unit == .day ? 0 : unit == .week ? 1 : 2
        if let cached = calendarRanges[slot] { return cached }
        let range = cap.window.range(now: now, zone: zone, firstWeekday: set.set.policies.weekStart)
        calendarRanges[slot] = range
        return range
    }

    /// The caps a message of `compiled` on `channel` must pass, in the order a commit
    /// re-checks them (``CapSpecTable``). Built only for messages that reach arbitration.
    private mutating func capChecks(_ compiled: CompiledCampaign, channel: Channel) -> [CapCheck] {
        let own = set.capSpecs.campaign[compiled.index], channelSpecs = set.capSpecs.channel[channel.ordinal]
        var checks: [CapCheck] = []
        checks.reserveCapacity(own.count + channelSpecs.count)
        for spec in own { checks.append(check(spec)) }
        for spec in channelSpecs { checks.append(check(spec)) }
        return checks
    }

    /// The first of `specs` that the state read has filled, with its count.
    private mutating func firstFull(_ specs: [CapSpec]) -> (CapCheck, Int)? {
        for spec in specs {
            let used = self.used(spec)
            if used >= spec.cap.count { return (check(spec), used) }
        }
        return nil
    }

    /// Impressions the state read holds in `spec`'s scope and window. A policy cap (tag,
    /// global, channel) is counted once per decision, however many campaigns it
    /// applies to.
    private mutating func used(_ spec: CapSpec) -> Int {
        guard spec.policySlot >= 0 else { return state.impressionCount(spec.scope, in: capRange(spec.cap)) }
        if capUsed.isEmpty { capUsed = [Int](repeating: -1, count: set.capSpecs.policySlots) }
        if capUsed[spec.policySlot] >= 0 { return capUsed[spec.policySlot] }
        let used = state.impressionCount(spec.scope, in: capRange(spec.cap))
        capUsed[spec.policySlot] = used
        return used
    }

    // MARK: - Allocation

    /// A message chosen, waiting for the commit.
    private struct Planned {
        let candidate: Candidate
        let slot: String?
        let variant: Variant?
        let payload: JSON
        let impression: Impression
        /// What the commit re-checks (``capChecks(_:channel:)``).
        let capChecks: [CapCheck]
    }

    /// A holdout or control assignment's exposure record, waiting for the commit.
    private struct Held {
        let campaign: CompiledCampaign
        let group: ReasonCode
        let variant: String?
        let slot: String?
    }

    /// What arbitration chose: messages to commit, assignments, and the order of their
    /// exposure records (`k ≥ 0`: `planned[k]`; `k < 0`: `held[-k - 1]`). Plain
    /// indexes rather than an enum with payloads, whose spare-bit tags valgrind reports
    /// as uninitialised reads.
    private struct Plan {
        var planned: [Planned] = []
        var held: [Held] = []
        var order: [Int] = []
        var assignments: [Decision.Assignment] = []
    }

    /// Arbitration, holdout/control, variants and personalisation, then the commit: the
    /// request's event and every chosen impression in one store write
    /// (``StateCommit``). Caps are counted on the state this decision read plus its own
    /// earlier messages, so a dry run (`commit: false`) shows what a commit would.
    ///
    /// A message whose cap a concurrent decision filled between this decision's read
    /// and its commit is refused by the store (`cap_race`); arbitration then runs again
    /// without it, so the next campaign may take its slot, and only the messages new in
    /// that plan are committed (a second write, only after a lost race).
    private mutating func allocate(_ eligible: [Candidate]) throws(DecisionError) -> Decision {
        let (tracesBefore, countsBefore) = (traces, reasonCounts)
        var refused: [Int: (cap: Int, used: Int)] = [:]
        var committed = Set<Int>()
        var withEvent = true
        while true {
            (traces, reasonCounts) = (tracesBefore, countsBefore)
            let plan = arbitrate(eligible, refused: refused)
            let fresh = plan.planned.filter { !committed.contains($0.candidate.index) }
            let outcomes = try commit(fresh, withEvent: withEvent)
            withEvent = false
            var lost = false
            for (p, outcome) in zip(fresh, outcomes) {
                switch outcome {
                case .committed: committed.insert(p.candidate.index)
                case .capReached(let cap, let used):
                    refused[p.candidate.index] = (cap, used)
                    lost = true
                }
            }
            if !lost { return finish(plan) }
        }
    }

    private mutating func arbitrate(_ eligible: [Candidate], refused: [Int: (cap: Int, used: Int)]) -> Plan {
        var plan = Plan()
        var filled = SlotFill()
        var usedGroups = Set<String>()
        let policies = set.set.policies
        let inControl =
            policies.controlGroupPercent > 0
            && Bucketing.inControl(salt: policies.controlGroupSalt, percent: policies.controlGroupPercent, userID: request.userID)
        for candidate in eligible {
            let compiled = candidate.compiled
            if !refused.isEmpty, let lost = refused[candidate.index] {
                let checks = capChecks(compiled, channel: candidate.channel)
                let full = checks[max(0, min(lost.cap, checks.count - 1))]
                drop(candidate.index, .capRace, "cap \(full.label): \(lost.used) of \(full.limit) used by a concurrent decision")
                continue
            }
            guard let slot = slot(for: candidate, filled: filled) else {
                drop(candidate.index, .arbitration, "slots already filled by higher-ranked campaigns")
                continue
            }
            if let group = compiled.campaign.exclusionGroup, usedGroups.contains(group) {
                drop(candidate.index, .arbitration, "exclusion group \(group) already used")
                continue
            }
            let variantIndex = chooseVariant(compiled)
            let variant = variantIndex.map { compiled.campaign.variants[$0] }
            if inControl
                || (compiled.holdoutThreshold > 0 && bucket(compiled.holdoutKey).map { $0 < compiled.holdoutThreshold } == true)
            {
                let group: ReasonCode = inControl ? .control : .holdout
                plan.assignments.append(Decision.Assignment(campaignID: compiled.campaign.id, group: group, variant: variant?.id))
                drop(candidate.index, group, inControl ? "global control group" : "holdout \(compiled.campaign.holdoutPercent)%")
                plan.order.append(-plan.held.count - 1)
                plan.held.append(Held(campaign: compiled, group: group, variant: variant?.id, slot: slot))
                filled.add(slot)
                if let group = compiled.campaign.exclusionGroup { usedGroups.insert(group) }
                continue
            }
            guard
                let template = compiled.template(variant: variantIndex, channel: candidate.channel)
            else { continue }
            let payload: JSON
            do throws(TemplateRenderError) {
                payload = try template.render(request.data, maxBytes: Self.maxPayloadBytes)
            } catch {
                drop(candidate.index, .personalisation, error.reason)
                continue
            }
            // A cap the earlier messages of this decision filled (a global cap of 1 a
            // day with k = 2): the state read already passed every cap.
            let checks = capChecks(compiled, channel: candidate.channel)
            if !plan.planned.isEmpty, let (index, used) = fullCap(checks, with: plan.planned) {
                let full = checks[index]
                drop(
                    candidate.index, .cap, "cap \(full.label): \(used) of \(full.limit) used with this decision's messages",
                    cap: full.scope)
                continue
            }
            let impression = Impression(
                campaignID: compiled.campaign.id, time: now, channel: candidate.channel.rawValue,
                purpose: compiled.campaign.purpose.rawValue, tags: compiled.campaign.tags)
            plan.order.append(plan.planned.count)
            plan.planned.append(
                Planned(
                    candidate: candidate, slot: slot, variant: variant, payload: payload, impression: impression,
                    capChecks: checks))
            filled.add(slot)
            if let group = compiled.campaign.exclusionGroup { usedGroups.insert(group) }
        }
        return plan
    }

    /// The first of `checks` that this decision's `planned` messages fill: each check
    /// already passed on the state read (eligibility), so only a check that some planned
    /// impression (all at `now`) counts in can be full now — counted as the state's
    /// impressions plus those. No copy of the state is changed.
    private func fullCap(_ checks: [CapCheck], with planned: [Planned]) -> (index: Int, used: Int)? {
        for (i, check) in checks.enumerated() where check.range.contains(now) {
            var extra = 0
            for p in planned where Self.counts(p.impression, in: check.scope) { extra += 1 }
            guard extra > 0 else { continue }
            let used = state.impressionCount(check.scope, in: check.range) + extra
            if used >= check.limit { return (i, used) }
        }
        return nil
    }

    /// Whether `impression` counts in `scope`'s ledger (``Impression/scopes``; `all`
    /// counts every impression).
    private static func counts(_ impression: Impression, in scope: CapScope) -> Bool {
        switch scope {
        case .campaign(let id): return impression.campaignID == id
        case .channel(let c): return impression.channel == c
        case .purpose(let p): return impression.purpose == p
        case .tag(let t): return impression.tags.contains(t)
        case .all: return true
        }
    }

    /// The decision as committed: messages, assignments and exposure records in order.
    private mutating func finish(_ plan: Plan) -> Decision {
        var messages: [Decision.Message] = []
        messages.reserveCapacity(plan.planned.count)
        for k in plan.order {
            if k < 0 {
                let h = plan.held[-k - 1]
                exposure(h.campaign.campaign.id, group: h.group, variant: h.variant, channel: nil, slot: h.slot)
            } else {
                // Fields read in place: a copy of the `Planned` or the `Campaign` costs a
                // retain and a release per field.
                let candidate = plan.planned[k].candidate, c = candidate.compiled
                drop(
                    candidate.index, .selected,
                    "priority \(c.campaign.priority), score \(describe(.number(candidate.score))), \(candidate.channel.rawValue) costing \(describe(.number(candidate.cost)))"
                )
                // A loop rather than `map`, whose closure would capture (copy) the whole run.
                let skips = chooseChannel(c, keepSkips: true).skipped
                var skipped: [(channel: Channel, reason: String)] = []
                if !skips.isEmpty {
                    skipped.reserveCapacity(skips.count)
                    for skip in skips { skipped.append((skip.channel, skipText(skip))) }
                }
                messages.append(
                    Decision.Message(
                        campaignID: c.campaign.id, placement: plan.planned[k].slot, variant: plan.planned[k].variant?.id,
                        channel: candidate.channel, cost: candidate.cost, payload: plan.planned[k].payload,
                        priority: c.campaign.priority, score: compiledScore(candidate), skippedChannels: skipped))
                exposure(c.campaign.id, group: .selected, variant: plan.planned[k].variant?.id, channel: candidate.channel, slot: plan.planned[k].slot)
            }
        }
        var traceList: [CampaignTrace]? = nil
        if request.explain {
            traceList = set.campaigns.compactMap { traces[$0.index] }
        }
        return Decision(userID: request.userID, now: now, messages: messages, assignments: plan.assignments, traces: traceList)
    }

    /// One store write: the request's event (`withEvent`, the decision's first write)
    /// and `planned`'s impressions — nothing with `commit: false`. One outcome per
    /// planned message.
    private mutating func commit(_ planned: [Planned], withEvent: Bool) throws(DecisionError) -> [CommitOutcome] {
        guard request.commit else { return Array(repeating: .committed, count: planned.count) }
        let writes = StateCommit(
            records: withEvent ? eventRecord.map { [$0] } ?? [] : [],
            impressions: planned.map { .init($0.impression, ifWithin: $0.capChecks) })
        guard !writes.isEmpty else { return [] }
        let outcomes: [CommitOutcome]
        do throws(StateStoreError) {
            // Only the first write starts from what the decision read: a second one
            // follows a lost race, so the state has changed since.
            outcomes = try engine.store.commit(userID: request.userID, writes, basis: basis)
            basis = nil
        } catch {
            throw DecisionError(store: error)
        }
        guard outcomes.count == planned.count else {
            throw DecisionError(.store, path: "", "io: the store answered \(outcomes.count) outcomes for \(planned.count) impressions")
        }
        if !writes.records.isEmpty { recordedEvent = true }
        return outcomes
    }

    private func compiledScore(_ c: Candidate) -> Double? {
        set.campaigns[c.index].score == nil ? nil : c.score
    }

    /// The index of the variant the user gets, or nil (no variants, or unbucketable).
    private func chooseVariant(_ compiled: CompiledCampaign) -> Int? {
        guard let bounds = compiled.variantBounds, let b = bucket(compiled.variantKey) else { return nil }
        let i = Bucketing.variant(bucket: b, bounds: bounds)
        return i < compiled.campaign.variants.count ? i : nil
    }

    /// The user's bucket under a campaign's key (nil: the key or the id holds U+0000).
    private func bucket(_ key: Bucketing.Murmur3?) -> Int? {
        key.flatMap { Bucketing.bucket($0, userID: request.userID) }
    }

    /// The most text one rendered payload may hold.
    static let maxPayloadBytes = 64 * 1024

    private func exposure(_ campaignID: String, group: ReasonCode, variant: String?, channel: Channel?, slot: String?) {
        engine.exposures.append(
            ExposureRecord(
                userID: request.userID, time: now, campaignID: campaignID, group: group, variant: variant, channel: channel,
                placement: slot, event: request.eventName))
    }
}

private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
