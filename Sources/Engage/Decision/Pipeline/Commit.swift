// The commit (specification: "the atomic commit"; docs/decisions.md, decide-and-commit):
// the only stage that writes the store — the request's event and the chosen
// impressions in one write, each impression re-checked against its caps under the
// store's lock — and the only one that appends to the exposure log.

extension DecisionRun {
    /// Arbitration, holdout/control, variants and personalisation, then the commit: the
    /// request's event and every chosen impression in one store write
    /// (``StateCommit``). Caps are counted on the state this decision read plus its own
    /// earlier messages, so a dry run (`commit: false`) shows what a commit would.
    ///
    /// A message whose cap a concurrent decision filled between this decision's read
    /// and its commit is refused by the store (`cap_race`); arbitration then runs again
    /// without it, so the next campaign may take its slot, and only the messages new in
    /// that plan are committed (a second write, only after a lost race).
    mutating func allocate(_ eligible: [Candidate]) throws(DecisionError) -> Decision {
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
            if !lost {
                logExposures(plan)
                return finish(plan)
            }
        }
    }

    /// One store write: the request's event (`withEvent`, the decision's first write)
    /// and `planned`'s impressions — nothing with `commit: false`. One outcome per
    /// planned message.
    mutating func commit(_ planned: [Planned], withEvent: Bool) throws(DecisionError) -> [CommitOutcome] {
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

    /// The exposure records of a committed plan, in its order: holdout and control
    /// assignments and the messages shown.
    func logExposures(_ plan: Plan) {
        for k in plan.order {
            if k < 0 {
                let h = plan.held[-k - 1]
                exposure(h.campaign.campaign.id, group: h.group, variant: h.variant, channel: nil, slot: h.slot)
            } else {
                // Fields read in place: a copy of the `Planned` costs a retain and a
                // release per field.
                exposure(
                    plan.planned[k].candidate.compiled.campaign.id, group: .selected, variant: plan.planned[k].variant?.id,
                    channel: plan.planned[k].candidate.channel, slot: plan.planned[k].slot)
            }
        }
    }

    func exposure(_ campaignID: String, group: ReasonCode, variant: String?, channel: Channel?, slot: String?) {
        engine.exposures.append(
            ExposureRecord(
                userID: request.userID, time: now, campaignID: campaignID, group: group, variant: variant, channel: channel,
                placement: slot, event: request.eventName))
    }
}
