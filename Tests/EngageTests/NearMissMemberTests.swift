import Testing
@testable import Engage

// Issue 14, point 5: a misspelt reserved member was read as data — `"consnet"` quietly
// meant "no marketing consent". One edit away from a reserved member is an error.

private func error(_ text: String) -> DecisionError? {
    do {
        _ = try DecisionRequest(json: JSONParser.parse(text))
        return nil
    } catch {
        return error as? DecisionError
    }
}

@Suite struct NearMissMemberTests {
    @Test func nearMissesAreRefusedWithTheMemberMeant() throws {
        let cases: [(String, String)] = [
            ("consnet", "consent"), ("Consent", "consent"), ("consen", "consent"), ("timezone", "time_zone"),
            ("time_zon", "time_zone"), ("placemnets", "placements"), ("placment", "placement"), ("userId", "user_id"),
            ("user-id", "user_id"), ("channel", "channels"), ("chanels", "channels"), ("K", "k"), ("nwo", "now"),
            ("explian", "explain"), ("comit", "commit"), ("evnet", "event"), ("events", "event"), ("apps", "app"),
        ]
        for (key, meant) in cases {
            let e = try #require(error(#"{"user_id": "u", "placement": "home", "\#(key)": {"marketing": true}}"#), "\(key)")
            #expect(e.code == .invalidRequest && e.path == key, "\(key): \(e)")
            #expect(e.message.contains("did you mean \"\(meant)\""), "\(key): \(e.message)")
        }
    }

    @Test func dataMembersFarFromReservedOnesAreData() throws {
        for key in ["user", "offer", "scores", "plan", "cart", "x", "id", "tz", "ap", "page", "segment", "context",
                    "account", "cohort", "device", "locale", "referrer", "session"] {
            #expect(error(#"{"user_id": "u", "placement": "home", "\#(key)": 1}"#) == nil, "\(key)")
        }
        #expect(DecisionRequest.nearMiss("user_id") == nil)
        #expect(DecisionRequest.nearMiss(String(repeating: "c", count: 100)) == nil)
    }

    @Test func contextsAndQuestionsAreCheckedToo() throws {
        #expect(throws: DecisionError.self) { try DecisionContext(json: JSONParser.parse(#"{"user_id": "u", "consnet": {}}"#)) }
        let ctx = try DecisionContext(json: JSONParser.parse(#"{"user_id": "u", "consent": {"service": true}}"#))
        #expect(throws: DecisionError.self) { try ctx.request(JSONParser.parse(#"{"placemnets": ["home"]}"#)) }
        _ = try ctx.request(JSONParser.parse(#"{"placements": ["home"]}"#))
    }
}
