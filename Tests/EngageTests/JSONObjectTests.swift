import Testing
@testable import Engage

@Suite struct JSONObjectTests {
    @Test func largeObjectsFindEveryKeyAndNoOther() {
        for n in [1, 12, 13, 100, 5_000] {
            let o = JSONObject((0..<n).map { ("key-\($0)", JSON.number(Double($0))) })
            for i in 0..<n {
                #expect(o["key-\(i)"]?.intValue == i)
                #expect(o.member(PathKey("key-\(i)"))?.intValue == i)
            }
            #expect(o["key-\(n)"] == nil && o["key"] == nil && o[""] == nil)
        }
    }

    @Test func duplicatesKeepTheFirstPositionAndTheLastValue() {
        for n in [3, 40] {
            var pairs = (0..<n).map { ("k\($0)", JSON.number(Double($0))) }
            pairs.append(("k1", .string("last")))
            let o = JSONObject(pairs)
            #expect(o.count == n)
            #expect(o.keys[1] == "k1" && o["k1"]?.stringValue == "last")
            #expect(o["k\(n - 1)"]?.intValue == n - 1)
        }
    }

    @Test func keysCompareByBytesNotCanonicalEquivalence() {
        for filler in [0, 20] {
            let pairs = [("\u{e9}", JSON.number(1)), ("e\u{301}", JSON.number(2))] + (0..<filler).map { ("f\($0)", JSON.null) }
            let o = JSONObject(pairs)
            #expect(o.count == 2 + filler)
            #expect(o["\u{e9}"]?.intValue == 1 && o["e\u{301}"]?.intValue == 2)
        }
    }

    @Test func collidingHashesFallBackRatherThanProbeForever() {
        // Every key in one bucket: the table accepts probe sequences up to maxProbe.
        func build(_ n: Int, _ hash: (Int) -> UInt64) -> JSONObject.TableBuild {
            JSONObject.table((0..<n).map { "k\($0)" }, (0..<n).map(hash))
        }
        func isTable(_ b: JSONObject.TableBuild) -> Bool { if case .table = b { return true } else { return false } }
        func isCollisions(_ b: JSONObject.TableBuild) -> Bool { if case .collisions = b { return true } else { return false } }
        #expect(isTable(build(JSONObject.maxProbe + 1) { _ in 7 }))
        #expect(isCollisions(build(JSONObject.maxProbe + 2) { _ in 7 }))
        #expect(isTable(build(1_000) { UInt64($0) &* 0x9e37_79b9_7f4a_7c15 }))
        if case .duplicate = JSONObject.table(["a", "b", "a"], [1, 2, 1]) {} else { Issue.record("duplicate not found") }
        // Equal hashes, different bytes: not a duplicate.
        #expect(isTable(JSONObject.table(["a", "b"], [1, 1])))
    }
}

@Suite struct BehaviourReadBackTests {
    /// Hours read back on a shared key layout equal the ones built member by member.
    @Test func sharedLayoutsReadBackTheSameProperties() throws {
        let hour: Int64 = 3_600_000
        var state = UserState()
        let shapes: [JSON] = [
            .null,
            .object(JSONObject([("page", .string("/plans"))])),
            .object(JSONObject([("page", .string("/plans")), ("dwell_s", .number(30))])),
            .object(JSONObject([("page", .string("/iptv")), ("dwell_s", .number(90)), ("depth", .number(3)), ("ok", .bool(true))])),
            .object(JSONObject([("n", .number(1))])),
        ]
        for i in 0..<60 {
            state.apply(.behaviour(HistoryEvent(name: "page_view", time: 1_795_000_000_000 + Int64(i) * hour / 3,
                                                properties: shapes[i % shapes.count])))
        }
        var checked = 0
        for series in state.behaviour {
            let template = series.propertiesTemplate
            for h in series.hours.indices {
                #expect(series.properties(hour: h, template: template) == series.properties(hour: h))
                checked += 1
            }
        }
        #expect(checked > 20)
        // And through the history interface, with a filter on a numeric mean.
        let rule = try Rule(compiling: JSONParser.parse(#"{"event_count": ["page_view", "7d", {">=": [{"var": "dwell_s"}, 60]}]}"#))
        let n = try rule.evaluate(.null, context: EvaluationContext(now: 1_795_000_000_000 + 30 * hour, history: state))
        #expect(n.intValue == 12)
    }
}
