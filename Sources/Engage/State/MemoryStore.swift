import Synchronization

/// A ``StateStore`` held in process memory: for tests, device-side use (one user on a
/// phone or kiosk) and gateways that accept losing state on restart.
///
/// Threading: users are spread over ``stripeCount`` lock stripes by a hash of their id;
/// each stripe is a `Mutex` over a dictionary of ``UserState`` values, so operations on
/// different users rarely contend and every operation on one user is serialized.
/// A critical section does O(entries touched) work and never allocates more than the
/// user's own state needs; `load` copies a value (copy-on-write, a few retains).
///
/// Memory: each user costs their ``UserState`` (bounded by the ``RetentionPolicy``) plus
/// a dictionary slot. Long strings (campaign ids, event property values) are shared by
/// the users of a stripe through a bounded ``StringTable``, not held once per user. Users whose retained history has expired stay (lifetime campaign
/// totals matter for lifetime caps) until ``forget(userID:)``, or until ``prune(now:)``
/// finds them with nothing left at all.
public final class MemoryStore: StateStore {
    /// Number of lock stripes.
    public static let stripeCount = 64

    /// What is kept per user.
    public let policy: RetentionPolicy
    private let stripes: [Stripe]

    private final class Stripe: Sendable {
        let users = Mutex(Users())
    }

    private struct Users {
        var states: [String: UserState] = [:]
        var strings = StringTable()
    }

    public init(policy: RetentionPolicy = .default) {
        self.policy = policy
        stripes = (0..<Self.stripeCount).map { _ in Stripe() }
    }

    private func stripe(for userID: String) -> Stripe {
        // FNV-1a: stable, cheap, and independent of the process's hash seed.
        var h: UInt32 = 2_166_136_261
        for b in userID.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return stripes[Int(h % UInt32(Self.stripeCount))]
    }

    public func load(userID: String) throws(StateStoreError) -> UserState {
        try UserState.validate(userID: userID)
        return stripe(for: userID).users.withLock { $0.states[userID] } ?? UserState()
    }

    public func record(userID: String, _ record: StateRecord) throws(StateStoreError) {
        try UserState.validate(userID: userID, record)
        let policy = self.policy
        stripe(for: userID).users.withLock { users in
            let record = users.strings.share(record)
            users.states[userID, default: UserState()].apply(record, policy: policy)
        }
    }

    public func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome] {
        try commit.validate(userID: userID)
        guard !commit.isEmpty else { return [] }
        let policy = self.policy
        return stripe(for: userID).users.withLock { users in
            let commit = users.strings.share(commit)
            return users.states[userID, default: UserState()].apply(commit, policy: policy)
        }
    }

    public func forget(userID: String) throws(StateStoreError) {
        try UserState.validate(userID: userID)
        _ = stripe(for: userID).users.withLock { $0.states.removeValue(forKey: userID) }
    }

    public func prune(now: Int64) throws(StateStoreError) {
        let policy = self.policy
        for stripe in stripes {
            stripe.users.withLock { users in
                // Walk by index and mutate values in place: iterating `keys` while
                // writing would copy the whole dictionary.
                var empty: [String] = []
                var i = users.states.startIndex
                while i != users.states.endIndex {
                    users.states.values[i].prune(policy: policy, now: now)
                    if users.states.values[i].isPrunable { empty.append(users.states.keys[i]) }
                    users.states.formIndex(after: &i)
                }
                for key in empty { users.states.removeValue(forKey: key) }
            }
        }
    }

    /// Number of users held (for tests and metrics). Not atomic across stripes.
    public var userCount: Int {
        stripes.reduce(0) { n, s in n + s.users.withLock { $0.states.count } }
    }
}
