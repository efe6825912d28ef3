import Foundation
import Testing

@testable import Engage
@testable import EngageScenario

/// The scenario's own campaign set and response model, over a small generated week.
private func scenario(users: Int = 150, seed: UInt64 = 3) throws -> Simulation {
    let root = SharedFixtures.projectRoot + "/examples/telco/"
    let campaigns = try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "campaigns.json")))
    let responses = try ResponseModel(json: JSONParser.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: root + "responses.json")))))
    var text: [UInt8] = []
    ScenarioGenerator(seed: seed, users: users, start: 1_793_545_200_000, days: 7).write { line in
        text += Array(line.utf8)
        text.append(0x0A)
    }
    return try Simulation(campaigns: campaigns, lines: EventLog.parse(text), responses: responses, seed: seed)
}

private func objects(_ log: [String]) throws -> [JSONObject] {
    try log.map { try #require(JSONParser.parse($0).objectValue) }
}

@Suite struct SimulationTests {
    @Test func theReportIsTheSameForAnyThreadCount() throws {
        let s = try scenario()
        let one = try s.run(threads: 1, log: true)
        let four = try s.run(threads: 4, log: true)
        #expect(JSONSerializer.string(one.report) == JSONSerializer.string(four.report))
        #expect(one.log == four.log)
        #expect(one.decisions > 0)
    }

    @Test func theReportReconcilesWithTheLog() throws {
        let result = try scenario().run(threads: 2, log: true)
        let log = try objects(result.log)
        let messages = log.filter { $0["type"]?.stringValue == "message" }
        let report = try #require(result.report.objectValue)
        let totals = try #require(report["totals"]?.objectValue)
        #expect(totals["impressions"]?.intValue == messages.count)
        #expect(!messages.isEmpty)
        // Exposure records: every message and every assignment was queued once.
        let assignments = log.filter { $0["type"]?.stringValue == "assignment" }
        #expect(result.exposures == messages.count + assignments.count)
        for c in report["campaigns"]?.arrayValue ?? [] {
            let id = try #require(c.objectValue?["id"]?.stringValue)
            let shown = messages.filter { $0["campaign"]?.stringValue == id }
            #expect(c.objectValue?["impressions"]?.intValue == shown.count, "\(id)")
            #expect(c.objectValue?["reach"]?.intValue == Set(shown.compactMap { $0["user_id"]?.stringValue }).count, "\(id)")
        }
    }

    @Test func heldOutUsersAreNeverShownTheCampaign() throws {
        let log = try objects(try scenario(users: 300).run(threads: 2, log: true).log)
        let held = Set(
            log.filter { $0["type"]?.stringValue == "assignment" }.map {
                "\($0["user_id"]?.stringValue ?? "") \($0["campaign"]?.stringValue ?? "")"
            })
        let shown = Set(
            log.filter { $0["type"]?.stringValue == "message" }.map {
                "\($0["user_id"]?.stringValue ?? "") \($0["campaign"]?.stringValue ?? "")"
            })
        #expect(!held.isEmpty)
        #expect(held.isDisjoint(with: shown))
    }

    @Test func aLogOutOfTimeOrderIsRefused() throws {
        let text = """
            {"type":"user","time":2000,"user_id":"u1","user":{}}
            {"type":"event","time":1000,"user_id":"u1","name":"app_open"}
            """
        #expect {
            _ = try Simulation(
                campaigns: Array(#"{"version": 1, "campaigns": []}"#.utf8),
                lines: EventLog.parse(Array(text.utf8)), responses: .none, seed: 1)
        } throws: { "\($0)".contains("line 2 (1000) is earlier than the line before it (2000)") }
    }

    /// The replays use the config's limits and default zone; a zone that does not load
    /// is refused before anything is replayed.
    @Test func theReplayUsesTheEngineConfig() throws {
        let set = Array(
            #"""
            {"version": 1, "campaigns": [{"id": "walker", "purpose": "service", "status": "active", "placements": ["home"],
              "audience": {"some": [{"var": "user.items"}, {">": [{"var": ""}, 150]}]},
              "channels": {"in_app": {"payload": {"t": "x"}}}}]}
            """#.utf8)
        let items = (1...200).map(String.init).joined(separator: ",")
        let text = """
            {"type":"user","time":1000,"user_id":"u1","user":{"items":[\(items)]}}
            {"type":"decide","time":2000,"user_id":"u1","placements":["home"],"app":{"foreground":true}}
            """
        let lines = try EventLog.parse(Array(text.utf8))
        func explain(_ config: String) throws -> ReasonCode? {
            let simulation = try Simulation(
                campaigns: set, lines: lines, responses: .none, seed: 1,
                config: EngineConfig(text: config))
            return try simulation.explain(userID: "u1", at: 2000, question: JSONParser.parse(#"{"placements": ["home"], "app": {"foreground": true}}"#))
                .decision.traces?.first?.reason
        }
        #expect(try explain(#"{"limits": {"max_steps": 50}}"#) == .ruleError)
        #expect(try explain("{}") == .selected)
        let seoul = try Simulation(
            campaigns: set, lines: lines, responses: .none, seed: 1,
            config: EngineConfig(text: #"{"defaults": {"time_zone": "Asia/Seoul"}}"#))
        #expect(seoul.set.set.defaultTimeZone == "Asia/Seoul")
        #expect {
            _ = try Simulation(
                campaigns: set, lines: lines, responses: .none, seed: 1,
                config: EngineConfig(text: #"{"defaults": {"time_zone": "Nowhere/City"}}"#))
        } throws: { "\($0)".hasPrefix("defaults.time_zone: ") }
    }

    @Test func badLinesAndModelsNameWhere() throws {
        #expect { _ = try EventLog.parse(Array("{\"type\":\"scenario\"}\n{\"type\":\"decide\",\"user_id\":\"u\",\"time\":1}".utf8)) } throws: {
            "\($0)" == "line 2: placements: a decide line names at least one"
        }
        #expect { _ = try EventLog.parse(Array("[1]".utf8)) } throws: { "\($0)" == "line 1: expected an object, found array" }
        #expect { _ = try ResponseModel(json: JSONParser.parse(#"{"campaigns": {"x": {"click": 2}}}"#)) } throws: {
            "\($0)" == "campaigns.x.click: expected a number in 0…1"
        }
        #expect { _ = try ResponseModel(json: JSONParser.parse(#"{"default": {"delay": "3 days"}}"#)) } throws: {
            "\($0)".hasPrefix("default.delay: expected a duration")
        }
    }

    @Test func explainReplaysTheUserUpToTheMoment() throws {
        let s = try scenario()
        let result = try s.run(threads: 2, log: true)
        let first = try #require(
            try objects(result.log).first {
                $0["type"]?.stringValue == "message" && $0["placement"]?.stringValue == "outbound"
            })
        let user = try #require(first["user_id"]?.stringValue)
        let at = try #require(first["time"]?.intValue)
        let campaign = try #require(first["campaign"]?.stringValue)
        let explained = try s.explain(userID: user, at: Int64(at), question: JSONParser.parse(#"{"placements": ["outbound"]}"#))
        #expect(explained.decision.messages.first?.campaignID == campaign)
        #expect(explained.decision.traces?.count == 9)
        #expect(throws: ScenarioError.self) {
            _ = try s.explain(userID: "nobody", at: Int64(at), question: .object(JSONObject()))
        }
    }
}
