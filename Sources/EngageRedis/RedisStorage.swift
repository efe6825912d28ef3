import Engage
import Synchronization

/// The Redis store: libengage's state on a server shared by a fleet of gateways
/// (docs/state.md, "The Redis store").
///
/// ```swift
/// let store = RedisStore(EngineConfig.Redis(address: .tcp(host: "127.0.0.1", port: 6379)),
///                        policy: config.retentionPolicy)
/// ```
///
/// Caps, records and retries are ``VersionedStateStore``'s compare-and-swap loop over
/// ``RedisStorage``: a commit starts from the user's value (one `HMGET`; a decision's
/// commit from the value and version its decision read), applies the decision's writes
/// and re-checks its caps, then writes with one script that compares the version — so of any number of gateways committing for one user, at most `limit`
/// impressions land per cap range, and a lost race is retried on the new state.
public typealias RedisStore = VersionedStateStore<RedisStorage>

extension VersionedStateStore where Storage == RedisStorage {
    /// A store on the server `settings` names, keeping `policy`. Nothing connects yet:
    /// the first call does (see ``RedisStorage``).
    public convenience init(_ settings: EngineConfig.Redis, policy: RetentionPolicy = .default) {
        self.init(RedisStorage(settings), policy: policy)
    }
}

/// One Redis hash per user, read and written with a compare-and-swap
/// (``VersionedStorage``).
///
/// - **Key**: `<key_prefix>{<user id>}` — the user id is the key's hash tag, so every key
///   of a user sits in one Redis Cluster slot. The id is sent as bytes in an argument,
///   never as a pattern: `forget("*")` erases the user `*` and no one else.
/// - **Value**: fields `v`, the version — a random non-zero 64-bit number, as a decimal
///   string — and `s`, ``UserState/encoded()`` (the same bytes as SQLite and callbacks).
///   Random rather than a counter or a clock: a counter restarts at 1 when erasure
///   deletes the key, and a clock can step back (NTP, a failover to a replica), either
///   of which would let a write prepared before an erasure match a version after it. A
///   random version repeats with probability 2⁻⁶⁴; compared as a string in the script,
///   it never passes through Lua's doubles.
/// - **Read**: `HMGET key v s`, one round trip.
/// - **Write**: ``RedisScript/compareAndSwap`` by `EVALSHA` (its SHA-1 is a constant;
///   on `NOSCRIPT` — a first use, a restart, a failover, `SCRIPT FLUSH` — `EVAL` runs it
///   and caches it again): compare the version, set `v` and `s`, set the
///   expiry, in one round trip and one atomic step.
/// - **Expiry**: the script sets `PEXPIREAT` to ``UserState/expiry(policy:)`` (by the
///   server's clock), or removes any expiry when that is nil: a user with impressions
///   (lifetime totals) or campaign activity never expires.
/// - **Erase**: `DEL key`, then one entry on the erasure stream `<key_prefix>erasures`
///   (``RedisScript/announceErasure``, `XADD ... MAXLEN ~ 100000`). A write prepared
///   before it expects a version that no longer exists and fails; the engine retries it
///   on the empty state.
/// - **Erasures elsewhere** (``erasures()``): the stream read from the last entry seen
///   (``RedisScript/erasuresAfter``, `XREAD`, never blocking), at most
///   ``erasurePage`` × ``erasurePages`` entries a call. Where to start is taken before the
///   first call this storage sends, so nothing erased after it is missed.
///
/// Failures: a server that cannot be reached, does not answer within `timeout_ms`, or
/// refuses to serve (`LOADING`, `READONLY`, `MISCONF`, `OOM`, `NOAUTH`, ...) is
/// `unavailable`; a value that is not this store's (another type, a hash without its
/// fields, bytes that do not decode) is `io` for that user only. Every message names the
/// server, the command and the user.
public final class RedisStorage: VersionedStorage {
    let pool: RedisPool

    /// Entries the erasure stream keeps (`XADD MAXLEN ~`): an engine that drains less
    /// often than this many erasures happen loses track, and drops all it has queued.
    public static let erasuresKept = 100_000
    /// Erasure stream entries read per round trip, and round trips per ``erasures()``.
    static let erasurePage = 1_000
    static let erasurePages = 8

    /// Where this storage stands on the erasure stream.
    struct ErasureCursor {
        /// The last entry read (its id and `n`); nil before the position is first taken.
        var position: (id: StreamID, n: Int64)?
        /// Changed on every move, so a read does not overwrite a position taken meanwhile.
        var moves = 0
        /// A call was served before the position was taken: erasures between the two
        /// cannot be told apart, so the next ``erasures()`` says it is not complete.
        var uncertain = false
    }

    private let cursor = Mutex(ErasureCursor())
    /// True once the position is taken: then calls do nothing more than this load.
    private let isPositioned = Atomic<Bool>(false)

    /// A store on the server `settings` names; no connection is made until a call needs one.
    public init(_ settings: EngineConfig.Redis) {
        pool = RedisPool(settings)
    }

    public var settings: EngineConfig.Redis { pool.settings }

    /// `{"kind": "redis", "breaker": "closed" | "open", "breaker_openings": n,
    /// "idle_connections": n, "server": {...}}` for this process; `server` is what the
    /// server's configuration means for exactness (``RedisServerCheck``).
    public var statistics: JSON? {
        let breaker = pool.breaker
        return .object(
            JSONObject([
                ("kind", .string("redis")),
                ("breaker", .string(breaker.isOpen ? "open" : "closed")),
                ("breaker_openings", .number(Double(breaker.openCount))),
                ("idle_connections", .number(Double(pool.idleCount))),
                ("server", pool.serverCheck.report),
            ]))
    }

    /// The key holding `userID`'s state.
    public func key(for userID: String) -> [UInt8] {
        var key = Array(settings.keyPrefix.utf8)
        key.reserveCapacity(key.count + userID.utf8.count + 2)
        key.append(0x7B)
        key.append(contentsOf: userID.utf8)
        key.append(0x7D)
        return key
    }

    /// The erasure stream's key, `<key_prefix>erasures`: no `{`, so never a user's key.
    var erasureStream: [UInt8] { Array((settings.keyPrefix + "erasures").utf8) }

    public func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
        let key = key(for: userID)
        let reply = try with("HMGET for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try c.call([Array("HMGET".utf8), key, [0x76], [0x73]], timeoutMS: settings.timeoutMS) {
                if case .array(let fields) = $0 { return fields.count == 2 } else { return false }
            }
        }
        guard case .array(let fields) = reply, fields.count == 2 else { throw failure(reply, "HMGET", userID) }
        switch (fields[0], fields[1]) {
        case (.null, .null):
            return nil
        case (.string(let v), .string(let s)):
            guard let version = Self.version(v) else {
                throw damaged(userID, "its version field is not a non-zero 64-bit number")
            }
            return (s, version)
        default:
            throw damaged(userID, "a hash without its version or state field")
        }
    }

    public func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool {
        try write(userID: userID, bytes, expected: expected, expiresAt: nil)
    }

    public func write(userID: String, _ bytes: [UInt8], expected: UInt64, expiresAt: Int64?) throws(StateStoreError) -> Bool {
        var random = SystemRandomNumberGenerator()
        var next: UInt64 = 0
        while next == 0 || next == expected { next = random.next() }
        // An instant already past (or before 1970) deletes the key at once, as
        // `prune(now:)` would drop the user; 1 keeps PEXPIREAT's argument positive.
        let expiry = expiresAt.map { Array(String(max($0, 1)).utf8) } ?? []
        let arguments = [key(for: userID), Array(String(expected).utf8), Array(String(next).utf8), bytes, expiry]
        let reply = try with("EVALSHA (compare-and-swap) for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try run(.compareAndSwap, c, arguments, accepting: RedisValue.isInteger)
        }
        switch reply {
        case .integer(1): return true
        case .integer(0): return false
        default: throw failure(reply, "compare-and-swap", userID)
        }
    }

    /// `DEL` of the user's key, then the erasure announced on the stream (two round trips:
    /// in a Redis Cluster the key and the stream sit in different slots). When the
    /// announcement fails the erasure fails (`unavailable`), the key being gone already:
    /// the host's retry of `forget` announces it.
    public func erase(userID: String) throws(StateStoreError) {
        let key = key(for: userID)
        let id = Array(userID.utf8)
        let reply = try with("DEL for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try c.call([Array("DEL".utf8), key], timeoutMS: settings.timeoutMS, accepting: RedisValue.isInteger)
        }
        guard case .integer = reply else { throw failure(reply, "DEL", userID) }
        let entry = try with("XADD (erasure stream) for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try run(.announceErasure, c, [erasureStream], [id, Array(String(Self.erasuresKept).utf8)]) {
                if case .string = $0 { return true } else { return false }
            }
        }
        guard case .string = entry else { throw failure(entry, "XADD (erasure stream)", userID) }
    }

    /// Users erased through any engine sharing the server since the last call (this
    /// one's own erasures too): the erasure stream read on from the last entry seen, up
    /// to ``erasurePage`` × ``erasurePages`` entries. Not complete when entries were
    /// trimmed before this engine read them, the stream was lost (a server restarted
    /// without its AOF), more were waiting than one call reads (the position then jumps
    /// to the stream's end), or a call was served before the position was first taken.
    public func erasures() throws(StateStoreError) -> StoreErasures {
        let (start, moves, uncertain) = cursor.withLock { ($0.position, $0.moves, $0.uncertain) }
        guard var position = start else {
            // No position yet: no call was served without one unless `uncertain` says so.
            let tail = try erasureTail()
            let served = cursor.withLock { c -> Bool in
                if c.position == nil { c.position = tail; c.moves += 1 }
                defer { c.uncertain = false }
                return c.uncertain
            }
            isPositioned.store(true, ordering: .releasing)
            return StoreErasures(userIDs: [], complete: !served)
        }
        var users: [String] = []
        var complete = true
        var caughtUp = false
        for _ in 0..<Self.erasurePages {
            let page = try erasurePage(after: position)
            position = page.last
            users += page.users
            if page.gap { complete = false }
            if page.users.count < Self.erasurePage { caughtUp = true; break }
        }
        if !caughtUp {
            // Further behind than one call reads: on from the end; everything before is unknown.
            position = try erasureTail()
            complete = false
        }
        cursor.withLock { c in
            if c.moves == moves { c.position = position; c.moves += 1 }
            if c.uncertain && uncertain { complete = false; c.uncertain = false }
        }
        return StoreErasures(userIDs: users, complete: complete)
    }

    /// Runs `body` (a call of this storage) on a connection of the pool, first taking the
    /// erasure stream's position on it if none is taken yet: then any exposure queued from
    /// what a call returned was queued after the position, and ``erasures()`` reads every
    /// erasure that could concern it. Calls racing to take it keep the earliest. A
    /// position the server will not give (the stream key holds something else) never fails
    /// the call; a call answered without one makes the next ``erasures()`` incomplete.
    private func with(
        _ command: @autoclosure () -> String,
        _ body: (RedisConnection) throws(RedisFailure) -> RedisValue
    ) throws(StateStoreError) -> RedisValue {
        if isPositioned.load(ordering: .acquiring) { return try pool.with(command(), body) }
        var taken = false
        let reply = try pool.with(command()) { (c) throws(RedisFailure) -> RedisValue in
            if let tail = page(try run(.erasuresAfter, c, [erasureStream], pageArguments(after: nil)) { _ in true })?.last {
                cursor.withLock { cursor in
                    if cursor.position.map({ tail.id < $0.id }) ?? true { cursor.position = tail; cursor.moves += 1 }
                }
                isPositioned.store(true, ordering: .releasing)
                taken = true
            }
            return try body(c)
        }
        // Served without a position (an error reply serves nothing).
        if !taken, !reply.isError { cursor.withLock { $0.uncertain = true } }
        return reply
    }

    /// The erasure stream's last entry (`0-0`, 0 when it has none).
    private func erasureTail() throws(StateStoreError) -> (id: StreamID, n: Int64) {
        try erasurePage(after: nil).last
    }

    /// One ``RedisScript/erasuresAfter`` call: the entries after `position` (nil: the tail).
    private func erasurePage(after position: (id: StreamID, n: Int64)?) throws(StateStoreError)
        -> (last: (id: StreamID, n: Int64), gap: Bool, users: [String])
    {
        let reply = try pool.with("XREAD (erasure stream)") { (c) throws(RedisFailure) -> RedisValue in
            try run(.erasuresAfter, c, [erasureStream], pageArguments(after: position)) { _ in true }
        }
        guard let page = page(reply) else {
            throw failure(reply, "XREAD of the erasure stream \(String(decoding: erasureStream.prefix(96), as: UTF8.self))")
        }
        return page
    }

    private func pageArguments(after position: (id: StreamID, n: Int64)?) -> [[UInt8]] {
        [position.map { Array($0.id.description.utf8) } ?? [], Array(String(position?.n ?? 0).utf8), Array(String(Self.erasurePage).utf8)]
    }

    /// ``RedisScript/erasuresAfter``'s answer read; nil when it is not one.
    private func page(_ reply: RedisValue) -> (last: (id: StreamID, n: Int64), gap: Bool, users: [String])? {
        guard case .array(let items) = reply, items.count >= 3, case .string(let id) = items[0], case .string(let n) = items[1],
            case .string(let gap) = items[2], let last = StreamID(id), let count = Int64(String(decoding: n, as: UTF8.self))
        else {
            return nil
        }
        var users: [String] = []
        for item in items.dropFirst(3) {
            guard case .string(let u) = item else { return nil }
            users.append(String(decoding: u, as: UTF8.self))
        }
        return ((last, count), gap == [0x31], users)
    }

    /// `EVALSHA` of `script`, and `EVAL` when the server does not have it (a first use, a
    /// restart, a failover, `SCRIPT FLUSH`), which caches it again. `keys`: the keys it
    /// touches (default: none given here, the first argument being the one key).
    private func run(
        _ script: RedisScript, _ c: RedisConnection, _ keys: [[UInt8]], _ arguments: [[UInt8]],
        accepting: (RedisValue) -> Bool
    ) throws(RedisFailure) -> RedisValue {
        let timeout = settings.timeoutMS
        let count = Array(String(keys.count).utf8)
        let reply = try c.call([Array("EVALSHA".utf8), script.digest, count] + keys + arguments, timeoutMS: timeout, accepting: accepting)
        guard reply.errorCode == "NOSCRIPT" else { return reply }
        return try c.call(
            [Array("EVAL".utf8), Array(script.source.utf8), count] + keys + arguments, timeoutMS: timeout,
            accepting: accepting)
    }

    /// The compare-and-swap's call: the user's key is the first of `arguments`.
    private func run(
        _ script: RedisScript, _ c: RedisConnection, _ arguments: [[UInt8]],
        accepting: (RedisValue) -> Bool
    ) throws(RedisFailure) -> RedisValue {
        try run(script, c, Array(arguments.prefix(1)), Array(arguments.dropFirst()), accepting: accepting)
    }

    /// A decimal non-zero UInt64, digits only.
    static func version(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20, bytes.allSatisfy({ (0x30...0x39).contains($0) }),
            let v = UInt64(String(decoding: bytes, as: UTF8.self)), v != 0
        else { return nil }
        return v
    }

    private func damaged(_ userID: String, _ why: String) -> StateStoreError {
        StateStoreError(
            .io,
            "redis \(settings.address): user \(userID.prefix(64)): the key \(String(decoding: key(for: userID).prefix(96), as: UTF8.self)) is not libengage state: \(why)"
        )
    }

    /// An answer the command should not give: a server that refuses to serve is
    /// `unavailable`, anything else (a key of another type, a script error) `io`.
    private func failure(_ reply: RedisValue, _ command: String, _ userID: String) -> StateStoreError {
        failure(reply, "\(command) for user \(userID.prefix(64))")
    }

    private func failure(_ reply: RedisValue, _ what: String) -> StateStoreError {
        let code: StateStoreError.Code = reply.refusal != nil ? .unavailable : .io
        return StateStoreError(code, "redis \(settings.address): \(what): \(reply.shown)")
    }
}

/// A Redis stream entry id, `<ms>-<seq>`, ordered as the server orders them.
struct StreamID: Comparable, CustomStringConvertible {
    let ms: UInt64
    let seq: UInt64

    /// `<ms>-<seq>`, digits only; nil for anything else.
    init?(_ bytes: [UInt8]) {
        guard let dash = bytes.firstIndex(of: 0x2D), dash > 0, dash < bytes.count - 1, bytes.count <= 41,
            bytes[..<dash].allSatisfy({ (0x30...0x39).contains($0) }),
            bytes[(dash + 1)...].allSatisfy({ (0x30...0x39).contains($0) }),
            let ms = UInt64(String(decoding: bytes[..<dash], as: UTF8.self)),
            let seq = UInt64(String(decoding: bytes[(dash + 1)...], as: UTF8.self))
        else { return nil }
        self.ms = ms
        self.seq = seq
    }

    static func < (a: StreamID, b: StreamID) -> Bool { (a.ms, a.seq) < (b.ms, b.seq) }
    var description: String { "\(ms)-\(seq)" }
}

extension RedisValue {
    /// Error replies of a server that refuses to serve (loading its data, a replica,
    /// out of memory, a script running, not authenticated, ...): the call is
    /// `unavailable`, and the circuit breaker counts it as a failure.
    static let refusingCodes: Set<Substring> = [
        "LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
        "NOAUTH", "WRONGPASS", "NOPERM", "MISCONF", "OOM", "NOREPLICAS",
    ]

    /// The error text when this is a refusal to serve (``refusingCodes``), else nil.
    var refusal: String? {
        guard case .error(let text) = self, let code = errorCode, Self.refusingCodes.contains(code) else { return nil }
        return text
    }

    var isError: Bool { if case .error = self { return true } else { return false } }
    static func isInteger(_ v: RedisValue) -> Bool { if case .integer = v { return true } else { return false } }

    /// For messages: an error's text, a string's length (state bytes are user data).
    var shown: String {
        switch self {
        case .error(let text): return text
        case .string(let b): return "a string of \(b.count) bytes"
        case .status(let s): return "status \(s.prefix(64))"
        case .integer(let n): return "the integer \(n)"
        case .null: return "nil"
        case .array(let items): return "an array of \(items.count) elements"
        case .unexpected(let what): return what
        }
    }
}
