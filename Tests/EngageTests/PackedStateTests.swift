import Testing

@testable import Engage

// The packed user state (BehaviourLog, ImpressionLedgers, the memory store's shared
// strings): what is read back, counted and encoded is exactly what the unpacked series
// and ledgers hold, for records in any order, numbers at the edges of the compact sum
// encoding, and strings that differ only in their bytes.

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
/// 2026-11-20T12:00:00Z.
private let now: Int64 = 1_795_176_000_000
/// Nothing expires and nothing is evicted: the reference need not model either.
private let keepAll = RetentionPolicy(retention: 3650 * day, exactImpressions: 4, maxScopes: 1_000, maxBehaviourSeries: 1_000, maxCampaigns: 1_000)

/// SplitMix64: the same inputs on every run.
private struct Numbers {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }
}

@Suite struct PackedStateTests {
    /// Values at the edges of the sum encoding: integers below and at 2^52, -0, fractions,
    /// huge and tiny magnitudes.
    static let numbers: [Double] = [1, 2.5, -0.0, 0.1, 1e300, -7, 4_503_599_627_370_495, 4_503_599_627_370_496, 9_007_199_254_740_993, -1e-300, 0]

    @Test func behaviourReadsBackAsTheUnpackedSeries() throws {
        var random = Numbers(state: 7)
        var s = UserState()
        var reference: [BehaviourSeries] = []
        for _ in 0..<600 {
            // Any order over ten days; hours far apart and close together.
            let time = now - Int64(random.next(10 * 24 * 60)) * 60_000
            var properties: [(String, JSON)] = [("page", .string(["/a", "/b", "/plans/5g/with/a/long/path"][random.next(3)]))]
            if random.next(2) == 0 { properties.append(("dwell_s", .number(Self.numbers[random.next(Self.numbers.count)]))) }
            if random.next(3) == 0 { properties.append(("flag", .bool(random.next(2) == 0))) }
            let event = HistoryEvent(name: ["page_view", "app_open"][random.next(2)], time: time, properties: .object(JSONObject(properties)))
            s.apply(.behaviour(event), policy: keepAll)
            let (dimensions, numbers) = BehaviourSeries.split(event.properties)
            if let i = reference.firstIndex(where: { $0.matches(name: event.name, dimensions: dimensions) }) {
                reference[i].add(time: event.time, numbers: numbers)
            } else {
                var series = BehaviourSeries(name: event.name, dimensions: dimensions)
                series.add(time: event.time, numbers: numbers)
                reference.append(series)
            }
        }
        #expect(s.behaviour == reference)
        // Sums bit for bit (== takes -0 for 0).
        #expect(s.behaviour.flatMap { $0.sums.map(\.bitPattern) } == reference.flatMap { $0.sums.map(\.bitPattern) })
        // Aggregates over windows, from the packed form, against the unpacked hours.
        for _ in 0..<200 {
            let from = now - Int64(random.next(11 * 24)) * hour + Int64(random.next(3_600)) * 1_000
            let through = from + Int64(random.next(5 * 24)) * hour
            for name in ["page_view", "app_open"] {
                var expected = EventAggregate()
                for series in reference where series.name == name {
                    for h in series.hours.indices.reversed() where (from...through).contains(series.hours[h].last) {
                        expected.count += Int(series.hours[h].count)
                        expected.last = max(expected.last ?? .min, series.hours[h].last)
                        expected.sum += series.sum(hour: h, key: "dwell_s")
                    }
                }
                let got = s.aggregate(named: name, from: from, through: through, sumOf: "dwell_s")
                #expect(got.count == expected.count && got.last == expected.last && got.sum.bitPattern == expected.sum.bitPattern)
            }
        }
        let decoded = try UserState(encoded: s.encoded())
        #expect(decoded == s)
        #expect(decoded.behaviour.flatMap { $0.sums.map(\.bitPattern) } == reference.flatMap { $0.sums.map(\.bitPattern) })
    }

    @Test func aNegativeZeroSumKeepsItsSign() throws {
        // Recording adds to 0, so only stored bytes can hold -0; the packed form keeps it.
        var series = BehaviourSeries(name: "v", dimensions: [])
        series.add(time: now, numbers: [("x", 1)])
        series.sums = [-0.0]
        let log = BehaviourLog([series])
        #expect(log.all[0].sums[0].sign == .minus)
        var s = UserState()
        s.behaviourLog = log
        #expect(try UserState(encoded: s.encoded()).behaviour[0].sums[0].sign == .minus)
    }

    @Test func theLeastRecentSeriesIsEvicted() {
        let policy = RetentionPolicy(maxBehaviourSeries: 3)
        var s = UserState()
        for (i, page) in ["/a", "/b", "/c"].enumerated() {
            s.apply(.behaviour(HistoryEvent(name: "v", time: now - Int64(3 - i) * hour, properties: ["page": .string(page)])), policy: policy)
        }
        // "/a" is seen again: "/b" is now the least recent and goes for "/d".
        s.apply(.behaviour(HistoryEvent(name: "v", time: now, properties: ["page": "/a"])), policy: policy)
        s.apply(.behaviour(HistoryEvent(name: "v", time: now, properties: ["page": "/d"])), policy: policy)
        #expect(s.behaviour.map { $0.dimensions[0].value } == ["/a", "/c", "/d"])
        #expect(s.aggregate(named: "v", from: .min, through: now, sumOf: nil).count == 4)
        // Evicted series leave values behind only until the table is packed afresh: with
        // 1,000 pages through 3 series it stays bounded.
        for i in 0..<1_000 {
            s.apply(.behaviour(HistoryEvent(name: "v", time: now + Int64(i) * 60_000, properties: ["page": .string("/page-\(i)")])), policy: policy)
        }
        #expect(s.behaviour.count == 3 && s.behaviourLog.symbols.count <= 2 * 5 + 8)
        #expect(s.behaviour.map { $0.dimensions[0].value } == ["/page-997", "/page-998", "/page-999"])
    }

    @Test func capCountsReadThePackedLedgersExactly() throws {
        var random = Numbers(state: 11)
        var s = UserState()
        var reference: [CapScope: ImpressionLedger] = [:]
        for _ in 0..<300 {
            let impression = Impression(
                campaignID: ["c1", "a-campaign-id-longer-than-fifteen", "c3"][random.next(3)],
                time: now - Int64(random.next(20 * 24 * 60)) * 60_000, channel: ["push", "in_app"][random.next(2)],
                purpose: ["marketing", "service"][random.next(2)], tags: random.next(2) == 0 ? ["plans"] : [])
            s.apply(.impression(impression), policy: keepAll)
            for scope in impression.scopes { reference[scope, default: ImpressionLedger(scope: scope)].add(impression.time, capacity: 4) }
        }
        #expect(s.ledgers.count == reference.count)
        for l in s.ledgers { #expect(reference[l.scope] == l) }
        for _ in 0..<300 {
            let from = now - Int64(random.next(21 * 24 * 60)) * 60_000
            let range = from..<(from + Int64(random.next(10 * 24 * 60)) * 60_000)
            for (scope, ledger) in reference { #expect(s.impressionCount(scope, in: range) == ledger.count(in: range)) }
            let all = reference.filter { if case .purpose = $0.key { return true } else { return false } }.values.reduce(0) { $0 + $1.count(in: range) }
            #expect(s.impressionCount(.all, in: range) == all)
            let c1 = reference[.campaign("c1")]
            let got = s.impressions(campaign: "c1", from: range.lowerBound, through: range.upperBound - 1)
            #expect(got.count == c1?.count(in: range) ?? 0)
            #expect(got.last == c1?.recent.last { range.contains($0) })
        }
        #expect(s.impressionCount(.campaign("c1"), in: Int64.min..<Int64.max) == reference[.campaign("c1")]?.total)
        #expect(try UserState(encoded: s.encoded()) == s)
    }

    @Test func aStoreSharesLongStringsBetweenUsersAndKeepsTheirBytes() throws {
        let store = MemoryStore()
        // Built at run time, so each user's record carries its own copy; users on one lock
        // stripe share one: 200 users hold at most one copy per stripe.
        func id(_ suffix: String) -> String { "plan-change-nudge-" + suffix }
        var copies = Set<UInt>()
        for u in 0..<200 {
            try store.record(userID: "u\(u)", .impression(Impression(campaignID: id("7"), time: now, channel: "push", purpose: "marketing")))
            var name = try store.load(userID: "u\(u)").ledgers.first { $0.scope.kind == "campaign" }?.scope.name ?? ""
            #expect(name == id("7"))
            copies.insert(name.withUTF8 { UInt(bitPattern: $0.baseAddress) })
        }
        #expect(copies.count <= MemoryStore.stripeCount)
        // Canonically equivalent, different bytes: each reads back as recorded.
        let composed = "caf\u{E9}-campaign-0001", decomposed = "cafe\u{301}-campaign-0001"
        #expect(composed == decomposed)
        try store.record(userID: "v3", .impression(Impression(campaignID: composed, time: now, channel: "push", purpose: "marketing")))
        try store.record(userID: "v4", .impression(Impression(campaignID: decomposed, time: now, channel: "push", purpose: "marketing")))
        let u3 = try store.load(userID: "v3").ledgers.first { $0.scope.kind == "campaign" }?.scope.name ?? ""
        let u4 = try store.load(userID: "v4").ledgers.first { $0.scope.kind == "campaign" }?.scope.name ?? ""
        #expect(Array(u3.utf8) == Array(composed.utf8) && Array(u4.utf8) == Array(decomposed.utf8))
    }

    @Test func aFullStringTableKeepsStringsAsGiven() {
        var table = StringTable()
        for i in 0..<(StringTable.capacity + 10) { _ = table.share("a-long-string-number-\(i)") }
        let late = "a-long-string-number-\(StringTable.capacity + 5)"
        #expect(table.share(late) == late)
        let early = "a-long-string-number-3"
        #expect(Array(table.share(early).utf8) == Array(early.utf8))
    }
}
