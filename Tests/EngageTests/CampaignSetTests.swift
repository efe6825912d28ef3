import Testing

@testable import Engage

// Loading campaign sets: each validation problem with its path, code and message;
// every problem reported, not the first; unknown fields; compiled rules and indexes;
// segment cycles; a 10,000-campaign set. The example files are checked in
// CampaignSetExampleTests.

/// A minimal valid campaign, as JSON text, with `extra` members spliced in.
func campaignJSON(_ id: String = "c1", _ extra: String = "") -> String {
    let base = #""id": "\#(id)", "purpose": "marketing", "status": "active", "placements": ["home"], "channels": {"push": {"payload": {"title": "Hi"}}}"#
    return "{" + base + (extra.isEmpty ? "" : ", " + extra) + "}"
}

/// A set with the given campaigns and top-level members.
func setJSON(campaigns: [String], _ extra: String = "") -> String {
    #"{"version": 1, "campaigns": [\#(campaigns.joined(separator: ","))]\#(extra.isEmpty ? "" : ", " + extra)}"#
}

/// The problems of `text`; an empty array when it loads.
func problems(_ text: String) -> [CampaignSetError] {
    do throws(CampaignSetLoadError) {
        _ = try CompiledCampaignSet(text: text)
        return []
    } catch {
        return error.problems
    }
}

/// `path: message` of each problem.
func lines(_ text: String) -> [String] {
    problems(text).map { "\($0.path): \($0.message)" }
}

@Suite struct CampaignSetValidationTests {
    @Test func minimalSetLoads() throws {
        let set = try CompiledCampaignSet(text: setJSON(campaigns: [campaignJSON()]))
        #expect(set.campaigns.count == 1)
        #expect(set.set.version == 1)
        #expect(set.set.bucketingVersion == 1)
        #expect(set.set.defaultTimeZone == "UTC")
        let c = set.campaigns[0].campaign
        #expect(c.name == "c1")
        #expect(c.priority == 0)
        #expect(c.channels.map(\.channel) == [.push])
        #expect(c.channels[0].format == .plain)
    }

    @Test func badWindowInACapNamesThePath() {
        let text = setJSON(campaigns: [
            campaignJSON(), campaignJSON("c2"), campaignJSON("c3"),
            campaignJSON("c4", #""caps": [{"count": 1, "window": "7dd"}]"#),
        ])
        let p = problems(text)
        #expect(p.count == 1)
        #expect(p.first?.path == "campaigns[3].caps[0].window")
        #expect(p.first?.code == .invalidWindow)
        #expect(p.first?.message == #"unknown unit "dd" in window "7dd" (expected s, m, h, d, w)"#)
        #expect(p.first?.description == #"campaigns[3].caps[0].window: unknown unit "dd" in window "7dd" (expected s, m, h, d, w) [invalid_window]"#)
    }

    @Test func capWindowForms() throws {
        let text = setJSON(campaigns: [
            campaignJSON("c", #""caps": [{"count": 1, "window": "30m"}, {"count": 2, "window": {"calendar": "week"}}, {"count": 3, "window": "lifetime"}]"#)
        ])
        let caps = try CompiledCampaignSet(text: text).campaigns[0].campaign.caps
        #expect(caps.count == 3)
        #expect(caps[0].window == .rolling(try RollingWindow.parse("30m").get()))
        if case .rolling(let w) = caps[0].window { #expect(w.milliseconds == 1_800_000 && w.text == "30m") }
        #expect(caps[1] == Cap(count: 2, window: .calendar(.week)))
        #expect(caps[2] == Cap(count: 3, window: .lifetime))
        #expect(
            lines(setJSON(campaigns: [campaignJSON("c", #""caps": [{"count": 0, "window": {"calendar": "year", "x": 1}}]"#)])) == [
                "campaigns[0].caps[0].count: 0 is out of range (expected 1 to 1000000)",
                #"campaigns[0].caps[0].window.calendar: unknown calendar unit "year" (expected day, week, month)"#,
                #"campaigns[0].caps[0].window.x: unknown field "x""#,
            ])
        #expect(
            lines(setJSON(campaigns: [campaignJSON("c", #""caps": [{"window": 5}]"#)])) == [
                #"campaigns[0].caps[0].window: expected a window: "24h", {"calendar": "day"} or "lifetime", found 5"#,
                #"campaigns[0].caps[0]: missing required field "count" (a positive integer)"#,
            ])
    }

    @Test func duplicateIDsNameTheFirst() {
        let p = problems(setJSON(campaigns: [campaignJSON("a"), campaignJSON("b"), campaignJSON("a")]))
        #expect(p.map(\.code) == [.duplicateID])
        #expect(p.first?.path == "campaigns[2].id")
        #expect(p.first?.message == #"duplicate campaign id "a" (first at campaigns[0])"#)
    }

    @Test func unknownChannel() {
        let text = setJSON(campaigns: [
            #"{"id": "x", "purpose": "service", "status": "active", "placements": ["p"], "channels": {"fax": {"payload": 1}, "sms": {"format": "rtf", "payload": "t"}}}"#
        ])
        let p = problems(text)
        #expect(p.map(\.code) == [.unknownChannel, .unknownValue])
        #expect(p.map(\.path) == ["campaigns[0].channels.fax", "campaigns[0].channels.sms.format"])
        #expect(p[0].message == #"unknown channel "fax" (expected in_app, push, rcs, sms, whatsapp, email)"#)
        #expect(p[1].message == #"unknown payload format "rtf" (expected plain, html, url)"#)
    }

    @Test func weightsMustSumToSomething() {
        let zero = setJSON(campaigns: [campaignJSON("c", #""variants": [{"id": "a", "weight": 0}, {"id": "b", "weight": 0}]"#)])
        #expect(lines(zero) == ["campaigns[0].variants: variant weights sum to 0 (expected at least one positive weight)"])
        #expect(problems(zero).first?.code == .invalidWeights)
        let big = setJSON(campaigns: [campaignJSON("c", #""variants": [{"id": "a", "weight": 1000000}, {"id": "b", "weight": 1}]"#)])
        #expect(problems(big).map(\.code) == [.invalidWeights])
        let bad = setJSON(campaigns: [
            campaignJSON("c", #""variants": [{"id": "a", "weight": -1}, {"id": "a", "weight": 1.5}, {"id": "c", "weight": 1, "overrides": {"sms": {}}}]"#)
        ])
        #expect(
            lines(bad) == [
                "campaigns[0].variants[0].weight: -1 is out of range (expected 0 to 1000000)",
                #"campaigns[0].variants[1].id: duplicate variant id "a" (first at variants[0])"#,
                "campaigns[0].variants[1].weight: expected an integer weight, found 1.5",
            ])
        let override = setJSON(campaigns: [campaignJSON("c", #""variants": [{"id": "a", "weight": 1, "overrides": {"sms": {}}}]"#)])
        #expect(lines(override) == ["campaigns[0].variants[0].overrides.sms: the campaign has no sms channel to override"])
    }

    @Test func variantsAreKept() throws {
        let text = setJSON(campaigns: [
            campaignJSON("c", #""variants": [{"id": "a", "weight": 30}, {"id": "b", "weight": 70, "overrides": {"push": {"title": "B"}}}]"#)
        ])
        let c = try CompiledCampaignSet(text: text).campaigns[0]
        #expect(c.campaign.variants.map(\.id) == ["a", "b"])
        #expect(c.totalVariantWeight == 100)
        #expect(c.campaign.variants[1].overrides[.push] == ["title": "B"])
    }

    @Test func percentOutOfRange() {
        let text = setJSON(campaigns: [campaignJSON("c", #""holdout_percent": 100.5"#)], #""policies": {"control_group_percent": -1}"#)
        #expect(
            lines(text) == [
                "policies.control_group_percent: percentage -1 is out of range (expected 0 to 100)",
                "campaigns[0].holdout_percent: percentage 100.5 is out of range (expected 0 to 100)",
            ])
        #expect(problems(text).map(\.code) == [.outOfRange, .outOfRange])
        #expect(
            lines(setJSON(campaigns: [campaignJSON("c", #""holdout_percent": "5%""#)])) == [
                #"campaigns[0].holdout_percent: expected a percentage (a number from 0 to 100), found "5%""#
            ])
    }

    @Test func unknownZones() {
        let text = setJSON(
            campaigns: [campaignJSON("c", #""schedule": {"time_zone": "Europe/Atlantis"}"#)],
            #""default_time_zone": "../etc/passwd""#)
        let p = problems(text)
        #expect(p.map(\.code) == [.unknownZone, .unknownZone])
        #expect(p.map(\.path) == ["default_time_zone", "campaigns[0].schedule.time_zone"])
        #expect(p[1].message == #"unknown time zone "Europe/Atlantis" (not in the zoneinfo database)"#)
        #expect(p[0].message.hasPrefix(#"invalid time zone name "../etc/passwd""#))
        #expect(
            lines(setJSON(campaigns: [], #""default_time_zone": "user""#)) == [
                #"default_time_zone: unknown time zone "user" (not in the zoneinfo database)"#
            ])
    }

    @Test func badRulesArePrefixedWithTheFieldPath() {
        let text = setJSON(campaigns: [
            campaignJSON("a"), campaignJSON("b"),
            campaignJSON(
                "c",
                #""audience": {"and": [true, {"fo": 1}]}, "exclusion": {">": [1]}, "triggers": [{"event": "e", "filter": [1, {"x": 2}]}], "exit": [{"event": "done", "filter": {"segment": "nope"}}], "score": "high""#
            ),
        ])
        let p = problems(text)
        #expect(
            p.map { "\($0.path): \($0.message)" } == [
                #"campaigns[2].audience.and[1]: unknown operator "fo""#,
                #"campaigns[2].exclusion.>: ">" needs at least 2 arguments, found 1"#,
                #"campaigns[2].triggers[0].filter[1]: unknown operator "x""#,
                #"campaigns[2].exit[0].filter.segment: unknown segment "nope""#,
                #"campaigns[2].score: a score is a rule returning a number, found the constant "high""#,
            ])
        #expect(p.map(\.code) == [.unknownOperator, .invalidRule, .unknownOperator, .invalidRule, .invalidRule])
        #expect(
            lines(setJSON(campaigns: [campaignJSON("c", #""audience": {"fo": 1}"#)])) == [
                #"campaigns[0].audience: unknown operator "fo""#
            ])
    }

    @Test func unknownFieldsAreReportedWithASuggestion() {
        let text = setJSON(
            campaigns: [campaignJSON("c", #""prority": 5, "schedule": {"strat": 0}, "zzz": 1"#)],
            #""polices": {}, "policies": {"quiet_hour": []}"#)
        let p = problems(text)
        #expect(p.allSatisfy { $0.code == .unknownField })
        #expect(
            p.map { "\($0.path): \($0.message)" } == [
                #"polices: unknown field "polices" (did you mean "policies"?)"#,
                #"policies.quiet_hour: unknown field "quiet_hour" (did you mean "quiet_hours"?)"#,
                #"campaigns[0].prority: unknown field "prority" (did you mean "priority"?)"#,
                #"campaigns[0].schedule.strat: unknown field "strat" (did you mean "start"?)"#,
                #"campaigns[0].zzz: unknown field "zzz""#,
            ])
    }

    @Test func wrongTypes() {
        let text =
            #"{"version": "1", "campaigns": [{"id": 7, "purpose": "promo", "priority": "high", "status": true, "placements": "home", "tags": [1], "channels": []}]}"#
        #expect(
            lines(text) == [
                #"version: expected an integer, found "1""#,
                "campaigns[0].id: expected a non-empty string id, found 7",
                #"campaigns[0].purpose: unknown purpose "promo" (expected marketing, service, transactional)"#,
                #"campaigns[0].priority: expected an integer, found "high""#,
                "campaigns[0].status: expected a status (active, paused, draft, ended), found true",
                #"campaigns[0].placements: expected an array of strings, found "home""#,
                "campaigns[0].tags[0]: expected a non-empty string, found 1",
                "campaigns[0].channels: expected an object of channels (in_app, push, rcs, sms, whatsapp, email), found an array",
            ])
        #expect(lines("[]") == [": expected a campaign set object, found an array"])
        #expect(problems("[]").first?.description == "expected a campaign set object, found an array [wrong_type]")
        #expect(problems("{").first?.code == .invalidJSON)
    }

    @Test func missingFieldsAndVersions() {
        #expect(
            lines(#"{"campaigns": [{"placements": ["p"]}]}"#) == [
                #": missing required field "version" (1)"#,
                #"campaigns[0]: missing required field "id" (a non-empty string)"#,
                #"campaigns[0]: missing required field "purpose" (marketing, service or transactional)"#,
                #"campaigns[0]: missing required field "status" (active, paused, draft or ended)"#,
                #"campaigns[0]: missing required field "channels" (an object with at least one channel)"#,
            ])
        #expect(
            lines(#"{"version": 2, "bucketing_version": 9, "campaigns": []}"#) == [
                "version: format version 2 is not supported (expected 1)",
                "bucketing_version: bucketing version 9 is not supported (expected 1)",
            ])
        let unreachable = #"{"version": 1, "campaigns": [{"id": "x", "purpose": "service", "status": "active", "channels": {"push": {"payload": 1}}}]}"#
        #expect(problems(unreachable).map(\.code) == [.unreachable])
        #expect(problems(unreachable).first?.path == "campaigns[0]")
    }

    @Test func scheduleAndTimes() throws {
        let ok = setJSON(campaigns: [
            campaignJSON(
                "c",
                #""schedule": {"start": "2025-03-01T09:00:00+09:00", "end": 1767225600000, "days": ["mon", "fri"], "hours": {"from": "21:00", "to": "08:00"}, "time_zone": "user"}"#
            )
        ])
        let s = try #require(try CompiledCampaignSet(text: ok).campaigns[0].campaign.schedule)
        #expect(s.start == 1_740_787_200_000)
        #expect(s.end == 1_767_225_600_000)
        #expect(s.days.contains(isoWeekday: 1) && s.days.contains(isoWeekday: 5) && !s.days.contains(isoWeekday: 2))
        #expect(s.hours?.contains(minuteOfDay: 22 * 60) == true && s.hours?.contains(minuteOfDay: 12 * 60) == false)
        #expect(s.timeZone == .user)
        let fraction = setJSON(campaigns: [campaignJSON("c", #""schedule": {"start": "1970-01-01T00:00:01.5z"}"#)])
        #expect(try CompiledCampaignSet(text: fraction).campaigns[0].campaign.schedule?.start == 1_500)

        let bad = setJSON(campaigns: [
            campaignJSON(
                "c",
                #""schedule": {"start": "2025-02-30T00:00:00Z", "end": "2025-01-01 00:00:00", "days": ["mon", "funday"], "hours": {"from": "9:00", "to": "24:00"}}"#
            )
        ])
        #expect(
            lines(bad) == [
                #"campaigns[0].schedule.start: invalid timestamp "2025-02-30T00:00:00Z": no such date (expected an RFC 3339 timestamp such as "2025-03-01T09:00:00Z" or "2025-03-01T09:00:00+09:00")"#,
                #"campaigns[0].schedule.end: invalid timestamp "2025-01-01 00:00:00": missing UTC offset ('Z' or ±HH:MM) (expected an RFC 3339 timestamp such as "2025-03-01T09:00:00Z" or "2025-03-01T09:00:00+09:00")"#,
                #"campaigns[0].schedule.days[1]: unknown weekday "funday" (expected mon, tue, wed, thu, fri, sat, sun)"#,
                #"campaigns[0].schedule.hours.from: invalid time of day "9:00" (expected HH:MM, e.g. 21:00)"#,
            ])
        let empty = setJSON(campaigns: [campaignJSON("c", #""schedule": {"start": 2000, "end": 1000, "hours": {"from": "10:00", "to": "10:00"}}"#)])
        #expect(problems(empty).map(\.code) == [.emptyRange, .emptyRange])
        #expect(problems(empty).map(\.path) == ["campaigns[0].schedule.hours", "campaigns[0].schedule.end"])
    }

    @Test func policiesAreRead() throws {
        let text = setJSON(
            campaigns: [campaignJSON("c", #""tags": ["t"]"#)],
            #"""
            "default_time_zone": "Asia/Seoul",
            "policies": {"global_caps": [{"purpose": "marketing", "count": 3, "window": "1d"}, {"count": 9, "window": "lifetime"}],
                         "tag_caps": [{"tag": "t", "count": 1, "window": {"calendar": "month"}}],
                         "channel_caps": [{"channel": "sms", "count": 2, "window": "7d"}],
                         "quiet_hours": [{"purpose": "marketing", "channels": ["push", "sms"], "from": "21:00", "to": "08:00", "time_zone": "user"},
                                         {"from": "00:00", "to": "06:00", "time_zone": "America/New_York"}],
                         "control_group_percent": 1.5,
                         "channel_costs": {"sms": 0.02, "whatsapp": 0.05},
                         "suppression": ["u1", "u2", "u1"]}
            """#)
        let set = try CompiledCampaignSet(text: text)
        let p = set.set.policies
        #expect(
            p.globalCaps == [
                PurposeCap(purpose: .marketing, cap: Cap(count: 3, window: .rolling(try RollingWindow.parse("1d").get()))),
                PurposeCap(purpose: nil, cap: Cap(count: 9, window: .lifetime)),
            ])
        #expect(p.tagCaps == [TagCap(tag: "t", cap: Cap(count: 1, window: .calendar(.month)))])
        #expect(p.channelCaps.map(\.channel) == [.sms])
        #expect(p.quietHours.count == 2)
        #expect(p.quietHours[0].applies(to: .marketing, on: .sms) && !p.quietHours[0].applies(to: .service, on: .sms))
        #expect(p.quietHours[1].applies(to: .service, on: .email))
        #expect(p.quietHours[1].timeZone == .named("America/New_York"))
        #expect(set.zone(for: .named("America/New_York")).identifier == "America/New_York")
        #expect(set.zone(for: .user).identifier == "Asia/Seoul")
        #expect(p.controlGroupPercent == 1.5)
        #expect(p.channelCosts == [.sms: 0.02, .whatsapp: 0.05])
        #expect(p.suppression == ["u1", "u2"])

        let bad = setJSON(
            campaigns: [],
            #""policies": {"global_caps": [{"purpose": "ads", "count": 1, "window": "1d"}], "tag_caps": [{"count": 1, "window": "1d"}], "channel_costs": {"sms": -1, "pigeon": 1}, "quiet_hours": [{"from": "21:00"}], "suppression": [""]}"#
        )
        #expect(
            lines(bad) == [
                #"policies.global_caps[0].purpose: unknown purpose "ads" (expected marketing, service, transactional)"#,
                #"policies.tag_caps[0]: missing required field "tag" (the cap's tag)"#,
                "policies.channel_costs.sms: cost -1 is negative (expected a number ≥ 0)",
                #"policies.channel_costs.pigeon: unknown channel "pigeon" (expected in_app, push, rcs, sms, whatsapp, email)"#,
                #"policies.quiet_hours[0]: missing required field "to" (a time of day "HH:MM")"#,
                #"policies.suppression[0]: expected a user id, found """#,
            ])
    }
}

@Suite struct CampaignSetReportingTests {
    @Test func everyProblemIsListedInDocumentOrder() {
        var campaigns: [String] = []
        for i in 0..<10 { campaigns.append(campaignJSON("c\(i)", #""caps": [{"count": 1, "window": "\#(i)x"}]"#)) }
        let p = problems(setJSON(campaigns: campaigns))
        #expect(p.count == 10)
        #expect(p.map(\.path) == (0..<10).map { "campaigns[\($0)].caps[0].window" })
    }

    @Test func theListIsCappedAndSaysSo() throws {
        var campaigns: [String] = []
        for i in 0..<300 { campaigns.append(campaignJSON("c\(i)", #""prority": 1"#)) }
        do throws(CampaignSetLoadError) {
            _ = try CompiledCampaignSet(text: setJSON(campaigns: campaigns))
            Issue.record("expected problems")
        } catch {
            #expect(error.problems.count == 100)
            #expect(error.truncated)
            #expect(error.description.hasPrefix("invalid campaign set (more than 100 problems):"))
            #expect(error.description.hasSuffix("further problems not listed"))
        }
        let few = CampaignSetOptions(maxProblems: 3)
        let json = try JSONParser.parse(setJSON(campaigns: campaigns))
        let p = CompiledCampaignSet.validate(json, options: few)
        #expect(p.count == 3)
    }

    /// Codes are API: new ones may be added, existing ones never change their names.
    @Test func codesAreStable() {
        let published = [
            "invalid_json", "unsupported_version", "missing_field", "unknown_field", "wrong_type", "unknown_value",
            "unknown_channel", "out_of_range", "duplicate_id", "invalid_weights", "invalid_window", "invalid_time",
            "empty_range", "unknown_zone", "unknown_operator", "invalid_rule", "limit_exceeded", "unreachable",
            "invalid_template",
        ]
        let current = Set(CampaignSetError.Code.allCases.map(\.rawValue))
        for code in published { #expect(current.contains(code), "code \(code) was removed or renamed") }
        #expect(current.count == CampaignSetError.Code.allCases.count)
    }

    @Test func segmentCyclesAndErrorsNameTheirPaths() {
        let text = setJSON(
            campaigns: [campaignJSON("c", #""audience": {"segment": "ok"}"#)],
            #"""
            "segments": {"a": {"segment": "b"}, "b": {"segment": "a"}, "bad": {"and": [{"fo": 1}]}, "ok": {"var": "x"}}
            """#)
        let p = problems(text)
        #expect(
            p.map { "\($0.path): \($0.message)" } == [
                "segments.b.segment: segments reference each other in a cycle: a → b → a",
                #"segments.b.segment: segment "a" has errors"#,
                #"segments.bad.and[0]: unknown operator "fo""#,
            ])
        #expect(p.map(\.code) == [.invalidRule, .invalidRule, .unknownOperator])
    }

    @Test func segmentsAreSharedByCampaignRules() throws {
        let text = setJSON(
            campaigns: [campaignJSON("c", #""audience": {"and": [{"segment": "adult"}, {"var": "vip"}]}"#)],
            #""segments": {"adult": {">=": [{"var": "age"}, 18]}}"#)
        let set = try CompiledCampaignSet(text: text)
        #expect(set.segments.names == ["adult"])
        let audience = try #require(set.campaigns[0].audience)
        #expect(try audience.matches(["age": 30, "vip": true]))
        #expect(try !audience.matches(["age": 12, "vip": true]))
        #expect(set.set.segments.keys == ["adult"])
        #expect(set.campaigns[0].campaign.audience == ["and": [["segment": "adult"], ["var": "vip"]]])
    }
}

@Suite struct CampaignSetIndexTests {
    @Test func campaignsByEventAndPlacementInArbitrationOrder() throws {
        let text = setJSON(campaigns: [
            #"{"id": "low", "purpose": "service", "status": "active", "priority": 1, "triggers": [{"event": "page_view"}, {"event": "page_view", "filter": {"==": [{"var": "page"}, "/x"]}}], "placements": ["home"], "channels": {"in_app": {"payload": 1}}}"#,
            #"{"id": "high", "purpose": "service", "status": "active", "priority": 9, "placements": ["home", "cart"], "channels": {"in_app": {"payload": 1}}}"#,
            #"{"id": "tie", "purpose": "service", "status": "paused", "priority": 1, "triggers": [{"event": "page_view"}], "placements": ["home"], "channels": {"in_app": {"payload": 1}}}"#,
        ])
        let set = try CompiledCampaignSet(text: text)
        #expect(set.campaigns(forPlacement: "home") == [1, 0, 2])
        #expect(set.campaigns(forPlacement: "cart") == [1])
        #expect(set.campaigns(forPlacement: "nowhere") == [])
        #expect(set.campaigns(forEvent: "page_view") == [0, 2])
        #expect(set.index(ofCampaign: "tie") == 2)
        #expect(set.index(ofCampaign: "nope") == nil)
        #expect(set.eventNames == ["page_view"])
        #expect(set.placementNames == ["cart", "home"])
        let triggers = set.campaigns[0].triggers
        #expect(triggers.count == 2)
        #expect(triggers[0].filter == nil)
        #expect(try triggers[1].filter?.matches(["page": "/x"]) == true)
    }

    @Test func tenThousandCampaignsLoad() throws {
        var parts: [String] = []
        parts.reserveCapacity(10_000)
        for i in 0..<10_000 {
            parts.append(
                #"{"id": "c\#(i)", "purpose": "marketing", "priority": \#(i % 100), "status": "active", "triggers": [{"event": "e\#(i % 50)", "filter": {"==": [{"var": "page"}, "/p\#(i)"]}}], "placements": ["slot\#(i % 20)"], "audience": {"and": [{">=": [{"var": "user.age"}, 18]}, {"in": [{"var": "user.plan"}, ["A", "B"]]}, {"segment": "s"}]}, "caps": [{"count": 1, "window": "1d"}, {"count": 3, "window": {"calendar": "month"}}], "schedule": {"start": "2025-01-01T00:00:00Z", "time_zone": "Asia/Seoul"}, "channels": {"push": {"payload": {"title": "t\#(i)"}}, "sms": {"payload": "s"}}, "variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1}], "tags": ["t\#(i % 10)"]}"#
            )
        }
        let text = setJSON(campaigns: parts, #""segments": {"s": {"!": {"var": "user.opted_out"}}}"#)
        let clock = ContinuousClock()
        var set: CompiledCampaignSet?
        let elapsed = try clock.measure { set = try CompiledCampaignSet(text: text) }
        let loaded = try #require(set)
        #expect(loaded.campaigns.count == 10_000)
        #expect(loaded.campaigns(forEvent: "e7").count == 200)
        #expect(loaded.campaigns(forPlacement: "slot3").count == 500)
        #expect(loaded.index(ofCampaign: "c9999") == 9_999)
        // The release bar is 1 s (make bench); a debug build gets generous room.
        #expect(elapsed < .seconds(30))
    }
}
