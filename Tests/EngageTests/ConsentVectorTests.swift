import Foundation
import Testing

@testable import Engage

// Tests/vectors/consent.json (scripts/gen-consent-vectors.py): the consent rule of
// docs/decisions.md as whole decisions — every binding replays the same file. Issue 14,
// point 2: `{"service": {"push": false, "email": false}}` blocked SMS too.

@Suite struct ConsentVectorTests {
    @Test func everyCaseDecidesAsTheVectorSays() throws {
        let text = try String(contentsOfFile: SharedFixtures.projectRoot + "/Tests/vectors/consent.json", encoding: .utf8)
        let doc = try JSONParser.parse(text)
        let engine = Engine(clock: { 1_795_176_000_000 })
        try engine.load(json: try #require(doc["campaign_set"]))
        let cases = try #require(doc["cases"]?.arrayValue)
        #expect(cases.count >= 200)
        var failures: [String] = []
        for c in cases {
            let decision = try engine.decide(json: try #require(c["request"]))
            let shown = !decision.messages.isEmpty
            if shown != (c["shown"]?.boolValue ?? !shown) { failures.append(c["name"]?.stringValue ?? "?") }
        }
        #expect(failures.isEmpty, "\(failures.count) cases differ: \(failures.prefix(10))")
    }

    @Test func serviceRefusedOnSomeChannelsStaysAllowedOnTheOthers() throws {
        let r = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placement": "p", "consent": {"service": {"push": false, "email": false}}}"#))
        #expect(r.consents(.service, .sms))
        #expect(!r.consents(.service, .push))
        #expect(r.consents(.service, nil))
        let m = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placement": "p", "consent": {"marketing": {"push": false}}}"#))
        #expect(!m.consents(.marketing, nil))
        #expect(!m.consents(.marketing, .sms))
    }
}
