// Eligibility step 8 (specification: "exit criteria (converted)"): a user who converted
// on the campaign, or had one of its exit events (with its filter), is out for good.
// Reason: `exit`.

extension DecisionRun {
    @inline(__always)
    mutating func exitCriteria(_ c: Screening) -> Bool {
        if let why = exitReason(c.compiled, set.ruleSlots.campaigns[c.index].exits) {
            drop(c.index, .exit, why)
            return false
        }
        return true
    }

    mutating func exitReason(_ compiled: CompiledCampaign, _ slots: [Int32]) -> String? {
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
}
