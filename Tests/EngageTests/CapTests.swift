import Foundation
import Testing

@testable import Engage

// Cap windows and the cap ledger (docs/caps.md): the language-neutral vectors in
// Tests/vectors/caps.json, then each scope and window kind, what counts and what does not.

private let zones = ZoneCache()
private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000

/// One vector, with the window resolved the way the engine resolves it.
private struct CapVector {
    let name: String
    let zone: ZoneRules
    let now: Int64
    let impressions: [Int64]
    let count: Int
    let range: Range<Int64>
    let expectedStart: Int64?
    let expectedEnd: Int64?
    let used: Int
    let allowed: Bool
    let cap: Cap
    let firstWeekday: Int

    static func load() throws -> [CapVector] {
        let path = SharedFixtures.projectRoot + "/Tests/vectors/caps.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw VectorError("missing \(path)") }
        let doc = try JSONParser.parse([UInt8](data))
        guard doc["version"]?.intValue == 1, let cases = doc["cases"]?.arrayValue else { throw VectorError("bad header") }
        return try cases.map { c in
            guard let name = c["name"]?.stringValue, let zoneName = c["zone"]?.stringValue,
                let now = c["now"]?.int64, let cap = c["cap"], let count = cap["count"]?.intValue,
                let window = cap["window"], let imps = c["impressions"]?.arrayValue,
                let used = c["used"]?.intValue, let allowed = c["allowed"]?.boolValue
            else {
                throw VectorError("malformed case \(c)")
            }
            let zone = try zones.zone(named: zoneName)
            let firstWeekday = c["first_weekday"]?.intValue ?? 1
            let range: Range<Int64>
            let capWindow: CapWindow
            switch window {
            case .string("lifetime"):
                range = CapRange.lifetime
                capWindow = .lifetime
            case .string(let text):
                guard case .success(let w) = Window.parse(text), case .success(let rw) = RollingWindow.parse(text) else {
                    throw VectorError("\(name): bad window")
                }
                range = CapRange.rolling(milliseconds: w.milliseconds, now: now)
                capWindow = .rolling(rw)
            case .object(let o):
                guard let unit = o["calendar"]?.stringValue.flatMap(CalendarUnit.init(rawValue:)) else {
                    throw VectorError("\(name): bad calendar unit")
                }
                range = CapRange.calendar(unit, now: now, zone: zone, firstWeekday: firstWeekday)
                capWindow = .calendar(unit)
            default: throw VectorError("\(name): bad window")
            }
            return CapVector(
                name: name, zone: zone, now: now, impressions: imps.compactMap(\.int64), count: count,
                range: range, expectedStart: c["window_start"]?.int64, expectedEnd: c["window_end"]?.int64,
                used: used, allowed: allowed, cap: Cap(count: count, window: capWindow),
                firstWeekday: firstWeekday)
        }
    }
}

private struct VectorError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension JSON {
    fileprivate var int64: Int64? {
        guard case .number(let d) = self, d.rounded(.towardZero) == d, abs(d) < 9e15 else { return nil }
        return Int64(d)
    }
}

private func shown(
    _ campaign: String = "c1", at time: Int64, channel: String = "push",
    purpose: String = "marketing", tags: [String] = []
) -> Impression {
    Impression(campaignID: campaign, time: time, channel: channel, purpose: purpose, tags: tags)
}

@Suite struct CapVectorTests {
    @Test func vectorsResolveTheSameWindows() throws {
        let vectors = try CapVector.load()
        #expect(vectors.count >= 20)
        for v in vectors {
            #expect(v.range.lowerBound == (v.expectedStart ?? .min), "\(v.name): window start")
            #expect(v.range.upperBound == (v.expectedEnd ?? .max), "\(v.name): window end")
            // The campaign-set model resolves to the same range.
            let check = v.cap.check(scope: .campaign("c1"), now: v.now, zone: v.zone, firstWeekday: v.firstWeekday)
            #expect(check.range == v.range, "\(v.name): Cap.check")
            #expect(check.limit == v.count)
        }
    }

    @Test func vectorsCountTheSameImpressions() throws {
        for v in try CapVector.load() {
            var state = UserState()
            for t in v.impressions { state.apply(.impression(shown(at: t))) }
            let check = CapCheck(scope: .campaign("c1"), range: v.range, limit: v.count, label: "campaign/x")
            let usage = state.usage(of: check)
            #expect(usage.used == v.used, "\(v.name): used")
            #expect(usage.allowed == v.allowed, "\(v.name): allowed")
        }
    }

    @Test func vectorsDecideTheSameThroughTheStore() throws {
        for v in try CapVector.load() {
            let store = MemoryStore()
            for t in v.impressions { try store.record(userID: "u", .impression(shown(at: t))) }
            let check = CapCheck(scope: .campaign("c1"), range: v.range, limit: v.count, label: "campaign/x")
            let outcome = try store.commitImpression(userID: "u", shown(at: v.now), ifWithin: [check])
            #expect(outcome == (v.allowed ? .committed : .capReached(index: 0, used: v.used)), "\(v.name)")
        }
    }
}

@Suite struct CapWindowTests {
    @Test func dstDaysLast23And25Hours() throws {
        let ny = try zones.zone(named: "America/New_York")
        let spring = CapRange.calendar(.day, now: 1_710_072_000_000, zone: ny) // 2024-03-10T12:00Z
        #expect(spring.upperBound - spring.lowerBound == 23 * hour)
        let fall = CapRange.calendar(.day, now: 1_730_635_200_000, zone: ny) // 2024-11-03T12:00Z
        #expect(fall.upperBound - fall.lowerBound == 25 * hour)
    }

    @Test func extremeClocksDoNotTrap() throws {
        let ny = try zones.zone(named: "America/New_York")
        for now in [Int64.min, Int64.min + 1, -1, 0, Int64.max - 1, Int64.max] {
            for unit in CalendarUnit.allCases {
                let r = CapRange.calendar(unit, now: now, zone: ny, firstWeekday: Int.min)
                #expect(r.lowerBound <= r.upperBound)
            }
            _ = CapRange.rolling(milliseconds: Window.maxMilliseconds, now: now)
            _ = CapRange.rolling(milliseconds: -5, now: now)
        }
        #expect(CapRange.rolling(milliseconds: day, now: Int64.min + 5) == CapRange.lifetime)
    }

    @Test func labelsReadAsExplanations() {
        var state = UserState()
        state.apply(.impression(shown(at: 1_000)))
        let check = CapCheck(
            scope: .campaign("c1"), range: CapRange.rolling(milliseconds: day, now: 2_000),
            limit: 1, label: "\(CapScope.campaign("c1").label)/1d")
        #expect(state.usage(of: check).description == "cap campaign/1d: 1 of 1 used")
        #expect(CapScope.purpose("marketing").label == "purpose:marketing")
        #expect(CapScope.tag("retention").label == "tag:retention")
        #expect(CapScope.channel("sms").label == "channel:sms")
        #expect(CapScope.all.label == "all")
        if case .success(let w) = RollingWindow.parse("1d") {
            let cap = Cap(count: 1, window: .rolling(w))
            let c = cap.check(scope: .campaign("c1"), now: 2_000, zone: .utc)
            #expect(state.usage(of: c).description == "cap campaign/1d: 1 of 1 used")
            #expect(Cap(count: 2, window: .calendar(.week)).check(scope: .tag("t"), now: 0, zone: .utc).label == "tag:t/week")
            #expect(Cap(count: 2, window: .lifetime).check(scope: .all, now: 0, zone: .utc, label: "global").label == "global/lifetime")
        } else {
            Issue.record("1d must parse")
        }
    }
}

@Suite struct CapLedgerTests {
    private let now: Int64 = 1_718_000_000_000
    private var today: Range<Int64> { CapRange.rolling(milliseconds: day, now: now) }

    @Test func everyScopeCountsItsImpressions() {
        var s = UserState()
        s.apply(.impression(shown("a", at: now - 3 * hour, channel: "push", tags: ["plans", "upsell"])))
        s.apply(.impression(shown("b", at: now - 2 * hour, channel: "in_app", tags: ["plans"])))
        s.apply(.impression(shown("c", at: now - 1 * hour, channel: "sms", purpose: "service")))
        #expect(s.impressionCount(.campaign("a"), in: today) == 1)
        #expect(s.impressionCount(.campaign("z"), in: today) == 0)
        #expect(s.impressionCount(.tag("plans"), in: today) == 2)
        #expect(s.impressionCount(.tag("upsell"), in: today) == 1)
        #expect(s.impressionCount(.channel("in_app"), in: today) == 1)
        #expect(s.impressionCount(.channel("sms"), in: today) == 1)
        #expect(s.impressionCount(.purpose("marketing"), in: today) == 2)
        #expect(s.impressionCount(.purpose("service"), in: today) == 1)
        #expect(s.impressionCount(.all, in: today) == 3)
        #expect(s.impressionCount(.all, in: CapRange.rolling(milliseconds: 90 * 60_000, now: now)) == 1)
    }

    @Test func oneLedgerCountsEveryChannel() {
        var s = UserState()
        s.apply(.impression(shown(at: now - 2 * hour, channel: "in_app")))
        s.apply(.impression(shown(at: now - 1 * hour, channel: "push")))
        s.apply(.impression(shown(at: now, channel: "whatsapp")))
        #expect(s.impressionCount(.campaign("c1"), in: today) == 3)
    }

    @Test func clicksDismissalsAndConversionsDoNotCount() {
        var s = UserState()
        s.apply(.impression(shown(at: now - hour)))
        s.apply(.click(campaignID: "c1", time: now - hour + 1))
        s.apply(.dismissal(campaignID: "c1", time: now - hour + 2))
        s.apply(.conversion(campaignID: "c1", time: now - hour + 3))
        #expect(s.impressionCount(.campaign("c1"), in: today) == 1)
        #expect(s.activity(for: "c1")?.lastDismissal == now - hour + 2)
        #expect(s.activity(for: "c1")?.hasConverted == true)
        #expect(s.activity(for: "c1")?.clicks.count == 1)
    }

    @Test func lifetimeSurvivesRetention() {
        var s = UserState()
        for i in 0..<5 { s.apply(.impression(shown(at: now - Int64(100 - i) * day))) }
        s.apply(.impression(shown(at: now)))
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.lifetime) == 6)
        #expect(s.impressionCount(.campaign("c1"), in: CapRange.rolling(milliseconds: 365 * day, now: now)) == 1)
        #expect(s.impressionCount(.purpose("marketing"), in: CapRange.lifetime) == 6)
    }

    @Test func capsAreExactUpToTheExactCapacity() {
        // 40 impressions, 30 minutes apart; 16 kept exactly, 24 folded into hours.
        let policy = RetentionPolicy(exactImpressions: 16)
        var s = UserState()
        let times = (0..<40).map { now - Int64($0) * 30 * 60_000 - 7 * 60_000 }
        for t in times.shuffled() { s.apply(.impression(shown(at: t)), policy: policy) }
        #expect(s.ledger(for: .campaign("c1"))?.recent.count == 16)
        for minutes in stride(from: 1, through: 20 * 60, by: 7) {
            let range = CapRange.rolling(milliseconds: Int64(minutes) * 60_000, now: now)
            let truth = times.filter { range.contains($0) }.count
            let counted = s.impressionCount(.campaign("c1"), in: range)
            // Exact while the range holds fewer than the exact capacity; from there on the
            // count may err high by what one straddling hour folded, never low.
            if truth < 16 {
                #expect(counted == truth, "\(minutes) min")
            } else {
                #expect(counted >= truth && counted <= truth + 2, "\(minutes) min")
            }
            for limit in 1...16 {
                #expect((counted < limit) == (truth < limit), "limit \(limit) over \(minutes) min")
            }
        }
    }

    @Test func commitRechecksEveryCapAndNamesTheFullOne() throws {
        let store = MemoryStore()
        let checks = [
            CapCheck(scope: .campaign("a"), range: CapRange.rolling(milliseconds: day, now: now), limit: 2, label: "campaign/1d"),
            CapCheck(scope: .purpose("marketing"), range: CapRange.rolling(milliseconds: day, now: now), limit: 3, label: "purpose:marketing/1d"),
            CapCheck(scope: .channel("sms"), range: CapRange.lifetime, limit: 1, label: "channel:sms/lifetime"),
        ]
        #expect(try store.commitImpression(userID: "u", shown("a", at: now), ifWithin: checks) == .committed)
        try store.record(userID: "u", .impression(shown("b", at: now, channel: "sms")))
        #expect(try store.commitImpression(userID: "u", shown("a", at: now), ifWithin: checks) == .capReached(index: 2, used: 1))
        #expect(try store.commitImpression(userID: "u", shown("a", at: now), ifWithin: Array(checks.prefix(2))) == .committed)
        #expect(try store.commitImpression(userID: "u", shown("a", at: now), ifWithin: Array(checks.prefix(2))) == .capReached(index: 0, used: 2))
        #expect(try store.commitImpression(userID: "u", shown("z", at: now), ifWithin: Array(checks.suffix(2).prefix(1))) == .capReached(index: 0, used: 3))
        // A zero limit never admits anything, even for a new user.
        let closed = CapCheck(scope: .all, range: CapRange.lifetime, limit: 0, label: "all/lifetime")
        #expect(try store.commitImpression(userID: "new", shown(at: now), ifWithin: [closed]) == .capReached(index: 0, used: 0))
        #expect(try store.load(userID: "new").isEmpty)
    }
}
