/// One decision's writes for one user, applied by a store as a single atomic write: the
/// records first (unconditionally — the decide request's own event), then each
/// impression only if its caps still allow one more, counted on the state as the
/// records and the impressions before it in this commit left it.
///
/// A decision that shows two messages and records the page view that asked for them is
/// one `StateCommit` — one SQLite transaction, one compare-and-swap, one Redis script —
/// so the event and the impressions are acknowledged together or not at all.
public struct StateCommit: Sendable, Equatable {
    /// One impression and the caps it must fit.
    public struct Conditional: Sendable, Equatable {
        public var impression: Impression
        /// Every cap here must allow one more, or this impression is not recorded.
        public var checks: [CapCheck]

        public init(_ impression: Impression, ifWithin checks: [CapCheck]) {
            self.impression = impression
            self.checks = checks
        }
    }

    /// Applied first, whatever the caps say.
    public var records: [StateRecord]
    /// Applied in order, each only if its caps allow.
    public var impressions: [Conditional]

    public init(records: [StateRecord] = [], impressions: [Conditional] = []) {
        self.records = records
        self.impressions = impressions
    }

    /// Nothing to write.
    public var isEmpty: Bool { records.isEmpty && impressions.isEmpty }

    /// Checks every record and impression against ``StateLimits`` before anything is
    /// applied, so a commit is refused whole or applied whole.
    public func validate(userID: String) throws(StateStoreError) {
        try UserState.validate(userID: userID)
        for r in records { try UserState.validate(userID: userID, r) }
        for c in impressions { try UserState.validate(userID: userID, .impression(c.impression)) }
    }
}

extension UserState {
    /// Applies `commit` (semantics: ``StateCommit``) and returns one outcome per
    /// impression, in order. Every store applies commits through this one function, so
    /// they agree on what a commit does.
    public mutating func apply(_ commit: StateCommit, policy: RetentionPolicy) -> [CommitOutcome] {
        for r in commit.records { apply(r, policy: policy) }
        var outcomes: [CommitOutcome] = []
        outcomes.reserveCapacity(commit.impressions.count)
        for c in commit.impressions {
            if let full = firstFullCap(c.checks) {
                outcomes.append(.capReached(index: full.index, used: full.used))
            } else {
                apply(.impression(c.impression), policy: policy)
                outcomes.append(.committed)
            }
        }
        return outcomes
    }
}
