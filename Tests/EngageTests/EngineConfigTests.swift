import EngageRedis
import EngageSQLite
import EngageStores
import Foundation
import Testing

@testable import Engage

/// 2026-11-20T00:30:00Z, a Friday: 09:30 in Seoul.
private let seoulMorning: Int64 = 1_795_134_600_000
private let day: Int64 = 86_400_000

private let configFolder = SharedFixtures.projectRoot + "/examples/config"

/// The member each `invalid-*` example must be refused at.
private let invalidExamples = [
    "invalid-empty-time-zone.json": "defaults.time_zone",
    "invalid-max-steps-zero.json": "limits.max_steps",
    "invalid-redis-without-port.json": "store.address",
    "invalid-retention-unit.json": "limits.history_retention",
    "invalid-sqlite-without-path.json": "store.path",
    "invalid-unknown-store.json": "store.kind",
]

private func config(_ text: String) throws -> EngineConfig { try EngineConfig(text: text) }

/// The problem reading or opening `text` gives (Engine.open: every store of this build).
private func problem(_ text: String) -> EngineConfig.Problem? {
    do throws(EngineConfig.Problem) {
        return problem(opening: try EngineConfig(text: text))
    } catch {
        return error
    }
}

/// The problem Engine.open gives for `config`.
private func problem(opening config: EngineConfig) -> EngineConfig.Problem? {
    do throws(EngineConfig.Problem) {
        _ = try Engine.open(config: config)
        return nil
    } catch {
        return error
    }
}

/// The problem opening `config` with `store` gives.
private func openingProblem(_ config: EngineConfig, with store: any StateStore) -> EngineConfig.Problem? {
    do throws(EngineConfig.Problem) {
        _ = try Engine(config: config, store: store)
        return nil
    } catch {
        return error
    }
}

private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "engage-config-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func decide(_ engine: Engine, _ extra: String = "", now: Int64 = seoulMorning) throws -> Decision {
    try engine.decide(json: JSONParser.parse(#"{"user_id": "u1", "placements": ["home"], "app": {"foreground": true}, "now": \#(now)\#(extra)}"#))
}

private func reason(_ d: Decision, _ id: String) -> ReasonCode? { d.traces?.first { $0.campaignID == id }?.reason }

@Suite struct EngineConfigTests {
    // MARK: The examples

    @Test func everyExampleOpensOrFailsAtTheMemberItsNameNames() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: configFolder).filter { $0.hasSuffix(".json") }.sorted()
        #expect(Set(names.filter { $0.hasPrefix("invalid") }) == Set(invalidExamples.keys), "a new invalid-* example needs its member here")
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in names {
            let text = try String(contentsOfFile: configFolder + "/" + name, encoding: .utf8)
            if let path = invalidExamples[name] {
                #expect(problem(text)?.path == path, "\(name): \(problem(text).map { "\($0)" } ?? "opened")")
                continue
            }
            var c = try config(text)
            switch c.store {
            case .sqlite(var settings)?:
                // The example's path is a server's; the file goes to a temporary folder.
                settings.path = folder + "/" + name + ".db"
                c.store = .sqlite(settings)
                let engine = try Engine.open(config: c)
                #expect(engine.store is SQLiteStore)
            case .redis?:
                // Opened without connecting (lazy): no server is needed here.
                #expect(try Engine.open(config: c).store is RedisStore, "\(name)")
            case .callbacks?:
                #expect(problem(text)?.path == "store.kind", "\(name): the host's store must be given")
                _ = try Engine(config: c, store: MemoryStore())
            default:
                #expect(try Engine.open(config: c).store is MemoryStore, "\(name)")
            }
        }
    }

    @Test func theExamplesSayWhatTheyMean() throws {
        let memory = try Engine.open(configText: String(contentsOfFile: configFolder + "/memory.json", encoding: .utf8))
        #expect(memory.defaultTimeZone == "Asia/Seoul")
        #expect(memory.evaluationLimits.maxSteps == 100_000)
        #expect(memory.requestLimits.maxBytes == 65_536 && memory.requestLimits.maxDepth == 64)
        #expect((memory.store as? MemoryStore)?.policy.retention == 35 * day)
        #expect(memory.clock() == 1_795_150_000_000)
        let sqlite = try config(String(contentsOfFile: configFolder + "/sqlite.json", encoding: .utf8))
        #expect(
            sqlite.store
                == .sqlite(
                    {
                        var s = EngineConfig.SQLite(path: "/var/lib/engage/state.db"); s.sync = .batch; return s
                    }()))
        #expect(sqlite.historyRetention == 90 * day && sqlite.maxRequestBytes == 262_144 && sqlite.timeZone == "Asia/Seoul")
    }

    // MARK: limits.max_steps

    /// A rule that walks a 200-element array: a few hundred steps.
    private static let stepHungrySet = #"""
        {"version": 1, "campaigns": [
          {"id": "walker", "purpose": "service", "status": "active", "placements": ["home"],
           "audience": {"some": [{"var": "user.items"}, {">": [{"var": ""}, 150]}]},
           "channels": {"in_app": {"payload": {"t": "x"}}}},
          {"id": "plain", "purpose": "service", "status": "active", "placements": ["home"],
           "channels": {"in_app": {"payload": {"t": "y"}}}}]}
        """#

    @Test func maxStepsBoundsEveryRuleEvaluation() throws {
        let items = (1...200).map(String.init).joined(separator: ",")
        let user = #", "explain": true, "k": 2, "user": {"items": [\#(items)]}"#
        let tight = try Engine(config: config(#"{"limits": {"max_steps": 50}}"#))
        try tight.load(json: JSONParser.parse(Self.stepHungrySet))
        let skipped = try decide(tight, user)
        #expect(reason(skipped, "walker") == .ruleError)
        #expect(skipped.traces?.first { $0.campaignID == "walker" }?.detail.contains("50 steps") == true)
        #expect(skipped.messages.map(\.campaignID) == ["plain"])

        let roomy = try Engine(config: config(#"{"limits": {"max_steps": 100000}}"#))
        try roomy.load(json: JSONParser.parse(Self.stepHungrySet))
        #expect(try decide(roomy, user).messages.map(\.campaignID).sorted() == ["plain", "walker"])
    }

    // MARK: limits.history_retention

    /// A campaign capped at one impression a week.
    private static let weeklySet = #"""
        {"version": 1, "campaigns": [{"id": "weekly", "purpose": "service", "status": "active", "placements": ["home"],
          "caps": [{"count": 1, "window": "7d"}], "channels": {"in_app": {"payload": {"t": "x"}}}}]}
        """#

    /// Shown on day 0, an event on day 3 (a write, so the store prunes), asked on day 3:
    /// a 2-day history has forgotten the impression, a 35-day one is still capped.
    private func shownAgainAfterThreeDays(_ engine: Engine) throws -> Bool {
        try engine.load(json: JSONParser.parse(Self.weeklySet))
        #expect(try decide(engine).messages.count == 1)
        try engine.record(json: JSONParser.parse(#"{"user_id": "u1", "type": "event", "name": "app_open", "time": \#(seoulMorning + 3 * day)}"#))
        return try decide(engine, now: seoulMorning + 3 * day + 1).messages.count == 1
    }

    @Test func historyRetentionIsWhatTheStoreKeeps() throws {
        #expect(try shownAgainAfterThreeDays(Engine(config: config(#"{"limits": {"history_retention": "2d"}}"#))))
        #expect(try !shownAgainAfterThreeDays(Engine(config: config(#"{"limits": {"history_retention": "35d"}}"#))))
        #expect(try !shownAgainAfterThreeDays(Engine(config: EngineConfig())))

        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sqlite = try Engine.open(configText: #"{"store": {"kind": "sqlite", "path": "\#(folder)/s.db"}, "limits": {"history_retention": "2d"}}"#)
        #expect((sqlite.store as? SQLiteStore)?.policy.retention == 2 * day)
        #expect(try shownAgainAfterThreeDays(sqlite))
    }

    @Test func historyRetentionIsADurationFromAnHourToTenYears() throws {
        for (text, ms) in [("1h", 3_600_000), ("3600s", 3_600_000), ("60m", 3_600_000), ("35d", 35 * day), ("12w", 84 * day), ("3650d", 3650 * day)]
            as [(String, Int64)]
        {
            #expect(try config(#"{"limits": {"history_retention": "\#(text)"}}"#).historyRetention == ms, "\(text)")
        }
        for text in [#""59m""#, #""3651d""#, #""0d""#, #""35dd""#, #""35 days""#, #""d""#, #""99999999999999999999d""#, "35", "null", #""""#] {
            let p = problem(#"{"limits": {"history_retention": \#(text)}}"#)
            #expect(p?.path == "limits.history_retention", "\(text): \(p.map { "\($0)" } ?? "accepted")")
        }
        #expect(problem(#"{"limits": {"history_retention": "35dd"}}"#)?.message.contains(#"unknown unit "dd""#) == true)
    }

    // MARK: defaults.time_zone

    /// Open 09:00-10:00 in the set's zone; the set names none.
    private static let morningSet = #"""
        {"version": 1, "campaigns": [{"id": "morning", "purpose": "service", "status": "active", "placements": ["home"],
          "schedule": {"hours": {"from": "09:00", "to": "10:00"}}, "channels": {"in_app": {"payload": {"t": "x"}}}}]}
        """#

    @Test func theDefaultZoneIsTheSetsWhenItNamesNone() throws {
        for (zone, shown) in [("Asia/Seoul", true), ("+09:00", true), ("UTC", false), (nil, false)] as [(String?, Bool)] {
            let engine = try Engine(config: config(zone.map { #"{"defaults": {"time_zone": "\#($0)"}}"# } ?? "{}"))
            try engine.load(json: JSONParser.parse(Self.morningSet))
            #expect(engine.campaignSet?.set.defaultTimeZone == zone ?? "UTC")
            #expect(try decide(engine).messages.count == (shown ? 1 : 0), "\(zone ?? "no zone")")
        }
        // The set's own zone wins over the engine's.
        let seoul = try Engine(config: config(#"{"defaults": {"time_zone": "Asia/Seoul"}}"#))
        try seoul.load(json: JSONParser.parse(Self.morningSet.replacingOccurrences(of: #""version": 1,"#, with: #""version": 1, "default_time_zone": "UTC","#)))
        #expect(try decide(seoul).messages.isEmpty)
    }

    @Test func aZoneThatDoesNotLoadFailsAtOpen() throws {
        for name in ["Mars/Olympus_Mons", "localtime", "../etc/passwd", "", String(repeating: "A", count: 200)] {
            let p = problem(#"{"defaults": {"time_zone": "\#(name)"}}"#)
            #expect(p?.path == "defaults.time_zone", "\(name.prefix(20)): \(p.map { "\($0)" } ?? "opened")")
        }
        #expect(problem(#"{"defaults": {"time_zone": 9}}"#)?.path == "defaults.time_zone")
    }

    // MARK: The other limits

    @Test func requestsAreParsedWithinTheConfiguredLimits() throws {
        let small = try Engine(config: config(#"{"limits": {"max_request_bytes": 100, "max_depth": 3}}"#))
        try small.load(json: JSONParser.parse(Self.weeklySet))
        let long = Array(#"{"user_id": "u1", "placements": ["home"], "data": "\#(String(repeating: "x", count: 100))"}"#.utf8)
        let deep = Array(#"{"user_id": "u1", "placements": ["home"], "user": {"a": {"b": {"c": 1}}}}"#.utf8)
        for bytes in [long, deep] {
            #expect(throws: DecisionError.self) { try small.decide(bytes: bytes) }
        }
        let roomy = try Engine(config: EngineConfig())
        try roomy.load(json: JSONParser.parse(Self.weeklySet))
        for bytes in [long, deep] {
            #expect(throws: Never.self) { try roomy.decide(bytes: bytes) }
        }
    }

    @Test func numbersAtTheExtremesAreErrorsNamingTheMember() {
        let members = [
            "limits.max_steps": #"{"limits": {"max_steps": X}}"#,
            "limits.max_request_bytes": #"{"limits": {"max_request_bytes": X}}"#,
            "limits.max_depth": #"{"limits": {"max_depth": X}}"#,
            "limits.history_retention": #"{"limits": {"history_retention": X}}"#,
            "defaults.time_zone": #"{"defaults": {"time_zone": X}}"#,
        ]
        for (path, template) in members {
            for v in ["-9223372036854775808", "9223372036854775807", "18446744073709551616", "1e308", "-1e308", "-1", "0", "1.5"] {
                let p = problem(template.replacingOccurrences(of: "X", with: v))
                #expect(p?.path == path, "\(path) = \(v)")
            }
        }
        #expect(problem(#"{"limits": {"max_steps": 10000000}}"#) == nil)
        #expect(problem(#"{"limits": {"max_steps": 10000001}}"#)?.path == "limits.max_steps")
    }

    /// A config built in Swift is held to the document's ranges when an engine opens.
    @Test func valuesSetInSwiftAreCheckedAtOpen() {
        let changes: [(String, (inout EngineConfig) -> Void)] = [
            ("limits.max_steps", { $0.maxSteps = 0 }), ("limits.max_steps", { $0.maxSteps = .max }),
            ("limits.max_request_bytes", { $0.maxRequestBytes = -1 }), ("limits.max_depth", { $0.maxRequestDepth = .min }),
            ("limits.history_retention", { $0.historyRetention = 59 * 60_000 }),
            ("limits.history_retention", { $0.historyRetention = .max }),
            ("defaults.fixed_clock_ms", { $0.fixedClock = .max }), ("defaults.time_zone", { $0.timeZone = "Nowhere/City" }),
        ]
        for (path, change) in changes {
            var c = EngineConfig()
            change(&c)
            #expect(openingProblem(c, with: MemoryStore())?.path == path, "\(path)")
            #expect(problem(opening: c)?.path == path, "\(path)")
        }
    }

    // MARK: Stores

    @Test func redisMembersAreReadAndRangeChecked() throws {
        let full = try config(
            #"{"store": {"kind": "redis", "address": "[::1]:7000", "key_prefix": "t:", "timeout_ms": 20, "pool_size": 3, "password": "pw", "database": 2, "breaker_failures": 0, "breaker_open_ms": 250}}"#
        )
        var expected = EngineConfig.Redis(address: .tcp(host: "::1", port: 7000))
        (expected.keyPrefix, expected.timeoutMS, expected.poolSize, expected.password, expected.database) = ("t:", 20, 3, "pw", 2)
        (expected.breakerFailures, expected.breakerOpenMS) = (0, 250)
        #expect(full.store == .redis(expected))
        #expect(
            try config(#"{"store": {"kind": "redis", "address": "unix:/run/redis.sock"}}"#).store
                == .redis(EngineConfig.Redis(address: .unix(path: "/run/redis.sock"))))
        let defaults = EngineConfig.Redis(address: .tcp(host: "redis.internal", port: 6379))
        #expect(try config(#"{"store": {"kind": "redis", "address": "redis.internal:6379"}}"#).store == .redis(defaults))
        #expect((defaults.keyPrefix, defaults.timeoutMS, defaults.poolSize, defaults.password, defaults.database) == ("engage:", 50, 8, nil, 0))
        #expect((defaults.breakerFailures, defaults.breakerOpenMS) == (5, 1_000))
        let refused: [(String, String)] = [
            (#""address": "127.0.0.1""#, "store.address"), (#""address": "::1:6379""#, "store.address"),
            (#""address": "host:0""#, "store.address"), (#""address": "host:65536""#, "store.address"),
            (#""address": "[::1:6379""#, "store.address"), (#""address": "unix:relative.sock""#, "store.address"),
            (#""address": "a b:1""#, "store.address"), (#""address": 6379"#, "store.address"), ("", "store.address"),
            (#""address": "h:1", "key_prefix": "{t}:""#, "store.key_prefix"),
            (#""address": "h:1", "timeout_ms": 0"#, "store.timeout_ms"), (#""address": "h:1", "timeout_ms": 60001"#, "store.timeout_ms"),
            (#""address": "h:1", "pool_size": 0"#, "store.pool_size"), (#""address": "h:1", "pool_size": 1.5"#, "store.pool_size"),
            (#""address": "h:1", "database": -1"#, "store.database"), (#""address": "h:1", "password": """#, "store.password"),
            (#""address": "h:1", "path": "/x""#, "store.path"),
            (#""address": "h:1", "breaker_failures": -1"#, "store.breaker_failures"),
            (#""address": "h:1", "breaker_failures": 1001"#, "store.breaker_failures"),
            (#""address": "h:1", "breaker_open_ms": 0"#, "store.breaker_open_ms"),
            (#""address": "h:1", "breaker_open_ms": "1s""#, "store.breaker_open_ms"),
        ]
        for (members, path) in refused {
            let text = #"{"store": {"kind": "redis""# + (members.isEmpty ? "" : ", " + members) + "}}"
            #expect(problem(text)?.path == path, "\(text): \(problem(text).map { "\($0)" } ?? "opened")")
        }
        // A password is never repeated in an error.
        #expect(problem(#"{"store": {"kind": "redis", "address": "h:1", "password": 12}}"#)?.message.contains("12") == false)
        // Set in Swift out of range: refused at open, by member.
        var c = EngineConfig()
        var r = defaults
        r.poolSize = 0
        c.store = .redis(r)
        #expect(problem(opening: c)?.path == "store.pool_size")
        r.poolSize = 8
        r.breakerOpenMS = 600_001
        c.store = .redis(r)
        #expect(problem(opening: c)?.path == "store.breaker_open_ms")
    }

    @Test func theStoreIsTheOneTheConfigNames() throws {
        #expect(problem(#"{"store": {"kind": "redis", "address": "127.0.0.1:6379"}}"#) == nil)
        #expect(throws: EngineConfig.Problem("store.kind", "the redis store is opened by EngageStores: Engine.open(config:) (the C ABI and the CLI use it)")) {
            try Engine(config: config(#"{"store": {"kind": "redis", "address": "127.0.0.1:6379"}}"#))
        }
        #expect(problem(#"{"store": {"kind": "callbacks"}}"#)?.path == "store.kind")
        // The core cannot open the SQLite file: it says who can.
        let sqlite = try config(#"{"store": {"kind": "sqlite", "path": "/tmp/never-created.db"}}"#)
        #expect(throws: EngineConfig.Problem.self) { try Engine(config: sqlite) }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-created.db"))
        // A store given with a config that names another is a conflict, not a choice.
        for text in [#"{"store": {"kind": "memory"}}"#, #"{"store": {"kind": "sqlite", "path": "/tmp/x.db"}}"#] {
            let c = try config(text)
            #expect(openingProblem(c, with: MemoryStore())?.path == "store.kind", "\(text)")
        }
        // Given with no store named, or callbacks: used as it is.
        let own = MemoryStore()
        #expect(try Engine(config: config("{}"), store: own).store as? MemoryStore === own)
        #expect(try Engine(config: config(#"{"store": {"kind": "callbacks"}}"#), store: own).store as? MemoryStore === own)
    }

    @Test func aStoreThatCannotOpenIsAStoreError() throws {
        let p = problem(#"{"store": {"kind": "sqlite", "path": "/nonexistent-folder/state.db"}}"#)
        #expect(p?.path == "store.path")
        #expect(p?.store?.code == .io)
        #expect(p?.message.contains("/nonexistent-folder/state.db") == true)
        // The zone is checked before the file is created.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let q = problem(#"{"store": {"kind": "sqlite", "path": "\#(folder)/s.db"}, "defaults": {"time_zone": "Nowhere/City"}}"#)
        #expect(q?.path == "defaults.time_zone")
        #expect(!FileManager.default.fileExists(atPath: folder + "/s.db"))
    }

    @Test func stateInAnSQLiteFileOutlivesTheEngine() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = #"{"store": {"kind": "sqlite", "path": "\#(folder)/s.db", "sync": "batch"}}"#
        do {
            let first = try Engine.open(configText: text)
            try first.load(json: JSONParser.parse(Self.weeklySet))
            #expect(try decide(first).messages.count == 1)
        }
        let second = try Engine.open(configText: text)
        try second.load(json: JSONParser.parse(Self.weeklySet))
        #expect(try decide(second, now: seoulMorning + 1000).messages.isEmpty)
    }

    @Test func textThatIsNotJSONIsAProblemWithoutAPath() {
        let p = problem("{")
        #expect(p?.path == "" && p?.json != nil)
        #expect(problem("") == nil)
        #expect(problem("[]")?.path == "")
    }
}
