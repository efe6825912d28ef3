import Foundation
import Testing

@testable import Engage

// The example documents the JSON Schemas describe, read by the Swift code itself, so the
// schemas (checked by Tests/schema/test_schema.py) and the parsers cannot drift apart:
//
// - every examples/requests/*.json parses with `DecisionRequest(json:)`; `invalid-*`
//   files must be refused;
// - every examples/records/*.json parses with `RecordRequest(json:now:)` and is accepted
//   by `Engine.record(json:)` (the store's limits included); `invalid-*` must be refused;
// - every examples/decisions/NAME.json (written by `engage-cli decide`, or `explain` for
//   NAME.explained.json) is what the engine decides for examples/requests/NAME.json
//   against examples/campaigns/telco-full.json at the CLI's fixed time;
// - the top-level `examples` of schema/exposure.schema.json are the exposure records
//   those decisions queue, request files in name order.

@Suite struct ExampleRequestTests {
    static let root = SharedFixtures.projectRoot
    /// The `--now` the decision examples were written with.
    static let now: Int64 = 1_795_150_000_000

    static func files(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/examples/" + folder)
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    static func json(_ path: String) throws -> JSON {
        guard let data = FileManager.default.contents(atPath: root + "/" + path) else {
            throw SharedFixtures.FixtureError.missing(root + "/" + path)
        }
        return try JSONParser.parse([UInt8](data))
    }

    /// A fresh engine at the CLI's fixed time with the full telco set, as
    /// `engage-cli decide --campaigns examples/campaigns/telco-full.json --now …` makes.
    static func engine() throws -> Engine {
        let engine = Engine(clock: { ExampleRequestTests.now })
        try engine.load(json: try json("examples/campaigns/telco-full.json"))
        return engine
    }

    @Test func everyFolderHasValidAndInvalidExamples() throws {
        for folder in ["requests", "records"] {
            let files = try Self.files(folder)
            #expect(files.contains { $0.hasPrefix("invalid") }, "\(folder)")
            #expect(files.contains { !$0.hasPrefix("invalid") }, "\(folder)")
        }
    }

    @Test func requestExamplesParse() throws {
        for name in try Self.files("requests") {
            let json = try Self.json("examples/requests/" + name)
            do throws(DecisionError) {
                let request = try DecisionRequest(json: json)
                #expect(!name.hasPrefix("invalid"), "\(name) parsed but should be refused")
                #expect(!request.userID.isEmpty, "\(name)")
                #expect(request.eventName != nil || !request.placements.isEmpty, "\(name)")
            } catch {
                #expect(name.hasPrefix("invalid"), "\(name): \(error)")
                #expect(error.code == .invalidRequest, "\(name): \(error)")
            }
        }
    }

    @Test func recordExamplesParseAndRecord() throws {
        let engine = try Self.engine()
        for name in try Self.files("records") {
            let json = try Self.json("examples/records/" + name)
            do throws(DecisionError) {
                _ = try RecordRequest(json: json, now: Self.now)
                #expect(!name.hasPrefix("invalid"), "\(name) parsed but should be refused")
            } catch {
                #expect(name.hasPrefix("invalid"), "\(name): \(error)")
            }
            do throws(DecisionError) {
                try engine.record(json: json)
                #expect(!name.hasPrefix("invalid"), "\(name) recorded but should be refused")
            } catch {
                #expect(name.hasPrefix("invalid"), "\(name): \(error)")
            }
        }
    }

    @Test func recordExamplesCoverEveryType() throws {
        var types = Set<String>()
        for name in try Self.files("records") where !name.hasPrefix("invalid") {
            if case .string(let t)? = try Self.json("examples/records/" + name)["type"] { types.insert(t) }
        }
        #expect(types == ["impression", "click", "dismissal", "conversion", "event", "conversation"])
    }

    @Test func decisionExamplesAreWhatTheEngineDecides() throws {
        let decisions = try Self.files("decisions").filter { !$0.hasPrefix("invalid") }
        #expect(!decisions.isEmpty)
        for name in decisions {
            var base = String(name.dropLast(".json".count))
            let explained = base.hasSuffix(".explained")
            if explained { base = String(base.dropLast(".explained".count)) }
            var request = try DecisionRequest(json: try Self.json("examples/requests/\(base).json"))
            if explained { request.explain = true }
            if request.now == nil { request.now = Self.now }
            let decision = try Self.engine().decide(request)
            let expected = try Self.json("examples/decisions/" + name)
            #expect(
                decision.json == expected,
                "\(name): the engine now decides \(JSONSerializer.string(decision.json, pretty: false))")
        }
    }

    @Test func exposureSchemaExamplesAreWhatTheEngineQueues() throws {
        var drained: [JSON] = []
        for name in try Self.files("requests") where !name.hasPrefix("invalid") {
            var request = try DecisionRequest(json: try Self.json("examples/requests/" + name))
            if request.now == nil { request.now = Self.now }
            let engine = try Self.engine()
            _ = try engine.decide(request)
            drained += engine.drainExposures()
        }
        let schema = try Self.json("schema/exposure.schema.json")
        guard case .array(let examples)? = schema["examples"] else {
            Issue.record("schema/exposure.schema.json has no examples")
            return
        }
        #expect(
            drained == examples,
            "the engine now queues \(JSONSerializer.string(.array(drained), pretty: false))")
    }
}
