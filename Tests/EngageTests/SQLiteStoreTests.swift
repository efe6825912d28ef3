import Foundation
import Synchronization
import Testing

@testable import Engage
@testable import EngageSQLite

// The embedded durable store over a real SQLite file in a temporary folder.

private let day: Int64 = 86_400_000
private let now: Int64 = 1_795_176_000_000

private func shown(_ c: String = "c1", at t: Int64 = now) -> Impression {
    Impression(campaignID: c, time: t, channel: "push", purpose: "marketing", tags: ["plans"])
}

@Suite struct SQLiteStoreTests {
    @Test func stateSurvivesReopeningAndMatchesTheMemoryStore() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.db").path
        let memory = MemoryStore()
        do {
            let store = try SQLiteStore(path: path)
            for i in 0..<300 {
                let user = "u\(i % 9)"
                let t = now - Int64(i) * 3_600_000
                let r: StateRecord =
                    i % 3 == 0
                    ? .impression(shown(at: t))
                    : i % 3 == 1
                        ? .behaviour(HistoryEvent(name: "page_view", time: t, properties: .object(JSONObject([("page", .string("/p\(i % 4)"))]))))
                        : .click(campaignID: "c\(i % 5)", time: t)
                try store.record(userID: user, r)
                try memory.record(userID: user, r)
            }
            #expect(store.cachedUsers == 9)
        }
        let reopened = try SQLiteStore(path: path)
        #expect(reopened.cachedUsers == 0)
        for u in 0..<9 { #expect(try reopened.load(userID: "u\(u)") == memory.load(userID: "u\(u)")) }
        #expect(try reopened.load(userID: "never").isEmpty)
    }

    @Test func capsHoldAcrossThreadsAndConnections() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.db").path
        // Two stores on one file stand in for two processes: separate connections,
        // SQLite's file locks between them, and caches that know nothing of each other.
        let a = try SQLiteStore(path: path, sync: .batch, cacheTTL: nil)
        let b = try SQLiteStore(path: path, sync: .batch, cacheTTL: nil)
        let committed = Mutex<[Int]>(Array(repeating: 0, count: 40))
        let failures = Mutex<[String]>([])
        onThreads(8) { t in
            let store = t % 2 == 0 ? a : b
            for r in 0..<40 {
                let checks = [CapCheck(scope: .campaign("c1"), range: CapRange.lifetime, limit: 3, label: "campaign/lifetime")]
                for _ in 0..<2 {
                    do {
                        if try store.commitImpression(userID: "hot-\(r)", shown(at: now + Int64(t)), ifWithin: checks) == .committed {
                            committed.withLock { $0[r] += 1 }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }
        #expect(failures.withLock { $0 } == [])
        #expect(committed.withLock { $0 }.allSatisfy { $0 == 3 }, "\(committed.withLock { $0 })")
        let fresh = try SQLiteStore(path: path)
        #expect(try fresh.load(userID: "hot-7").impressionCount(.campaign("c1"), in: CapRange.lifetime) == 3)
    }

    @Test func forgetLeavesNoTraceInTheFiles() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.db").path
        let store = try SQLiteStore(path: path)
        let marker = "zq-secret-page-4711"
        for i in 0..<50 {
            try store.record(
                userID: "erase-me-42",
                .behaviour(
                    HistoryEvent(
                        name: "page_view", time: now - Int64(i) * 60_000,
                        properties: .object(JSONObject([("page", .string(marker))])))))
            try store.record(userID: "keep-\(i)", .impression(shown()))
        }
        func traces() throws -> [String] {
            var found: [String] = []
            for suffix in ["", "-wal", "-journal"] {
                guard let data = FileManager.default.contents(atPath: path + suffix) else { continue }
                for needle in ["erase-me-42", marker] where data.range(of: Data(needle.utf8)) != nil {
                    found.append("\(needle) in state.db\(suffix)")
                }
            }
            return found
        }
        #expect(try !traces().isEmpty, "the markers should be on disk before erasure")
        try store.forget(userID: "erase-me-42")
        #expect(try traces() == [])
        #expect(try store.load(userID: "erase-me-42").isEmpty)
        #expect(try !store.load(userID: "keep-3").isEmpty)
    }

    @Test func foreignDamagedAndNewerFilesAreClearErrorsAtOpen() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        func openError(_ path: String) -> String? {
            do { _ = try SQLiteStore(path: path); return nil } catch { return error.message }
        }
        let text = dir.appendingPathComponent("notes.txt").path
        FileManager.default.createFile(atPath: text, contents: Data(String(repeating: "not a database\n", count: 400).utf8))
        #expect(openError(text)?.contains("not a libengage state file") == true)

        let other = dir.appendingPathComponent("other.db").path
        do {
            let db = try SQLiteConnection(path: other)
            try db.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        }
        #expect(openError(other)?.contains("another application's SQLite database") == true)

        let newer = dir.appendingPathComponent("newer.db").path
        do {
            _ = try SQLiteStore(path: newer)
            let db = try SQLiteConnection(path: newer)
            try db.exec("PRAGMA user_version = 99")
        }
        #expect(openError(newer)?.contains("layout version 99 is newer") == true)

        // A real store file cut in half, and one with a page of noise.
        let good = dir.appendingPathComponent("good.db").path
        do {
            let store = try SQLiteStore(path: good)
            for i in 0..<2_000 { try store.record(userID: "user-\(i)", .impression(shown())) }
            try store.forget(userID: "user-0") // checkpoints: everything is in the main file
        }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        #expect(bytes.count > 16_384)
        let truncated = dir.appendingPathComponent("truncated.db").path
        FileManager.default.createFile(atPath: truncated, contents: bytes.prefix(bytes.count / 2))
        let damaged = dir.appendingPathComponent("damaged.db").path
        var noisy = bytes
        for i in 8_192..<12_288 { noisy[i] = UInt8(truncatingIfNeeded: i &* 31) }
        FileManager.default.createFile(atPath: damaged, contents: noisy)
        for path in [truncated, damaged] {
            let m = openError(path)
            #expect(m != nil && m?.contains(path) == true, "\(path): \(m ?? "opened")")
        }
        #expect(openError(dir.appendingPathComponent("missing/x.db").path)?.contains("cannot open") == true)
    }

    /// A full disk or a read-only file fails the write with an error; every write that
    /// was acknowledged is there after reopening, and none that failed.
    @Test func fullAndReadOnlyFilesFailWritesWithoutLosingAcknowledgedOnes() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("full.db").path
        var acknowledged: [String] = []
        var refused: [String] = []
        var message = ""
        do {
            let store = try SQLiteStore(path: path)
            try store.record(userID: "first", .impression(shown()))
            acknowledged.append("first")
            try store.withWriteConnection { db throws(StateStoreError) in
                let pages = try db.integer("PRAGMA page_count")
                try db.exec("PRAGMA max_page_count = \(pages + 2)")
            }
            for i in 0..<2_000 {
                let user = "user-\(i)-" + String(repeating: "x", count: 200)
                do {
                    try store.record(
                        userID: user,
                        .behaviour(
                            HistoryEvent(
                                name: "page_view", time: now,
                                properties: .object(JSONObject([("page", .string(user))])))))
                    acknowledged.append(user)
                } catch {
                    refused.append(user)
                    message = error.message
                }
            }
            #expect(!refused.isEmpty && message.contains("full"), "\(message)")
            try store.withWriteConnection { db throws(StateStoreError) in try db.exec("PRAGMA query_only = ON") }
            #expect(throws: StateStoreError.self) { try store.record(userID: "first", .click(campaignID: "c1", time: now)) }
            #expect(try store.load(userID: "first").impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1)
        }
        let reopened = try SQLiteStore(path: path, cacheCapacity: 0)
        for user in acknowledged { #expect(try !reopened.load(userID: user).isEmpty, "\(user.prefix(12)) lost") }
        for user in refused.prefix(20) { #expect(try reopened.load(userID: user).isEmpty) }
        #expect(try reopened.load(userID: "first").activity(for: "c1") == nil)
    }

    /// A row whose bytes were damaged fails that user's reads and writes with an error;
    /// other users' writes (even in the same group transaction) go on; forget repairs it.
    @Test func aDamagedRowFailsOnlyItsUser() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("s.db").path, cacheCapacity: 0)
        try store.record(userID: "bad", .impression(shown()))
        try store.withWriteConnection { db throws(StateStoreError) in
            try db.exec("UPDATE users SET state = x'4547530107ffffffffffffff' WHERE user_id = 'bad'")
        }
        #expect(throws: StateStoreError.self) { try store.load(userID: "bad") }
        let errors = Mutex<[String]>([])
        onThreads(8) { t in
            for i in 0..<20 {
                do {
                    try store.record(userID: t == 0 ? "bad" : "good-\(t)", .click(campaignID: "c\(i)", time: now))
                } catch {
                    errors.withLock { $0.append("\(t): \(error)") }
                }
            }
        }
        let failed = errors.withLock { $0 }
        #expect(failed.count == 20 && failed.allSatisfy { $0.hasPrefix("0: io: ") && $0.contains("user bad") }, "\(failed.prefix(3))")
        for t in 1..<8 { #expect(try store.load(userID: "good-\(t)").campaigns.count == 20) }
        try store.forget(userID: "bad")
        try store.record(userID: "bad", .click(campaignID: "c1", time: now))
        #expect(try store.load(userID: "bad").campaigns.count == 1)
    }

    @Test func upgradesAVersion1File() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v1.db").path
        var state = UserState()
        state.apply(.impression(shown()))
        state.apply(.conversion(campaignID: "c1", time: now))
        do { // the layout of schema version 1, as the first release wrote it
            let db = try SQLiteConnection(path: path)
            try db.exec(
                """
                PRAGMA application_id = \(SQLiteStore.applicationID); PRAGMA user_version = 1;
                CREATE TABLE users (user_id TEXT PRIMARY KEY NOT NULL, state BLOB NOT NULL) WITHOUT ROWID;
                """)
            let insert = try db.prepare("INSERT INTO users VALUES (?1, ?2)")
            try insert.bind(1, "old-user")
            try insert.bind(2, state.encoded())
            _ = try insert.step()
        }
        let store = try SQLiteStore(path: path)
        #expect(try store.load(userID: "old-user") == state)
        try store.record(userID: "old-user", .click(campaignID: "c1", time: now))
        let db = try SQLiteConnection(path: path)
        #expect(try db.integer("PRAGMA user_version") == 2)
        #expect(try db.integer("SELECT updated_ms FROM users WHERE user_id = 'old-user'") == now)
    }

    @Test func pruneDropsIdleUsers() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("s.db").path)
        try store.record(userID: "old", .behaviour(HistoryEvent(name: "page_view", time: now - 90 * day)))
        try store.record(userID: "recent", .behaviour(HistoryEvent(name: "page_view", time: now - day)))
        try store.prune(now: now)
        let db = try SQLiteConnection(path: store.path)
        #expect(try db.integer("SELECT count(*) FROM users") == 1)
        #expect(try store.load(userID: "old").isEmpty)
        #expect(try !store.load(userID: "recent").isEmpty)
    }

    /// Campaign history outlives the engine and a reload of the campaign set.
    @Test func theEngineKeepsCapsAcrossRestartsAndReloads() throws {
        let dir = try temporaryFolder("engage-sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("engine.db").path
        let set = #"""
            {"version": 1, "campaigns": [{"id": "banner", "purpose": "service", "status": "active", "placements": ["home"],
              "caps": [{"count": 2, "window": "7d"}], "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#
        let request = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["home"]}"#))
        do {
            let e = Engine(store: try SQLiteStore(path: path), clock: { now })
            try e.load(json: JSONParser.parse(set))
            #expect(try e.decide(request).messages.count == 1)
        }
        let e = Engine(store: try SQLiteStore(path: path), clock: { now + 3_600_000 })
        try e.load(json: JSONParser.parse(set))
        #expect(try e.decide(request).messages.count == 1)
        try e.load(json: JSONParser.parse(set.replacingOccurrences(of: "\"x\"", with: "\"y\"")))
        #expect(try e.decide(request).messages.count == 0)
    }
}
