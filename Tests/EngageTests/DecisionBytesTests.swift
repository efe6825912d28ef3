import Foundation
import Testing

@testable import Engage

// Decision.jsonBytes writes the decision's text without building a tree; it must be the
// tree's text, byte for byte, for every shape a decision takes.

@Suite struct DecisionBytesTests {
    private func same(_ d: Decision, _ what: String) {
        let direct = d.jsonBytes, tree = JSONSerializer.bytes(d.json)
        #expect(direct == tree, "\(what): \(String(decoding: direct, as: UTF8.self))")
    }

    @Test func theExampleRequestsAreWrittenAsTheirTrees() throws {
        for name in try ExampleRequestTests.files("requests") where !name.hasPrefix("invalid") {
            for explain in [false, true] {
                var request = try DecisionRequest(json: ExampleRequestTests.json("examples/requests/" + name))
                request.explain = explain
                request.commit = false
                same(try ExampleRequestTests.engine().decide(request), "\(name) explain \(explain)")
            }
        }
    }

    @Test func everyShapeOfADecision() throws {
        // Messages with variants, placements and skipped channels; an event's message
        // with no placement; holdout and control assignments; escapes in every string.
        let e = Engine(clock: { 1_795_176_000_000 })
        try e.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [
                  {"id": "v\"1\n", "purpose": "service", "status": "active", "priority": 3, "placements": ["top", "p\u00e9"],
                   "variants": [{"id": "a\\b", "weight": 1}, {"id": "é😀", "weight": 1}],
                   "channels": {"push": {"payload": {"t": "x\u0001", "n": [1.5, -0.0, 1e300, null, true]}}, "sms": {"payload": "s"}, "in_app": {"payload": 7}}},
                  {"id": "ev", "purpose": "service", "status": "active", "priority": 2, "triggers": [{"event": "e"}],
                   "channels": {"email": {"payload": {}}}},
                  {"id": "held", "purpose": "service", "status": "active", "priority": 1, "placements": ["top"], "holdout_percent": 100,
                   "variants": [{"id": "only", "weight": 1}], "channels": {"push": {"payload": 1}}}]}
                """#))
        for user in ["u1", "u\"2", "ü\t3", "u4", "u5"] {
            for explain in [false, true] {
                let d = try e.decide(
                    json: JSONParser.parse(
                        #"""
                        {"user_id": "\#(user.replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\t", with: "\\t"))",
                         "placements": ["top", "pé"], "k": 2, "event": {"name": "e"}, "channels": ["push", "sms", "email"],
                         "explain": \#(explain), "commit": false}
                        """#))
                #expect(!d.messages.isEmpty)
                same(d, "\(user) explain \(explain)")
            }
        }
        let control = Engine(clock: { 1_795_176_000_000 })
        try control.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "policies": {"control_group_percent": 100}, "campaigns": [
                  {"id": "c", "purpose": "service", "status": "active", "placements": ["top"], "channels": {"push": {"payload": 1}}}]}
                """#))
        let d = try control.decide(json: JSONParser.parse(#"{"user_id": "u", "placements": ["top"], "explain": true}"#))
        #expect(d.assignments.count == 1)
        same(d, "control")
    }
}
