/// The engine config document (docs/engine-config.md) as far as this build implements
/// it: the store (memory, SQLite or the host's callbacks), request limits and a fixed
/// clock. Members this build does not implement yet (other store kinds, `max_steps`,
/// `history_retention`, `defaults.time_zone`) are refused with a message rather than
/// silently ignored.
///
/// The core reads the document; a skin (the C ABI, the CLI) opens the store it names.
/// Reading is pure and bounded: every number is range-checked before it is converted,
/// and every error text names the field and stays short whatever the input holds.
public struct EngineConfig: Sendable, Equatable {
    /// Where user state lives.
    public enum Store: Sendable, Equatable {
        /// `{"kind": "memory"}`, or no `store` member.
        case memory
        /// `{"kind": "sqlite", ...}`.
        case sqlite(SQLite)
        /// `{"kind": "callbacks"}`: the host passes its callbacks when it opens the engine.
        case callbacks

        /// `memory`, `sqlite` or `callbacks`.
        public var name: String {
            switch self {
            case .memory: return "memory"
            case .sqlite: return "sqlite"
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

    /// The store; nil when the document does not name one (memory, or the host's
    /// callbacks when the engine is opened with them).
    public var store: Store? = nil
    /// Largest request, record or context document, in bytes.
    public var maxRequestBytes = 1 << 20
    /// Deepest nesting of a request, record or context document.
    public var maxRequestDepth = 64
    /// The clock for tests: every decision's default `now`.
    public var fixedClock: Int64? = nil

    public init() {}

    /// A member that cannot be used: where (`defaults.fixed_clock_ms`) and why.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String

        init(_ path: String, _ message: String) {
            self.path = ErrorText.bounded(path)
            self.message = ErrorText.bounded(message)
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
            throw Problem("store.kind", "expected memory, sqlite, redis or callbacks")
        }
        let allowed: [String]
        switch kind {
        case "memory", "callbacks": allowed = ["kind"]
        case "sqlite": allowed = sqliteMembers
        default:
            throw Problem("store.kind", "store \(ErrorText.quoted(kind)) is not available in this build (memory, sqlite and callbacks are)")
        }
        if let extra = o.keys.first(where: { !allowed.contains($0) }) {
            throw Problem("store.\(ErrorText.name(extra))", "unknown member for the \(kind) store (expected \(allowed.joined(separator: ", ")))")
        }
        switch kind {
        case "memory": return .memory
        case "callbacks": return .callbacks
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
            case "max_request_bytes": maxRequestBytes = try Self.integer(v, 1...(64 << 20), "limits.max_request_bytes")
            case "max_depth": maxRequestDepth = try Self.integer(v, 1...1024, "limits.max_depth")
            default:
                throw Problem("limits.\(ErrorText.name(k))", "not available in this build (max_request_bytes and max_depth are)")
            }
        }
    }

    private mutating func readDefaults(_ value: JSON) throws(Problem) {
        guard case .object(let o) = value else { throw Problem("defaults", "expected an object, found \(value.typeName)") }
        for (k, v) in o {
            guard k == "fixed_clock_ms" else {
                throw Problem("defaults.\(ErrorText.name(k))", "not available in this build (fixed_clock_ms is)")
            }
            if v.isNull { continue }
            guard let ms = Instant.milliseconds(v) else {
                throw Problem("defaults.fixed_clock_ms", "\(Instant.expected), found \(ErrorText.shown(v))")
            }
            fixedClock = ms
        }
    }

    /// An integer in `range`, or an error naming `path` with what was found.
    private static func integer(_ v: JSON, _ range: ClosedRange<Int>, _ path: String,
                                orNull: String? = nil) throws(Problem) -> Int {
        let expected = "expected an integer from \(range.lowerBound) to \(range.upperBound)" + (orNull.map { ", or \($0)" } ?? "")
        guard let n = v.intValue, range.contains(n) else {
            throw Problem(path, "\(expected), found \(ErrorText.shown(v))")
        }
        return n
    }
}
