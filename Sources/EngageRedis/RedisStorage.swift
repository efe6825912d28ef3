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
/// ``RedisStorage``: a commit reads the user's value (one `HMGET`), applies the
/// decision's writes and re-checks its caps, then writes with one script that compares
/// the version — so of any number of gateways committing for one user, at most `limit`
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
/// - **Erase**: `DEL key`. A write prepared before it expects a version that no longer
///   exists and fails; the engine retries it on the empty state.
///
/// Failures: a server that cannot be reached, does not answer within `timeout_ms`, or
/// refuses to serve (`LOADING`, `READONLY`, `MISCONF`, `OOM`, `NOAUTH`, ...) is
/// `unavailable`; a value that is not this store's (another type, a hash without its
/// fields, bytes that do not decode) is `io` for that user only. Every message names the
/// server, the command and the user.
public final class RedisStorage: VersionedStorage {
    let pool: RedisPool

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
        return .object(JSONObject([
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

    public func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
        let key = key(for: userID)
        let reply = try pool.with("HMGET for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
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
        let reply = try pool.with("EVALSHA (compare-and-swap) for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try runScript(c, arguments)
        }
        switch reply {
        case .integer(1): return true
        case .integer(0): return false
        default: throw failure(reply, "compare-and-swap", userID)
        }
    }

    public func erase(userID: String) throws(StateStoreError) {
        let key = key(for: userID)
        let reply = try pool.with("DEL for user \(userID.prefix(64))") { (c) throws(RedisFailure) -> RedisValue in
            try c.call([Array("DEL".utf8), key], timeoutMS: settings.timeoutMS, accepting: RedisValue.isInteger)
        }
        guard case .integer = reply else { throw failure(reply, "DEL", userID) }
    }

    /// `EVALSHA` of the compare-and-swap, and `EVAL` when the server does not have it (a
    /// first use, a restart, a failover, `SCRIPT FLUSH`), which caches it again.
    private func runScript(_ c: RedisConnection, _ arguments: [[UInt8]]) throws(RedisFailure) -> RedisValue {
        let timeout = settings.timeoutMS
        let keys: [[UInt8]] = [[0x31]]   // one key
        let reply = try c.call([Array("EVALSHA".utf8), RedisScript.compareAndSwapDigest] + keys + arguments, timeoutMS: timeout,
                               accepting: RedisValue.isInteger)
        guard reply.errorCode == "NOSCRIPT" else { return reply }
        return try c.call([Array("EVAL".utf8), Array(RedisScript.compareAndSwap.utf8)] + keys + arguments, timeoutMS: timeout,
                          accepting: RedisValue.isInteger)
    }

    /// A decimal non-zero UInt64, digits only.
    static func version(_ bytes: [UInt8]) -> UInt64? {
        guard !bytes.isEmpty, bytes.count <= 20, bytes.allSatisfy({ (0x30...0x39).contains($0) }),
              let v = UInt64(String(decoding: bytes, as: UTF8.self)), v != 0 else { return nil }
        return v
    }

    private func damaged(_ userID: String, _ why: String) -> StateStoreError {
        StateStoreError(.io, "redis \(settings.address): user \(userID.prefix(64)): the key \(String(decoding: key(for: userID).prefix(96), as: UTF8.self)) is not libengage state: \(why)")
    }

    /// An answer the command should not give: a server that refuses to serve is
    /// `unavailable`, anything else (a key of another type, a script error) `io`.
    private func failure(_ reply: RedisValue, _ command: String, _ userID: String) -> StateStoreError {
        let refusing: Set<Substring> = ["LOADING", "BUSY", "READONLY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN",
                                        "NOAUTH", "WRONGPASS", "NOPERM", "MISCONF", "OOM", "NOREPLICAS"]
        let code: StateStoreError.Code = reply.errorCode.map(refusing.contains) == true ? .unavailable : .io
        return StateStoreError(code, "redis \(settings.address): \(command) for user \(userID.prefix(64)): \(reply.shown)")
    }
}

extension RedisValue {
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
