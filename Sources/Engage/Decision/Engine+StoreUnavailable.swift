// Failing closed: a decision the store cannot serve shows nothing and says why, rather
// than failing the host's call or guessing at caps it cannot read.

extension DecisionError {
    /// The store failed while loading or committing the decision's user: `error` is kept
    /// so ``Engine/decide(_:)`` can tell an unavailable store from damaged data.
    init(store error: StateStoreError) {
        self.init(.store, path: "", "\(error)")
        storeError = error
    }
}

extension Engine {
    /// The decision for a store that is `unavailable` — down, not answering within its
    /// timeout, its breaker open, or conflicting writes without end: no message (a cap
    /// that cannot be read is never assumed free), nothing committed by this decision
    /// as far as the engine knows, `store_unavailable` counted in ``stats()``. Nil for
    /// any other error, which the caller throws: damaged data (`io`) and refused
    /// records (`invalid_record`) are the host's to see, not a transient state.
    ///
    /// A commit that timed out may still have landed on the server: its impressions
    /// then count against caps although nothing was shown — fewer messages, never more.
    func failClosed(
        _ error: DecisionError, request: DecisionRequest, set: CompiledCampaignSet,
        started: ContinuousClock.Instant
    ) -> Decision? {
        guard let storeError = error.storeError, storeError.code == .unavailable else { return nil }
        var traces: [CampaignTrace]? = nil
        if request.explain {
            traces = set.campaigns.map {
                CampaignTrace(campaignID: $0.campaign.id, reason: .storeUnavailable, detail: storeError.message)
            }
        }
        var tally = ReasonTally()
        tally[.storeUnavailable] = 1
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        metrics.decided(
            reasons: tally, nanoseconds: seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000,
            recordedEvents: 0)
        metrics.storeUnavailable()
        return Decision(
            userID: request.userID, now: request.now ?? clock(), messages: [], assignments: [],
            traces: traces, storeUnavailable: storeError.message)
    }
}
