import Testing

@testable import Engage

@Suite struct RecordRequestTests {
    private func path(_ text: String) throws -> String? {
        do {
            _ = try RecordRequest(json: JSONParser.parse(text), now: 0)
            return nil
        } catch let e as DecisionError {
            return e.path
        }
    }

    @Test func everyProblemNamesItsField() throws {
        #expect(try path(#"{"user_id": "u", "type": "conversation", "channel": "whatsap"}"#) == "channel")
        #expect(try path(#"{"user_id": "u", "type": "impression", "campaign": "c", "channel": "push", "purpose": "promo"}"#) == "purpose")
        #expect(try path(#"{"user_id": "u", "type": "impression", "campaign": "c", "channel": "push", "tags": ["a", 1]}"#) == "tags[1]")
        #expect(try path(#"{"user_id": "u", "type": "click", "campaign": "c", "chanel": "push"}"#) == "chanel")
        #expect(try path(#"{"user_id": "u\u0000", "type": "click", "campaign": "c"}"#) == "user_id")
        #expect(try path(#"{"user_id": "u", "type": "event", "name": "e", "properties": [1]}"#) == "properties")
        #expect(try path(#"{"user_id": "u", "type": "event", "name": "e", "time": 1e18}"#) == "time")
        #expect(try path(#"{"user_id": "u", "type": "nap"}"#) == "type")
        #expect(try path(#"{"user_id": "u", "type": "event", "name": "page_view", "time": 5, "properties": {"page": "/"}}"#) == nil)
    }

    @Test func requestsRefuseEmptyAndOversizedNames() throws {
        for (text, field) in [
            (#"{"user_id": "u", "placement": ""}"#, "placement"),
            (#"{"user_id": "u", "placements": [""]}"#, "placements[0]"),
            (#"{"user_id": "u", "placement": "p", "time_zone": ""}"#, "time_zone"),
            (#"{"user_id": "u", "event": {"name": "e", "properties": 3}}"#, "event.properties"),
        ] {
            do {
                _ = try DecisionRequest(json: JSONParser.parse(text))
                Issue.record("accepted \(text)")
            } catch let e as DecisionError {
                #expect(e.path == field, "\(text)")
            }
        }
    }
}
