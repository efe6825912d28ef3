/// The engine config document (docs/engine-config.md): where user state lives (memory,
/// SQLite or the host's own store), the limits that bound what any input can cost, and
/// defaults (the fallback time zone, a fixed clock for tests).
///
/// ```swift
/// let config = try EngineConfig(text: #"{"limits": {"max_steps": 20000, "history_retention": "90d"}}"#)
/// let engine = try Engine(config: config)            // memory; EngageStores: Engine.open(config:)
/// ```
///
/// Reading is pure and bounded: every number is range-checked before it is converted,
/// and every error names the member (`limits.history_retention: unknown unit "dd" …`)
/// and stays short whatever the input holds. What needs the file system — the time zone
/// and the store — is checked when an engine is opened with the config
/// (``Engine/init(config:store:zones:maxQueuedExposures:)``); the SQLite and Redis stores
/// are opened by EngageStores' `Engine.open(config:)`.
public struct EngineConfig: Sendable, Equatable {
    /// Where user state lives.
    public enum Store: Sendable, Equatable {
        /// `{"kind": "memory"}`, or no `store` member.
        case memory
        /// `{"kind": "sqlite", ...}`.
        case sqlite(SQLite)
        /// `{"kind": "redis", ...}`: a server shared by a fleet of gateways.
        case redis(Redis)
        /// `{"kind": "callbacks"}`: the host passes its callbacks when it opens the engine.
        case callbacks

        /// `memory`, `sqlite`, `redis` or `callbacks`.
        public var name: String {
            switch self {
            case .memory: return "memory"
            case .sqlite: return "sqlite"
            case .redis: return "redis"
            case .callbacks: return "callbacks"
            }
        }
    }

    /// The SQLite store's settings.
    public struct SQLite: Sendable, Equatable {
        /// `always`: every acknowledged write is fsynced; `batch`: survives a killed
        /// process, a power loss may lose the writes since the last checkpoint.
        public enum Sync: String, Sendable, Equatable { case always, batch }
        public var path: String
        public var sync: Sync = .always
        public var cacheUsers = 100_000
        /// nil: one process per file (cached states never revalidated).
        public var cacheTTL: Int64? = 1_000

        public init(path: String) { self.path = path }
    }

    /// The store; nil when the document does not name one (memory, or the store the
    /// engine is opened with).
    public var store: Store? = nil
    /// Largest request, record or context document, in bytes (`limits.max_request_bytes`,
    /// 1 byte to 64 MiB).
    public var maxRequestBytes = 1 << 20
    /// Deepest nesting of a request, record or context document (`limits.max_depth`,
    /// 1-1024).
    public var maxRequestDepth = 64
    /// Most evaluation steps of one rule evaluation (`limits.max_steps`, 1 to 10,000,000);
    /// beyond it the campaign is skipped with `rule_error`.
    public var maxSteps = EvaluationLimits.default.maxSteps
    /// How long impressions and behaviour events are kept per user, in milliseconds
    /// (`limits.history_retention`, 1 hour to 3650 days).
    public var historyRetention = RetentionPolicy.default.retention
    /// The zone used when neither the request nor the campaign set names one
    /// (`defaults.time_zone`): an IANA name, `UTC` or a fixed offset such as `+09:00`.
    public var timeZone = "UTC"
    /// The clock for tests: every decision's default `now` (`defaults.fixed_clock_ms`).
    public var fixedClock: Int64? = nil

    /// The range of `limits.max_request_bytes`: 1 byte to 64 MiB.
    public static let maxRequestBytesRange = 1...(64 << 20)
    /// The range of `limits.max_depth`: 1 to the JSON core's ceiling, 1024.
    public static let maxDepthRange = 1...JSONLimits.depthCeiling
    /// The range of `limits.max_steps`: up to ten million steps, about a second of one
    /// rule's evaluation.
    public static let maxStepsRange = 1...10_000_000
    /// The parser limits of a config text: 1 MiB, depth 16 (hosts that hold the text in
    /// their own memory parse it in place within these, then call ``init(json:)``).
    public static let textLimits = JSONLimits(maxDepth: 16, maxBytes: 1 << 20)
    /// The range of `limits.history_retention`, in milliseconds: 1 hour to 3650 days.
    public static let retentionRange: ClosedRange<Int64> = 3_600_000...(3650 * 86_400_000)

    /// The defaults: memory, 1 MiB requests of depth 64, 100,000 steps, 35 days of
    /// history, UTC, the wall clock.
    public init() {}

    /// Reads a config document given as UTF-8 JSON text (`{}` or empty: the defaults).
    ///
    /// - Throws: ``Problem`` naming the member, or with an empty path for text that is
    ///   not JSON within ``textLimits``.
    public init(bytes: [UInt8]) throws(Problem) {
        guard !bytes.isEmpty else { self.init(); return }
        let json: JSON
        do throws(JSONParseError) {
            json = try JSONParser.parse(bytes, limits: Self.textLimits)
        } catch {
            throw Problem("", "not a JSON config: \(error)", json: error)
        }
        try self.init(json: json)
    }

    /// As ``init(bytes:)``, from text.
    public init(text: String) throws(Problem) {
        try self.init(bytes: Array(text.utf8))
    }

    /// Reads a parsed config document.
    ///
    /// - Throws: ``Problem`` naming the first member that cannot be used.
    public init(json: JSON) throws(Problem) {
        self = try Self.read(json).get()
    }

    /// Checks the values a Swift host may have set directly against the ranges the
    /// document is read with (``Engine/init(config:store:zones:maxQueuedExposures:)``
    /// calls it), naming the member as the reader would.
    public func validate() throws(Problem) {
        let outside: (String, String)?
        if !Self.maxRequestBytesRange.contains(maxRequestBytes) {
            outside = ("limits.max_request_bytes", "\(maxRequestBytes) is outside \(Self.maxRequestBytesRange)")
        } else if !Self.maxDepthRange.contains(maxRequestDepth) {
            outside = ("limits.max_depth", "\(maxRequestDepth) is outside \(Self.maxDepthRange)")
        } else if !Self.maxStepsRange.contains(maxSteps) {
            outside = ("limits.max_steps", "\(maxSteps) is outside \(Self.maxStepsRange)")
        } else if !Self.retentionRange.contains(historyRetention) {
            outside = ("limits.history_retention", "\(historyRetention) ms is outside 1h to 3650d")
        } else if let t = fixedClock, !Instant.range.contains(t) {
            outside = ("defaults.fixed_clock_ms", "\(t) is outside \(Instant.earliest) to \(Instant.latest)")
        } else if case .redis(let r)? = store, let problem = r.outsideItsRanges() {
            outside = problem
        } else {
            outside = nil
        }
        if let (path, message) = outside { throw Problem(path, message) }
    }

    /// Bounds on each rule evaluation (``maxSteps``; the other bounds their defaults).
    public var evaluationLimits: EvaluationLimits {
        var limits = EvaluationLimits.default
        limits.maxSteps = maxSteps
        return limits
    }

    /// What a store keeps per user (``historyRetention``; the other bounds their defaults).
    public var retentionPolicy: RetentionPolicy { RetentionPolicy(retention: historyRetention) }

    /// The parser limits of a request, record or context document.
    public var requestLimits: JSONLimits { JSONLimits(maxDepth: maxRequestDepth, maxBytes: maxRequestBytes) }

    /// Why a config cannot be read or an engine cannot be opened with it: where
    /// (`defaults.time_zone`) and why.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The member, dotted (`limits.max_steps`); empty for the document as a whole.
        public let path: String
        public let message: String
        /// The store's own error when the store the config names could not be opened
        /// (its file, its folder); nil for a config that breaks its format.
        public let store: StateStoreError?
        /// The parser's error when the text is not JSON.
        public let json: JSONParseError?

        package init(_ path: String, _ message: String, store: StateStoreError? = nil, json: JSONParseError? = nil) {
            self.path = ErrorText.bounded(path)
            self.message = ErrorText.bounded(message)
            self.store = store
            self.json = json
        }

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    static let sqliteMembers = ["kind", "path", "sync", "cache_users", "cache_ttl_ms"]

    /// Reads a config document.
    public static func read(_ json: JSON) -> Result<EngineConfig, Problem> {
        guard case .object(let root) = json else {
            return .failure(Problem("", "the config is a JSON object, found \(json.typeName)"))
        }
        var config = EngineConfig()
        do throws(Problem) {
            for (key, value) in root {
                switch key {
                case "$schema": continue
                case "store": config.store = try readStore(value)
                case "limits": try config.readLimits(value)
                case "defaults": try config.readDefaults(value)
                default:
                    throw Problem(ErrorText.name(key), "unknown member (expected store, limits, defaults)")
                }
            }
        } catch {
            return .failure(error)
        }
        return .success(config)
    }

    private static func readStore(_ value: JSON) throws(Problem) -> Store {
        guard case .object(let o) = value else { throw Problem("store", "expected an object, found \(value.typeName)") }
        guard case .string(let kind)? = o["kind"] else {
            throw Problem("store.kind", "expected memory, sqlite, redis or callbacks, found \(o["kind"].map(ErrorText.shown) ?? "nothing")")
        }
        let allowed: [String]
        switch kind {
        case "memory", "callbacks": allowed = ["kind"]
        case "sqlite": allowed = sqliteMembers
        case "redis": allowed = redisMembers
        default:
            throw Problem("store.kind", "unknown store \(ErrorText.quoted(kind)) (expected memory, sqlite, redis or callbacks)")
        }
        if let extra = o.keys.first(where: { !allowed.contains($0) }) {
            throw Problem("store.\(ErrorText.name(extra))", "unknown member for the \(kind) store (expected \(allowed.joined(separator: ", ")))")
        }
        switch kind {
        case "memory": return .memory
        case "callbacks": return .callbacks
        case "redis": return .redis(try readRedis(o))
        default: break
        }
        guard case .string(let path)? = o["path"], !path.isEmpty, !path.utf8.contains(0), path.utf8.count <= 4096 else {
            throw Problem("store.path", "required: the state file's path (1-4096 bytes)")
        }
        var sqlite = SQLite(path: path)
        switch o["sync"] {
        case nil, .null?: break
        case .string("always")?: sqlite.sync = .always
        case .string("batch")?: sqlite.sync = .batch
        case let v?: throw Problem("store.sync", "expected \"always\" or \"batch\", found \(ErrorText.shown(v))")
        }
        if let v = o["cache_users"], !v.isNull {
            sqlite.cacheUsers = try integer(v, 0...100_000_000, "store.cache_users")
        }
        switch o["cache_ttl_ms"] {
        case nil: break
        case .null?: sqlite.cacheTTL = nil
        case let v?: sqlite.cacheTTL = Int64(try integer(v, 0...86_400_000, "store.cache_ttl_ms", orNull: "null (one process per file)"))
        }
        return .sqlite(sqlite)
    }

    private mutating func readLimits(_ value: JSON) throws(Problem) {
        guard case .object(let o) = value else { throw Problem("limits", "expected an object, found \(value.typeName)") }
        for (k, v) in o {
            switch k {
            case "max_request_bytes": maxRequestBytes = try Self.integer(v, Self.maxRequestBytesRange, "limits.max_request_bytes")
            case "max_depth": maxRequestDepth = try Self.integer(v, Self.maxDepthRange, "limits.max_depth")
            case "max_steps": maxSteps = try Self.integer(v, Self.maxStepsRange, "limits.max_steps")
            case "history_retention": historyRetention = try Self.retention(v)
            default:
                throw Problem("limits.\(ErrorText.name(k))", "unknown member (expected \(Self.limitMembers.joined(separator: ", ")))")
            }
        }
    }

    static let limitMembers = ["max_request_bytes", "max_depth", "max_steps", "history_retention"]

    /// `limits.history_retention`: a duration as cap windows write it (`35d`), in range.
    private static func retention(_ v: JSON) throws(Problem) -> Int64 {
        let path = "limits.history_retention"
        guard case .string(let text) = v else {
            throw Problem(path, "expected a duration such as \"35d\" (units s, m, h, d, w), found \(ErrorText.shown(v))")
        }
        let ms: Int64
        switch Window.parse(text) {
        case .success(let w): ms = w.milliseconds
        case .failure(let e): throw Problem(path, e.message)
        }
        guard retentionRange.contains(ms) else {
            throw Problem(path, "\(ErrorText.quoted(text)) is outside 1h to 3650d")
        }
        return ms
    }

    private mutating func readDefaults(_ value: JSON) throws(Problem) {
        guard case .object(let o) = value else { throw Problem("defaults", "expected an object, found \(value.typeName)") }
        for (k, v) in o {
            switch k {
            case "fixed_clock_ms":
                if v.isNull { continue }
                guard let ms = Instant.milliseconds(v) else {
                    throw Problem("defaults.fixed_clock_ms", "\(Instant.expected), found \(ErrorText.shown(v))")
                }
                fixedClock = ms
            case "time_zone":
                guard case .string(let name) = v else {
                    throw Problem("defaults.time_zone", "expected a zone name (\"Asia/Seoul\", \"UTC\", \"+09:00\"), found \(ErrorText.shown(v))")
                }
                do throws(TimeZoneError) {
                    if ZoneName.fixedOffset(name) == nil { try ZoneName.validate(name) }
                } catch {
                    throw Problem("defaults.time_zone", "invalid zone name \(ErrorText.quoted(name)): \(error.message)")
                }
                timeZone = name
            default:
                throw Problem("defaults.\(ErrorText.name(k))", "unknown member (expected time_zone, fixed_clock_ms)")
            }
        }
    }

    /// An integer in `range`, or an error naming `path` with what was found.
    static func integer(
        _ v: JSON, _ range: ClosedRange<Int>, _ path: String,
        orNull: String? = nil
    ) throws(Problem) -> Int {
        let expected = "expected an integer from \(range.lowerBound) to \(range.upperBound)" + (orNull.map { ", or \($0)" } ?? "")
        guard let n = v.intValue, range.contains(n) else {
            throw Problem(path, "\(expected), found \(ErrorText.shown(v))")
        }
        return n
    }
}
