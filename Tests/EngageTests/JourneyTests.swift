import Testing

@testable import Engage

/// 2026-11-20T12:00:00Z.
private let noon: Int64 = 1_795_176_000_000
private let hour: Int64 = 3_600_000

/// A three-step journey: each step only after the previous one was seen, at least an
/// hour before.
private let journey = #"""
    {"version": 1, "campaigns": [
      {"id": "step-1", "purpose": "service", "status": "active", "priority": 3, "placements": ["home"],
       "caps": [{"count": 1, "window": "lifetime"}], "channels": {"push": {"payload": "1"}}},
      {"id": "step-2", "purpose": "service", "status": "active", "priority": 2, "placements": ["home"],
       "audience": {"<=": [{"last_impression": ["step-1"]}, {"-": [{"now": []}, 3600000]}]},
       "caps": [{"count": 1, "window": "lifetime"}], "channels": {"push": {"payload": "2"}}},
      {"id": "step-3", "purpose": "service", "status": "active", "priority": 1, "placements": ["home"],
       "audience": {"and": [{">=": [{"impressions": ["step-2"]}, 1]},
                            {"<=": [{"last_impression": ["step-2"]}, {"-": [{"now": []}, 3600000]}]}]},
       "caps": [{"count": 1, "window": "lifetime"}], "channels": {"push": {"payload": "3"}}}
    ]}
    """#

@Suite struct JourneyTests {
    func shown(_ e: Engine, at t: Int64) throws -> String? {
        let d = try e.decide(
            DecisionRequest(
                json: JSONParser.parse(
                    #"{"user_id": "u1", "placements": ["home"], "now": \#(t)}"#)))
        return d.messages.first?.campaignID
    }

    @Test func stepsComeInOrderEachAfterThePreviousWasSeen() throws {
        let e = Engine(clock: { noon })
        try e.load(json: JSONParser.parse(journey))
        #expect(try shown(e, at: noon) == "step-1")
        // Step 2 needs step 1 seen at least an hour ago; nothing else is left.
        #expect(try shown(e, at: noon + hour / 2) == nil)
        #expect(try shown(e, at: noon + hour) == "step-2")
        #expect(try shown(e, at: noon + hour + 1) == nil)
        #expect(try shown(e, at: noon + 2 * hour) == "step-3")
        #expect(try shown(e, at: noon + 3 * hour) == nil)
    }

    @Test func operatorsReadTheCampaignLedger() throws {
        var state = UserState()
        for t in [noon - 3 * hour, noon - 2 * hour, noon - hour] {
            state.apply(.impression(Impression(campaignID: "c", time: t, channel: "push", purpose: "service")))
        }
        let count = try Rule(compiling: JSONParser.parse(#"{"impressions": ["c", "150m"]}"#))
        let all = try Rule(compiling: JSONParser.parse(#"{"impressions": ["c"]}"#))
        let last = try Rule(compiling: JSONParser.parse(#"{"last_impression": ["c"]}"#))
        let other = try Rule(compiling: JSONParser.parse(#"{"last_impression": ["d"]}"#))
        let context = EvaluationContext(now: noon, history: state)
        #expect(try count.evaluate(.null, context: context).intValue == 2)
        #expect(try all.evaluate(.null, context: context).intValue == 3)
        #expect(try last.evaluate(.null, context: context).intValue == Int(noon - hour))
        #expect(try other.evaluate(.null, context: context).isNull)
        // Before the newest impression, it is not yet seen.
        let earlier = EvaluationContext(now: noon - 2 * hour, history: state)
        #expect(try last.evaluate(.null, context: earlier).intValue == Int(noon - 2 * hour))
        #expect(try all.evaluate(.null, context: earlier).intValue == 2)
    }

    @Test func badOperandsAreCompileErrorsWithPaths() throws {
        for (rule, fragment) in [
            (#"{"impressions": []}"#, "takes [campaign, window?]"),
            (#"{"impressions": [3]}"#, "expected a campaign id"),
            (#"{"impressions": ["c", "7x"]}"#, "unknown unit"),
            (#"{"last_impression": ["c", "7d"]}"#, "takes [campaign]"),
        ] {
            #expect {
                _ = try Rule(compiling: JSONParser.parse(rule))
            } throws: { error in
                "\(error)".contains(fragment)
            }
        }
    }
}
