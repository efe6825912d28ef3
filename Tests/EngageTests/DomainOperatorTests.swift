import Foundation
import Testing

@testable import Engage

private func rule(_ text: String, segments: SegmentTable = .empty) throws -> Rule {
    try Rule(compiling: JSONParser.parse(text), options: CompileOptions(segments: segments))
}

private let day: Int64 = 86_400_000
/// 2026-11-20T12:00:00Z, a Friday.
private let now: Int64 = 1_795_176_000_000

private let history = InMemoryHistory([
    HistoryEvent(name: "page_view", time: now - 1 * day, properties: ["page": "/plans", "dwell_s": 40]),
    HistoryEvent(name: "page_view", time: now - 2 * day, properties: ["page": "/plans", "dwell_s": 10]),
    HistoryEvent(name: "page_view", time: now - 3 * day, properties: ["page": "/home"]),
    HistoryEvent(name: "page_view", time: now - 6 * day, properties: ["page": "/plans", "dwell_s": 5]),
    HistoryEvent(name: "page_view", time: now - 9 * day, properties: ["page": "/plans", "dwell_s": 99]),
    HistoryEvent(name: "cart_add", time: now - 40 * day, properties: ["plan": "5G-L", "price": 55]),
    HistoryEvent(name: "cart_add", time: now - 2 * day, properties: ["plan": "5G-M", "price": 45.5]),
])
private let context = EvaluationContext(now: now, userID: "user-1", timeZone: "UTC", history: history)

@Suite struct BehaviourOperatorTests {
    @Test func countsWithinRollingWindow() throws {
        #expect(try rule(#"{"event_count": ["page_view", "7d"]}"#).evaluate(nil, context: context) == 4)
        #expect(try rule(#"{"event_count": ["page_view", "48h"]}"#).evaluate(nil, context: context) == 2)
        #expect(try rule(#"{"event_count": ["page_view", null]}"#).evaluate(nil, context: context) == 5)
        #expect(try rule(#"{"event_count": ["app_open", "7d"]}"#).evaluate(nil, context: context) == 0)
    }

    @Test func filterReadsEventPropertiesAndOuterData() throws {
        let plans = try rule(#"{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}"#)
        #expect(try plans.evaluate(nil, context: context) == 3)
        // Two scopes up is the request data, as inside an iterator.
        let outer = try rule(#"{"event_count": ["page_view", "30d", {"==": [{"var": "page"}, {"val": [[2], "target"]}]}]}"#)
        #expect(try outer.evaluate(["target": "/home"], context: context) == 1)
        // The spec's plan nudge: plans page 3+ times in 7 days, or a plan in the cart.
        let nudge = try rule(
            #"""
            {"or": [{">=": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 3]},
                    {">": [{"event_count": ["cart_add", "7d"]}, 0]}]}
            """#)
        #expect(try nudge.matches(nil, context: context))
        #expect(try !nudge.matches(nil, context: EvaluationContext(now: now + 30 * day, history: history)))
    }

    @Test func sumAndLastSeen() throws {
        #expect(try rule(#"{"event_sum": ["page_view", "dwell_s", "7d"]}"#).evaluate(nil, context: context) == 55)
        #expect(
            try rule(#"{"event_sum": ["cart_add", "price", "90d", {"==": [{"var": "plan"}, "5G-M"]}]}"#)
                .evaluate(nil, context: context) == 45.5)
        #expect(try rule(#"{"last_seen": ["cart_add"]}"#).evaluate(nil, context: context) == .number(Double(now - 2 * day)))
        #expect(
            try rule(#"{"last_seen": ["cart_add", "30d", {"==": [{"var": "plan"}, "5G-L"]}]}"#)
                .evaluate(nil, context: context) == nil)
        #expect(
            try rule(#"{"-": [{"now": []}, {"last_seen": ["page_view", "7d"]}]}"#).evaluate(nil, context: context)
                == .number(Double(day)))
    }

    @Test func noHistoryMeansNoEvents() throws {
        let r = try rule(#"{"event_count": ["page_view", "7d"]}"#)
        #expect(try r.evaluate(nil) == 0)
    }

    @Test func badWindowsAreCompileErrorsWithPath() throws {
        do {
            _ = try rule(#"{"and": [true, {">": [{"event_count": ["page_view", "7dd"]}, 1]}]}"#)
            Issue.record("expected a compile error")
        } catch let e as LogicError {
            #expect(e.kind == .invalidArguments)
            #expect(e.path == "and[1].>[0].event_count[1]")
            #expect(e.message.contains(#"unknown unit "dd""#))
        }
        #expect(throws: LogicError.self) { try rule(#"{"event_count": ["page_view", "d"]}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"event_count": ["page_view", "99999w"]}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"event_count": ["page_view"]}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"event_count": [42, "7d"]}"#) }
    }

    @Test func filterWorkIsBudgeted() throws {
        var events: [HistoryEvent] = []
        for i in 0..<5000 { events.append(HistoryEvent(name: "tick", time: now - Int64(i) * 1000)) }
        let big = EvaluationContext(now: now, history: InMemoryHistory(events))
        let r = try rule(#"{"event_count": ["tick", "7d", true]}"#)
        #expect(try r.evaluate(nil, context: big) == 5000)
        do {
            _ = try r.evaluate(nil, context: big, limits: EvaluationLimits(maxSteps: 1000))
            Issue.record("expected the step budget to run out")
        } catch let e as LogicError {
            #expect(e.kind == .limitExceeded)
        }
    }

    @Test func historyFromJSON() throws {
        let h = try InMemoryHistory(json: JSONParser.parse(#"[{"name": "app_open", "time": 1000}, {"name": "app_open", "time": 3000}]"#))
        let r = try rule(#"{"event_count": ["app_open", "2s"]}"#)
        #expect(try r.evaluate(nil, context: EvaluationContext(now: 3000, history: h)) == 2)
        #expect(try r.evaluate(nil, context: EvaluationContext(now: 3001, history: h)) == 1)
        #expect(throws: LogicError.self) { try InMemoryHistory(json: JSONParser.parse(#"[{"name": 1, "time": 0}]"#)) }
    }
}

@Suite struct SegmentTests {
    @Test func segmentsAreReusableAndNest() throws {
        let table = try SegmentTable(
            [
                "adult": #"{">=": [{"var": "age"}, 19]}"#,
                "premium": #"{"in": [{"var": "plan"}, ["5G-L", "5G-XL"]]}"#,
                "premium_adult": #"{"and": [{"segment": "adult"}, {"segment": "premium"}]}"#,
            ].mapValues { try JSONParser.parse($0) })
        #expect(table.names == ["adult", "premium", "premium_adult"])
        let r = try rule(#"{"segment": "premium_adult"}"#, segments: table)
        #expect(try r.evaluate(["age": 30, "plan": "5G-L"]) == true)
        #expect(try r.evaluate(["age": 17, "plan": "5G-L"]) == false)
        #expect(try rule(#"{"!": {"segment": "adult"}}"#, segments: table).evaluate(["age": 12]) == true)
    }

    @Test func unknownSegmentIsACompileError() throws {
        do {
            _ = try rule(#"{"or": [false, {"segment": "nobody"}]}"#)
            Issue.record("expected a compile error")
        } catch let e as LogicError {
            #expect(e.kind == .invalidRule)
            #expect(e.path == "or[1].segment")
            #expect(e.message.contains("nobody"))
        }
    }

    @Test func cyclesAreRejectedWithTheChain() throws {
        let defs = try [
            "a": #"{"and": [true, {"segment": "b"}]}"#,
            "b": #"{"or": [{"segment": "c"}, false]}"#,
            "c": #"{"segment": "a"}"#,
            "ok": #"{"==": [1, 1]}"#,
            "self": #"{"segment": "self"}"#,
        ].mapValues { try JSONParser.parse($0) }
        let (table, errors) = SegmentTable.build(defs)
        #expect(table.names == ["ok"])
        #expect(errors.count == 4)
        #expect(errors.contains { $0.message.contains("a → b → c → a") })
        #expect(errors.contains { $0.message.contains("self → self") })
        #expect(errors.allSatisfy { $0.kind == .invalidRule })
        #expect(throws: LogicError.self) { try SegmentTable(defs) }
    }
}

@Suite struct RolloutTests {
    @Test func rolloutOperatorMatchesTheSharedVectors() throws {
        let doc = try BucketingVectors.load()
        let cases = doc["rollout"]?.arrayValue ?? []
        #expect(cases.count >= 100)
        let r = try rule(#"{"rollout": [{"var": "salt"}, {"var": "percent"}]}"#)
        for c in cases {
            let user = c["user"]?.stringValue ?? ""
            let got = try r.evaluate(
                ["salt": c["salt"] ?? nil, "percent": c["percent"] ?? nil],
                context: EvaluationContext(userID: user))
            #expect(got == .bool(c["in"]?.boolValue ?? false), "rollout \(c)")
        }
    }

    @Test func rolloutSplitsUsersInProportion() throws {
        let r = try rule(#"{"rollout": ["spring", 25]}"#)
        var inside = 0
        for i in 0..<20_000 where try r.matches(nil, context: EvaluationContext(userID: "u\(i)")) { inside += 1 }
        #expect(inside > 4_600 && inside < 5_400, "25% of 20,000 users, got \(inside)")
        #expect(try !r.matches(nil)) // no user id
        #expect(
            try rule(#"{"rollout": ["spring", 25, {"var": "id"}]}"#).evaluate(["id": "u1"])
                == r.evaluate(nil, context: EvaluationContext(userID: "u1")))
        #expect(throws: LogicError.self) { try rule(#"{"rollout": ["spring", 120]}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"rollout": [7, 10]}"#) }
    }
}

@Suite struct LocalTimeTests {
    @Test func ianaZonesAndDaylightSaving() throws {
        // 2024-03-10 06:59:59Z is 01:59:59 EST; one second later it is 03:00 EDT.
        let r = try rule(#"{"local_time": "America/New_York"}"#)
        let before = EvaluationContext(now: 1_710_053_999_000)
        let after = EvaluationContext(now: 1_710_054_000_000)
        #expect(try r.evaluate(nil, context: before) == "01:59")
        #expect(try r.evaluate(nil, context: after) == "03:00")
        // The context's zone is used when the rule names none.
        let hour = try rule(#"{"local_hour": []}"#)
        #expect(try hour.evaluate(nil, context: EvaluationContext(now: now, timeZone: "Asia/Seoul")) == 21)
        #expect(try hour.evaluate(nil, context: EvaluationContext(now: now, timeZone: "Europe/London")) == 12)
        // Before the epoch: 1969-12-31 23:59:59.999 UTC is a Wednesday.
        let day = try rule(#"{"day_of_week": "UTC"}"#)
        #expect(try day.evaluate(nil, context: EvaluationContext(now: -1)) == 3)
        #expect(try rule(#"{"local_date": "UTC"}"#).evaluate(nil, context: EvaluationContext(now: -1)) == "1969-12-31")
        _ = try day.evaluate(nil, context: EvaluationContext(now: .max))
        _ = try day.evaluate(nil, context: EvaluationContext(now: .min))
    }

    @Test func operatorsUseTheContextZone() throws {
        let seoul = EvaluationContext(now: now, timeZone: "Asia/Seoul")
        #expect(try rule(#"{"local_time": []}"#).evaluate(nil, context: seoul) == "21:00")
        #expect(try rule(#"{"local_hour": []}"#).evaluate(nil, context: seoul) == 21)
        #expect(try rule(#"{"day_of_week": []}"#).evaluate(nil, context: seoul) == 5)
        #expect(try rule(#"{"local_date": []}"#).evaluate(nil, context: seoul) == "2026-11-20")
        #expect(try rule(#"{"local_time": "UTC"}"#).evaluate(nil, context: seoul) == "12:00")
        // Quiet hours 21:00–08:00 wrap midnight.
        #expect(try rule(#"{"time_between": ["21:00", "08:00"]}"#).evaluate(nil, context: seoul) == true)
        #expect(try rule(#"{"time_between": ["09:00", "18:00"]}"#).evaluate(nil, context: seoul) == false)
        #expect(try rule(#"{"time_between": ["09:00", "18:00", "UTC"]}"#).evaluate(nil, context: seoul) == true)
        #expect(try rule(#"{"<=": ["09:00", {"local_time": []}, "18:00"]}"#).evaluate(nil, context: seoul) == false)
    }

    @Test func badZonesAndTimesAreErrors() throws {
        #expect(throws: LogicError.self) { try rule(#"{"local_time": "Mars/Olympus"}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"time_between": ["9am", "18:00"]}"#) }
        #expect(throws: LogicError.self) { try rule(#"{"time_between": ["25:00", "18:00"]}"#) }
        let r = try rule(#"{"local_hour": []}"#)
        #expect(throws: LogicError.self) {
            try r.evaluate(nil, context: EvaluationContext(timeZone: "../../etc/passwd"))
        }
    }
}
