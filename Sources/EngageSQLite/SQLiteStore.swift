// The embedded durable store: users' state in one SQLite file (WAL), decisions served
// from memory. See docs/state.md.
import CSQLite
import Engage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A ``StateStore`` in one SQLite file: the file is the source of truth, memory a cache.
///
/// - **Layout**: one row per user, `users(user_id, state, updated_ms)`, `state` being
///   ``UserState/encoded()`` — bounded by the ``RetentionPolicy`` (hourly buckets), so a
///   behaviour count over 7 days costs O(buckets) whatever the traffic.
/// - **Reads** (`load`, the decision path): from the cache when the user is there and
///   the entry is younger than `cacheTTL`; otherwise one indexed read of the file.
/// - **Writes** (`record`, `commitImpression`, `forget`): in a write transaction that
///   reads the user's row from the file, applies the change (re-checking caps for a
///   commit) and writes it back, so caps hold across threads *and* processes sharing
///   the file (nginx workers). Concurrent writers share a transaction and its fsync
///   (group commit): each waits for the writer lock, and whoever gets it commits every
///   write queued by then.
/// - **Durability**: `sync: .always` — a write returns after its transaction is on disk
///   (WAL, `synchronous=FULL`): it survives `kill -9` and power loss. `sync: .batch` —
///   `synchronous=NORMAL`: a returned write survives the process being killed, but a
///   power loss may lose the writes since the last WAL checkpoint (at most
///   `walCheckpointPages` pages of WAL, 4 MiB by default).
public final class SQLiteStore: StateStore, @unchecked Sendable {
    /// How durable an acknowledged write is.
    public enum Sync: String, Sendable {
        case always, batch
    }

    /// The file's layout version (`PRAGMA user_version`).
    public static let schemaVersion: Int64 = 2
    /// `PRAGMA application_id`: "Enga".
    public static let applicationID: Int64 = 0x456E_6761

    public let path: String
    public let sync: Sync
    public let policy: RetentionPolicy
    /// How long a cached user is trusted before it is read again (other processes may
    /// have written it); `nil`: until evicted (one process per file).
    public let cacheTTL: Int64?
    public let cacheCapacity: Int

    /// Writes waiting for the next group transaction.
    private let pending = Mutex<[WriteOp]>([])
    /// The write connection, held by the group's leader for one transaction.
    private let writer: Mutex<Writer>
    /// The read connection, for cache misses.
    private let reader: Mutex<Reader>
    private let cache: [CacheStripe]
    private let clock: @Sendable () -> Int64

    private struct Cached {
        var state: UserState
        var loaded: Int64
        /// ``writes`` when the state was read or written: a state is cached only over
        /// an older one, so a thread that remembers late (a write's caller woken after
        /// the next write, a read that raced a write) cannot put back a stale state.
        var sequence: UInt64
    }

    /// Writes run so far, counted under the writer lock: each write's sequence number.
    private let writes = Atomic<UInt64>(0)

    private final class CacheStripe: Sendable {
        let users = Mutex<[String: Cached]>([:])
    }

    /// Creates or opens the store at `path`.
    ///
    /// - Throws: `io` naming the file and what is wrong: not a database, another
    ///   application's database, a newer layout, damaged pages (`PRAGMA quick_check`),
    ///   or a folder that cannot be written.
    public init(
        path: String, sync: Sync = .always, policy: RetentionPolicy = .default,
        cacheCapacity: Int = 100_000, cacheTTL: Int64? = 1_000,
        walCheckpointPages: Int = 1_000,
        clock: @escaping @Sendable () -> Int64 = SystemClock.milliseconds
    ) throws(StateStoreError) {
        self.path = path
        self.sync = sync
        self.policy = policy
        self.cacheTTL = cacheTTL
        self.cacheCapacity = max(0, cacheCapacity)
        self.clock = clock
        let w = try SQLiteConnection(path: path)
        try Self.prepareFile(w, sync: sync, walCheckpointPages: walCheckpointPages)
        writer = Mutex(try Writer(w))
        reader = Mutex(try Reader(SQLiteConnection(path: path)))
        cache = (0..<64).map { _ in CacheStripe() }
    }

    // MARK: Opening

    private static func prepareFile(_ db: SQLiteConnection, sync: Sync, walCheckpointPages: Int) throws(StateStoreError) {
        try db.exec("PRAGMA busy_timeout = 5000")
        // Reading the header first: a foreign or damaged file fails here, clearly.
        // One read transaction, so a file another process is creating right now is seen
        // either before or after its layout transaction, never half-way.
        var app: Int64 = 0, version: Int64 = 0, tables: Int64 = 0
        do throws(StateStoreError) {
            try db.exec("BEGIN")
            defer { try? db.exec("COMMIT") }
            app = try db.integer("PRAGMA application_id")
            version = try db.integer("PRAGMA user_version")
            tables = try db.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table'")
        } catch {
            throw StateStoreError(.io, "\(db.path): not a libengage state file (\(error.message))")
        }
        if tables > 0 && app != applicationID {
            throw StateStoreError(.io, "\(db.path): not a libengage state file (another application's SQLite database)")
        }
        if version > schemaVersion {
            throw StateStoreError(.io, "\(db.path): layout version \(version) is newer than this build reads (\(schemaVersion))")
        }
        if tables > 0 {
            let check = try db.prepare("PRAGMA quick_check")
            guard try check.step(), check.text(0) == "ok" else {
                throw StateStoreError(.io, "\(db.path): the file is damaged (PRAGMA quick_check: \(check.text(0).prefix(200)))")
            }
        }
        try enableWAL(db)
        try db.exec("PRAGMA synchronous = \(sync == .always ? "FULL" : "NORMAL")")
        try db.exec("PRAGMA secure_delete = ON")
        try db.exec("PRAGMA wal_autocheckpoint = \(max(1, walCheckpointPages))")
        if version < schemaVersion { try migrate(db) }
    }

    /// `PRAGMA journal_mode = WAL`, retried while the file is busy: processes opening a
    /// new file at once all ask for the exclusive lock the change needs, and SQLite
    /// answers one of them "database is locked" at once rather than risk a deadlock,
    /// without waiting in the busy handler (seen in CI: 4 processes, one new file).
    /// Bounded: 100 tries 50 ms apart, then the error.
    private static func enableWAL(_ db: SQLiteConnection) throws(StateStoreError) {
        var tries = 0
        while true {
            do throws(StateStoreError) {
                try db.exec("PRAGMA journal_mode = WAL")
                return
            } catch {
                tries += 1
                guard error.code == .unavailable, tries < 100 else { throw error }
                usleep(50_000)
            }
        }
    }

    /// Brings the layout to ``schemaVersion`` in one transaction.
    ///
    /// - v1: `users(user_id TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID`.
    /// - v2: a rowid table — states of about a kilobyte overflowed WITHOUT ROWID pages,
    ///   leaving most of each overflow page empty (2.9× the data) — with `updated_ms`
    ///   and its index, so retention finds idle users without reading every state.
    ///
    /// Several processes may open a new file at once: the layout is read again inside
    /// the write transaction, so only the first creates or upgrades it.
    static func migrate(_ db: SQLiteConnection) throws(StateStoreError) {
        try db.exec("BEGIN IMMEDIATE")
        do throws(StateStoreError) {
            let hasUsers = try db.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'users'") > 0
            let version = hasUsers ? try db.integer("PRAGMA user_version") : 0
            guard version < schemaVersion else {
                try db.exec("COMMIT")
                return
            }
            let v2 = "(user_id TEXT NOT NULL UNIQUE, state BLOB NOT NULL, updated_ms INTEGER NOT NULL DEFAULT 0)"
            if !hasUsers {
                try db.exec("CREATE TABLE users \(v2)")
            } else {
                // v1 → v2: the rows move to a rowid table with updated_ms.
                try db.exec("CREATE TABLE users_v2 \(v2)")
                try db.exec("INSERT INTO users_v2 (user_id, state) SELECT user_id, state FROM users")
                try db.exec("DROP TABLE users")
                try db.exec("ALTER TABLE users_v2 RENAME TO users")
            }
            try db.exec("CREATE INDEX users_updated ON users (updated_ms)")
            try db.exec("PRAGMA application_id = \(applicationID)")
            try db.exec("PRAGMA user_version = \(schemaVersion)")
            try db.exec("COMMIT")
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
    }

    // MARK: Cache

    private func stripe(_ userID: String) -> CacheStripe {
        var h: UInt32 = 2_166_136_261
        for b in userID.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return cache[Int(h % UInt32(cache.count))]
    }

    /// Caches `state` as of write `sequence`, unless a newer one is cached already.
    private func remember(_ userID: String, _ state: UserState, sequence: UInt64) {
        guard cacheCapacity > 0 else { return }
        let perStripe = max(1, cacheCapacity / cache.count)
        let now = clock()
        stripe(userID).users.withLock { users in
            if let cached = users[userID] {
                if cached.sequence > sequence { return }
            } else if users.count >= perStripe, let victim = users.keys.first {
                users.removeValue(forKey: victim)
            }
            users[userID] = Cached(state: state, loaded: now, sequence: sequence)
        }
    }

    /// Runs `body` on the write connection, between group transactions (tests use it
    /// to make the file read-only or full).
    func withWriteConnection(_ body: (SQLiteConnection) throws(StateStoreError) -> Void) throws(StateStoreError) {
        try writer.withLock { w throws(StateStoreError) in try body(w.db) }
    }

    /// Users held in memory (for tests and metrics).
    public var cachedUsers: Int { cache.reduce(0) { $0 + $1.users.withLock { $0.count } } }

    // MARK: StateStore

    public func load(userID: String) throws(StateStoreError) -> UserState {
        try UserState.validate(userID: userID)
        let now = clock()
        let ttl = cacheTTL
        if let hit = stripe(userID).users.withLock({ users -> UserState? in
            guard let c = users[userID] else { return nil }
            if let ttl, now &- c.loaded >= ttl || now < c.loaded { return nil }
            return c.state
        }) {
            return hit
        }
        // Taken before the read: the row read is at least this new.
        let sequence = writes.load(ordering: .acquiring)
        let state = try reader.withLock { r throws(StateStoreError) -> UserState in try r.read(userID) }
        remember(userID, state, sequence: sequence)
        return state
    }

    public func record(userID: String, _ record: StateRecord) throws(StateStoreError) {
        try UserState.validate(userID: userID, record)
        _ = try write(WriteOp(userID: userID, kind: .record(record)))
    }

    public func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome] {
        try commit.validate(userID: userID)
        guard !commit.isEmpty else { return [] }
        return try write(WriteOp(userID: userID, kind: .commit(commit)))
    }

    public func forget(userID: String) throws(StateStoreError) {
        try UserState.validate(userID: userID)
        _ = try write(WriteOp(userID: userID, kind: .forget))
        // Old copies of the row may sit in the WAL until it is checkpointed; erasure
        // copies them back and truncates it now (secure_delete zeroes freed pages).
        try writer.withLock { w throws(StateStoreError) in try w.db.exec("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    public func prune(now: Int64) throws(StateStoreError) {
        let policy = self.policy
        // Users idle for longer than retention have nothing a decision reads but
        // lifetime totals; their states are pruned, and dropped when empty.
        let cutoff = policy.cutoff(newest: now)
        var ids: [String] = []
        try reader.withLock { r throws(StateStoreError) in
            let s = try r.db.prepare("SELECT user_id FROM users WHERE updated_ms < ?1")
            try s.bind(1, cutoff)
            while try s.step() { ids.append(s.text(0)) }
        }
        for id in ids { _ = try write(WriteOp(userID: id, kind: .prune(now))) }
    }

    // MARK: Group commit

    final class WriteOp: @unchecked Sendable {
        enum Kind {
            case record(StateRecord)
            case commit(StateCommit)
            case forget
            case prune(Int64)
        }
        let userID: String
        let kind: Kind
        /// Set by the leader that ran the op, under the writer lock; read by the op's
        /// owner after it takes that lock itself.
        var outcome: Result<([CommitOutcome], UserState?), StateStoreError>? = nil
        /// The op's place in the order writes were run (set with `outcome`).
        var sequence: UInt64 = 0

        init(userID: String, kind: Kind) {
            self.userID = userID
            self.kind = kind
        }
    }

    private func write(_ op: WriteOp) throws(StateStoreError) -> [CommitOutcome] {
        pending.withLock { $0.append(op) }
        let result: Result<([CommitOutcome], UserState?), StateStoreError> = writer.withLock { w in
            if let done = op.outcome { return done }
            let batch = pending.withLock { queue -> [WriteOp] in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            w.run(batch, policy: policy, now: clock())
            let base = writes.load(ordering: .relaxed)
            for (i, o) in batch.enumerated() { o.sequence = base + UInt64(i) + 1 }
            writes.store(base + UInt64(batch.count), ordering: .releasing)
            return op.outcome ?? .failure(StateStoreError(.io, "\(path): a write was not run"))
        }
        switch result {
        case .success(let (outcome, state)):
            if case .forget = op.kind {
                // An empty state, not a removal: a read from before the erasure that
                // remembers late must not bring the user back.
                remember(op.userID, UserState(), sequence: op.sequence)
            } else if let state {
                remember(op.userID, state, sequence: op.sequence)
            }
            return outcome
        case .failure(let error):
            // The file is the truth: drop what memory may hold of this user.
            _ = stripe(op.userID).users.withLock { $0.removeValue(forKey: op.userID) }
            throw error
        }
    }

    private final class Reader {
        let db: SQLiteConnection
        let select: SQLiteStatement

        init(_ db: SQLiteConnection) throws(StateStoreError) {
            self.db = db
            try db.exec("PRAGMA busy_timeout = 5000")
            select = try db.prepare("SELECT state FROM users WHERE user_id = ?1")
        }

        func read(_ userID: String) throws(StateStoreError) -> UserState {
            try readRow(userID).get()
        }

        /// Throws SQLite's errors; a row whose bytes do not decode is a failed result
        /// (it fails that user's operation only, not the transaction around it).
        func readRow(_ userID: String) throws(StateStoreError) -> Result<UserState, StateStoreError> {
            defer { select.reset() }
            try select.bind(1, userID)
            guard try select.step() else { return .success(UserState()) }
            do throws(StateStoreError) {
                return .success(try UserState(encoded: select.blob(0)))
            } catch {
                return .failure(StateStoreError(.io, "\(db.path): user \(userID.prefix(64)): \(error.message)"))
            }
        }
    }

    private final class Writer {
        let db: SQLiteConnection
        let reader: Reader
        let upsert: SQLiteStatement
        let delete: SQLiteStatement

        init(_ db: SQLiteConnection) throws(StateStoreError) {
            self.db = db
            reader = try Reader(db)
            upsert = try db.prepare(
                """
                INSERT INTO users (user_id, state, updated_ms) VALUES (?1, ?2, ?3)
                ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms
                """)
            delete = try db.prepare("DELETE FROM users WHERE user_id = ?1")
        }

        /// Runs `batch` in one transaction and sets each op's outcome. Any failure
        /// rolls the whole transaction back and fails every op: nothing is
        /// acknowledged that is not on disk.
        func run(_ batch: [WriteOp], policy: RetentionPolicy, now: Int64) {
            var outcomes: [Result<([CommitOutcome], UserState?), StateStoreError>] = []
            do throws(StateStoreError) {
                try db.exec("BEGIN IMMEDIATE")
                for op in batch { outcomes.append(try apply(op, policy: policy, now: now)) }
                try db.exec("COMMIT")
                for (op, outcome) in zip(batch, outcomes) { op.outcome = outcome }
            } catch {
                try? db.exec("ROLLBACK")
                for op in batch { op.outcome = .failure(error) }
            }
        }

        /// One op inside the transaction. SQLite errors throw (failing the batch); a
        /// damaged row fails only this op, which then changes nothing.
        private func apply(_ op: WriteOp, policy: RetentionPolicy, now: Int64) throws(StateStoreError) -> Result<([CommitOutcome], UserState?), StateStoreError>
        {
            if case .forget = op.kind {
                try remove(op.userID)
                return .success(([], nil))
            }
            var state: UserState
            var outcomes: [CommitOutcome] = []
            switch try reader.readRow(op.userID) {
            case .success(let s): state = s
            case .failure(let damaged): return .failure(damaged)
            }
            switch op.kind {
            case .forget:
                return .success(([], nil))
            case .record(let r):
                state.apply(r, policy: policy)
            case .commit(let commit):
                outcomes = state.apply(commit, policy: policy)
                // Every impression refused and nothing else to write: nothing changes.
                if commit.records.isEmpty, !outcomes.contains(.committed) { return .success((outcomes, state)) }
            case .prune(let t):
                state.prune(policy: policy, now: t)
                if state.isPrunable {
                    try remove(op.userID)
                    return .success(([], UserState()))
                }
            }
            defer { upsert.reset() }
            try upsert.bind(1, op.userID)
            try upsert.bind(2, state.encoded())
            try upsert.bind(3, max(state.newest, 0))
            _ = try upsert.step()
            return .success((outcomes, state))
        }

        private func remove(_ userID: String) throws(StateStoreError) {
            defer { delete.reset() }
            try delete.bind(1, userID)
            _ = try delete.step()
        }
    }
}
