import Foundation
import Synchronization
import Testing

@testable import Engage

// The state store: records, erasure, retention, bounded memory, the behaviour history
// the targeting operators read, and decide-and-commit under concurrency.

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
/// 2026-11-20T12:00:00Z.
private let now: Int64 = 1_795_176_000_000

private func shown(
    _ campaign: String = "c1", at time: Int64, channel: String = "push",
    purpose: String = "marketing", tags: [String] = []
) -> Impression {
    Impression(campaignID: campaign, time: time, channel: channel, purpose: purpose, tags: tags)
}

private func everyKind(at t: Int64) -> [StateRecord] {
    [
        .impression(shown(at: t, channel: "whatsapp", tags: ["plans"])),
        .click(campaignID: "c1", time: t + 1), .dismissal(campaignID: "c1", time: t + 2),
        .conversion(campaignID: "c1", time: t + 3),
        .behaviour(HistoryEvent(name: "page_view", time: t, properties: ["page": "/plans", "dwell_s": 12])),
        .conversation(channel: "whatsapp", time: t),
    ]
}

@Suite struct StateStoreBasicsTests {
    @Test func unknownUserLoadsEmpty() throws {
        let store = MemoryStore()
        #expect(try store.load(userID: "nobody").isEmpty)
        #expect(store.userCount == 0)
    }

    @Test func recordsLandInTheSnapshot() throws {
        let store = MemoryStore()
        for r in everyKind(at: now) { try store.record(userID: "u", r) }
        let s = try store.load(userID: "u")
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1)
        #expect(s.impressionCount(.tag("plans"), in: CapRange.lifetime) == 1)
        #expect(s.activity(for: "c1")?.clicks.last == now + 1)
        #expect(s.activity(for: "c1")?.lastDismissal == now + 2)
        #expect(s.activity(for: "c1")?.hasConverted == true)
        #expect(s.isConversationOpen(channel: "whatsapp", at: now + day - 1))
        #expect(!s.isConversationOpen(channel: "whatsapp", at: now + day))
        #expect(!s.isConversationOpen(channel: "sms", at: now))
        #expect(
            s.aggregate(named: "page_view", from: now - day, through: now, sumOf: "dwell_s")
                == EventAggregate(count: 1, sum: 12, last: now))
        // The snapshot is a value: later writes do not change it.
        try store.record(userID: "u", .impression(shown(at: now + 5)))
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1)
    }

    @Test func aPaidMessageOpensAConversation() {
        var s = UserState()
        s.apply(.impression(shown(at: now, channel: "whatsapp")))
        #expect(s.isConversationOpen(channel: "whatsapp", at: now + 23 * hour))
        // Another message inside the window does not extend it.
        s.apply(.impression(shown(at: now + 2 * hour, channel: "whatsapp")))
        #expect(!s.isConversationOpen(channel: "whatsapp", at: now + day))
    }

    @Test func forgetLeavesNothing() throws {
        let store = MemoryStore()
        for r in everyKind(at: now) {
            try store.record(userID: "gone", r)
            try store.record(userID: "kept", r)
        }
        try store.forget(userID: "gone")
        let s = try store.load(userID: "gone")
        #expect(s.isEmpty)
        #expect(s == UserState())
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 0)
        #expect(s.aggregate(named: "page_view", from: .min, through: .max, sumOf: nil).count == 0)
        #expect(store.userCount == 1)
        #expect(try !store.load(userID: "kept").isEmpty)
        try store.forget(userID: "never-seen") // not an error
        try store.forget(userID: "kept")
        #expect(store.userCount == 0)
    }

    @Test func invalidInputIsRefusedWithTheField() throws {
        let store = MemoryStore()
        func message(_ body: () throws -> Void) -> String? {
            do { try body() } catch let error as StateStoreError { return error.message } catch { return "\(error)" }
            return nil
        }
        #expect(message { try store.record(userID: "", .click(campaignID: "c", time: 0)) } == "userID: must not be empty")
        #expect(
            message { try store.record(userID: String(repeating: "u", count: 600), .click(campaignID: "c", time: 0)) }
                == "userID: 600 bytes (at most 512)")
        #expect(
            message { try store.record(userID: "u", .click(campaignID: "c", time: .max)) }?
                .hasPrefix("click.time: 9223372036854775807 is outside") == true)
        #expect(
            message { try store.record(userID: "u", .impression(shown(at: 0, tags: ["ok", ""]))) }
                == "impression.tags[1]: must not be empty")
        #expect(
            message { _ = try store.commitImpression(userID: "u", shown("", at: 0), ifWithin: []) }
                == "impression.campaignID: must not be empty")
        #expect(
            message { try store.record(userID: "u", .behaviour(HistoryEvent(name: "", time: 0))) }
                == "behaviour.name: must not be empty")
        #expect(store.userCount == 0)
    }
}

@Suite struct StateRetentionTests {
    @Test func oldHistoryIsPrunedAndLifetimeTotalsStay() throws {
        let policy = RetentionPolicy(retention: 7 * day)
        let store = MemoryStore(policy: policy)
        try store.record(userID: "u", .impression(shown(at: now - 30 * day, channel: "sms")))
        try store.record(userID: "u", .behaviour(HistoryEvent(name: "app_open", time: now - 30 * day)))
        try store.record(userID: "u", .behaviour(HistoryEvent(name: "app_open", time: now - 1 * day)))
        let s = try store.load(userID: "u")
        #expect(s.aggregate(named: "app_open", from: .min, through: .max, sumOf: nil).count == 1)
        #expect(s.ledger(for: .channel("sms")) == nil) // nothing retained: dropped
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1) // lifetime stays
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.rolling(milliseconds: 60 * day, now: now)) == 0)
    }

    @Test func pruneSweepsIdleUsers() throws {
        let store = MemoryStore(policy: RetentionPolicy(retention: 7 * day))
        try store.record(userID: "browser", .behaviour(HistoryEvent(name: "page_view", time: now)))
        try store.record(userID: "shown", .impression(shown(at: now)))
        try store.prune(now: now + 6 * day)
        #expect(store.userCount == 2)
        try store.prune(now: now + 8 * day)
        // Behaviour-only users go; a user with a lifetime impression total stays.
        #expect(store.userCount == 1)
        #expect(try store.load(userID: "browser").isEmpty)
        #expect(try store.load(userID: "shown").impressionCount(.campaign("c1"), in: CapRange.lifetime) == 1)
    }

    /// UserState.expiry is the first instant prune(now:) empties the state: never early.
    @Test func expiryIsWhenPruningWouldDropTheUser() {
        let policy = RetentionPolicy(retention: 7 * day)
        var s = UserState()
        s.apply(.behaviour(HistoryEvent(name: "page_view", time: now - 3 * hour)), policy: policy)
        s.apply(.behaviour(HistoryEvent(name: "page_view", time: now)), policy: policy)
        func prunable(at t: Int64) -> Bool { var c = s; c.prune(policy: policy, now: t); return c.isPrunable }
        #expect(s.expiry(policy: policy) == now + 7 * day + 1)
        #expect(!prunable(at: now + 7 * day) && prunable(at: now + 7 * day + 1))
        s.apply(.conversation(channel: "whatsapp", time: now - hour), policy: policy)
        let end = now - hour + ConversationWindow.length + 7 * day + 1
        #expect(s.expiry(policy: policy) == end)
        #expect(!prunable(at: end - 1) && prunable(at: end))
        // Lifetime totals and campaign activity are never pruned: no expiry.
        var shownOnce = s
        shownOnce.apply(.impression(shown(at: now - 60 * day)), policy: policy)
        #expect(shownOnce.expiry(policy: policy) == nil)
        s.apply(.dismissal(campaignID: "c1", time: now), policy: policy)
        #expect(s.expiry(policy: policy) == nil)
        #expect(UserState().expiry(policy: policy) == .min)
    }

    @Test func memoryIsBoundedWhateverIsRecorded() throws {
        let policy = RetentionPolicy(
            retention: 2 * day, exactImpressions: 8, maxScopes: 20,
            maxBehaviourSeries: 10, maxCampaigns: 10)
        var s = UserState()
        for i in 0..<20_000 {
            let t = now + Int64(i) * 60_000
            s.apply(.impression(shown("c\(i % 50)", at: t, channel: "ch\(i % 7)", tags: ["t\(i % 30)"])), policy: policy)
            s.apply(.behaviour(HistoryEvent(name: "e\(i % 3)", time: t, properties: ["page": .string("/p\(i % 40)"), "n": 1])), policy: policy)
            s.apply(.dismissal(campaignID: "c\(i % 50)", time: t), policy: policy)
        }
        #expect(s.ledgers.count <= 20)
        #expect(s.ledgers.allSatisfy { $0.recent.count <= 8 && $0.hours.count <= 2 * 24 + 1 })
        #expect(s.behaviour.count <= 10)
        #expect(s.behaviour.allSatisfy { $0.hours.count <= 2 * 24 + 1 })
        #expect(s.campaigns.count <= 10)
    }
    // Memory per user is measured by `make bench` (bench/: "memory"), in a process of
    // its own: resident memory inside the parallel test run is too noisy to assert on.
}

@Suite struct StateBehaviourHistoryTests {
    private static func history() -> UserState {
        var s = UserState()
        let events = [
            HistoryEvent(name: "page_view", time: now - 1 * day, properties: ["page": "/plans", "dwell_s": 40]),
            HistoryEvent(name: "page_view", time: now - 2 * day, properties: ["page": "/plans", "dwell_s": 10]),
            HistoryEvent(name: "page_view", time: now - 3 * day, properties: ["page": "/home"]),
            HistoryEvent(name: "page_view", time: now - 6 * day, properties: ["page": "/plans", "dwell_s": 5]),
            HistoryEvent(name: "page_view", time: now - 9 * day, properties: ["page": "/plans", "dwell_s": 99]),
            HistoryEvent(name: "cart_add", time: now - 20 * day, properties: ["plan": "5G-L", "price": 55]),
            HistoryEvent(name: "cart_add", time: now - 2 * day, properties: ["plan": "5G-M", "price": 45.5]),
        ]
        for e in events.shuffled() { s.apply(.behaviour(e)) }
        return s
    }

    private func eval(_ text: String, _ state: UserState) throws -> JSON {
        try Rule(compiling: JSONParser.parse(Array(text.utf8)))
            .evaluate(nil, context: EvaluationContext(now: now, history: state))
    }

    @Test func behaviourOperatorsReadTheState() throws {
        let s = Self.history()
        #expect(try eval(#"{"event_count": ["page_view", "7d"]}"#, s) == 4)
        #expect(try eval(#"{"event_count": ["page_view", null]}"#, s) == 5)
        #expect(try eval(#"{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}"#, s) == 3)
        #expect(try eval(#"{"event_sum": ["page_view", "dwell_s", "7d"]}"#, s) == 55)
        #expect(try eval(#"{"event_sum": ["cart_add", "price", "30d", {"==": [{"var": "plan"}, "5G-M"]}]}"#, s) == 45.5)
        #expect(try eval(#"{"last_seen": ["cart_add"]}"#, s) == .number(Double(now - 2 * day)))
        #expect(try eval(#"{"last_seen": ["cart_add", "30d", {"==": [{"var": "plan"}, "5G-X"]}]}"#, s) == nil)
    }

    @Test func anHourIsOneBucket() {
        var s = UserState()
        let h0 = now - 5 * hour // an hour boundary
        for (minute, dwell) in [(5, 10.0), (20, 20.0), (50, 60.0)] {
            s.apply(.behaviour(HistoryEvent(name: "v", time: h0 + Int64(minute) * 60_000, properties: ["page": "/a", "dwell_s": .number(dwell)])))
        }
        #expect(s.behaviour.count == 1 && s.behaviour[0].hours.count == 1)
        // Counts, sums and the last time are exact...
        #expect(s.aggregate(named: "v", from: .min, through: now, sumOf: "dwell_s") == EventAggregate(count: 3, sum: 90, last: h0 + 50 * 60_000))
        // ...an hour counts whole when its newest event is inside the window...
        #expect(s.aggregate(named: "v", from: h0 + 30 * 60_000, through: now, sumOf: nil).count == 3)
        #expect(s.aggregate(named: "v", from: h0 + 51 * 60_000, through: now, sumOf: nil).count == 0)
        // ...and replayed events carry the hour's mean for numeric properties.
        var seen: [HistoryEvent] = []
        s.forEachEvent(named: "v", from: .min, through: now) {
            seen.append($0); return true
        }
        #expect(seen.count == 3)
        #expect(seen.allSatisfy { $0.properties["dwell_s"] == 30 && $0.properties["page"] == "/a" && $0.time == h0 + 50 * 60_000 })
        var first: [HistoryEvent] = []
        s.forEachEvent(named: "v", from: .min, through: now) {
            first.append($0); return false
        }
        #expect(first.count == 1)
    }
}

/// A reusable barrier for real threads.
final class Barrier: @unchecked Sendable {
    private let condition = NSCondition()
    private let parties: Int
    private var waiting = 0
    private var generation = 0
    init(_ parties: Int) { self.parties = parties }
    func wait() {
        condition.lock()
        let g = generation
        waiting += 1
        if waiting == parties {
            waiting = 0
            generation += 1
            condition.broadcast()
        } else {
            while g == generation { condition.wait() }
        }
        condition.unlock()
    }
}

/// Runs `body(thread)` on `count` real threads and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for t in 0..<count {
        group.enter()
        let thread = Thread {
            body(t)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

@Suite struct StateConcurrencyTests {
    /// 16 threads race for one user's last impressions, round after round: each round
    /// a fresh user with a cap of 3 and 32 attempts; never more than 3 get through.
    @Test func oneUserNeverExceedsTheCap() {
        let store = MemoryStore()
        let threads = 16, rounds = 2_000, attempts = 2
        let barrier = Barrier(threads)
        let committed = Mutex<[Int]>(Array(repeating: 0, count: rounds))
        let failures = Mutex<Int>(0)
        onThreads(threads) { t in
            for r in 0..<rounds {
                barrier.wait()
                let user = "hot-\(r)"
                let checks = [
                    CapCheck(
                        scope: .campaign("c1"), range: CapRange.rolling(milliseconds: day, now: now),
                        limit: 3, label: "campaign/1d")
                ]
                var mine = 0
                for a in 0..<attempts {
                    do {
                        if try store.commitImpression(
                            userID: user, shown(at: now + Int64(t * attempts + a)),
                            ifWithin: checks) == .committed
                        {
                            mine += 1
                        }
                    } catch {
                        failures.withLock { $0 += 1 }
                    }
                }
                if mine > 0 { committed.withLock { $0[r] += mine } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let perRound = committed.withLock { $0 }
        #expect(perRound.allSatisfy { $0 == 3 }, "rounds over the cap: \(perRound.enumerated().filter { $0.element != 3 }.prefix(5))")
        for r in stride(from: 0, to: rounds, by: 97) {
            #expect((try? store.load(userID: "hot-\(r)").impressionCount(.campaign("c1"), in: CapRange.lifetime)) == 3)
        }
    }

    /// Many users at once: each thread fills its own users' caps while every thread also
    /// hammers one shared user; each cap comes out exactly full.
    @Test func differentUsersInParallel() {
        let store = MemoryStore()
        let threads = 16, usersPerThread = 200
        let checks = [
            CapCheck(scope: .purpose("marketing"), range: CapRange.lifetime, limit: 5, label: "global marketing/lifetime"),
            CapCheck(scope: .tag("plans"), range: CapRange.rolling(milliseconds: hour, now: now), limit: 4, label: "tag:plans/1h"),
        ]
        onThreads(threads) { t in
            for u in 0..<usersPerThread {
                for a in 0..<6 {
                    _ = try? store.commitImpression(userID: "t\(t)-u\(u)", shown("c\(a)", at: now, tags: ["plans"]), ifWithin: checks)
                    _ = try? store.commitImpression(userID: "shared", shown("c\(a)", at: now, tags: ["plans"]), ifWithin: checks)
                }
            }
        }
        #expect(store.userCount == threads * usersPerThread + 1)
        for t in 0..<threads {
            for u in stride(from: 0, to: usersPerThread, by: 13) {
                let s = try? store.load(userID: "t\(t)-u\(u)")
                #expect(s?.impressionCount(.tag("plans"), in: CapRange.lifetime) == 4)
            }
        }
        #expect((try? store.load(userID: "shared"))?.impressionCount(.purpose("marketing"), in: CapRange.lifetime) == 4)
    }
}
