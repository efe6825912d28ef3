// Arbitration (specification: "highest priority wins; an optional score … breaks ties;
// a request may ask for the top k for a placement"), then holdout/control, variant and
// personalisation for each candidate in rank order. Reads the store's state as the
// decision read it and writes nothing: the plan goes to the commit (Commit.swift).
// Reasons: `arbitration`, `holdout`, `control`, `personalisation`, `cap` (a cap this
// decision's earlier messages filled), `cap_race` (after a lost race).

/// Messages placed per slot (a placement, or nil for the event's message) during
/// arbitration: a few slots, so a list searched in place, no hashing.
struct SlotFill {
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

extension DecisionRun {
    /// A message chosen, waiting for the commit.
    struct Planned {
        let candidate: Candidate
        let slot: String?
        let variant: Variant?
        let payload: JSON
        let impression: Impression
        /// What the commit re-checks (``capChecks(_:channel:)``).
        let capChecks: [CapCheck]
    }

    /// A holdout or control assignment's exposure record, waiting for the commit.
    struct Held {
        let campaign: CompiledCampaign
        let group: ReasonCode
        let variant: String?
        let slot: String?
    }

    /// What arbitration chose: messages to commit, assignments, and the order of their
    /// exposure records (`k ≥ 0`: `planned[k]`; `k < 0`: `held[-k - 1]`). Plain
    /// indexes rather than an enum with payloads, whose spare-bit tags valgrind reports
    /// as uninitialised reads.
    struct Plan {
        var planned: [Planned] = []
        var held: [Held] = []
        var order: [Int] = []
        var assignments: [Decision.Assignment] = []
    }

    /// The eligible campaigns in arbitration order: priority, then score, then campaign
    /// id (stable and documented), the id as its precomputed rank: no string is compared.
    func rank(_ eligible: inout [Candidate]) {
        eligible.sort { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.score != b.score { return a.score > b.score }
            return a.rank < b.rank
        }
    }

    /// The plan for the ranked `eligible` campaigns; `refused` are those a concurrent
    /// decision's commit beat (``allocate(_:)``).
    mutating func arbitrate(_ eligible: [Candidate], refused: [Int: (cap: Int, used: Int)]) -> Plan {
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
    func fullCap(_ checks: [CapCheck], with planned: [Planned]) -> (index: Int, used: Int)? {
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
    static func counts(_ impression: Impression, in scope: CapScope) -> Bool {
        switch scope {
        case .campaign(let id): return impression.campaignID == id
        case .channel(let c): return impression.channel == c
        case .purpose(let p): return impression.purpose == p
        case .tag(let t): return impression.tags.contains(t)
        case .all: return true
        }
    }

    /// The slot a candidate fills next: the first requested placement it has with room,
    /// then (when the event triggered it) the event's slot (nil); nil when all are full.
    func slot(for candidate: Candidate, filled: SlotFill) -> String?? {
        let placements = candidate.campaign.placements
        for p in request.placements where filled.count(p) < request.k && placements.contains(p) { return .some(p) }
        if candidate.triggered, filled.count(nil) < request.k { return .some(nil) }
        return nil
    }

    /// The index of the variant the user gets, or nil (no variants, or unbucketable).
    func chooseVariant(_ compiled: CompiledCampaign) -> Int? {
        guard let bounds = compiled.variantBounds, let b = bucket(compiled.variantKey) else { return nil }
        let i = Bucketing.variant(bucket: b, bounds: bounds)
        return i < compiled.campaign.variants.count ? i : nil
    }

    /// The user's bucket under a campaign's key (nil: the key or the id holds U+0000).
    func bucket(_ key: Bucketing.Murmur3?) -> Int? {
        key.flatMap { Bucketing.bucket($0, userID: request.userID) }
    }

    /// The most text one rendered payload may hold.
    static let maxPayloadBytes = 64 * 1024
}
