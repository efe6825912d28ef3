// Connections shared by every thread of one store: checked out under a lock, used by one
// caller, returned only if nothing went wrong.
import Engage
import Synchronization

/// A pool of ``RedisConnection``s to one server.
///
/// - Connecting is lazy: the first call connects, so an engine opens while Redis is still
///   starting; a call that cannot connect fails with `unavailable` within the timeout.
/// - Up to `poolSize` idle connections are kept; a call that finds none idle connects one
///   of its own, returned to the pool afterwards if there is room, freed otherwise.
/// - A connection that saw any error — I/O, timeout, protocol, a reply of a type the call
///   did not expect — is freed, never reused: after a timeout its next reply could be the
///   late answer to the call that timed out. Error replies (`NOSCRIPT`, `WRONGTYPE`)
///   leave the connection in step and it is kept.
/// - An idle connection is polled before reuse; one the server closed (a restart) is
///   freed and replaced, so a restart costs no failed call.
final class RedisPool: Sendable {
    let settings: EngineConfig.Redis
    private let idle = Mutex<[RedisConnection]>([])

    init(_ settings: EngineConfig.Redis) { self.settings = settings }

    /// Runs `body` with a connection; `command` names the call in errors
    /// (`redis 127.0.0.1:6379: HMGET for user u1: ...`).
    func with<T>(_ command: @autoclosure () -> String,
                 _ body: (RedisConnection) throws(RedisFailure) -> T) throws(StateStoreError) -> T {
        do throws(RedisFailure) {
            let connection = try checkOut()
            do throws(RedisFailure) {
                let result = try body(connection)
                checkIn(connection)
                return result
            } catch {
                // A broken connection is not returned: freed when its last reference goes.
                if !error.broken { checkIn(connection) }
                throw error
            }
        } catch {
            throw StateStoreError(error.code, "redis \(settings.address): \(command()): \(error.message)")
        }
    }

    private func checkOut() throws(RedisFailure) -> RedisConnection {
        while let c = idle.withLock({ $0.popLast() }) {
            if c.looksIdle { return c }
        }
        return try RedisConnection(settings)
    }

    /// Keeps `c` for reuse if there is room; otherwise it is freed with its last reference.
    private func checkIn(_ c: RedisConnection) {
        idle.withLock { list in
            if list.count < settings.poolSize { list.append(c) }
        }
    }

    /// Idle connections (for tests).
    var idleCount: Int { idle.withLock { $0.count } }
}
