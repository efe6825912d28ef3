import Testing

@testable import Engage

private let now: Int64 = 1_795_176_000_000

private func engine(_ set: String) throws -> Engine {
    let e = Engine(clock: { now })
    try e.load(json: JSONParser.parse(set))
    return e
}

private func decide(_ e: Engine, _ request: String) throws -> Decision {
    try e.decide(DecisionRequest(json: JSONParser.parse(request)))
}

@Suite struct EnginePersonalisationTests {
    static let set = #"""
        {"version": 1, "campaigns": [
          {"id": "hello", "purpose": "service", "status": "active", "priority": 2, "placements": ["p"],
           "channels": {"in_app": {"format": "html", "payload": {"title": "Hi {{user.name}}", "n": 3}},
                        "email": {"format": "url", "payload": {"link": "https://x.example/o?plan={{offer.plan | default: \"none\"}}"}}},
           "variants": [{"id": "A", "weight": 1}, {"id": "B", "weight": 1, "overrides": {"in_app": {"title": "Hello, {{user.name}}!"}}}]},
          {"id": "fallback", "purpose": "service", "status": "active", "priority": 1, "placements": ["p"],
           "channels": {"in_app": {"payload": {"title": "Welcome"}}}}]}
        """#

    @Test func placeholdersAreFilledAndEscapedForTheFormat() throws {
        let e = try engine(Self.set)
        let d = try decide(e, #"{"user_id": "u1", "placements": ["p"], "app": {"foreground": true}, "commit": false, "user": {"name": "<script>x</script>"}}"#)
        let m = try #require(d.messages.first)
        #expect(m.campaignID == "hello")
        let title = m.payload["title"]?.stringValue ?? ""
        #expect(!title.contains("<script>"))
        #expect(title.contains("&lt;script&gt;"))
        #expect(m.payload["n"] == 3)
        #expect(title.hasPrefix(m.variant == "B" ? "Hello, " : "Hi "))
        // URL format: percent-encoded, with the default when the value is missing.
        let mail = try decide(e, #"{"user_id": "u1", "placements": ["p"], "commit": false, "offer": {"plan": "5G M&L"}, "user": {"name": "x"}}"#)
        #expect(mail.messages.first?.channel == .email)
        #expect(mail.messages.first?.payload["link"] == "https://x.example/o?plan=5G%20M%26L")
        let noPlan = try decide(e, #"{"user_id": "u1", "placements": ["p"], "commit": false, "user": {"name": "x"}}"#)
        #expect(noPlan.messages.first?.payload["link"] == "https://x.example/o?plan=none")
    }

    @Test func aMissingValueDropsTheCampaignAndTheNextOneIsTried() throws {
        let e = try engine(Self.set)
        let d = try decide(e, #"{"user_id": "u1", "placements": ["p"], "app": {"foreground": true}, "explain": true}"#)
        #expect(d.messages.map(\.campaignID) == ["fallback"])
        let t = d.traces?.first { $0.campaignID == "hello" }
        #expect(t?.reason == .personalisation)
        #expect(t?.detail.contains("missing user.name") == true)
        // Nothing was committed for the dropped campaign.
        #expect(try e.store.load(userID: "u1").impressionCount(.campaign("hello"), in: Int64.min..<Int64.max) == 0)
    }

    @Test func malformedPlaceholdersAreLoadErrorsWithThePayloadPath() throws {
        let bad = #"""
            {"version": 1, "campaigns": [{"id": "c", "purpose": "service", "status": "active", "placements": ["p"],
              "channels": {"push": {"payload": {"title": "Hi {{user.name"}}}}]}
            """#
        do {
            _ = try engine(bad)
            Issue.record("a payload with an unterminated placeholder loaded")
        } catch let e as CampaignSetLoadError {
            #expect(e.problems.first?.code == .invalidTemplate)
            #expect(e.problems.first?.path.hasPrefix("campaigns[0].channels.push.payload.title") == true)
        }
    }
}
