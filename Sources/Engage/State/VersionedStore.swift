/// Storage that keeps one versioned value per user and can replace it only if it is
/// still the version read — a compare-and-swap. Anything with that one primitive (a
/// host's database row with a version column, a key-value store with CAS, Redis
/// `WATCH`/`MULTI`, a map under a mutex) can hold libengage's state through
/// ``VersionedStateStore``, which does the rest: decoding, applying records, checking
/// caps and retrying on conflict.
public protocol VersionedStorage: Sendable {
    /// The user's stored bytes and their version; `nil` when nothing is stored.
    func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)?
    /// Stores `bytes` only if the user's current version is `expected` (0: nothing is
    /// stored yet), giving them a new version; false, storing nothing, when another
    /// write came first.
    func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool
    /// As ``write(userID:_:expected:)``, saying when the value may expire: at
    /// `expiresAt` (ms since the epoch, ``UserState/expiry(policy:)``), or never when nil.
    /// ``VersionedStateStore`` calls this one. Storage with native expiry (Redis) sets
    /// it with the write; the default ignores it and calls ``write(userID:_:expected:)``.
    func write(userID: String, _ bytes: [UInt8], expected: UInt64, expiresAt: Int64?) throws(StateStoreError) -> Bool
    /// Removes the user's bytes (no error when there are none).
    func erase(userID: String) throws(StateStoreError)
    /// The storage's own health, reported as the store's ``StateStore/statistics``;
    /// nil (the default) when it has nothing to say.
    var statistics: JSON? { get }
    /// Users other writers of this storage erased since the last call: the store's
    /// ``StateStore/erasures()``; ``StoreErasures/none`` (the default) when nothing else
    /// writes it or it cannot tell.
    func erasures() throws(StateStoreError) -> StoreErasures
}

extension VersionedStorage {
    public var statistics: JSON? { nil }
    public func erasures() throws(StateStoreError) -> StoreErasures { .none }

    public func write(userID: String, _ bytes: [UInt8], expected: UInt64, expiresAt: Int64?) throws(StateStoreError) -> Bool {
        try write(userID: userID, bytes, expected: expected)
    }
}

/// A ``StateStore`` over ``VersionedStorage``: each user's ``UserState`` is one value
/// (``UserState/encoded()``), read, changed and written back with a compare-and-swap.
///
/// - `load`: one read.
/// - `record`: read, apply, conditional write; on a conflict, again.
/// - `commit`: read, apply the records, check each impression's caps on the state so
///   far and apply it, one conditional write; on a conflict, again — so a commit whose
///   write lands was checked against
///   the state it replaced, and caps hold across threads, processes and hosts exactly
///   as far as the storage's compare-and-swap is atomic. A decision's commit skips the
///   first read: it starts from the state and version its
///   ``loadForCommit(userID:)`` read.
///
/// After a lost race the first retries are immediate and later ones wait a random
/// pause that grows to 1 ms (``ConflictBackoff``), so contending writers spread out;
/// after ``maxAttempts`` conflicts in a row the operation fails with `unavailable`
/// rather than spinning. Retention is applied on every write (``RetentionPolicy``), and
/// each write tells the storage when the value may expire (``UserState/expiry(policy:)``);
/// ``prune(now:)`` does nothing, since the storage, not the engine, knows its users.
public final class VersionedStateStore<Storage: VersionedStorage>: StateStore {
    public let storage: Storage
    public let policy: RetentionPolicy
    /// Conditional writes tried per operation before giving up.
    public let maxAttempts: Int

    public init(_ storage: Storage, policy: RetentionPolicy = .default, maxAttempts: Int = 64) {
        self.storage = storage
        self.policy = policy
        self.maxAttempts = max(1, maxAttempts)
    }

    public var statistics: JSON? { storage.statistics }

    public func erasures() throws(StateStoreError) -> StoreErasures { try storage.erasures() }

    private func current(_ userID: String) throws(StateStoreError) -> (UserState, UInt64) {
        guard let (bytes, version) = try storage.read(userID: userID) else { return (UserState(), 0) }
        do throws(StateStoreError) {
            return (try UserState(encoded: bytes), version)
        } catch {
            throw StateStoreError(.io, "user \(userID.prefix(64)): \(error.message)")
        }
    }

    public func load(userID: String) throws(StateStoreError) -> UserState {
        try UserState.validate(userID: userID)
        return try current(userID).0
    }

    public func record(userID: String, _ record: StateRecord) throws(StateStoreError) {
        try UserState.validate(userID: userID, record)
        for attempt in 0..<maxAttempts {
            var (state, version) = try current(userID)
            state.apply(record, policy: policy)
            if try save(userID, state, expected: version) { return }
            ConflictBackoff.pause(after: attempt)
        }
        throw conflict(userID)
    }

    public func loadForCommit(userID: String) throws(StateStoreError) -> (state: UserState, basis: StateBasis?) {
        try UserState.validate(userID: userID)
        let (state, version) = try current(userID)
        return (state, StateBasis(state: state, version: version))
    }

    public func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome] {
        try self.commit(userID: userID, commit, basis: nil)
    }

    /// The first attempt applies the commit to `basis` (the state the decision read)
    /// and writes it if the version is still `basis.version` — one round trip instead
    /// of two; caps are checked on that state exactly as on a fresh read, and a write
    /// in between (or an erasure) fails the compare-and-swap, so the next attempt reads.
    public func commit(userID: String, _ commit: StateCommit, basis: StateBasis?) throws(StateStoreError) -> [CommitOutcome] {
        try commit.validate(userID: userID)
        guard !commit.isEmpty else { return [] }
        var basis = basis
        for attempt in 0..<maxAttempts {
            var (state, version): (UserState, UInt64)
            if let b = basis { (state, version) = (b.state, b.version) } else { (state, version) = try current(userID) }
            basis = nil
            let outcomes = state.apply(commit, policy: policy)
            // Every impression refused and nothing else to write: nothing changes.
            if commit.records.isEmpty, !outcomes.contains(.committed) { return outcomes }
            if try save(userID, state, expected: version) { return outcomes }
            ConflictBackoff.pause(after: attempt)
        }
        throw conflict(userID)
    }

    private func save(_ userID: String, _ state: UserState, expected: UInt64) throws(StateStoreError) -> Bool {
        try storage.write(userID: userID, state.encoded(), expected: expected, expiresAt: state.expiry(policy: policy))
    }

    public func forget(userID: String) throws(StateStoreError) {
        try UserState.validate(userID: userID)
        try storage.erase(userID: userID)
    }

    public func prune(now: Int64) throws(StateStoreError) {}

    private func conflict(_ userID: String) -> StateStoreError {
        StateStoreError(.unavailable, "user \(userID.prefix(64)): \(maxAttempts) conflicting writes in a row")
    }
}
