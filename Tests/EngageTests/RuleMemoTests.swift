import Testing

@testable import Engage

// Identical rules share a slot and a decision evaluates each once (RuleSlots, RuleMemo);
// tag, global and channel caps are counted once per decision. These tests pin down that
// sharing never mixes answers up: one rule as an audience here and an exclusion there,
// errors, scores, trigger filters, exits and shared caps.

/// 2026-11-20T12:00:00Z.
private let noon: Int64 = 1_795_176_000_000

private func campaign(_ id: String, priority: Int = 0, purpose: String = "marketing", extra: String) -> String {
    #"""
    {"id": "\#(id)", "purpose": "\#(purpose)", "status": "active", "priority": \#(priority),
     "placements": ["home"], \#(extra)
     "channels": {"in_app": {"payload": {"title": "\#(id)"}}}}
    """#
}

private func engine(_ campaigns: [String], policies: String = "{}") throws -> Engine {
    let e = Engine(clock: { noon })
    try e.load(json: JSONParser.parse(#"{"version": 1, "policies": \#(policies), "campaigns": [\#(campaigns.joined(separator: ","))]}"#))
    return e
}

private func decide(_ e: Engine, _ members: String = #""plan": "gold""#, k: Int = 3) throws -> Decision {
    try e.decide(
        json: JSONParser.parse(
            #"""
            {"user_id": "u1", "now": \#(noon), "placements": ["home"], "k": \#(k), "explain": true,
             "app": {"foreground": true}, "consent": {"marketing": true, "service": true}, "user": {\#(members)}}
            """#))
}

private func reasons(_ d: Decision) -> [String: String] {
    var out: [String: String] = [:]
    for t in d.traces ?? [] { out[t.campaignID] = t.reason.rawValue }
    return out
}

@Suite struct RuleMemoTests {
    static let gold = #"{"==": [{"var": "user.plan"}, "gold"]}"#

    @Test func oneRuleAsAudienceAndAsExclusionAnswersBoth() throws {
        let e = try engine([
            campaign("a-audience", priority: 2, extra: #""audience": \#(Self.gold),"#),
            campaign("b-exclusion", priority: 1, extra: #""exclusion": \#(Self.gold),"#),
            campaign("c-audience-again", extra: #""audience": \#(Self.gold),"#),
            // A different rule: its own slot, never the answer of the one above.
            campaign("d-platinum", extra: #""audience": {"==": [{"var": "user.plan"}, "platinum"]},"#),
        ])
        let gold = try decide(e)
        #expect(reasons(gold)["d-platinum"] == "audience")
        #expect(gold.messages.map(\.campaignID) == ["a-audience", "c-audience-again"])
        #expect(reasons(gold)["b-exclusion"] == "exclusion")
        let silver = try decide(e, #""plan": "silver""#)
        #expect(silver.messages.map(\.campaignID) == ["b-exclusion"])
        #expect(reasons(silver)["a-audience"] == "audience")
        #expect(reasons(silver)["c-audience-again"] == "audience")
    }

    @Test func aRuleThatFailsFailsForEveryCampaignUsingIt() throws {
        let failing = #"{"throw": "broken"}"#
        let e = try engine([
            campaign("x", extra: #""audience": \#(failing),"#),
            campaign("y", extra: #""audience": \#(failing),"#),
            campaign("z", extra: ""),
        ])
        let d = try decide(e)
        #expect(d.messages.map(\.campaignID) == ["z"])
        #expect(reasons(d)["x"] == "rule_error")
        #expect(reasons(d)["y"] == "rule_error")
    }

    @Test func sharedScoresRankEveryCampaignWithTheSameValue() throws {
        let score = #"{"if": [{"==": [{"var": "user.plan"}, "gold"]}, 7, 1]}"#
        let e = try engine([
            campaign("s1", extra: #""score": \#(score),"#),
            campaign("s2", extra: #""score": \#(score),"#),
            campaign("s3", extra: #""score": 3,"#),
        ])
        let gold = try decide(e)
        #expect(gold.messages.map(\.campaignID) == ["s1", "s2", "s3"])
        #expect(gold.messages.map(\.score) == [7, 7, 3])
        let silver = try decide(e, #""plan": "silver""#)
        #expect(silver.messages.map(\.campaignID) == ["s3", "s1", "s2"])
        #expect(silver.messages.map(\.score) == [3, 1, 1])
    }

    @Test func sharedTriggerFiltersAndExitsAnswerEachCampaign() throws {
        let filter = #"{"==": [{"var": "page"}, "/plans"]}"#
        let e = try engine([
            #"{"id": "t1", "purpose": "service", "status": "active", "triggers": [{"event": "page_view", "filter": \#(filter)}], "exit": [{"event": "purchase"}], "channels": {"in_app": {"payload": {"title": "t1"}}}}"#,
            #"{"id": "t2", "purpose": "service", "status": "active", "triggers": [{"event": "page_view", "filter": \#(filter)}], "channels": {"in_app": {"payload": {"title": "t2"}}}}"#,
            #"{"id": "t3", "purpose": "service", "status": "active", "triggers": [{"event": "page_view"}], "exit": [{"event": "purchase"}], "channels": {"in_app": {"payload": {"title": "t3"}}}}"#,
        ])
        func view(_ page: String) throws -> [String] {
            try e.decide(
                json: JSONParser.parse(
                    #"""
                    {"user_id": "u2", "now": \#(noon), "k": 3, "app": {"foreground": true},
                     "event": {"name": "page_view", "properties": {"page": "\#(page)"}}}
                    """#)
            ).messages.map(\.campaignID)
        }
        #expect(try view("/plans") == ["t1", "t2", "t3"])
        #expect(try view("/home") == ["t3"])
        try e.record(userID: "u2", .behaviour(HistoryEvent(name: "purchase", time: noon - 60_000)))
        #expect(try view("/plans") == ["t2"])
    }

    @Test func aGlobalCapCountedOnceStopsEveryCampaignItCovers() throws {
        let e = try engine(
            [
                campaign("m1", priority: 3, extra: ""),
                campaign("m2", priority: 2, extra: ""),
                campaign("svc", priority: 1, purpose: "service", extra: ""),
            ], policies: #"{"global_caps": [{"purpose": "marketing", "count": 1, "window": "1d"}]}"#)
        // The first decision shows one marketing message; the cap fills with this
        // decision's own message, so m2 waits.
        let first = try decide(e)
        #expect(first.messages.map(\.campaignID) == ["m1", "svc"])
        #expect(reasons(first)["m2"] == "cap")
        // The state now holds one marketing impression: both marketing campaigns stop
        // at eligibility on the one count.
        let second = try decide(e)
        #expect(second.messages.map(\.campaignID) == ["svc"])
        #expect(reasons(second)["m1"] == "cap")
        #expect(reasons(second)["m2"] == "cap")
    }
}
