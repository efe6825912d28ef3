import EngageStores
import Foundation
import Testing

@testable import Engage
@testable import EngageRedis

#if canImport(Glibc)
import Glibc
#endif

// The Redis store against a real redis-server started per test (Support/RedisServer):
// keys, versions, the script, expiry, damaged values and the server going away. What
// every store promises is in StoreConformanceTests.

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
private let now: Int64 = Int64(Date().timeIntervalSince1970 * 1000) / hour * hour

private func shown(_ c: String = "c1", at t: Int64 = now) -> Impression {
    Impression(campaignID: c, time: t, channel: "push", purpose: "marketing")
}

private func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
    let (s, a) = (ContinuousClock.now - start).components
    return s * 1000 + a / 1_000_000_000_000_000
}

@Suite struct RedisStoreTests {
    /// Ids that are patterns, hash-tag braces or line breaks are bytes of one key each:
    /// erasing one erases that user only.
    @Test func oddUserIDsEraseOnlyThemselves() throws {
        let server = try RedisServer()
        let store = RedisStore(server.settings())
        let ids = ["*", "?", "[a-z]*", "{", "}", "{u}", "}{", "a\r\nDEL x", "\u{0}nul", "engage:*", " ", "é", "plain"]
        for id in ids { try store.record(userID: id, .click(campaignID: "c1", time: now)) }
        #expect(try server.cli(["DBSIZE"]) == "\(ids.count)")
        #expect(try server.cli(["EXISTS", "engage:{[a-z]*}"]) == "1")
        for (n, id) in ids.enumerated() {
            try store.forget(userID: id)
            #expect(try store.load(userID: id).isEmpty, "\(id.debugDescription)")
            for other in ids[(n + 1)...] {
                #expect(try !store.load(userID: other).isEmpty, "forgetting \(id.debugDescription) erased \(other.debugDescription)")
            }
            // The users left, and the erasure stream.
            #expect(try server.cli(["DBSIZE"]) == "\(ids.count - n - 1 + 1)")
        }
    }

    @Test func theKeyIsThePrefixAndTheIdAsAHashTag() throws {
        let server = try RedisServer()
        let store = RedisStore(server.settings(prefix: "tenant-a:"))
        try store.record(userID: "u1", .impression(shown()))
        #expect(try server.cli(["HEXISTS", "tenant-a:{u1}", "s"]) == "1")
        #expect(try server.cli(["CLUSTER", "KEYSLOT", "tenant-a:{u1}"]) == server.cli(["CLUSTER", "KEYSLOT", "u1"]))
        // The state is the encoding every store shares.
        let state = try store.load(userID: "u1")
        let stored = try #require(try store.storage.read(userID: "u1"))
        #expect(stored.bytes == state.encoded())
    }

    /// A script flushed (or lost in a restart) is sent again with EVAL on the next write.
    @Test func aFlushedScriptIsSentAgain() throws {
        let server = try RedisServer()
        let store = RedisStore(server.settings())
        // First use: EVALSHA answers NOSCRIPT, EVAL runs and caches it; then EVALSHA. The
        // store's first call also reads the erasure stream's end by a script (once).
        try store.record(userID: "u", .click(campaignID: "c1", time: now))
        try store.record(userID: "u", .click(campaignID: "c1", time: now + 1))
        let first = try server.cli(["INFO", "commandstats"])
        #expect(first.contains("cmdstat_eval:calls=2,") && first.contains("cmdstat_evalsha:calls=3,"), "\(first)")
        #expect(try server.cli(["SCRIPT", "FLUSH"]) == "OK")
        try store.record(userID: "u", .click(campaignID: "c1", time: now + 2))
        try store.record(userID: "u", .click(campaignID: "c1", time: now + 3))
        let stats = try server.cli(["INFO", "commandstats"])
        #expect(stats.contains("cmdstat_eval:calls=3,"), "\(stats)")
        #expect(stats.contains("cmdstat_evalsha:calls=5,"), "\(stats)")
        #expect(try store.load(userID: "u").activity(for: "c1")?.clicks.count == 4)
    }

    /// A write prepared before an erasure expects a version that is gone: it fails, and
    /// keeps failing after the user is written anew (versions never repeat).
    @Test func aVersionFromBeforeAnErasureCannotWrite() throws {
        let server = try RedisServer()
        let storage = RedisStorage(server.settings())
        let store = VersionedStateStore(storage)
        try store.record(userID: "u", .impression(shown()))
        let before = try #require(try storage.read(userID: "u"))
        try store.forget(userID: "u")
        #expect(try storage.write(userID: "u", before.bytes, expected: before.version) == false)
        try store.record(userID: "u", .click(campaignID: "c1", time: now))
        let after = try #require(try storage.read(userID: "u"))
        #expect(after.version != before.version)
        #expect(try storage.write(userID: "u", before.bytes, expected: before.version) == false)
        #expect(try storage.write(userID: "u", before.bytes, expected: 0) == false)
        #expect(try store.load(userID: "u").ledgers.isEmpty)
        // The current version does write, once.
        #expect(try storage.write(userID: "u", after.bytes, expected: after.version))
        #expect(try storage.write(userID: "u", after.bytes, expected: after.version) == false)
    }

    /// Expiry follows UserState.expiry: behaviour alone expires a retention after it;
    /// an impression or a click removes the expiry; past retention is gone at once.
    @Test func keysExpireAsRetentionSays() throws {
        let server = try RedisServer()
        let policy = RetentionPolicy(retention: 7 * day)
        let store = RedisStore(server.settings(), policy: policy)
        let wall = Int64(Date().timeIntervalSince1970 * 1000)
        try store.record(userID: "browser", .behaviour(HistoryEvent(name: "page_view", time: wall)))
        let expiresAt = Int64(try server.cli(["PEXPIRETIME", "engage:{browser}"])) ?? 0
        #expect(expiresAt == wall + 7 * day + 1)
        try store.record(userID: "browser", .conversation(channel: "whatsapp", time: wall))
        #expect(Int64(try server.cli(["PEXPIRETIME", "engage:{browser}"])) == wall + ConversationWindow.length + 7 * day + 1)
        try store.record(userID: "browser", .impression(shown(at: wall)))
        #expect(try server.cli(["PTTL", "engage:{browser}"]) == "-1")
        try store.record(userID: "clicker", .click(campaignID: "c1", time: wall - 30 * day))
        #expect(try server.cli(["PTTL", "engage:{clicker}"]) == "-1")
        // Behaviour already past retention by the server's clock: dropped, as prune would.
        try store.record(userID: "old", .behaviour(HistoryEvent(name: "page_view", time: wall - 8 * day)))
        #expect(try server.cli(["EXISTS", "engage:{old}"]) == "0")
        #expect(try store.load(userID: "old").isEmpty)
    }

    /// Values that are not this store's are `io` errors for that user, whatever their shape.
    @Test func foreignValuesAreErrorsForTheirUserOnly() throws {
        let server = try RedisServer()
        let store = RedisStore(server.settings())
        try server.cli(["SET", "engage:{string}", "garbage"])
        try server.cli(["HSET", "engage:{noversion}", "s", "x"])
        try server.cli(["HSET", "engage:{badversion}", "v", "12abc", "s", "x"])
        try server.cli(["HSET", "engage:{badstate}", "v", "12", "s", "garbage"])
        for user in ["string", "noversion", "badversion", "badstate"] {
            for error in [
                storeError { () throws(StateStoreError) in _ = try store.load(userID: user) },
                storeError { () throws(StateStoreError) in try store.record(userID: user, .click(campaignID: "c1", time: now)) },
            ] {
                #expect(error?.code == .io && error?.message.contains(user) == true, "\(user): \(String(describing: error))")
            }
            try store.record(userID: "fine", .click(campaignID: "c1", time: now))
        }
        // A hash without its version is refused by the script too, not overwritten.
        #expect(throws: StateStoreError.self) { try store.storage.write(userID: "noversion", [], expected: 0) }
        #expect(try server.cli(["HGET", "engage:{noversion}", "s"]) == "x")
        #expect(try store.load(userID: "fine").activity(for: "c1")?.clicks.count == 4)
        try store.forget(userID: "string")
        try store.record(userID: "string", .click(campaignID: "c1", time: now))
    }

    /// The store reads what the server's configuration means for exactness once, on
    /// the first call served, and reports it in stats: AOF always and noeviction are
    /// crash-safe; everysec and an eviction policy are named with what they risk; a
    /// server that refuses CONFIG is reported as not checkable, and nothing fails.
    @Test func theServersDurabilityIsCheckedAndReported() throws {
        let server = try RedisServer()
        func serverReport(_ configure: [[String]]) throws -> JSON? {
            for command in configure { _ = try server.cli(command) }
            let engine = try Engine.open(
                config: EngineConfig(
                    text: """
                        {"store": {"kind": "redis", "address": "127.0.0.1:\(server.port)", "timeout_ms": 500}}
                        """))
            #expect(engine.stats()["store"]?["server"]?["checked"] == .bool(false))
            try engine.record(userID: "u", .click(campaignID: "c", time: now))
            return engine.stats()["store"]?["server"]
        }
        let safe = try serverReport([])
        #expect(safe?["checked"] == .bool(true))
        #expect(safe?["appendfsync"] == .string("always"))
        #expect(safe?["crash_safe"] == .bool(true))
        #expect(safe?["warnings"] == .array([]))
        let risky = try serverReport([["CONFIG", "SET", "appendfsync", "everysec"], ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]])
        #expect(risky?["crash_safe"] == .bool(false))
        #expect(risky?["warnings"]?.arrayValue?.count == 2)
        #expect(risky?["warnings"]?[0]?.stringValue?.hasPrefix("appendfsync everysec") == true)
        #expect(risky?["warnings"]?[1]?.stringValue?.hasPrefix("maxmemory-policy allkeys-lru") == true)
        // CONFIG renamed away, as managed services do: reported, and the store serves.
        let locked = try RedisServer(["--rename-command", "CONFIG", ""])
        let engine = try Engine.open(
            config: EngineConfig(
                text: """
                    {"store": {"kind": "redis", "address": "127.0.0.1:\(locked.port)", "timeout_ms": 500}}
                    """))
        try engine.record(userID: "u", .click(campaignID: "c", time: now))
        let report = engine.stats()["store"]?["server"]
        #expect(report?["checked"] == .bool(false))
        #expect(report?["reason"]?.stringValue?.hasPrefix("CONFIG GET appendonly") == true)
        #expect(try engine.export(userID: "u")["campaigns"] != nil)
    }

    /// A server killed fails every call with `unavailable` within the timeout (a
    /// decision fails closed: no message, never a cap exceeded); restarted from its AOF, the next
    /// call succeeds and nothing acknowledged is lost.
    @Test func aKilledServerFailsFastAndARestartRecovers() throws {
        let server = try RedisServer()
        let timeout = 100
        let engine = try Engine.open(
            config: EngineConfig(
                text: """
                    {"store": {"kind": "redis", "address": "127.0.0.1:\(server.port)", "timeout_ms": \(timeout)}}
                    """))
        try engine.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [{"id": "b", "purpose": "service", "status": "active", "placements": ["home"],
                  "caps": [{"count": 2, "window": "1d"}], "channels": {"push": {"payload": {"t": "x"}}}}]}
                """#))
        let request = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["home"], "now": \#(now)}"#))
        #expect(try engine.decide(request).messages.count == 1)
        server.kill()
        for _ in 0..<3 {
            let start = ContinuousClock.now
            let d = try engine.decide(request)
            #expect(
                d.messages.isEmpty && d.storeUnavailable?.contains("127.0.0.1:\(server.port)") == true,
                "\(d.storeUnavailable ?? "served")")
            #expect(milliseconds(since: start) < Int64(timeout) + 500)
        }
        try server.start()
        #expect(try engine.decide(request).messages.count == 1)
        #expect(try engine.decide(request).messages.count == 0) // the cap of 2: both commits kept
        #expect(try engine.store.load(userID: "u").impressionCount(.campaign("b"), in: CapRange.lifetime) == 2)
    }

    /// A frozen server (SIGSTOP) fails calls within the timeout; after SIGCONT the late
    /// replies to those calls never reach a later one (their connections were freed).
    @Test func aFrozenServerTimesOutAndNoStaleReplyIsRead() throws {
        let server = try RedisServer()
        let store = RedisStore(server.settings(timeoutMS: 100))
        try store.record(userID: "a", .click(campaignID: "c1", time: now))
        try store.record(userID: "b", .impression(shown()))
        server.signal(SIGSTOP)
        defer { server.signal(SIGCONT) }
        for user in ["a", "b"] {
            let start = ContinuousClock.now
            #expect(throws: StateStoreError.self) { try store.load(userID: user) }
            #expect(milliseconds(since: start) < 600)
        }
        server.signal(SIGCONT)
        // Had a timed-out connection been reused, "b" could read "a"'s late reply.
        #expect(try store.load(userID: "b").impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1)
        #expect(try store.load(userID: "a").campaigns.count == 1)
        #expect(try store.load(userID: "b").campaigns.isEmpty)
    }

    /// The engine opens without the server (a gateway that starts first); calls fail with
    /// `unavailable`, naming the address, until it is up.
    @Test func openingIsLazy() throws {
        let port = try RedisServer.freePort()
        let engine = try Engine.open(config: EngineConfig(text: #"{"store": {"kind": "redis", "address": "127.0.0.1:\#(port)"}}"#))
        let error = storeError { () throws(StateStoreError) in _ = try engine.store.load(userID: "u") }
        #expect(error?.code == .unavailable)
        #expect(error?.message.hasPrefix("redis 127.0.0.1:\(port): HMGET for user u: connect: ") == true, "\(String(describing: error))")
    }

    @Test func aUnixSocketPasswordAndDatabase() throws {
        let server = try RedisServer(["--requirepass", "s3cret"])
        var settings = server.settings(unix: true)
        settings.password = "s3cret"
        settings.database = 3
        let store = RedisStore(settings)
        try store.record(userID: "u", .click(campaignID: "c1", time: now))
        #expect(try server.cli(["-n", "3", "EXISTS", "engage:{u}"], auth: "s3cret") == "1")
        #expect(try server.cli(["-n", "0", "EXISTS", "engage:{u}"], auth: "s3cret") == "0")
        settings.password = "wrong"
        let error = storeError { () throws(StateStoreError) in _ = try RedisStore(settings).load(userID: "u") }
        #expect(
            error?.code == .unavailable && error?.message.contains("AUTH") == true && error?.message.contains("wrong") == false,
            "\(String(describing: error))")
    }

    /// Idle connections are kept up to pool_size and reused.
    @Test func connectionsAreReused() throws {
        let server = try RedisServer()
        var settings = server.settings()
        settings.poolSize = 2
        let storage = RedisStorage(settings)
        func connections() throws -> Int {
            let line = try server.cli(["INFO", "stats"]).split(whereSeparator: \.isNewline).first { $0.hasPrefix("total_connections_received:") }
            return Int(line?.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? -1
        }
        let before = try connections()
        for i in 0..<20 { _ = try storage.read(userID: "u\(i)") }
        #expect(storage.pool.idleCount == 1)
        // One connection for the 20 reads, one for the redis-cli asking.
        let after = try connections()
        #expect(after == before + 2, "\(before) → \(after)")
    }
}
