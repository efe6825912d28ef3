import Testing

@testable import Engage

/// 2026-11-20T12:00:00Z.
private let noon: Int64 = 1_795_176_000_000

private let set = #"""
    {"version": 1,
     "segments": {"shoppers": {"or": [
       {">=": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 3]},
       {">=": [{"event_count": ["add_to_cart", "7d"]}, 1]}]}},
     "campaigns": [
      {"id": "nudge", "purpose": "service", "status": "active", "placements": ["home"],
       "audience": {"and": [{">=": [{"var": "user.age"}, 18]}, {"segment": "shoppers"}, {"in": [{"var": "user.plan"}, ["LTE-S"]]}]},
       "channels": {"push": {"payload": "x"}}},
      {"id": "vip-only", "purpose": "service", "status": "active", "placements": ["home"],
       "exclusion": {"!": {"var": "user.vip"}},
       "channels": {"push": {"payload": "x"}}}
     ]}
    """#

@Suite struct RuleExplainerTests {
    func explain(_ user: String) throws -> Decision {
        let e = Engine(clock: { noon })
        try e.load(json: JSONParser.parse(set))
        try e.record(
            userID: "u1",
            .behaviour(
                HistoryEvent(
                    name: "page_view", time: noon - 3_600_000,
                    properties: .object(JSONObject([("page", .string("/plans"))])))))
        return try e.decide(
            DecisionRequest(
                json: JSONParser.parse(
                    #"{"user_id": "u1", "placements": ["home"], "explain": true, "commit": false, "user": \#(user)}"#)))
    }

    @Test func theFirstFalseClauseAndTheValuesItRead() throws {
        let d = try explain(#"{"age": 30, "plan": "LTE-S"}"#)
        let detail = try #require(d.traces?.first { $0.campaignID == "nudge" }).detail
        #expect(detail.hasPrefix("audience rule is false: clause 2 of 3: segment shoppers: all 2 clauses: "))
        #expect(detail.contains("event_count(page_view, 7d, …) = 1"))
        #expect(detail.contains("event_count(add_to_cart, 7d) = 0"))
        let plan = try explain(#"{"age": 30, "plan": "5G-XL"}"#)
        let planDetail = try #require(plan.traces?.first { $0.campaignID == "nudge" }).detail
        #expect(planDetail.contains("clause 2 of 3")) // the segment fails first
        let minor = try explain(#"{"age": 15, "plan": "LTE-S"}"#)
        #expect(
            try #require(minor.traces?.first { $0.campaignID == "nudge" }).detail
                == #"audience rule is false: clause 1 of 3: {">=":[{"var":"user.age"},18]} is false with user.age = 15"#)
    }

    @Test func exclusionsSayWhyTheyMatched() throws {
        let d = try explain(#"{"age": 30}"#)
        #expect(
            try #require(d.traces?.first { $0.campaignID == "vip-only" }).detail
                == #"exclusion rule is true: not ({"var":"user.vip"} is false with user.vip = null)"#)
    }

    @Test func decisionsThatDoNotExplainBuildNoDetail() throws {
        let e = Engine(clock: { noon })
        try e.load(json: JSONParser.parse(set))
        let d = try e.decide(
            DecisionRequest(
                json: JSONParser.parse(
                    #"{"user_id": "u1", "placements": ["home"], "commit": false, "user": {"age": 3}}"#)))
        #expect(d.traces == nil && d.messages.isEmpty)
    }
}

@Suite struct ReasonOnlyExplanationTests {
    @Test func reasonsWithoutDetailText() throws {
        let e = Engine(clock: { noon })
        try e.load(json: JSONParser.parse(set))
        var request = try DecisionRequest(
            json: JSONParser.parse(
                #"{"user_id": "u1", "placements": ["home"], "explain": true, "commit": false, "user": {"age": 3}}"#))
        request.explainDetails = false
        let d = try e.decide(request)
        let nudge = try #require(d.traces?.first { $0.campaignID == "nudge" })
        #expect(nudge.reason == .audience && nudge.detail.isEmpty)
        request.explainDetails = true
        #expect(try e.decide(request).traces?.first { $0.campaignID == "nudge" }?.detail.isEmpty == false)
    }
}
