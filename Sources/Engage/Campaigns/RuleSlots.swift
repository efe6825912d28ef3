/// Identical rules of a campaign set share one slot, so a decision evaluates each of them
/// at most once (issue 15, stage 2: the bench's 100 campaigns hold ~5 distinct rules,
/// which ran 45 times a decision).
///
/// Rules are identical when their JSON as written is (object members in the same order).
/// A slot's answer depends only on what every use of it reads:
/// - audience and exclusion rules (one table): the request's data, the user and history;
/// - scores: the same, answered as a number;
/// - trigger filters: the request's event properties;
/// - exit criteria (an event name with an optional filter): the user's history.
/// None reads the campaign it belongs to, so one answer serves every campaign.
struct RuleSlots: Sendable {
    /// One campaign's slots; -1 where it has no such rule.
    struct Campaign: Sendable {
        var audience: Int32 = -1
        var exclusion: Int32 = -1
        var score: Int32 = -1
        /// Per trigger, in document order (-1: no filter).
        var triggers: [Int32] = []
        /// Per exit criterion, in document order.
        var exits: [Int32] = []
    }

    /// Indexed like ``CompiledCampaignSet/campaigns``.
    let campaigns: [Campaign]
    /// Distinct audience and exclusion rules.
    let requestRules: Int
    /// Distinct score rules.
    let scores: Int
    /// Distinct trigger filters.
    let triggerFilters: Int
    /// Distinct exit criteria.
    let exits: Int

    init(_ compiled: [CompiledCampaign]) {
        var rules = Interner(), scores = Interner(), filters = Interner(), exits = Interner()
        var out: [Campaign] = []
        out.reserveCapacity(compiled.count)
        for c in compiled {
            var slots = Campaign()
            if c.audience != nil, let rule = c.campaign.audience { slots.audience = rules.slot(rule) }
            if c.exclusion != nil, let rule = c.campaign.exclusion { slots.exclusion = rules.slot(rule) }
            if c.score != nil, let rule = c.campaign.score { slots.score = scores.slot(rule) }
            slots.triggers = c.triggers.map { t in
                guard t.filter != nil, let source = t.source else { return -1 }
                return filters.slot(source)
            }
            slots.exits = c.exit.map { e in
                exits.slot(.array([.string(e.event), e.filter != nil ? e.source ?? .null : .null]))
            }
            out.append(slots)
        }
        campaigns = out
        requestRules = rules.count
        self.scores = scores.count
        triggerFilters = filters.count
        self.exits = exits.count
    }

    /// Dense slots by the rule's compact JSON text.
    private struct Interner {
        var slots: [[UInt8]: Int32] = [:]
        var count: Int { slots.count }

        mutating func slot(_ rule: JSON) -> Int32 {
            let key = JSONSerializer.bytes(rule)
            if let s = slots[key] { return s }
            let s = Int32(slots.count)
            slots[key] = s
            return s
        }
    }
}

/// One decision's answers by ``RuleSlots`` slot: each rule runs at most once.
struct RuleMemo {
    /// Per slot: 0 not yet evaluated, 1 false, 2 true. Request rules first, then trigger
    /// filters, then exit criteria, then whether each score is known.
    private var states: [UInt8]
    private var scoreValues: [Double]
    private let filterBase: Int, exitBase: Int, scoreBase: Int

    init(_ slots: RuleSlots) {
        filterBase = slots.requestRules
        exitBase = filterBase + slots.triggerFilters
        scoreBase = exitBase + slots.exits
        states = [UInt8](repeating: 0, count: scoreBase + slots.scores)
        scoreValues = slots.scores == 0 ? [] : [Double](repeating: 0, count: slots.scores)
    }

    /// The answer of request rule `slot`, evaluating it with `body` the first time. An
    /// error is not remembered: each use evaluates again and reports it.
    mutating func request(_ slot: Int32, _ body: () throws(LogicError) -> Bool) throws(LogicError) -> Bool {
        try answer(Int(slot), body)
    }

    mutating func triggerFilter(_ slot: Int32, _ body: () throws(LogicError) -> Bool) throws(LogicError) -> Bool {
        try answer(filterBase + Int(slot), body)
    }

    mutating func exit(_ slot: Int32, _ body: () -> Bool) -> Bool {
        let i = exitBase + Int(slot)
        if states[i] != 0 { return states[i] == 2 }
        let found = body()
        states[i] = found ? 2 : 1
        return found
    }

    mutating func score(_ slot: Int32, _ body: () throws(LogicError) -> Double) throws(LogicError) -> Double {
        let s = Int(slot)
        if states[scoreBase + s] != 0 { return scoreValues[s] }
        let value = try body()
        scoreValues[s] = value
        states[scoreBase + s] = 2
        return value
    }

    private mutating func answer(_ i: Int, _ body: () throws(LogicError) -> Bool) throws(LogicError) -> Bool {
        if states[i] != 0 { return states[i] == 2 }
        let value = try body()
        states[i] = value ? 2 : 1
        return value
    }
}
