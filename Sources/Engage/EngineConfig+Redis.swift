// `{"store": {"kind": "redis", ...}}`: the settings of the Redis store (EngageRedis opens
// it), read and range-checked here like every other member, so a bad address is an error
// at `store.address` before anything connects.

extension EngineConfig {
    /// The Redis store's settings (docs/engine-config.md, docs/state.md).
    public struct Redis: Sendable, Equatable {
        /// Where the server listens.
        public enum Address: Sendable, Equatable, CustomStringConvertible {
            /// `host:port` or `[v6]:port`: a name or an IPv4/IPv6 literal (without brackets).
            case tcp(host: String, port: Int)
            /// `unix:/path`: a Unix socket.
            case unix(path: String)

            /// As written in the config (`127.0.0.1:6379`, `[::1]:6379`, `unix:/run/redis.sock`).
            public var description: String {
                switch self {
                case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                case .unix(let path): return "unix:\(path)"
                }
            }
        }

        public var address: Address
        /// Prepended to every key (`<prefix>{<user id>}`), so several engines or tenants
        /// can share one server: 0-256 bytes, without `{`, `}` or NUL.
        public var keyPrefix = "engage:"
        /// Bound on connecting and on every call, in milliseconds (1-60,000).
        public var timeoutMS = 50
        /// Idle connections kept for reuse (1-1,024); a call that finds none connects.
        public var poolSize = 8
        /// Sent with `AUTH` on every new connection; nil: none.
        public var password: String? = nil
        /// Selected with `SELECT` on every new connection when not 0 (0-65,535).
        public var database = 0
        /// Consecutive failed calls (unreachable, timed out) after which the circuit breaker
        /// opens: calls then fail at once, without touching the network (0-1,000; 0: never).
        public var breakerFailures = 5
        /// How long the breaker stays open before one probe call is let through: its
        /// success closes the breaker, its failure opens it again (1-600,000 ms).
        public var breakerOpenMS = 1_000

        public init(address: Address) { self.address = address }

        /// The member set outside its range (by a Swift host), with why; nil when none.
        func outsideItsRanges() -> (String, String)? {
            if !Self.timeoutRange.contains(timeoutMS) { return ("store.timeout_ms", "\(timeoutMS) is outside \(Self.timeoutRange)") }
            if !Self.poolSizeRange.contains(poolSize) { return ("store.pool_size", "\(poolSize) is outside \(Self.poolSizeRange)") }
            if !Self.databaseRange.contains(database) { return ("store.database", "\(database) is outside \(Self.databaseRange)") }
            if !Self.breakerFailuresRange.contains(breakerFailures) {
                return ("store.breaker_failures", "\(breakerFailures) is outside \(Self.breakerFailuresRange)")
            }
            if !Self.breakerOpenRange.contains(breakerOpenMS) {
                return ("store.breaker_open_ms", "\(breakerOpenMS) is outside \(Self.breakerOpenRange)")
            }
            if keyPrefix.utf8.count > Self.maxKeyPrefixBytes || keyPrefix.utf8.contains(where: { $0 == 0 || $0 == 0x7B || $0 == 0x7D }) {
                return ("store.key_prefix", "at most \(Self.maxKeyPrefixBytes) bytes, without {, } or NUL")
            }
            do throws(Problem) {
                let again = try EngineConfig.redisAddress(address.description)
                if again != address { return ("store.address", "\(ErrorText.quoted(address.description)) does not read back as itself") }
            } catch {
                return (error.path, error.message)
            }
            if let p = password, p.isEmpty || p.utf8.count > 512 || p.utf8.contains(0) { return ("store.password", "expected 1-512 bytes without NUL") }
            return nil
        }

        public static let timeoutRange = 1...60_000
        public static let poolSizeRange = 1...1_024
        public static let databaseRange = 0...65_535
        public static let breakerFailuresRange = 0...1_000
        public static let breakerOpenRange = 1...600_000
        /// Longest `key_prefix`, in bytes.
        public static let maxKeyPrefixBytes = 256
        /// Longest Unix socket path (the kernel's `sun_path` holds 107 bytes and a NUL).
        public static let maxSocketPathBytes = 107
    }

    static let redisMembers = [
        "kind", "address", "key_prefix", "timeout_ms", "pool_size", "password", "database",
        "breaker_failures", "breaker_open_ms",
    ]

    static func readRedis(_ o: JSONObject) throws(Problem) -> Redis {
        guard case .string(let text)? = o["address"] else {
            throw Problem("store.address", "required: host:port, [v6]:port or unix:/path, found \(o["address"].map(ErrorText.shown) ?? "nothing")")
        }
        var redis = Redis(address: try redisAddress(text))
        switch o["key_prefix"] {
        case nil, .null?: break
        case .string(let p)?:
            guard p.utf8.count <= Redis.maxKeyPrefixBytes, !p.utf8.contains(where: { $0 == 0 || $0 == 0x7B || $0 == 0x7D }) else {
                throw Problem(
                    "store.key_prefix",
                    "\(ErrorText.quoted(p)): at most \(Redis.maxKeyPrefixBytes) bytes, without {, } or NUL (the user id is the key's hash tag)")
            }
            redis.keyPrefix = p
        case let v?: throw Problem("store.key_prefix", "expected a string, found \(ErrorText.shown(v))")
        }
        if let v = o["timeout_ms"], !v.isNull { redis.timeoutMS = try integer(v, Redis.timeoutRange, "store.timeout_ms") }
        if let v = o["pool_size"], !v.isNull { redis.poolSize = try integer(v, Redis.poolSizeRange, "store.pool_size") }
        if let v = o["database"], !v.isNull { redis.database = try integer(v, Redis.databaseRange, "store.database") }
        if let v = o["breaker_failures"], !v.isNull {
            redis.breakerFailures = try integer(v, Redis.breakerFailuresRange, "store.breaker_failures")
        }
        if let v = o["breaker_open_ms"], !v.isNull { redis.breakerOpenMS = try integer(v, Redis.breakerOpenRange, "store.breaker_open_ms") }
        switch o["password"] {
        case nil, .null?: break
        case .string(let p)? where !p.isEmpty && p.utf8.count <= 512 && !p.utf8.contains(0): redis.password = p
        // The value is a secret: the message says what is wrong, never what it is.
        case .string?: throw Problem("store.password", "expected 1-512 bytes without NUL")
        case let v?: throw Problem("store.password", "expected a string or null, found \(v.typeName)")
        }
        return redis
    }

    /// `host:port`, `[v6]:port` or `unix:/path`.
    static func redisAddress(_ text: String) throws(Problem) -> Redis.Address {
        let path = "store.address"
        let expected = "expected host:port, [v6]:port or unix:/path, found \(ErrorText.quoted(text))"
        let bytes = Array(text.utf8)
        if text.hasPrefix("unix:") {
            let socket = String(text.dropFirst(5))
            guard socket.hasPrefix("/"), !socket.utf8.contains(0), socket.utf8.count <= Redis.maxSocketPathBytes else {
                throw Problem(path, "\(expected) (a socket is an absolute path of at most \(Redis.maxSocketPathBytes) bytes)")
            }
            return .unix(path: socket)
        }
        guard let colon = bytes.lastIndex(of: 0x3A) else { throw Problem(path, "\(expected) (no port)") }
        var host = Array(bytes[..<colon])
        let portText = bytes[(colon + 1)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = Int(String(decoding: portText, as: UTF8.self)), (1...65_535).contains(port)
        else {
            throw Problem(path, "\(expected) (the port is 1-65535)")
        }
        if host.first == 0x5B {
            guard host.count > 2, host.last == 0x5D else { throw Problem(path, "\(expected) (an unclosed [)") }
            host = Array(host[1..<(host.count - 1)])
            guard host.allSatisfy({ isHex($0) || $0 == 0x3A || $0 == 0x2E }), host.contains(0x3A) else {
                throw Problem(path, "\(expected) (inside [ ] an IPv6 address)")
            }
        } else {
            guard !host.isEmpty, host.count <= 253 else { throw Problem(path, "\(expected) (no host)") }
            if host.contains(0x3A) { throw Problem(path, "\(expected) (an IPv6 address is written in brackets: [::1]:6379)") }
            guard host.allSatisfy({ isHex($0) || (0x67...0x7A).contains($0) || (0x47...0x5A).contains($0) || $0 == 0x2E || $0 == 0x2D }) else {
                throw Problem(path, "\(expected) (a host name is letters, digits, . and -)")
            }
        }
        return .tcp(host: String(decoding: host, as: UTF8.self), port: port)
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b)
    }
}
