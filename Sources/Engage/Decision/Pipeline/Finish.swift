// The decision as committed (specification: "Explain"): the messages shown, with the
// channels passed over for each, the holdout and control assignments, and — when the
// request asks why — every campaign's trace.

extension DecisionRun {
    /// The decision for a committed plan: its messages in order and its assignments.
    mutating func finish(_ plan: Plan) -> Decision {
        var messages: [Decision.Message] = []
        messages.reserveCapacity(plan.planned.count)
        // In the plan's order: arbitration appends messages to `planned` in rank order.
        for k in plan.planned.indices {
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
        }
        var traceList: [CampaignTrace]? = nil
        if request.explain {
            traceList = set.campaigns.compactMap { traces[$0.index] }
        }
        return Decision(userID: request.userID, now: now, messages: messages, assignments: plan.assignments, traces: traceList)
    }

    func compiledScore(_ c: Candidate) -> Double? {
        set.campaigns[c.index].score == nil ? nil : c.score
    }
}
