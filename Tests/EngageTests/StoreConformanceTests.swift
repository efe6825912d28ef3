import Foundation
import Synchronization
import Testing

@testable import Engage

// One suite, every store (issue 16, point 6): memory, SQLite, host callbacks (a
// VersionedStateStore over MapStorage) and Redis (a real redis-server per test). Each
// test says what every StateStore promises; a store-specific test file covers the rest.

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
/// The wall clock's hour: Redis expires keys by the server's clock, so times here are
/// real ones (a fixed date would, some day, be past every retention).
private let now: Int64 = Int64(Date().timeIntervalSince1970 * 1000) / hour * hour

private func shown(_ campaign: String = "c1", at time: Int64, tags: [String] = ["plans"]) -> Impression {
    Impression(campaignID: campaign, time: time, channel: "push", purpose: "marketing", tags: tags)
}

/// Records of every kind for a few users, over five weeks, some out of order.
private func mixedRecords(_ n: Int, seed: UInt64) -> [(String, StateRecord)] {
    var rng = SeededGenerator(seed: seed)
    return (0..<n).map { i in
        let t = now - Int64.random(in: 0..<(34 * day), using: &rng)
        let c = ["welcome", "plan-nudge", "é-campaign"].randomElement(using: &rng) ?? "c"
        let r: StateRecord
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: r = .impression(shown(c, at: t, tags: i % 2 == 0 ? ["plans"] : []))
        case 1: r = .click(campaignID: c, time: t)
        case 2: r = .dismissal(campaignID: c, time: t)
        case 3: r = .conversion(campaignID: c, time: t)
        case 4: r = .conversation(channel: "whatsapp", time: t)
        default: r = .behaviour(HistoryEvent(name: "page_view", time: t, properties: ["page": .string("/p\(i % 4)"), "dwell_s": 3]))
        }
        return ("u\(i % 7)", r)
    }
}

@Suite struct StoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func recordsReadBackAsTheMemoryStoreHoldsThem(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        let memory = MemoryStore()
        for (user, r) in mixedRecords(300, seed: 7) {
            try s.store.record(userID: user, r)
            try memory.record(userID: user, r)
        }
        for u in 0..<7 { #expect(try s.store.load(userID: "u\(u)") == memory.load(userID: "u\(u)"), "u\(u)") }
        #expect(try s.store.load(userID: "never-seen").isEmpty)
    }

    /// 16 threads race for each round's user, capped at 3: exactly 3 get through.
    @Test(arguments: StoreKind.allCases)
    func capsHoldUnder16Threads(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        let store = s.store
        let threads = 16, rounds = kind == .redis || kind == .sqlite ? 40 : 200
        let barrier = Barrier(threads)
        let committed = Mutex<[Int]>(Array(repeating: 0, count: rounds))
        let failures = Mutex<[String]>([])
        onThreads(threads) { t in
            for r in 0..<rounds {
                barrier.wait()
                let checks = [
                    CapCheck(
                        scope: .campaign("c1"), range: CapRange.rolling(milliseconds: day, now: now + 100),
                        limit: 3, label: "campaign/1d")
                ]
                do {
                    if try store.commitImpression(userID: "hot-\(r)", shown(at: now + Int64(t)), ifWithin: checks) == .committed {
                        committed.withLock { $0[r] += 1 }
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        let perRound = committed.withLock { $0 }
        #expect(perRound.allSatisfy { $0 == 3 }, "\(perRound.enumerated().filter { $0.element != 3 }.prefix(5))")
        #expect(try store.load(userID: "hot-0").impressionCount(.campaign("c1"), in: CapRange.lifetime) == 3)
    }

    /// Many threads commit a click and a capped impression for one user at once: lost
    /// races are retried, so every click lands and exactly the cap's impressions do.
    @Test(arguments: StoreKind.allCases)
    func contendedCommitsAreAllOrNothingAndRetried(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        let store = s.store
        let threads = 8, each = 25
        let shownCount = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        onThreads(threads) { t in
            for i in 0..<each {
                let commit = StateCommit(
                    records: [.click(campaignID: "c1", time: now + Int64(t * each + i))],
                    impressions: [
                        .init(
                            shown(at: now + Int64(t * each + i)),
                            ifWithin: [CapCheck(scope: .campaign("c1"), range: CapRange.lifetime, limit: 5, label: "lifetime")])
                    ])
                do {
                    if try store.commit(userID: "contended", commit) == [.committed] { shownCount.add(1, ordering: .relaxed) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        let state = try store.load(userID: "contended")
        #expect(state.activity(for: "c1")?.clicks.count == UInt32(threads * each))
        #expect(state.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 5)
        #expect(shownCount.load(ordering: .relaxed) == 5)
    }

    /// One commit: its records first, then each impression against the state so far.
    @Test(arguments: StoreKind.allCases)
    func aCommitChecksEachImpressionOnTheStateSoFar(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        let cap = [CapCheck(scope: .tag("plans"), range: CapRange.rolling(milliseconds: day, now: now + 10), limit: 2, label: "tag/1d")]
        try s.store.record(userID: "u", .impression(shown("a", at: now - hour)))
        let outcomes = try s.store.commit(
            userID: "u",
            StateCommit(
                records: [.behaviour(HistoryEvent(name: "page_view", time: now))],
                impressions: [.init(shown("b", at: now), ifWithin: cap), .init(shown("c", at: now), ifWithin: cap)]))
        #expect(outcomes == [.committed, .capReached(index: 0, used: 2)])
        let state = try s.store.load(userID: "u")
        #expect(state.impressionCount(.tag("plans"), in: CapRange.lifetime) == 2)
        #expect(state.ledger(for: .campaign("c")) == nil)
        #expect(state.aggregate(named: "page_view", from: now - hour, through: now, sumOf: nil).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func forgetErasesOneUserAndNothingElse(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        for (user, r) in mixedRecords(120, seed: 3) { try s.store.record(userID: user, r) }
        try s.store.forget(userID: "u2")
        #expect(try s.store.load(userID: "u2") == UserState())
        for u in [0, 1, 3, 4, 5, 6] { #expect(try !s.store.load(userID: "u\(u)").isEmpty) }
        try s.store.forget(userID: "never-seen")
        // A user erased can be written again, from nothing.
        try s.store.record(userID: "u2", .click(campaignID: "c1", time: now))
        let again = try s.store.load(userID: "u2")
        #expect(again.campaigns.count == 1 && again.ledgers.isEmpty)
    }

    /// Retention drops old times; lifetime totals stay and keep lifetime caps closed.
    @Test(arguments: StoreKind.allCases)
    func retentionPrunesAndLifetimeCapsHold(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind, policy: RetentionPolicy(retention: 7 * day))
        let lifetime = [CapCheck(scope: .campaign("c1"), range: CapRange.lifetime, limit: 2, label: "lifetime")]
        #expect(try s.store.commitImpression(userID: "u", shown(at: now - 60 * day), ifWithin: lifetime) == .committed)
        #expect(try s.store.commitImpression(userID: "u", shown(at: now - 30 * day), ifWithin: lifetime) == .committed)
        try s.store.record(userID: "u", .behaviour(HistoryEvent(name: "app_open", time: now - 30 * day)))
        try s.store.record(userID: "u", .behaviour(HistoryEvent(name: "app_open", time: now - day)))
        #expect(try s.store.commitImpression(userID: "u", shown(at: now), ifWithin: lifetime) == .capReached(index: 0, used: 2))
        let state = try s.store.load(userID: "u")
        #expect(state.aggregate(named: "app_open", from: .min, through: .max, sumOf: nil).count == 1)
        #expect(state.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 2)
        #expect(state.impressionCount(.campaign("c1"), in: CapRange.rolling(milliseconds: 90 * day, now: now)) == 0)
        #expect(state.ledger(for: .tag("plans")) == nil)
    }

    /// Bytes that are not a state fail that user's calls with `io`; others go on, and
    /// forgetting the user repairs it.
    @Test(arguments: StoreKind.allCases.filter { $0 != .memory })
    func aDamagedValueFailsOnlyItsUser(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind, cached: false)
        try s.store.record(userID: "bad", .impression(shown(at: now)))
        try s.store.record(userID: "good", .impression(shown(at: now)))
        #expect(try s.damage("bad"))
        for error in [
            storeError { () throws(StateStoreError) in _ = try s.store.load(userID: "bad") },
            storeError { () throws(StateStoreError) in try s.store.record(userID: "bad", .click(campaignID: "c1", time: now)) },
        ] {
            #expect(error?.code == .io && error?.message.contains("bad") == true, "\(kind): \(String(describing: error))")
        }
        try s.store.record(userID: "good", .click(campaignID: "c1", time: now))
        #expect(try s.store.load(userID: "good").activity(for: "c1")?.clicks.count == 1)
        try s.store.forget(userID: "bad")
        try s.store.record(userID: "bad", .click(campaignID: "c1", time: now))
        #expect(try s.store.load(userID: "bad").campaigns.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func invalidInputChangesNothing(kind: StoreKind) throws {
        let s = try StoreUnderTest(kind)
        #expect(throws: StateStoreError.self) { try s.store.record(userID: "", .click(campaignID: "c", time: now)) }
        #expect(throws: StateStoreError.self) { try s.store.forget(userID: String(repeating: "u", count: 600)) }
        #expect(throws: StateStoreError.self) {
            try s.store.commit(
                userID: "u",
                StateCommit(
                    records: [.click(campaignID: "c", time: now)],
                    impressions: [.init(shown("", at: now), ifWithin: [])]))
        }
        #expect(try s.store.load(userID: "u").isEmpty)
    }
}
