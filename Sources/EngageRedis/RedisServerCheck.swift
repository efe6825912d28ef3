import Engage
import Synchronization

/// What the server's configuration means for exactness (docs/state.md, "What exactness
/// needs"), read once per store with `CONFIG GET` on the first connection that serves a
/// call, and reported in the store's statistics:
///
/// - `appendonly yes` with `appendfsync always` survives a Redis crash with every
///   acknowledged commit; `everysec` may lose up to a second of them, `no` whatever the
///   kernel had not written, and without the AOF everything since the last snapshot.
/// - `maxmemory-policy noeviction`: any eviction policy may silently erase a user's
///   state, and with it the impressions caps count.
///
/// A server whose `CONFIG` command is disabled or renamed (managed services) is reported
/// as not checkable; nothing fails because of it.
final class RedisServerCheck: Sendable {
    enum State: Sendable {
        case unchecked
        case checked(appendonly: String, appendfsync: String, maxmemoryPolicy: String)
        case unavailable(String)
    }

    private let state = Mutex<State>(.unchecked)
    private let done = Atomic<Bool>(false)

    /// Whether the check still has to run (one atomic load on every call after it ran).
    var pending: Bool { !done.load(ordering: .acquiring) }

    /// Reads the three settings on `connection`. A failure that broke the connection is
    /// thrown (the caller drops it; the check runs again on a later call); an error
    /// reply (`CONFIG` disabled) is recorded as not checkable.
    func run(on connection: RedisConnection, timeoutMS: Int) throws(RedisFailure) {
        var values: [String: String] = [:]
        for name in ["appendonly", "appendfsync", "maxmemory-policy"] {
            let reply = try connection.call([Array("CONFIG".utf8), Array("GET".utf8), Array(name.utf8)], timeoutMS: timeoutMS)
            switch reply {
            case .array(let pair) where pair.count == 2:
                if case .string(let v) = pair[1] { values[name] = String(decoding: v.prefix(64), as: UTF8.self) }
            case .error(let message):
                finish(.unavailable("CONFIG GET \(name): \(message.prefix(120))"))
                return
            default:
                finish(.unavailable("CONFIG GET \(name): an unexpected reply"))
                return
            }
        }
        finish(
            .checked(
                appendonly: values["appendonly"] ?? "?", appendfsync: values["appendfsync"] ?? "?",
                maxmemoryPolicy: values["maxmemory-policy"] ?? "?"))
    }

    private func finish(_ s: State) {
        state.withLock { $0 = s }
        done.store(true, ordering: .releasing)
    }

    /// `{"checked": true, "appendonly": …, "appendfsync": …, "maxmemory_policy": …,
    /// "crash_safe": bool, "warnings": […]}`, or `{"checked": false, "reason": …}`.
    var report: JSON {
        switch state.withLock({ $0 }) {
        case .unchecked:
            return .object(JSONObject([("checked", .bool(false)), ("reason", .string("no call has reached the server yet"))]))
        case .unavailable(let why):
            return .object(JSONObject([("checked", .bool(false)), ("reason", .string(why))]))
        case .checked(let aof, let fsync, let policy):
            let warnings = Self.warnings(appendonly: aof, appendfsync: fsync, maxmemoryPolicy: policy)
            return .object(
                JSONObject([
                    ("checked", .bool(true)), ("appendonly", .string(aof)), ("appendfsync", .string(fsync)),
                    ("maxmemory_policy", .string(policy)),
                    ("crash_safe", .bool(aof == "yes" && fsync == "always")),
                    ("warnings", .array(warnings.map { .string($0) })),
                ]))
        }
    }

    static func warnings(appendonly: String, appendfsync: String, maxmemoryPolicy: String) -> [String] {
        var out: [String] = []
        if appendonly != "yes" {
            out.append("appendonly \(appendonly): a Redis crash loses every commit since the last snapshot (caps and records acknowledged since then)")
        } else if appendfsync == "everysec" {
            out.append("appendfsync everysec: a Redis crash may lose up to a second of acknowledged commits")
        } else if appendfsync != "always" {
            out.append("appendfsync \(appendfsync): a Redis crash may lose the acknowledged commits the kernel had not written")
        }
        if maxmemoryPolicy != "noeviction" {
            out.append("maxmemory-policy \(maxmemoryPolicy): an evicted user's state is erased silently, and their caps with it (use noeviction)")
        }
        return out
    }
}
