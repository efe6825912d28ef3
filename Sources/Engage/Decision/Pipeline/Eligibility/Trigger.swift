// Eligibility step 3 (specification: "trigger/placement"): the campaign has one of the
// requested placements, or a trigger on the request's event whose filter (if any)
// holds on the event's properties. Reasons: `trigger`, `rule_error`.

extension DecisionRun {
    @inline(__always)
    mutating func triggerOrPlacement(_ c: inout Screening) -> Bool {
        let i = c.index, compiled = c.compiled
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
                    return false
                }
            }
        }
        guard placed || matched else {
            let eventName = request.eventName
            drop(i, .trigger, eventName.map { "event \($0) does not match" } ?? "placements do not match")
            return false
        }
        c.triggered = matched
        return true
    }
}
