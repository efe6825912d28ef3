import EngageSQLite
import Engage

/// The engine config document (docs/engine-config.md) as far as this build implements
/// it: the in-memory store, the SQLite store or the host's callbacks, request limits and a fixed clock. Members this build does not
/// implement yet (other store kinds, max_steps, history_retention, defaults.time_zone)
/// are refused with a message rather than silently ignored.
struct EngineConfig {
    var limits = ABILimits()
    var fixedClock: Int64? = nil
    /// `store.kind` as written (nil when absent: memory, or the host's callbacks when
    /// the engine is opened with them).
    var storeKind: String? = nil
    /// The SQLite store's settings when `store.kind` is `sqlite`.
    var sqlite: SQLiteSettings? = nil

    struct SQLiteSettings {
        var path: String
        var sync: SQLiteStore.Sync = .always
        var cacheUsers = 100_000
        var cacheTTL: Int64? = 1_000
    }

    struct Problem: Error {
        let path: String
        let message: String
    }

    static func read(_ json: JSON) -> Result<EngineConfig, Problem> {
        guard case .object(let root) = json else {
            return .failure(Problem(path: "", message: "the config is a JSON object, found \(json.typeName)"))
        }
        var config = EngineConfig()
        for (key, value) in root {
            switch key {
            case "$schema": continue
            case "store":
                guard case .string(let kind)? = value["kind"] else {
                    return .failure(Problem(path: "store.kind", message: "expected memory, sqlite, redis or callbacks"))
                }
                guard kind == "memory" || kind == "callbacks" || kind == "sqlite" else {
                    return .failure(Problem(path: "store.kind", message: "store \"\(kind.prefix(32))\" is not available in this build (memory, sqlite and callbacks are)"))
                }
                let allowed = kind == "sqlite" ? ["kind", "path", "sync", "cache_users", "cache_ttl_ms"] : ["kind"]
                if let extra = value.objectValue?.keys.first(where: { !allowed.contains($0) }) {
                    return .failure(Problem(path: "store.\(extra.prefix(32))", message: "unknown member for the \(kind) store (expected \(allowed.joined(separator: ", ")))"))
                }
                config.storeKind = kind
                if kind == "sqlite" {
                    guard case .string(let path)? = value["path"], !path.isEmpty, !path.utf8.contains(0), path.utf8.count <= 4096 else {
                        return .failure(Problem(path: "store.path", message: "required: the state file's path (1-4096 bytes)"))
                    }
                    var sqlite = SQLiteSettings(path: path)
                    switch value["sync"] {
                    case nil, .null?: break
                    case .string("always")?: sqlite.sync = .always
                    case .string("batch")?: sqlite.sync = .batch
                    default: return .failure(Problem(path: "store.sync", message: "expected \"always\" or \"batch\""))
                    }
                    switch value["cache_users"] {
                    case nil, .null?: break
                    case let v?:
                        guard let n = v.intValue, (0...100_000_000).contains(n) else {
                            return .failure(Problem(path: "store.cache_users", message: "expected 0 to 100000000"))
                        }
                        sqlite.cacheUsers = n
                    }
                    switch value["cache_ttl_ms"] {
                    case nil: break
                    case .null?: sqlite.cacheTTL = nil
                    case let v?:
                        guard let n = v.intValue, (0...86_400_000).contains(n) else {
                            return .failure(Problem(path: "store.cache_ttl_ms", message: "expected 0 to 86400000, or null (one process per file)"))
                        }
                        sqlite.cacheTTL = Int64(n)
                    }
                    config.sqlite = sqlite
                }
            case "limits":
                guard case .object(let o) = value else { return .failure(Problem(path: "limits", message: "expected an object")) }
                for (k, v) in o {
                    guard let n = v.intValue else { return .failure(Problem(path: "limits.\(k.prefix(32))", message: "expected an integer")) }
                    switch k {
                    case "max_request_bytes":
                        guard (1...(64 << 20)).contains(n) else { return .failure(Problem(path: "limits.max_request_bytes", message: "expected 1 to 67108864")) }
                        config.limits.maxRequestBytes = n
                    case "max_depth":
                        guard (1...1024).contains(n) else { return .failure(Problem(path: "limits.max_depth", message: "expected 1 to 1024")) }
                        config.limits.requestDepth = n
                    default:
                        return .failure(Problem(path: "limits.\(k.prefix(32))", message: "not available in this build (max_request_bytes and max_depth are)"))
                    }
                }
            case "defaults":
                guard case .object(let o) = value else { return .failure(Problem(path: "defaults", message: "expected an object")) }
                for (k, v) in o {
                    guard k == "fixed_clock_ms" else {
                        return .failure(Problem(path: "defaults.\(k.prefix(32))", message: "not available in this build (fixed_clock_ms is)"))
                    }
                    if v.isNull { continue }
                    guard let ms = v.intValue, abs(ms) < 1 << 47 else {
                        return .failure(Problem(path: "defaults.fixed_clock_ms", message: "expected milliseconds since the epoch"))
                    }
                    config.fixedClock = Int64(ms)
                }
            default:
                return .failure(Problem(path: String(key.prefix(64)), message: "unknown member (expected store, limits, defaults)"))
            }
        }
        return .success(config)
    }
}
