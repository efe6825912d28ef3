import Engage
import Synchronization

// Connections shared by every thread of one store: checked out under a lock, used by one
// caller, returned only if nothing went wrong; behind a circuit breaker; never shared
// with a forked child.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool of ``RedisConnection``s to one server.
///
/// - Connecting is lazy: the first call connects, so an engine opens while Redis is still
///   starting; a call that cannot connect fails with `unavailable` within the timeout.
/// - Up to `poolSize` idle connections are kept; a call that finds none idle connects one
///   of its own, returned to the pool afterwards if there is room, freed otherwise.
/// - A connection that saw any error — I/O, timeout, protocol, a reply of a type the
///   call did not expect — is freed, never reused: after a timeout its next reply could
///   be the late answer to the call that timed out. Error replies (`NOSCRIPT`,
///   `WRONGTYPE`) leave the connection in step and it is kept.
/// - An idle connection is polled before reuse; one the server closed (a restart) is
///   freed and replaced, so a restart costs no failed call.
/// - A ``RedisBreaker`` fails calls at once while the server keeps failing: not
///   answering, or answering that it will not serve (``RedisValue/refusingCodes``).
/// - **Fork**: everything a process uses — idle connections, the breaker — belongs to a
///   ``Generation`` made by that process (its pid). A call in a forked child finds the
///   parent's generation, replaces it with its own, and frees the parent's idle
///   connections: `redisFree` closes the child's copy of each socket (the parent's
///   stays open: a socket closes with its last descriptor) and sends nothing — no
///   `QUIT`, no half-read reply stolen from the parent. Connections the parent had
///   checked out at the fork are never returned in the child. The parent's generation
///   object is left allocated in the child (a few bytes, once per fork): another child
///   thread may still hold it, and its lock may have been held at the fork.
final class RedisPool: Sendable {
    let settings: EngineConfig.Redis

    /// One process's connections and breaker.
    final class Generation: Sendable {
        let pid: pid_t
        let idle = Mutex<[RedisConnection]>([])
        let breaker: RedisBreaker

        init(_ settings: EngineConfig.Redis) {
            pid = getpid()
            breaker = RedisBreaker(failures: settings.breakerFailures, openMS: settings.breakerOpenMS)
        }
    }

    /// The current process's generation, retained by the pool.
    private let current: Atomic<Unmanaged<Generation>>
    /// The server's durability settings, read once (``RedisServerCheck``).
    let serverCheck = RedisServerCheck()

    init(_ settings: EngineConfig.Redis) {
        self.settings = settings
        current = Atomic(Unmanaged.passRetained(Generation(settings)))
    }

    deinit { current.load(ordering: .acquiring).release() }

    /// This process's generation: the parent's, replaced, on a child's first call.
    var generation: Generation {
        let stored = current.load(ordering: .acquiring)
        let g = stored.takeUnretainedValue()
        let pid = getpid()
        if g.pid == pid { return g }
        let fresh = Unmanaged.passRetained(Generation(settings))
        let (exchanged, winner) = current.compareExchange(expected: stored, desired: fresh, ordering: .acquiringAndReleasing)
        guard exchanged else {
            fresh.release()
            return winner.takeUnretainedValue()
        }
        // The parent's idle connections: freed (each closes this process's copy of its
        // socket) unless the fork caught their lock held.
        let inherited = g.idle.withLockIfAvailable { list -> [RedisConnection] in
            defer { list.removeAll() }
            return list
        }
        _ = inherited
        return fresh.takeUnretainedValue()
    }

    /// Runs `body` with a connection; `command` names the call in errors
    /// (`redis 127.0.0.1:6379: HMGET for user u1: ...`).
    func with<T>(
        _ command: @autoclosure () -> String,
        _ body: (RedisConnection) throws(RedisFailure) -> T
    ) throws(StateStoreError) -> T {
        let g = generation
        do throws(RedisFailure) {
            let ticket = try g.breaker.admit()
            let connection: RedisConnection
            do throws(RedisFailure) {
                connection = try checkOut(g)
            } catch {
                g.breaker.failed(ticket, error.message)
                throw error
            }
            do throws(RedisFailure) {
                let result = try body(connection)
                // An answer that refuses to serve (LOADING after a restart, READONLY from a
                // replica after a failover, ...) is a failure to the breaker, as a
                // timeout is; the connection is in step and kept.
                let refusal = (result as? RedisValue)?.refusal
                if let refusal {
                    g.breaker.failed(ticket, refusal)
                } else {
                    g.breaker.succeeded(ticket)
                }
                // Once per store, after the first call that was served; its failure never
                // fails the call (whose work is done) — a broken connection is dropped and
                // the check runs again on a later call.
                var keep = true
                if refusal == nil, serverCheck.pending {
                    do throws(RedisFailure) {
                        try serverCheck.run(on: connection, timeoutMS: settings.timeoutMS)
                    } catch {
                        keep = !error.broken
                    }
                }
                if keep { checkIn(connection, g) }
                return result
            } catch {
                // The server answered (a reply of the wrong shape): it is serving.
                if error.code == .unavailable { g.breaker.failed(ticket, error.message) } else { g.breaker.succeeded(ticket) }
                // A broken connection is not returned: freed when its last reference goes.
                if !error.broken { checkIn(connection, g) }
                throw error
            }
        } catch {
            throw StateStoreError(error.code, "redis \(settings.address): \(command()): \(error.message)")
        }
    }

    private func checkOut(_ g: Generation) throws(RedisFailure) -> RedisConnection {
        while let c = g.idle.withLock({ $0.popLast() }) {
            if c.looksIdle { return c }
        }
        return try RedisConnection(settings)
    }

    /// Keeps `c` for reuse if there is room; otherwise it is freed with its last reference.
    private func checkIn(_ c: RedisConnection, _ g: Generation) {
        g.idle.withLock { list in
            if list.count < settings.poolSize { list.append(c) }
        }
    }

    /// Idle connections (for tests).
    var idleCount: Int { generation.idle.withLock { $0.count } }
    /// The breaker of this process (for tests).
    var breaker: RedisBreaker { generation.breaker }
}
