import Testing

@testable import Engage

/// `Engine.load` from JSON text and from bytes: the calls a host holding a file's
/// contents makes (the README's Swift example).
@Suite struct EngineLoadTextTests {
    private let set = #"""
        {"version": 1, "campaigns": [{"id": "hi", "purpose": "service", "status": "active",
          "placements": ["home"], "channels": {"push": {"payload": {"t": "hello"}}}}]}
        """#

    private func decide(_ engine: Engine) throws -> [String] {
        try engine.decide(DecisionRequest(json: JSONParser.parse(#"{"user_id": "u1", "placements": ["home"]}"#)))
            .messages.map(\.campaignID)
    }

    @Test func textAndBytesLoadTheSameSet() throws {
        let fromText = Engine(clock: { 1_795_150_000_000 })
        #expect(try fromText.load(set).campaigns.map(\.campaign.id) == ["hi"])
        #expect(try decide(fromText) == ["hi"])
        let fromBytes = Engine(clock: { 1_795_150_000_000 })
        #expect(try fromBytes.load(Array(set.utf8)).campaigns.map(\.campaign.id) == ["hi"])
        #expect(try decide(fromBytes) == ["hi"])
    }

    @Test func textThatIsNotJSONIsOneProblemWithItsOffset() throws {
        let engine = Engine()
        try engine.load(set)
        do {
            try engine.load(#"{"version": 1, "campaigns": [}"#)
            Issue.record("a syntax error loaded")
        } catch {
            #expect(error.problems.map(\.code) == [.invalidJSON])
            #expect(error.problems.first?.path == "")
            #expect(error.problems.first?.message.contains("29") == true)
        }
        #expect(engine.campaignSet?.campaigns.map(\.campaign.id) == ["hi"], "the current set stays")
    }

    @Test func aRefusedSetNamesEveryProblemByPath() throws {
        let engine = Engine()
        do {
            try engine.load(#"{"version": 1, "campaigns": [{"id": "x", "prority": 3}]}"#)
            Issue.record("an invalid set loaded")
        } catch {
            let paths = Set(error.problems.map(\.path))
            #expect(paths.contains("campaigns[0].prority"))
            #expect(paths.contains("campaigns[0]"))
        }
        #expect(engine.campaignSet == nil)
    }
}
