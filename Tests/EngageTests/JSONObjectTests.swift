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
            state.apply(
                .behaviour(
                    HistoryEvent(
                        name: "page_view", time: 1_795_000_000_000 + Int64(i) * hour / 3,
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

/// A history that hides its series (the protocol's default bucket path): every filter
/// runs on every bucket.
private struct SeriesBlind: EventHistory {
    let state: UserState
    func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        state.forEachEvent(named: name, from: from, through: through, body)
    }
    func forEachEventGroup(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent, Int) -> Bool) {
        state.forEachEventGroup(named: name, from: from, through: through, body)
    }
    func aggregate(named name: String, from: Int64, through: Int64, sumOf property: String?) -> EventAggregate {
        state.aggregate(named: name, from: from, through: through, sumOf: property)
    }
}

@Suite struct FilterOncePerSeriesTests {
    @Test func sameResultsAsEvaluatingEveryBucket() throws {
        let hour: Int64 = 3_600_000
        let start: Int64 = 1_795_000_000_000
        var rng = SeededGenerator(seed: 11)
        var state = UserState()
        let pages = ["/plans", "/iptv", "/home"]
        for i in 0..<400 {
            var members: [(String, JSON)] = [
                ("page", .string(pages[Int(rng.next() % 3)])),
                ("dwell_s", .number(Double(rng.next() % 200))),
            ]
            if rng.next() % 2 == 0 { members.append(("ok", .bool(rng.next() % 2 == 0))) }
            if rng.next() % 5 == 0 { members.append(("depth", .number(Double(rng.next() % 9)))) }
            state.apply(
                .behaviour(
                    HistoryEvent(
                        name: "page_view", time: start + Int64(i) * hour / 4,
                        properties: .object(JSONObject(members)))))
        }
        let filters = [
            #"{"==": [{"var": "page"}, "/plans"]}"#,
            #"{"in": [{"var": "page"}, ["/plans", "/iptv"]]}"#,
            #"{"and": [{"==": [{"var": "page"}, "/iptv"]}, {"var": "ok"}]}"#,
            #"{"or": [{"!": {"var": "ok"}}, {"==": [{"cat": [{"var": "page"}, "!"]}, "/home!"]}]}"#,
            #"{">=": [{"var": "dwell_s"}, 100]}"#,
            #"{"and": [{"==": [{"var": "page"}, "/plans"]}, {"<": [{"var": "dwell_s"}, 50]}]}"#,
            #"{"if": [{"var": "ok"}, {">": [{"var": ["depth", 0]}, 3]}, {"==": [{"var": "page"}, "/home"]}]}"#,
            #"{"some": [[1, 2], {"==": [{"var": ""}, 2]}]}"#,
        ]
        let now = start + 100 * hour
        for f in filters {
            for op in [
                #""event_count": ["page_view", "7d", F]"#, #""event_sum": ["page_view", "dwell_s", "7d", F]"#,
                #""last_seen": ["page_view", "7d", F]"#,
            ] {
                let rule = try Rule(compiling: JSONParser.parse("{" + op.replacingOccurrences(of: "F", with: f) + "}"))
                let fast = try rule.evaluate(.null, context: EvaluationContext(now: now, history: state))
                let plain = try rule.evaluate(.null, context: EvaluationContext(now: now, history: SeriesBlind(state: state)))
                #expect(fast == plain, "\(op) with \(f)")
            }
        }
    }

    @Test func onlyStaticVarReadsQualify() throws {
        func reads(_ text: String) throws -> [String]? {
            let rule = try Rule(compiling: JSONParser.parse(text))
            return EventAggregateNode.staticReads(rule.root, depth: 0)
        }
        #expect(try reads(#"{"==": [{"var": "page"}, "/plans"]}"#) == ["page"])
        #expect(try reads(#"{"and": [{"var": "a.b"}, {"in": [{"var": "c"}, ["x"]]}]}"#) == ["a", "c"])
        #expect(try reads(#"{"var": ""}"#) == nil) // the whole object
        #expect(try reads(#"{"val": [[2], "user", "plan"]}"#) == nil) // the request, scopes up
        #expect(try reads(#"{"var": {"cat": ["pa", "ge"]}}"#) == nil) // a computed path
        #expect(try reads(#"{"event_count": ["x", "1d"]}"#) == nil) // history
    }
}
