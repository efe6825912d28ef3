import Foundation
import Testing

@testable import Engage

/// The warnings of `text`, which must load: `path: message [code]`.
private func warnings(_ text: String) throws -> [String] {
    try CompiledCampaignSet(text: text).warnings.map(\.description)
}

/// A campaign triggered by `event` (with an optional filter) and more members.
private func triggered(_ id: String, _ event: String, filter: String? = nil, _ extra: String = "") -> String {
    let trigger = filter.map { #"{"event": "\#(event)", "filter": \#($0)}"# } ?? #"{"event": "\#(event)"}"#
    return campaignJSON(id, #""triggers": [\#(trigger)]"# + (extra.isEmpty ? "" : ", " + extra))
}

/// References between the parts of a set are checked at load (issue 14, point 4).
@Suite struct CampaignSetReferenceTests {
    // MARK: Campaign ids

    @Test func journeyStepNamingAMissingCampaignIsAnError() {
        let text = setJSON(campaigns: [
            campaignJSON("onb-1"), campaignJSON("onb-2"),
            campaignJSON("onb-3", #""audience": {"impressions": ["onb-9"]}"#),
            campaignJSON("onb-4", #""audience": {"and": [true, {"<=": [{"last_impression": ["zzzzzzzz"]}, 5]}]}"#),
        ])
        #expect(
            lines(text) == [
                #"campaigns[2].audience.impressions[0]: unknown campaign "onb-9" (did you mean "onb-1"?)"#,
                #"campaigns[3].audience.and[1].<=[0].last_impression[0]: unknown campaign "zzzzzzzz""#,
            ])
        #expect(problems(text).map(\.code) == [.unknownReference, .unknownReference])
    }

    @Test func campaignIdsResolveAnywhereInTheSet() throws {
        // Forward and backward, from segments and from iterator bodies.
        let text = setJSON(
            campaigns: [
                campaignJSON("a", #""audience": {"some": [[1], {">=": [{"impressions": ["b", "7d"]}, {"var": ""}]}]}"#),
                campaignJSON("b", #""audience": {"segment": "saw_a"}"#),
            ], #""segments": {"saw_a": {">=": [{"impressions": ["a"]}, 1]}}"#)
        #expect(try warnings(text).isEmpty)
        let dangling = setJSON(
            campaigns: [campaignJSON("a", #""audience": {"segment": "saw_x"}"#)],
            #""segments": {"saw_x": {">=": [{"impressions": ["b"]}, 1]}}"#)
        #expect(lines(dangling) == [#"segments.saw_x.>=[0].impressions[0]: unknown campaign "b" (did you mean "a"?)"#])
    }

    @Test func computedCampaignIdsAreNotChecked() throws {
        // Only a constant can be checked; a folded constant is one.
        let computed = setJSON(campaigns: [campaignJSON("a", #""audience": {"impressions": [{"var": "step"}]}"#)])
        #expect(problems(computed).isEmpty)
        let folded = setJSON(campaigns: [campaignJSON("a", #""audience": {"impressions": [{"cat": ["onb-", "9"]}]}"#)])
        #expect(lines(folded) == [#"campaigns[0].audience.impressions[0].cat: unknown campaign "onb-9""#])
    }

    @Test func aCampaignWithOtherProblemsStillClaimsItsId() {
        // `b` is refused for its priority; the reference to it is not a second problem.
        let text = setJSON(campaigns: [
            campaignJSON("a", #""audience": {"impressions": ["b"]}"#),
            campaignJSON("b", #""priority": "high""#),
        ])
        #expect(problems(text).map(\.code) == [.wrongType])
    }

    @Test func campaignsRefusedWholeLeaveTheirIdsUnchecked() throws {
        // Over the campaign limit nothing is known of the ids: one problem, not one per id.
        let text = setJSON(
            campaigns: [campaignJSON("a"), campaignJSON("b")],
            #""segments": {"saw_a": {">=": [{"impressions": ["a"]}, 1]}}"#)
        let found = CompiledCampaignSet.validate(try JSONParser.parse(text), options: CampaignSetOptions(maxCampaigns: 1))
        #expect(found.map(\.code) == [.limitExceeded])
    }

    // MARK: Tags

    @Test func tagCapNamingATagNoCampaignCarriesIsAnError() {
        let policies = { (tag: String) in
            #""policies": {"tag_caps": [{"tag": "\#(tag)", "count": 1, "window": "1d"}]}"#
        }
        let campaigns = [campaignJSON("a", #""tags": ["retention", "upsell"]"#)]
        #expect(problems(setJSON(campaigns: campaigns, policies("upsell"))).isEmpty)
        #expect(
            lines(setJSON(campaigns: campaigns, policies("retension")))
                == [#"policies.tag_caps[0].tag: no campaign has the tag "retension" (did you mean "retention"?)"#])
        #expect(
            lines(setJSON(campaigns: campaigns, policies("loyalty")))
                == [#"policies.tag_caps[0].tag: no campaign has the tag "loyalty""#])
    }

    // MARK: Exclusion groups

    @Test func aLoneExclusionGroupNearAnotherIsAWarning() throws {
        let group = { (id: String, g: String) in campaignJSON(id, #""exclusion_group": "\#(g)""#) }
        #expect(
            try warnings(setJSON(campaigns: [group("a", "home_popup"), group("b", "home_popup"), group("c", "home_popop")]))
                == [#"campaigns[2].exclusion_group: exclusion group "home_popop" has no other campaign (did you mean "home_popup"?) [unknown_reference]"#])
        // Alone and near nothing: a group of one, not a typo.
        #expect(try warnings(setJSON(campaigns: [group("a", "home_popup"), group("b", "home_popup"), group("c", "checkout")])).isEmpty)
    }

    // MARK: Events

    /// A set using `page_veiw` (a typo) in a trigger, `plan_changed` in an exit, and
    /// `page_view` and its properties in a behaviour operator; `events` as given.
    private func eventSet(_ events: String?, trigger: String = "page_veiw") -> String {
        setJSON(
            campaigns: [
                triggered(
                    "a", trigger, filter: #"{"==": [{"var": "pgae"}, "/plans"]}"#,
                    #""exit": [{"event": "plan_changed", "filter": {"==": [{"var": "via"}, "nudge"]}}]"#),
                triggered(
                    "b", "page_view", filter: #"{"in": [{"var": "page"}, ["/a", "/b"]]}"#,
                    #""audience": {">=": [{"event_sum": ["page_view", "dwell_s", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 60]}"#),
            ], events.map { #""events": \#($0)"# } ?? "")
    }

    @Test func withAVocabularyUnknownEventsAndPropertiesAreErrors() {
        let vocabulary = #"{"page_view": ["page", "dwell_s"], "plan_changed": ["from", "to"]}"#
        #expect(
            lines(eventSet(vocabulary)) == [
                #"campaigns[0].triggers[0].event: unknown event "page_veiw" (did you mean "page_view"?)"#,
                // The filter of an unknown event is not checked again.
                #"campaigns[0].exit[0].filter.==[0].var: event "plan_changed" has no property "via""#,
            ])
        #expect(problems(eventSet(vocabulary)).map(\.code) == [.unknownEvent, .unknownProperty])
        // The trigger fixed: its filter's typo is now found, with the property meant.
        #expect(
            lines(eventSet(vocabulary, trigger: "page_view")) == [
                #"campaigns[0].triggers[0].filter.==[0].var: event "page_view" has no property "pgae" (did you mean "page"?)"#,
                #"campaigns[0].exit[0].filter.==[0].var: event "plan_changed" has no property "via""#,
            ])
        let complete = #"{"page_view": ["page", "dwell_s"], "plan_changed": ["via"]}"#
        #expect(lines(eventSet(complete, trigger: "page_view")).count == 1) // "pgae"
    }

    @Test func behaviourOperatorsAreChecked() {
        let set = { (audience: String) in
            setJSON(
                campaigns: [campaignJSON("a", #""audience": \#(audience)"#)],
                #""events": {"page_view": ["page", "dwell_s"], "app_open": []}"#)
        }
        #expect(problems(set(#"{"and": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, 1]}]}, {"last_seen": ["app_open"]}]}"#)).isEmpty)
        #expect(
            lines(set(#"{"event_count": ["app_opne", "7d"]}"#))
                == [#"campaigns[0].audience.event_count[0]: unknown event "app_opne" (did you mean "app_open"?)"#])
        #expect(
            lines(set(#"{"event_sum": ["page_view", "dwell", "7d"]}"#))
                == [#"campaigns[0].audience.event_sum[1]: event "page_view" has no property "dwell" (did you mean "dwell_s"?)"#])
        #expect(
            lines(set(#"{"last_seen": ["app_open", "7d", {"var": "x"}]}"#))
                == [#"campaigns[0].audience.last_seen[2].var: event "app_open" has no property "x""#])
    }

    @Test func onlyReadsOfTheEventsPropertiesArePropertyReads() {
        // An iterator's body reads elements, `val` two scopes up reads the request, a
        // computed event name leaves its filter unchecked: none is a property read.
        let set = setJSON(
            campaigns: [
                triggered("a", "cart", filter: #"{"some": [{"var": "items"}, {"==": [{"var": "sku"}, {"val": [[2], "user", "sku"]}]}]}"#),
                campaignJSON("b", #""audience": {"event_count": [{"var": "name"}, "7d", {"var": "anything"}]}"#),
            ], #""events": {"cart": ["items"]}"#)
        #expect(problems(set).isEmpty)
    }

    @Test func withoutAVocabularyNearMissesAreWarnings() throws {
        // Loads; the typos used once, near names used elsewhere, are listed, then the
        // names nothing could check.
        let set = try CompiledCampaignSet(text: eventSet(nil))
        #expect(set.set.events == nil)
        #expect(
            set.warnings.map(\.description) == [
                #"campaigns[0].triggers[0].event: event "page_veiw" is used only here (did you mean "page_view"?) [unknown_event]"#,
                #"events: no "events" vocabulary, so the 3 event names used ("page_veiw", "plan_changed", "page_view") and their properties are not checked; declare them to make a misspelt name a load error [unknown_event]"#,
            ])
        // A property typo is found among the reads of the same event.
        #expect(
            try warnings(eventSet(nil, trigger: "page_view")).first
                == #"campaigns[0].triggers[0].filter.==[0].var: property "pgae" of event "page_view" is read only here (did you mean "page"?) [unknown_property]"#
        )
        // The engine hands back the set it loaded, warnings included.
        #expect(try Engine().load(bytes: Array(eventSet(nil).utf8)).warnings.count == 2)
        // Names near nothing else are not guesses: only the unchecked names are listed,
        // at most 8 of them by name.
        let many = (1...10).map { triggered("c\($0)", "event_\($0)_" + String(repeating: "x", count: $0 * 3)) }
        #expect(
            try warnings(setJSON(campaigns: many)) == [
                #"events: no "events" vocabulary, so the 10 event names used ("event_1_xxx", "event_2_xxxxxx", "event_3_xxxxxxxxx", "event_4_xxxxxxxxxxxx", "event_5_xxxxxxxxxxxxxxx", "event_6_xxxxxxxxxxxxxxxxxx", "event_7_xxxxxxxxxxxxxxxxxxxxx", "event_8_xxxxxxxxxxxxxxxxxxxxxxxx" and 2 more) and their properties are not checked; declare them to make a misspelt name a load error [unknown_event]"#
            ])
        // A set that uses no events has nothing to warn about.
        #expect(try warnings(setJSON(campaigns: [campaignJSON("p", #""placements": ["home"]"#)])).isEmpty)
    }

    @Test func theVocabularyIsReadAndChecked() throws {
        let set = try CompiledCampaignSet(text: setJSON(campaigns: [triggered("a", "x")], #""events": {"x": ["p", "q"], "y": []}"#))
        #expect(set.set.events == ["x": ["p", "q"], "y": []])
        // A malformed entry is one problem: the event it declares is still known.
        #expect(
            lines(
                setJSON(
                    campaigns: [triggered("a", "x", filter: #"{"var": "p"}"#)],
                    #""events": {"x": "p", "": [], "z": [1]}"#)) == [
                    #"events.x: expected an array of strings, found "p""#,
                    "events.: an event name is 1 to 256 bytes, found 0",
                    "events.z[0]: expected a non-empty string, found 1",
                ])
        #expect(
            lines(setJSON(campaigns: [triggered("a", "x")], #""events": ["x"]"#))
                == [#"events: expected an object of event names, each with an array of property names, found an array"#])
    }

    // MARK: Bounds

    @Test func warningsAreCappedAndSaySo() throws {
        // 20 near-miss groups, a cap of 5.
        var campaigns = [campaignJSON("base", #""exclusion_group": "group-aa""#), campaignJSON("base2", #""exclusion_group": "group-aa""#)]
        for i in 0..<20 { campaigns.append(campaignJSON("c\(i)", #""exclusion_group": "group-a\#(i)""#)) }
        let set = try CompiledCampaignSet(text: setJSON(campaigns: campaigns), options: CampaignSetOptions(maxProblems: 5))
        #expect(set.warnings.count == 5)
        #expect(set.warningsTruncated)
    }

    @Test func suggestionsDrawOnABoundedBudget() {
        let known = (0..<1000).map { "campaign-\($0)" }
        var work = 500
        #expect(CampaignSetReader.closest(to: "campaign-999x", in: known, work: &work) == nil)
        #expect(work <= 0)
        var plenty = Int.max
        #expect(CampaignSetReader.closest(to: "campaign-999x", in: known, work: &plenty) == "campaign-999")
        #expect(CampaignSetReader.closest(to: "campaign-1", in: known, work: &plenty) == "campaign-0")
    }

    @Test func manyDanglingReferencesToManyCampaignsLoadQuickly() {
        // 10,000 ids of one length and 10,000 references to none of them: the errors
        // stop at the cap, the suggestions at their budget.
        var campaigns: [String] = []
        for i in 0..<10_000 {
            campaigns.append(
                campaignJSON(
                    "step-\(String(format: "%05d", i))",
                    #""audience": {"impressions": ["stpe-\#(String(format: "%05d", i))"]}"#))
        }
        let text = setJSON(campaigns: campaigns)
        let start = ContinuousClock.now
        let found = problems(text)
        let elapsed = ContinuousClock.now - start
        #expect(found.count == 100)
        #expect(found.allSatisfy { $0.code == .unknownReference })
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }

    // MARK: The examples

    @Test(arguments: ["examples/campaigns/telco-full.json", "examples/telco/campaigns.json"])
    func examplesDeclareTheirEventsAndLoadWithoutWarnings(_ path: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent(path)))
        let set = try CompiledCampaignSet(bytes: bytes)
        #expect(set.set.events?.isEmpty == false)
        #expect(set.warnings.map(\.description) == [])
    }
}
