/// Where users' state lives: impressions, clicks, dismissals, conversions, behaviour
/// events and conversation windows, per user, with bounded retention.
///
/// Four implementations are planned, and the operations are shaped so each can keep its
/// promises cheaply:
///
/// | store | `load` | `commit` atomicity |
/// |---|---|---|
/// | ``MemoryStore`` | copy of a value under a per-user-stripe lock | the stripe's lock |
/// | SQLite (embedded, durable) | memory cache, file is the source of truth | one `BEGIN IMMEDIATE` transaction |
/// | Redis (fleet of gateways) | one round trip (one hash / one script) | one Lua script (`EVALSHA`) |
/// | host callbacks (C ABI) | one callback returning the state as JSON | the host's callback, documented as atomic |
///
/// Caps arrive at a store already resolved to instants (``CapCheck``: scope, half-open
/// time range, limit): the engine turns rolling, calendar and lifetime windows in the
/// user's time zone into ranges, so a store needs no time-zone data and re-checks a cap
/// with one range count.
///
/// Times are milliseconds since the Unix epoch (UTC), the engine's injectable clock;
/// stores never read a clock of their own, so retention pruning is measured from the
/// newest record a user has (``UserState/newest``) or a `now` passed to ``prune(now:)``.
///
/// Every method is safe to call from any number of threads at once (`Sendable`).
/// Every method validates its input with ``UserState/validate(userID:_:)`` before it
/// changes anything and throws ``StateStoreError`` naming the offending field; a store
/// that cannot reach its backing storage throws `unavailable` or `io`, never traps.
public protocol StateStore: Sendable {
    /// A snapshot of everything known about `userID` (an empty state for a user never
    /// seen). The snapshot is a value: later writes do not change it.
    ///
    /// Atomicity: the snapshot is consistent — it reflects a prefix of the writes the
    /// store has acknowledged for this user, never part of a write (a committed
    /// impression appears in all its scopes or in none). Remote stores read it in one
    /// round trip.
    func load(userID: String) throws(StateStoreError) -> UserState

    /// Records one event for `userID`. Acknowledged records survive as the store
    /// promises (memory: until the process ends; SQLite with `sync: always`: a crash).
    ///
    /// Atomicity: one record is applied entirely or not at all; records for one user are
    /// applied in the order they are acknowledged. An impression recorded here is not
    /// checked against caps — it is the path for impressions decided elsewhere (e.g.
    /// shown by the host later); decisions use ``commit(userID:_:)``.
    func record(userID: String, _ record: StateRecord) throws(StateStoreError)

    /// Decide-and-commit: applies one decision's writes as one atomic write — the
    /// records unconditionally, then each impression only if every cap in its checks
    /// still allows one more, counted in the store on the state as the records and the
    /// impressions before it left it (``StateCommit``; ``UserState/apply(_:policy:)``
    /// gives the semantics every store shares). Returns one outcome per impression, in
    /// order: `committed`, or the first full cap (that impression is not recorded).
    ///
    /// Atomicity: linearizable per user, and all or nothing: a commit is acknowledged
    /// with everything it recorded, or fails having recorded nothing. Of any number of
    /// concurrent commits for one user (threads, processes, gateways sharing the store),
    /// at most `limit` impressions are committed for each cap range; no commit observes
    /// another half-applied. Commits for different users do not wait for each other (in
    /// the memory store, unless their ids share a lock stripe).
    func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome]

    /// ``load(userID:)`` for a decision that may commit: the state, and what lets that
    /// commit skip reading it again (``commit(userID:_:basis:)``) — nil (the default)
    /// for a store with no use for it.
    func loadForCommit(userID: String) throws(StateStoreError) -> (state: UserState, basis: StateBasis?)

    /// ``commit(userID:_:)``, tried first on `basis`, the state a ``loadForCommit(userID:)``
    /// read and its version: a store whose compare-and-swap takes the version read
    /// (``VersionedStateStore``) then writes without reading again when nothing changed
    /// since, and otherwise reads and retries as always. The same semantics and
    /// atomicity; the default ignores `basis`.
    func commit(userID: String, _ commit: StateCommit, basis: StateBasis?) throws(StateStoreError) -> [CommitOutcome]

    /// What the store keeps per user: a decision applies its request's event to the
    /// state it read with the same policy, so it sees what the store will hold.
    var policy: RetentionPolicy { get }

    /// Erases everything about `userID` (GDPR erasure): impressions, lifetime totals,
    /// clicks, dismissals, conversions, behaviour, conversations. Afterwards ``load``
    /// returns an empty state. Erasing an unknown user is not an error.
    ///
    /// Atomicity: writes for the user acknowledged before `forget` returns are erased;
    /// a write racing with it is either erased or applied after it, never half of each.
    func forget(userID: String) throws(StateStoreError)

    /// Drops what every user's retention no longer keeps, measured from `now` (or the
    /// user's newest record if later), and forgets users left with nothing. Stores with
    /// native expiry (Redis TTLs) may do nothing. Not atomic across users.
    func prune(now: Int64) throws(StateStoreError)

    /// Users erased through other engines sharing this store (other processes, other
    /// gateways) since the last call, so the engine drops what it still holds of them —
    /// its queued exposures — before the host drains them (``Engine/drainExposures(max:)``).
    /// Bounded work per call; may do I/O (never called on a decision's path). A store no
    /// other engine can write (memory) answers ``StoreErasures/none`` (the default).
    func erasures() throws(StateStoreError) -> StoreErasures

    /// What the store says about its own health for ``Engine/stats()`` (under `store`),
    /// e.g. a Redis store's circuit breaker; nil (the default) when it has nothing to say.
    /// Cheap: read without I/O.
    var statistics: JSON? { get }
}

extension StateStore {
    public var statistics: JSON? { nil }
    public func erasures() throws(StateStoreError) -> StoreErasures { .none }

    public func loadForCommit(userID: String) throws(StateStoreError) -> (state: UserState, basis: StateBasis?) {
        (try load(userID: userID), nil)
    }

    public func commit(userID: String, _ commit: StateCommit, basis: StateBasis?) throws(StateStoreError) -> [CommitOutcome] {
        try self.commit(userID: userID, commit)
    }
}

/// A user's state as a store read it, with the version it had
/// (``StateStore/loadForCommit(userID:)``); opaque to the engine, which hands it back to
/// the same store's ``StateStore/commit(userID:_:basis:)``.
public struct StateBasis: Sendable {
    let state: UserState
    let version: UInt64
}

/// What ``StateStore/erasures()`` answers: the users other engines erased since the
/// last call, and whether that list is complete.
public struct StoreErasures: Sendable, Equatable {
    /// Users erased, oldest first (a user may appear more than once, or be one this
    /// engine erased itself).
    public var userIDs: [String]
    /// False when the store lost track of erasures (it fell behind more than it keeps, its
    /// record of them was reset, or calls were served before it knew where it stood): any
    /// user may have been erased, and the engine drops everything it holds.
    public var complete: Bool

    public init(userIDs: [String] = [], complete: Bool = true) {
        self.userIDs = userIDs
        self.complete = complete
    }

    /// Nothing erased elsewhere.
    public static let none = StoreErasures()
}

extension StateStore {
    /// The default retention policy, for stores that do not say.
    public var policy: RetentionPolicy { .default }

    /// Records `impression` only if every cap in `checks` still allows one more —
    /// counted in the store, under the store's own atomicity — and otherwise records
    /// nothing and returns the first full cap: ``commit(userID:_:)`` with one impression.
    public func commitImpression(
        userID: String, _ impression: Impression,
        ifWithin checks: [CapCheck]
    ) throws(StateStoreError) -> CommitOutcome {
        let outcomes = try commit(userID: userID, StateCommit(impressions: [.init(impression, ifWithin: checks)]))
        guard outcomes.count == 1 else {
            throw StateStoreError(.io, "the store answered \(outcomes.count) outcomes for one impression")
        }
        return outcomes[0]
    }
}

/// Why a store refused or failed an operation.
public struct StateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error codes.
    public enum Code: String, Sendable {
        /// A user id or record broke ``StateLimits``; `message` names the field.
        case invalidRecord = "invalid_record"
        /// The backing store could not be reached (Redis down, host callback failed).
        case unavailable
        /// The backing store failed to read or write (disk full, corrupt file).
        case io
    }

    public let code: Code
    /// What and where, e.g. `impression.tags[2]: 300 bytes (at most 256)`.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = ErrorText.bounded(message)
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
