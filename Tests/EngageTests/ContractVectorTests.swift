import Foundation
import Testing

@testable import Engage

// Tests/vectors/decisions/*.json (scripts/gen-decision-vectors.py, Tests/vectors/README.md)
// replayed through the engine: each vector's campaign set loaded, its records recorded,
// each step's request decided and the exposures drained; messages (campaign, channel,
// placement, variant, payload), every exposure record and every campaign's reason must
// equal the vector's `expected`. C, Go, Python and Lua replay the same files through
// libengage. A failure names the file and the first difference.

@Suite struct ContractVectorTests {
    static let folder = SharedFixtures.projectRoot + "/Tests/vectors/decisions"

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
    }

    static func read(_ path: String) throws -> JSON {
        try JSONParser.parse(try String(contentsOfFile: path, encoding: .utf8))
    }

    /// What a vector pins of a decision.
    static func observed(_ decision: JSON, exposures: [JSON]) -> JSON {
        let messages = (decision["messages"]?.arrayValue ?? []).map { m in
            JSON.object(
                JSONObject(
                    ["campaign", "channel", "placement", "variant", "payload"].compactMap { k in
                        m[k].map { (k, $0) }
                    }))
        }
        let explanation = (decision["explanation"]?.arrayValue ?? []).map { e in
            JSON.object(JSONObject([("campaign", e["campaign"] ?? .null), ("reason", e["reason"] ?? .null)]))
        }
        return .object(
            JSONObject([
                ("messages", .array(messages)), ("exposures", .array(exposures)),
                ("explanation", .array(explanation)),
            ]))
    }

    /// The first place where `got` differs from `want` ("path: expected X, got Y"), or nil.
    static func firstDifference(_ want: JSON, _ got: JSON, at path: String) -> String? {
        switch (want, got) {
        case (.object(let w), .object(let g)):
            for key in Set(w.keys).union(g.keys).sorted() {
                guard let wv = w[key] else { return "\(path).\(key): unexpected \(text(g[key] ?? .null))" }
                guard let gv = g[key] else { return "\(path).\(key): expected \(text(wv)), missing" }
                if let d = firstDifference(wv, gv, at: "\(path).\(key)") { return d }
            }
            return nil
        case (.array(let w), .array(let g)):
            for (i, (wv, gv)) in zip(w, g).enumerated() {
                if let d = firstDifference(wv, gv, at: "\(path)[\(i)]") { return d }
            }
            return w.count == g.count ? nil : "\(path): expected \(w.count) elements, got \(g.count)"
        case (.null, .null): return nil
        case (.bool(let w), .bool(let g)) where w == g: return nil
        case (.number(let w), .number(let g)) where w == g: return nil
        case (.string(let w), .string(let g)) where w == g: return nil
        default: return "\(path): expected \(text(want)), got \(text(got))"
        }
    }

    static func text(_ v: JSON) -> String { JSONSerializer.string(v, pretty: false) }

    /// Replays one vector; the first difference, prefixed with the file's name, or nil.
    static func replay(_ name: String) throws -> String? {
        let vector = try read(folder + "/" + name)
        let engine = Engine(clock: { 0 })
        try engine.load(json: try #require(vector["campaign_set"]))
        for r in vector["records"]?.arrayValue ?? [] { try engine.record(json: r) }
        for (i, step) in (vector["steps"]?.arrayValue ?? []).enumerated() {
            let decision = try engine.decide(json: try #require(step["request"]))
            let got = observed(decision.json, exposures: engine.drainExposures())
            if let d = firstDifference(try #require(step["expected"]), got, at: "steps[\(i)]") { return "\(name): \(d)" }
        }
        return nil
    }

    @Test func everyVectorDecidesAsExpected() throws {
        let names = try Self.files()
        #expect(names.count >= 50, "\(names)")
        for name in names {
            let problem = try Self.replay(name)
            #expect(problem == nil, "\(problem ?? "")")
        }
    }

    /// decisions/caps-*.json are caps.json's cases as decisions; they must say what
    /// caps.json says (same clock, zone, cap, impressions; shown iff allowed).
    @Test func capsDecisionsFollowCapsJSON() throws {
        let caps = try #require(try Self.read(SharedFixtures.projectRoot + "/Tests/vectors/caps.json")["cases"]?.arrayValue)
        #expect(caps.count >= 20)
        for c in caps {
            let name = "caps-\(c["name"]?.stringValue ?? "?").json"
            let v = try Self.read(Self.folder + "/" + name)
            let step = try #require(v["steps"]?[0])
            #expect(step["request"]?["now"] == c["now"], "\(name): now")
            #expect(step["request"]?["time_zone"] == c["zone"], "\(name): zone")
            #expect(v["campaign_set"]?["campaigns"]?[0]?["caps"]?[0] == c["cap"], "\(name): cap")
            let times = (v["records"]?.arrayValue ?? []).map { $0["time"] ?? .null }
            #expect(times == (c["impressions"]?.arrayValue ?? []), "\(name): impressions")
            let shown = !(step["expected"]?["messages"]?.arrayValue ?? []).isEmpty
            #expect(shown == c["allowed"]?.boolValue, "\(name): shown iff caps.json allows")
        }
    }

    @Test func aDifferenceIsNamed() throws {
        let want = try JSONParser.parse(#"{"a": [1, {"b": "x"}], "c": true}"#)
        #expect(Self.firstDifference(want, try JSONParser.parse(#"{"a": [1, {"b": "y"}], "c": true}"#), at: "$") == #"$.a[1].b: expected "x", got "y""#)
        #expect(Self.firstDifference(want, try JSONParser.parse(#"{"a": [1], "c": true}"#), at: "$") == "$.a: expected 2 elements, got 1")
        #expect(Self.firstDifference(want, try JSONParser.parse(#"{"a": [1, {"b": "x"}]}"#), at: "$") == "$.c: expected true, missing")
        #expect(Self.firstDifference(want, want, at: "$") == nil)
    }
}
