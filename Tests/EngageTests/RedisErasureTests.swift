import EngageStores
import Foundation
import Synchronization
import Testing

@testable import Engage
@testable import EngageRedis

#if canImport(Glibc)
import Glibc
#endif

// Erasure across a fleet (issue 16, point 4): engines sharing one real redis-server
// (Support/RedisServer). An engine's forget reaches every other engine's queued
// exposures through the erasure stream; a commit storm for the user while another engine
// forgets it leaves only what was committed after the erasure.

private let hour: Int64 = 3_600_000
private let now: Int64 = Int64(Date().timeIntervalSince1970 * 1000) / hour * hour

/// An uncapped service campaign: every decision shows it and queues one exposure.
private let campaigns = #"""
    {"version": 1, "campaigns": [{"id": "b", "purpose": "service", "status": "active", "placements": ["home"],
      "channels": {"push": {"payload": {"t": "x"}}}}]}
    """#

/// An engine on `server`, as a gateway opens one from its config.
private func gateway(_ server: RedisServer) throws -> Engine {
    let engine = try Engine.open(
        config: EngineConfig(
            text: """
                {"store": {"kind": "redis", "address": "127.0.0.1:\(server.port)", "timeout_ms": 200}}
                """))
    try engine.load(json: JSONParser.parse(campaigns))
    return engine
}

private func decide(_ engine: Engine, _ user: String, at t: Int64 = now) throws {
    let request = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "\#(user)", "placements": ["home"], "now": \#(t)}"#))
    let d = try engine.decide(request)
    #expect(d.messages.count == 1 && d.storeUnavailable == nil, "\(user): \(d.storeUnavailable ?? "no message")")
}

private func users(_ exposures: [JSON]) -> [String] { exposures.compactMap { $0["user_id"]?.stringValue } }

private func stat(_ engine: Engine, _ name: String) -> Double? {
    if case .number(let n)? = engine.stats()[name] { return n } else { return nil }
}

@Suite struct RedisErasureTests {
    /// Engine A queues exposures for u and v; engine B forgets u: A's next drain returns
    /// v's only, and u is gone from Redis. u deciding again on A afterwards is drained.
    @Test func anErasureOnOneEngineDropsTheUsersExposuresOnAnother() throws {
        let server = try RedisServer()
        let a = try gateway(server), b = try gateway(server)
        for _ in 0..<3 { try decide(a, "u"); try decide(a, "v") }
        #expect(a.exposures.count == 6)
        try b.forget(userID: "u")
        #expect(try server.cli(["EXISTS", "engage:{u}"]) == "0")
        #expect(try server.cli(["XLEN", "engage:erasures"]) == "1")
        let drained = a.drainExposures()
        #expect(users(drained) == ["v", "v", "v"])
        #expect(stat(a, "erasures_received") == 1 && stat(a, "exposures_erased") == 3 && stat(a, "erasure_gaps") == 0)
        // After the erasure, u is a user like any other.
        try decide(a, "u")
        #expect(users(a.drainExposures()) == ["u"])
        // B's own erasure comes back to B, which had already dropped u's records itself.
        #expect(b.drainExposures().isEmpty)
        #expect(stat(b, "erasures_received") == 1 && stat(b, "exposures_erased") == 0)
    }

    /// The position on the stream is taken before an engine's first call, not at its
    /// first drain: an erasure between A's first decision and its first drain counts.
    /// Erasures made before A started are not replayed on it.
    @Test func anEngineSeesErasuresFromItsFirstCallOn() throws {
        let server = try RedisServer()
        let b = try gateway(server)
        try decide(b, "old")
        try b.forget(userID: "old")
        let a = try gateway(server)
        try decide(a, "old") // a user erased before A started, back again
        try decide(a, "u")
        try b.forget(userID: "u")
        #expect(users(a.drainExposures()) == ["old"])
        #expect(stat(a, "erasures_received") == 1)
    }

    /// The stream lost (deleted here; a server restarted without its AOF alike): the
    /// numbering restarts, the engine cannot tell who was erased and drops everything
    /// it had queued, then follows the new stream.
    @Test func aLostStreamDropsEverythingQueued() throws {
        let server = try RedisServer()
        let a = try gateway(server), b = try gateway(server)
        try b.forget(userID: "x")
        try b.forget(userID: "y")
        try decide(a, "u")
        try decide(a, "v")
        try server.cli(["DEL", "engage:erasures"])
        try b.forget(userID: "w")
        #expect(a.drainExposures().isEmpty)
        #expect(stat(a, "erasure_gaps") == 1 && stat(a, "exposures_erased") == 2)
        try decide(a, "u")
        try b.forget(userID: "z")
        #expect(users(a.drainExposures()) == ["u"])
        #expect(stat(a, "erasure_gaps") == 1)
    }

    /// An engine further behind than one drain reads (8 pages of 1,000) drops what it
    /// queued and goes on from the stream's end; a trimmed stream is a gap too.
    @Test func fallingBehindIsAGap() throws {
        let server = try RedisServer()
        let a = try gateway(server), b = try gateway(server)
        try b.forget(userID: "first")
        try decide(a, "u")
        // 8,001 erasures numbered on from the first, as announceErasure numbers them.
        let many = RedisStorage.erasurePage * RedisStorage.erasurePages + 1
        try server.cli(["EVAL", "for i = 2, \(many + 1) do redis.call('XADD', KEYS[1], '*', 'u', 'x' .. i, 'n', i) end", "1", "engage:erasures"])
        #expect(a.drainExposures().isEmpty)
        #expect(stat(a, "erasure_gaps") == 1 && stat(a, "erasures_received") == Double(RedisStorage.erasurePage * RedisStorage.erasurePages))
        // From the end on: nothing more is a gap, and v's record is drained.
        try decide(a, "v")
        try b.forget(userID: "other")
        #expect(users(a.drainExposures()) == ["v"])
        #expect(stat(a, "erasure_gaps") == 1)
        // Entries trimmed before A read them: the numbers jump.
        try decide(a, "w")
        try server.cli(["XADD", "engage:erasures", "*", "u", "skipped", "n", "\(many + 10)"])
        #expect(a.drainExposures().isEmpty)
        #expect(stat(a, "erasure_gaps") == 2)
    }

    /// While the store cannot say who was erased, a drain returns nothing and keeps the
    /// records queued; once it can, they are drained (less any user erased meanwhile).
    @Test func aDrainWaitsForTheStore() throws {
        let server = try RedisServer()
        let a = try gateway(server)
        try decide(a, "u")
        try decide(a, "v")
        server.kill()
        #expect(a.drainExposures().isEmpty)
        #expect(stat(a, "erasure_checks_failed") == 1 && a.exposures.count == 2)
        try server.start()
        let b = try gateway(server)
        try b.forget(userID: "v")
        // The breaker may still be open from the failed drain: within breaker_open_ms.
        var drained: [JSON] = []
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            drained = a.drainExposures()
            if !drained.isEmpty { break }
            usleep(50_000)
        }
        #expect(users(drained) == ["u"])
    }

    /// A write prepared before an erasure fails, whatever the key's history since: 200
    /// users written, erased and written again by another store all get fresh versions,
    /// and no stale version ever writes.
    @Test func staleVersionsNeverWriteAndVersionsNeverRepeat() throws {
        let server = try RedisServer()
        let a = RedisStorage(server.settings()), b = RedisStorage(server.settings())
        var versions = Set<UInt64>()
        var stale: [UInt64] = []
        for round in 0..<200 {
            #expect(try a.write(userID: "u", [UInt8(round % 256)], expected: 0))
            let v = try #require(try a.read(userID: "u")).version
            versions.insert(v)
            stale.append(v)
            try b.erase(userID: "u")
            #expect(try a.read(userID: "u") == nil)
            for old in stale.suffix(3) { #expect(try a.write(userID: "u", [1], expected: old) == false) }
        }
        #expect(versions.count == 200)
        #expect(try server.cli(["EXISTS", "engage:{u}"]) == "0")
    }

    /// Erasure during a commit storm: 8 threads commit impressions for u through store A
    /// (each impression its own campaign, so the final state names every commit it
    /// holds) while store B forgets u. Afterwards the state holds exactly commits that
    /// came after the erasure: none acknowledged before forget was called, all started
    /// after it returned, and — commits being linearizable — a commit kept means every
    /// commit started after it ended is kept too (nothing from before is resurrected).
    @Test func anErasureDuringACommitStormLeavesOnlyLaterCommits() throws {
        let server = try RedisServer()
        let policy = RetentionPolicy(maxScopes: 1_024)
        let a = RedisStore(server.settings(timeoutMS: 2_000), policy: policy)
        let b = RedisStore(server.settings(timeoutMS: 2_000), policy: policy)
        let threads = 8, perThread = 30
        let clock = ContinuousClock()
        let origin = clock.now
        @Sendable func elapsed() -> Duration { clock.now - origin }
        struct Commit { var start: Duration; var end: Duration; var acknowledged: Bool }
        let commits = Mutex<[String: Commit]>([:])
        let done = Atomic<Int>(0)
        let forgetTimes = Mutex<(Duration, Duration)?>(nil)
        let failures = Mutex<[String]>([])
        onThreads(threads + 1) { t in
            if t == threads {
                // B forgets u once a third of the commits are in.
                while done.load(ordering: .acquiring) < threads * perThread / 3 { usleep(200) }
                let start = elapsed()
                do { try b.forget(userID: "u") } catch { failures.withLock { $0.append("forget: \(error)") } }
                let end = elapsed()
                forgetTimes.withLock { $0 = (start, end) }
                return
            }
            for i in 0..<perThread {
                let id = "t\(t)-\(i)"
                let start = elapsed()
                var acknowledged = false
                do {
                    let outcomes = try a.commit(
                        userID: "u",
                        StateCommit(impressions: [
                            .init(Impression(campaignID: id, time: now, channel: "push", purpose: "service"), ifWithin: [])
                        ]))
                    acknowledged = outcomes == [.committed]
                } catch {
                    failures.withLock { $0.append("\(id): \(error)") }
                }
                let end = elapsed()
                commits.withLock { $0[id] = Commit(start: start, end: end, acknowledged: acknowledged) }
                done.add(1, ordering: .releasing)
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 }.prefix(3))")
        let (forgetStart, forgetEnd) = try #require(forgetTimes.withLock { $0 })
        let all = commits.withLock { $0 }
        let kept = Set(
            try a.load(userID: "u").ledgers.compactMap { l -> String? in
                if case .campaign(let c) = l.scope { return c } else { return nil }
            })
        // The same from the other store, read after the storm: one state.
        #expect(try b.load(userID: "u") == a.load(userID: "u"))
        var before = 0, after = 0
        for (id, c) in all {
            let stored = kept.contains(id)
            if c.acknowledged, c.end < forgetStart {
                before += 1
                #expect(!stored, "\(id), acknowledged before the erasure, survived it")
            }
            if c.start > forgetEnd {
                after += 1
                #expect(stored == c.acknowledged, "\(id), committed after the erasure, is missing")
            }
            if !c.acknowledged { #expect(!stored, "\(id) was not acknowledged but is stored") }
        }
        for id in kept {
            let c = try #require(all[id])
            for (other, o) in all where o.acknowledged && o.start > c.end {
                let stored = kept.contains(other)
                #expect(stored, "\(id) was kept, so \(other), which started after it ended, must be")
            }
        }
        // The storm really straddled the erasure.
        #expect(before > 0 && after > 0, "\(before) commits before, \(after) after")
        #expect(kept.count >= after)
    }
}
