import Testing

@testable import Engage

/// 2026-11-20T12:00:00Z, a Friday.
private let now: Int64 = 1_795_176_000_000
private let hour: Int64 = 3_600_000

private func engine(_ set: String, at time: Int64 = now) throws -> Engine {
    let e = Engine(clock: { time })
    try e.load(json: JSONParser.parse(set))
    return e
}

private func decide(_ e: Engine, _ request: String) throws -> Decision {
    try e.decide(DecisionRequest(json: JSONParser.parse(request)))
}

private func campaign(_ id: String, priority: Int = 0, placements: [String] = ["p"], extra: String = "") -> String {
    let places = placements.map { "\"\($0)\"" }.joined(separator: ",")
    return
        #"{"id": "\#(id)", "purpose": "service", "status": "active", "priority": \#(priority), "placements": [\#(places)], "channels": {"push": {"payload": {"c": "\#(id)"}}}\#(extra)}"#
}

private func set(_ campaigns: [String], policies: String = "{}") -> String {
    #"{"version": 1, "policies": \#(policies), "campaigns": [\#(campaigns.joined(separator: ","))]}"#
}

@Suite struct EngineArbitrationTests {
    @Test func priorityThenScoreThenID() throws {
        let e = try engine(
            set([
                campaign("b-low", priority: 1),
                campaign("a-high", priority: 9),
                campaign("z-score", priority: 5, extra: #", "score": {"var": "s"}"#),
                campaign("y-score", priority: 5, extra: #", "score": 1"#),
                campaign("m-tie", priority: 5, extra: #", "score": 1"#),
            ]))
        let d = try decide(e, #"{"user_id": "u", "placements": ["p"], "k": 5, "commit": false, "s": 2}"#)
        #expect(d.messages.map(\.campaignID) == ["a-high", "z-score", "m-tie", "y-score", "b-low"])
        let one = try decide(e, #"{"user_id": "u", "placements": ["p"], "commit": false, "s": 0, "explain": true}"#)
        #expect(one.messages.map(\.campaignID) == ["a-high"])
        #expect(one.traces?.first { $0.campaignID == "z-score" }?.reason == .arbitration)
    }

    @Test func slateAcrossPlacementsUsesEachCampaignOnceAndOneOfAnExclusionGroup() throws {
        let e = try engine(
            set([
                campaign("both", priority: 9, placements: ["home", "banner"]),
                campaign("home-2", priority: 5, placements: ["home"], extra: #", "exclusion_group": "g""#),
                campaign("banner-2", priority: 4, placements: ["banner"], extra: #", "exclusion_group": "g""#),
                campaign("banner-3", priority: 3, placements: ["banner"]),
            ]))
        // k = 1: "both" takes the first requested slot; "home-2" has no free slot left.
        let one = try decide(e, #"{"user_id": "u", "placements": ["home", "banner"], "commit": false, "explain": true}"#)
        #expect(one.messages.map { "\($0.placement ?? "-")=\($0.campaignID)" } == ["home=both", "banner=banner-2"])
        #expect(one.traces?.first { $0.campaignID == "home-2" }?.reason == .arbitration)
        #expect(one.traces?.first { $0.campaignID == "banner-3" }?.reason == .arbitration)
        // k = 2: "home-2" takes home's second slot, so "banner-2" (same exclusion group)
        // is left out and "banner-3" fills banner.
        let two = try decide(e, #"{"user_id": "u", "placements": ["home", "banner"], "k": 2, "commit": false, "explain": true}"#)
        #expect(two.messages.map { "\($0.placement ?? "-")=\($0.campaignID)" } == ["home=both", "home=home-2", "banner=banner-3"])
        #expect(two.traces?.first { $0.campaignID == "banner-2" }?.detail == "exclusion group g already used")
        #expect(Set(two.messages.map(\.campaignID)).count == two.messages.count)
    }

    @Test func eventTriggeredCampaignsAnswerEventRequests() throws {
        let e = try engine(
            set([
                #"{"id": "on-plans", "purpose": "service", "status": "active", "triggers": [{"event": "page_view", "filter": {"==": [{"var": "page"}, "/plans"]}}], "channels": {"push": {"payload": {"t": 1}}}}"#
            ]))
        #expect(try decide(e, #"{"user_id": "u", "event": {"name": "page_view", "properties": {"page": "/plans"}}, "commit": false}"#).messages.count == 1)
        let miss = try decide(e, #"{"user_id": "u", "event": {"name": "page_view", "properties": {"page": "/home"}}, "commit": false, "explain": true}"#)
        #expect(miss.messages.isEmpty)
        #expect(miss.traces?.first?.reason == .trigger)
    }

    @Test func ruleErrorsSkipTheCampaignNotTheDecision() throws {
        let e = try engine(
            set([
                campaign("broken", priority: 9, extra: #", "audience": {"+": [{"var": "name"}, 1]}"#),
                campaign("fine", priority: 1),
            ]))
        let d = try decide(e, #"{"user_id": "u", "placements": ["p"], "name": "Kim", "commit": false, "explain": true}"#)
        #expect(d.messages.map(\.campaignID) == ["fine"])
        #expect(d.traces?.first { $0.campaignID == "broken" }?.reason == .ruleError)
        #expect(d.traces?.first { $0.campaignID == "broken" }?.detail.contains("NaN") == true)
    }

    @Test func variantsAreStablePerUser() throws {
        let e = try engine(
            set([campaign("v", extra: #", "variants": [{"id": "A", "weight": 1}, {"id": "B", "weight": 1, "overrides": {"push": {"c": "B!"}}}]"#)]))
        var seen: [String: Int] = [:]
        for i in 0..<400 {
            let r = #"{"user_id": "user-\#(i)", "placements": ["p"], "commit": false}"#
            let first = try decide(e, r).messages.first
            let again = try decide(e, r).messages.first
            #expect(first?.variant == again?.variant)
            if first?.variant == "B" { #expect(first?.payload["c"] == "B!") }
            if let v = first?.variant { seen[v, default: 0] += 1 }
            let expected = Bucketing.variant(campaignID: "v", salt: "", weights: [1, 1], userID: "user-\(i)")
            #expect(first?.variant == (expected == 0 ? "A" : "B"))
        }
        #expect((seen["A"] ?? 0) > 150 && (seen["B"] ?? 0) > 150)
    }
}

@Suite struct EngineCapScopeTests {
    @Test func tagGlobalAndChannelCaps() throws {
        let e = try engine(
            set(
                [
                    campaign("t1", priority: 3, extra: #", "tags": ["promo"]"#),
                    campaign("t2", priority: 2, extra: #", "tags": ["promo"]"#),
                    campaign("other", priority: 1),
                ],
                policies:
                    #"{"tag_caps": [{"tag": "promo", "count": 1, "window": "24h"}], "global_caps": [{"purpose": "service", "count": 2, "window": {"calendar": "day"}}]}"#
            ))
        let r = #"{"user_id": "u", "placements": ["p"], "explain": true}"#
        #expect(try decide(e, r).messages.first?.campaignID == "t1")
        let second = try decide(e, r)
        #expect(second.messages.first?.campaignID == "other")
        #expect(second.traces?.first { $0.campaignID == "t2" }?.detail == "cap tag promo/24h: 1 of 1 used")
        let third = try decide(e, r)
        #expect(third.messages.isEmpty)
        #expect(third.traces?.first { $0.campaignID == "other" }?.detail.hasPrefix("cap global service/day: 2 of 2 used") == true)
    }

    @Test func channelCapMovesToTheNextChannel() throws {
        let e = try engine(
            #"""
            {"version": 1, "policies": {"channel_caps": [{"channel": "push", "count": 1, "window": "7d"}], "channel_costs": {"push": 0, "sms": 0.02}},
             "campaigns": [{"id": "c", "purpose": "service", "status": "active", "placements": ["p"],
                            "channels": {"push": {"payload": {"t": 1}}, "sms": {"payload": {"t": 2}}}}]}
            """#)
        let r = #"{"user_id": "u", "placements": ["p"]}"#
        #expect(try decide(e, r).messages.first?.channel == .push)
        let next = try decide(e, r).messages.first
        #expect(next?.channel == .sms)
        #expect(next?.skippedChannels.first { $0.channel == .push }?.reason == "cap channel push/7d: 1 of 1 used")
    }

    @Test func calendarDayFollowsTheUsersZone() throws {
        // 14:30Z is 23:30 in Seoul: the Seoul day ends in 30 minutes, the UTC day does not.
        let base: Int64 = 1_795_185_000_000 // 2026-11-20T14:30:00Z
        let capSet = set([campaign("daily", extra: #", "caps": [{"count": 1, "window": {"calendar": "day"}}]"#)])
        let seoul = #"{"user_id": "u", "time_zone": "Asia/Seoul", "placements": ["p"]}"#
        let utc = #"{"user_id": "v", "time_zone": "UTC", "placements": ["p"]}"#
        let e1 = try engine(capSet, at: base)
        #expect(try decide(e1, seoul).messages.count == 1)
        #expect(try decide(e1, utc).messages.count == 1)
        let e2 = Engine(store: e1.store, clock: { base + hour })
        try e2.load(json: JSONParser.parse(capSet))
        #expect(try decide(e2, seoul).messages.count == 1, "a new Seoul day began at 15:00Z")
        #expect(try decide(e2, utc).messages.isEmpty, "still the same UTC day")
    }

    @Test func whatsappIsFreeInAnOpenConversation() throws {
        let e = try engine(
            #"""
            {"version": 1, "policies": {"channel_costs": {"whatsapp": 0.05, "sms": 0.02}},
             "campaigns": [{"id": "c", "purpose": "service", "status": "active", "placements": ["p"],
                            "channels": {"sms": {"payload": {"t": 1}}, "whatsapp": {"payload": {"t": 2}}}}]}
            """#)
        let r = #"{"user_id": "u", "placements": ["p"], "commit": false}"#
        #expect(try decide(e, r).messages.first?.channel == .sms)
        try e.record(userID: "u", .conversation(channel: "whatsapp", time: now - hour))
        let m = try decide(e, r).messages.first
        #expect(m?.channel == .whatsapp && m?.cost == 0)
    }

    @Test func weekCapsFollowTheSetsWeekStart() throws {
        // Friday 2026-11-20: an impression on Sunday the 15th is in the week that began
        // Monday the 9th, but in the week that began Sunday the 15th.
        let sunday: Int64 = now - 5 * 24 * hour
        let capped = campaign("weekly", extra: #", "caps": [{"count": 1, "window": {"calendar": "week"}}]"#)
        for (policies, shown) in [("{}", 1), (#"{"week_start": "sun"}"#, 0)] {
            let e = try engine(set([capped], policies: policies))
            try e.record(userID: "u", .impression(Impression(campaignID: "weekly", time: sunday, channel: "push", purpose: "service")))
            #expect(try decide(e, #"{"user_id": "u", "placements": ["p"], "commit": false}"#).messages.count == shown, "\(policies)")
        }
        #expect(throws: CampaignSetLoadError.self) { try engine(set([capped], policies: #"{"week_start": "sunday"}"#)) }
    }
}
