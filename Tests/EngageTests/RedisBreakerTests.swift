import EngageStores
import Foundation
import Synchronization
import Testing

@testable import Engage
@testable import EngageRedis

#if canImport(Glibc)
import Glibc
#endif

// The Redis store's circuit breaker against a real redis-server frozen (SIGSTOP) or
// killed (kill -9) and restarted: calls fail fast while it is open, one probe at a time
// half-opens it, and a restarted server closes it on the first probe.

private func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
    let (s, a) = (ContinuousClock.now - start).components
    return s * 1000 + a / 1_000_000_000_000_000
}

/// How long `body` takes, in ms, and the error it threw.
private func timed(_ body: () throws -> Void) -> (ms: Int64, error: StateStoreError?) {
    let start = ContinuousClock.now
    do {
        try body()
        return (milliseconds(since: start), nil)
    } catch {
        return (milliseconds(since: start), error as? StateStoreError ?? StateStoreError(.io, "not a store error: \(error)"))
    }
}

@Suite(.serialized) struct RedisBreakerTests {
    private func store(_ server: RedisServer, timeoutMS: Int, failures: Int, openMS: Int) -> RedisStore {
        var s = server.settings(timeoutMS: timeoutMS)
        (s.breakerFailures, s.breakerOpenMS) = (failures, openMS)
        return RedisStore(s)
    }

    /// A frozen server: the first `breaker_failures` calls wait out the timeout, the next
    /// ones fail at once, naming the breaker and the last failure; after SIGCONT and
    /// `breaker_open_ms`, the first call is the probe and succeeds.
    @Test func aFrozenServerOpensTheBreakerAndCallsFailFast() throws {
        let server = try RedisServer()
        let s = store(server, timeoutMS: 150, failures: 3, openMS: 600)
        _ = try s.load(userID: "u")
        server.signal(SIGSTOP)
        defer { server.signal(SIGCONT) }
        for i in 0..<3 {
            let (ms, error) = timed { _ = try s.load(userID: "u") }
            #expect(error?.code == .unavailable && ms >= 100, "call \(i): \(ms) ms, \(error.map { "\($0)" } ?? "served")")
        }
        #expect(s.storage.pool.breaker.isOpen)
        for _ in 0..<20 {
            let (ms, error) = timed { _ = try s.load(userID: "u") }
            #expect(ms < 20 && error?.code == .unavailable, "\(ms) ms")
            #expect(error?.message.contains("circuit breaker open after 3 consecutive failures") == true, "\(error.map { "\($0)" } ?? "")")
            #expect(error?.message.contains("no answer within 150 ms") == true, "\(error.map { "\($0)" } ?? "")")
        }
        server.signal(SIGCONT)
        Thread.sleep(forTimeInterval: 0.65)
        let (ms, error) = timed { _ = try s.load(userID: "u") }
        #expect(error == nil && ms < 150, "\(ms) ms, \(error.map { "\($0)" } ?? "")")
        #expect(!s.storage.pool.breaker.isOpen && s.storage.pool.breaker.openCount == 1)
    }

    /// kill -9: refused connections open the breaker (calls then do not even try to
    /// connect); a server restarted from its AOF closes it on the first probe, with every
    /// acknowledged write there.
    @Test func aKilledServerOpensItAndARestartClosesItOnTheFirstProbe() throws {
        let server = try RedisServer()
        let s = store(server, timeoutMS: 200, failures: 2, openMS: 300)
        try s.record(userID: "u", .click(campaignID: "c1", time: 1_795_176_000_000))
        server.kill()
        for _ in 0..<2 { #expect(timed { _ = try s.load(userID: "u") }.error?.code == .unavailable) }
        let open = timed { _ = try s.load(userID: "u") }
        #expect(open.ms < 20 && open.error?.message.contains("circuit breaker open") == true)
        try server.start()
        Thread.sleep(forTimeInterval: 0.35)
        let start = ContinuousClock.now
        let state = try s.load(userID: "u")
        let ms = milliseconds(since: start)
        #expect(state.activity(for: "c1")?.clicks.count == 1)
        #expect(ms < 200, "the probe took \(ms) ms")
        #expect(!s.storage.pool.breaker.isOpen && s.storage.pool.breaker.openCount == 1)
    }

    /// Half-open lets one probe through at a time: of 8 threads calling together on a
    /// frozen server, one waits out the timeout and the rest fail at once; the failed
    /// probe opens the breaker again.
    @Test func halfOpenLetsOneProbeThrough() throws {
        let server = try RedisServer()
        let s = store(server, timeoutMS: 300, failures: 1, openMS: 200)
        _ = try s.load(userID: "u")
        server.signal(SIGSTOP)
        defer { server.signal(SIGCONT) }
        #expect(timed { _ = try s.load(userID: "u") }.error != nil)
        #expect(s.storage.pool.breaker.isOpen)
        Thread.sleep(forTimeInterval: 0.25)
        let slow = Atomic<Int>(0), fast = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let (ms, error) = timed { _ = try s.load(userID: "u") }
            if error != nil, ms >= 250 { slow.add(1, ordering: .relaxed) }
            if error != nil, ms < 100 { fast.add(1, ordering: .relaxed) }
        }
        #expect(slow.load(ordering: .relaxed) == 1 && fast.load(ordering: .relaxed) == 7)
        #expect(s.storage.pool.breaker.isOpen && s.storage.pool.breaker.openCount == 1)
        let again = timed { _ = try s.load(userID: "u") }
        #expect(again.ms < 20 && again.error?.message.contains("next probe in") == true)
    }

    /// Through the engine: decisions fail closed, at once once the breaker is open, and
    /// stats show the breaker opening and closing.
    @Test func decisionsFailClosedFastAndStatsShowTheBreaker() throws {
        let server = try RedisServer()
        let engine = try Engine.open(
            config: EngineConfig(
                text: """
                    {"store": {"kind": "redis", "address": "127.0.0.1:\(server.port)", "timeout_ms": 200,
                               "breaker_failures": 2, "breaker_open_ms": 300}}
                    """))
        try engine.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [{"id": "b", "purpose": "service", "status": "active", "placements": ["home"],
                  "caps": [{"count": 2, "window": "1d"}], "channels": {"push": {"payload": {"t": "x"}}}}]}
                """#))
        let request = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["home"]}"#))
        func store() -> JSON? { if case .object(let o) = engine.stats() { return o["store"] } else { return nil } }
        #expect(try engine.decide(request).messages.count == 1)
        #expect(store()?["breaker"] == .string("closed") && store()?["idle_connections"] == .number(1))
        server.kill()
        for i in 0..<10 {
            let start = ContinuousClock.now
            let d = try engine.decide(request)
            let ms = milliseconds(since: start)
            #expect(d.messages.isEmpty && d.storeUnavailable != nil)
            if i >= 2 { #expect(ms < 20 && d.storeUnavailable?.contains("circuit breaker open") == true, "\(ms) ms") }
        }
        #expect(store()?["breaker"] == .string("open") && store()?["breaker_openings"] == .number(1))
        guard case .object(let stats) = engine.stats() else { Issue.record("no stats"); return }
        #expect(stats["store_unavailable"] == .number(10))
        try server.start()
        Thread.sleep(forTimeInterval: 0.35)
        #expect(try engine.decide(request).messages.count == 1) // the probe
        #expect(try engine.decide(request).messages.count == 0) // the cap of 2: both commits kept
        #expect(store()?["breaker"] == .string("closed") && store()?["breaker_openings"] == .number(1))
    }

    /// Answers that are not an outage — a damaged value — never open it.
    @Test func damagedValuesDoNotOpenIt() throws {
        let server = try RedisServer()
        let s = store(server, timeoutMS: 200, failures: 1, openMS: 60_000)
        _ = try server.cli(["SET", "engage:{bad}", "x"])
        for _ in 0..<3 { #expect(timed { _ = try s.load(userID: "bad") }.error?.code == .io) }
        #expect(!s.storage.pool.breaker.isOpen)
        #expect(try s.load(userID: "fine").isEmpty)
    }

    /// A server restarted from a large AOF answers `LOADING` while it reads it: those
    /// answers are failures to the breaker, which opens (calls then fail at once), and
    /// the first probe after loading closes it, with the data there. (The server's hidden
    /// `key-load-delay` stretches loading 10,000 keys to over 3 s.)
    @Test func loadingAnswersOpenTheBreaker() throws {
        let server = try RedisServer(["--key-load-delay", "300", "--loading-process-events-interval-bytes", "1024"])
        try server.cli(["EVAL", "for i = 1, 10000 do redis.call('SET', 'filler' .. i, 'v') end", "0"])
        try server.cli(["BGREWRITEAOF"])
        let rewritten = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < rewritten {
            let info = try server.cli(["INFO", "persistence"])
            if info.contains("aof_rewrite_in_progress:0"), info.contains("aof_rewrite_scheduled:0") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let s = store(server, timeoutMS: 200, failures: 3, openMS: 300)
        try s.record(userID: "u", .click(campaignID: "c1", time: 1_795_176_000_000))
        server.kill()
        try server.start(whileLoading: true)
        for i in 0..<3 {
            let (ms, error) = timed { _ = try s.load(userID: "u") }
            #expect(
                error?.code == .unavailable && error?.message.contains("LOADING") == true && ms < 200,
                "call \(i): \(ms) ms, \(error.map { "\($0)" } ?? "served")")
        }
        #expect(s.storage.pool.breaker.isOpen)
        let fast = timed { _ = try s.load(userID: "u") }
        #expect(
            fast.ms < 20 && fast.error?.message.contains("circuit breaker open after 3 consecutive failures") == true
                && fast.error?.message.contains("LOADING") == true, "\(fast.ms) ms, \(fast.error.map { "\($0)" } ?? "served")")
        // Loaded: a probe succeeds and closes it; what was acknowledged is there.
        var loaded: UserState?
        let deadline = ContinuousClock.now + .seconds(30)
        while loaded == nil, ContinuousClock.now < deadline {
            loaded = try? s.load(userID: "u")
            if loaded == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(loaded?.activity(for: "c1")?.clicks.count == 1)
        #expect(!s.storage.pool.breaker.isOpen && s.storage.pool.breaker.openCount >= 1)
    }

    /// The digest sent with EVALSHA is the script's (what SCRIPT LOAD answers), for
    /// each of the store's scripts.
    @Test func theScriptDigestIsTheScripts() throws {
        let server = try RedisServer()
        for script in RedisScript.all {
            #expect(try server.cli(["SCRIPT", "LOAD", script.source]) == String(decoding: script.digest, as: UTF8.self))
        }
    }
}
