import Foundation
import Synchronization
import Testing

@testable import Engage

// UserState's byte encoding and the compare-and-swap store built on it (what host
// callbacks through the C ABI use).

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
private let now: Int64 = 1_795_176_000_000

/// A map under a mutex with versions: the smallest honest VersionedStorage.
final class MapStorage: VersionedStorage {
    let values = Mutex<[String: ([UInt8], UInt64)]>([:])
    let reads = Atomic<Int>(0)
    let writes = Atomic<Int>(0)
    let conflicts = Atomic<Int>(0)

    func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
        reads.add(1, ordering: .relaxed)
        return values.withLock { $0[userID] }.map { (bytes: $0.0, version: $0.1) }
    }

    func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool {
        values.withLock { v in
            guard (v[userID]?.1 ?? 0) == expected else {
                conflicts.add(1, ordering: .relaxed)
                return false
            }
            v[userID] = (bytes, expected + 1)
            writes.add(1, ordering: .relaxed)
            return true
        }
    }

    func erase(userID: String) throws(StateStoreError) { _ = values.withLock { $0.removeValue(forKey: userID) } }
}

/// Random records of every kind, over five weeks, some out of order.
private func randomRecords(_ n: Int, seed: UInt64) -> [StateRecord] {
    var rng = SeededGenerator(seed: seed)
    let campaigns = ["plan-nudge", "ott", "welcome-1", "welcome-2", "retention", "é-campaign"]
    let channels = ["push", "sms", "whatsapp", "in_app", "email"]
    let pages: [JSON] = [.string("/plans"), .string("/iptv"), .null, .bool(true), .array([.number(1), .string("x")])]
    return (0..<n).map { _ in
        let t = now - Int64.random(in: 0..<(35 * day), using: &rng)
        let c = campaigns.randomElement(using: &rng) ?? "c"
        switch Int.random(in: 0..<8, using: &rng) {
        case 0, 1:
            return .impression(
                Impression(
                    campaignID: c, time: t, channel: channels.randomElement(using: &rng) ?? "push",
                    purpose: Bool.random(using: &rng) ? "marketing" : "service",
                    tags: Bool.random(using: &rng) ? ["plans", "t\(Int.random(in: 0..<3, using: &rng))"] : []))
        case 2: return .click(campaignID: c, time: t)
        case 3: return .dismissal(campaignID: c, time: t)
        case 4: return .conversion(campaignID: c, time: t)
        case 5: return .conversation(channel: "whatsapp", time: t)
        default:
            var props: [(String, JSON)] = [("page", pages.randomElement(using: &rng) ?? .null)]
            if Bool.random(using: &rng) { props.append(("dwell_s", .number(Double(Int.random(in: 0..<600, using: &rng)) / 4))) }
            if Int.random(in: 0..<5, using: &rng) == 0 { props.append(("", .string("empty key"))) }
            return .behaviour(
                HistoryEvent(
                    name: Bool.random(using: &rng) ? "page_view" : "cart_add", time: t,
                    properties: .object(JSONObject(props))))
        }
    }
}

@Suite struct UserStateEncodingTests {
    @Test func emptyStateRoundTrips() throws {
        #expect(try UserState(encoded: UserState().encoded()) == UserState())
        #expect(try UserState(encoded: []) == UserState())
    }

    /// Random histories: decode(encode(state)) == state, and both answer alike.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomStatesRoundTrip(seed: UInt64) throws {
        var state = UserState()
        for r in randomRecords(400, seed: seed) { state.apply(r) }
        let bytes = state.encoded()
        let back = try UserState(encoded: bytes)
        #expect(back == state)
        #expect(back.encoded() == bytes)
        #expect(
            back.aggregate(named: "page_view", from: now - 7 * day, through: now, sumOf: "dwell_s")
                == state.aggregate(named: "page_view", from: now - 7 * day, through: now, sumOf: "dwell_s"))
    }

    @Test func foreignAndDamagedBytesAreErrors() throws {
        func message(_ bytes: [UInt8]) -> String? {
            do { _ = try UserState(encoded: bytes); return nil } catch { return error.message }
        }
        #expect(message(Array("SQLite format 3\0".utf8))?.contains("not libengage user state") == true)
        #expect(message([0x45, 0x47, 0x53, 0x09, 0])?.contains("format version 9") == true)
        var state = UserState()
        for r in randomRecords(200, seed: 11) { state.apply(r) }
        let bytes = state.encoded()
        // Every truncation is an error, naming a byte offset.
        for n in 1..<bytes.count {
            let m = message(Array(bytes[0..<n]))
            #expect(m != nil, "a prefix of \(n) bytes was accepted")
            if n == bytes.count / 2 { #expect(m?.contains("at byte") == true) }
        }
        #expect(message(bytes + [0])?.contains("1 bytes after the state") == true)
    }

    /// Flipped and random bytes never trap: each gives an error or a state the engine
    /// can use (read caps, aggregate, apply more records, encode again).
    @Test func corruptBytesNeverTrap() throws {
        var state = UserState()
        for r in randomRecords(300, seed: 21) { state.apply(r) }
        let bytes = state.encoded()
        var rng = SeededGenerator(seed: 99)
        var decoded = 0
        for _ in 0..<3_000 {
            var b = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 4..<b.count, using: &rng)
                b[i] = UInt8.random(in: 0...255, using: &rng)
            }
            guard var s = try? UserState(encoded: b) else { continue }
            decoded += 1
            _ = s.firstFullCap([CapCheck(scope: .all, range: CapRange.lifetime, limit: 3, label: "all")])
            _ = s.aggregate(named: "page_view", from: .min, through: .max, sumOf: "dwell_s")
            for r in randomRecords(5, seed: UInt64(decoded)) { s.apply(r) }
            _ = try UserState(encoded: s.encoded())
        }
        for _ in 0..<2_000 {
            var b = Array(UserState.encodingMagic)
            for _ in 0..<Int.random(in: 0..<64, using: &rng) { b.append(UInt8.random(in: 0...255, using: &rng)) }
            _ = try? UserState(encoded: b)
        }
        #expect(decoded > 0, "no mutation decoded: the test would not exercise use of odd states")
    }
}

@Suite struct VersionedStateStoreTests {
    /// The same records give the same state as the memory store.
    @Test func behavesLikeTheMemoryStore() throws {
        let store = VersionedStateStore(MapStorage())
        let memory = MemoryStore()
        for (i, r) in randomRecords(600, seed: 5).enumerated() {
            let user = "u\(i % 7)"
            try store.record(userID: user, r)
            try memory.record(userID: user, r)
        }
        for u in 0..<7 { #expect(try store.load(userID: "u\(u)") == memory.load(userID: "u\(u)")) }
        try store.forget(userID: "u3")
        #expect(try store.load(userID: "u3").isEmpty)
        #expect(store.storage.values.withLock { $0["u3"] } == nil)
        #expect(throws: StateStoreError.self) { try store.record(userID: "", .click(campaignID: "c", time: now)) }
    }

    // Caps under 16 threads, contention with retries, erasure and retention over this
    // store: StoreConformanceTests (kind "callbacks"), beside every other store.

    /// A writer that lands between this store's read and its write, once per commit:
    /// the commit is retried on the new state, and a cap filled by the interloper holds.
    @Test func aConflictIsRetriedOnTheNewState() throws {
        final class Interloper: VersionedStorage, @unchecked Sendable {
            let inner = MapStorage()
            var pending: [UInt8]? = nil
            func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
                try inner.read(userID: userID)
            }
            func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool {
                if let other = pending {
                    pending = nil
                    _ = try inner.write(userID: userID, other, expected: expected) // lands first
                }
                return try inner.write(userID: userID, bytes, expected: expected)
            }
            func erase(userID: String) throws(StateStoreError) { try inner.erase(userID: userID) }
        }
        let storage = Interloper()
        let store = VersionedStateStore(storage, maxAttempts: 8)
        var theirs = UserState()
        theirs.apply(.impression(Impression(campaignID: "c1", time: now, channel: "push", purpose: "service")))
        storage.pending = theirs.encoded()
        let checks = [
            CapCheck(
                scope: .campaign("c1"), range: CapRange.rolling(milliseconds: day, now: now + 100),
                limit: 1, label: "campaign/1d")
        ]
        let mine = Impression(campaignID: "c1", time: now + 1, channel: "push", purpose: "service")
        // Checked against the state it read (empty) the cap allowed it; the write lost to
        // the interloper, the retry re-read and found the cap full.
        #expect(try store.commitImpression(userID: "u", mine, ifWithin: checks) == .capReached(index: 0, used: 1))
        #expect(storage.inner.conflicts.load(ordering: .relaxed) == 1)
        #expect(try store.load(userID: "u") == theirs)
        // Without a cap in the way, a conflict is retried and lands.
        storage.pending = theirs.encoded()
        try store.record(userID: "v", .click(campaignID: "c1", time: now))
        #expect(storage.inner.conflicts.load(ordering: .relaxed) == 2)
        #expect(try store.load(userID: "v").activity(for: "c1")?.clicks.count == 1)
    }

    @Test func endlessConflictsAndBadBytesAreErrors() throws {
        struct AlwaysConflicts: VersionedStorage {
            func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? { nil }
            func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool { false }
            func erase(userID: String) throws(StateStoreError) {}
        }
        let busy = VersionedStateStore(AlwaysConflicts(), maxAttempts: 5)
        #expect(throws: StateStoreError(.unavailable, "user u1: 5 conflicting writes in a row")) {
            try busy.record(userID: "u1", .click(campaignID: "c", time: now))
        }
        let storage = MapStorage()
        storage.values.withLock { $0["u1"] = (Array("not a state".utf8), 3) }
        let store = VersionedStateStore(storage)
        do {
            _ = try store.load(userID: "u1")
            Issue.record("garbage decoded")
        } catch {
            #expect(error.code == .io && error.message.hasPrefix("user u1: stored state"))
        }
    }

    /// The engine over this store decides as over the memory store, caps included.
    @Test func theEngineDecidesOverIt() throws {
        let set = #"""
            {"version": 1, "campaigns": [{"id": "b", "purpose": "service", "status": "active", "placements": ["home"],
              "caps": [{"count": 2, "window": "1d"}], "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#
        let e = Engine(store: VersionedStateStore(MapStorage()), clock: { now })
        try e.load(json: JSONParser.parse(set))
        let request = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["home"]}"#))
        let shown = try (0..<4).map { _ in try e.decide(request).messages.count }
        #expect(shown == [1, 1, 0, 0])
    }
}

/// A decision's commit starts from the state and version its decision read
/// (`loadForCommit`, `commit(userID:_:basis:)`): one read and one write per committed
/// decision, and a basis gone stale is read again, never written back.
@Suite struct CommitFromTheDecisionsReadTests {
    @Test func aCommittedDecisionReadsOnceAndWritesOnce() throws {
        let storage = MapStorage()
        let e = Engine(store: VersionedStateStore(storage), clock: { now })
        try e.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [{"id": "c", "purpose": "service", "status": "active", "placements": ["p"],
                  "caps": [{"count": 2, "window": "lifetime"}], "channels": {"push": {"payload": {"t": 1}}}}]}
                """#))
        let r = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["p"]}"#))
        for want in [1, 1, 0] { #expect(try e.decide(r).messages.count == want) }
        // Two commits (the third decision, capped, writes nothing), three reads: none again.
        #expect(storage.reads.load(ordering: .relaxed) == 3)
        #expect(storage.writes.load(ordering: .relaxed) == 2 && storage.conflicts.load(ordering: .relaxed) == 0)
        #expect(try e.store.load(userID: "u").impressionCount(.campaign("c"), in: Int64.min..<Int64.max) == 2)
    }

    @Test func aStaleBasisIsReadAgainAndItsCapsRechecked() throws {
        let storage = MapStorage()
        let store = VersionedStateStore(storage)
        let shown = Impression(campaignID: "c", time: now, channel: "push", purpose: "service")
        let cap = CapCheck(scope: .campaign("c"), range: Int64.min..<Int64.max, limit: 1, label: "campaign/lifetime")
        let (state, basis) = try store.loadForCommit(userID: "u")
        #expect(state == UserState() && basis != nil)
        // Another writer between the decision's read and its commit: a click, and the one
        // impression the cap allows.
        try store.record(userID: "u", .click(campaignID: "c", time: now))
        #expect(try store.commitImpression(userID: "u", shown, ifWithin: [cap]) == .committed)
        let outcomes = try store.commit(
            userID: "u",
            StateCommit(
                records: [.dismissal(campaignID: "c", time: now)],
                impressions: [.init(shown, ifWithin: [cap])]), basis: basis)
        #expect(outcomes == [.capReached(index: 0, used: 1)])
        #expect(storage.conflicts.load(ordering: .relaxed) == 1)
        // The commit landed on the fresh state: the click and the impression kept, the
        // dismissal added, no second impression.
        let after = try store.load(userID: "u")
        #expect(after.impressionCount(.campaign("c"), in: Int64.min..<Int64.max) == 1)
        let campaigns = try JSONParser.parse(
            #"""
            [{"campaign": "c", "clicks": 1, "last_click": \#(now), "dismissals": 1, "last_dismissal": \#(now), "conversions": 0}]
            """#)
        #expect(after.exported["campaigns"] == campaigns)
    }
}
