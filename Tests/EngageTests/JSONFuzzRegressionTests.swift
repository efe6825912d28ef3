import Foundation
import Testing

@testable import Engage

/// Replays the fuzz seed corpus (`fuzz/corpus/json`) through the invariants FuzzJSON
/// checks, so they hold in every `swift test` run and not only under the fuzzer.
/// An input the fuzzer finds crashing goes into `regressions` below, as bytes.
@Suite struct JSONFuzzRegressionTests {
    /// Inputs libFuzzer reported (none so far). Each is parsed under both limit sets.
    static let regressions: [(name: String, bytes: [UInt8])] = []

    static let tight = JSONLimits(maxDepth: 6, maxBytes: 512, maxStringBytes: 24, maxElements: 40)

    static func check(_ name: String, _ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        func parse(_ b: [UInt8], _ limits: JSONLimits) -> Result<JSON, JSONParseError> {
            do throws(JSONParseError) { return .success(try JSONParser.parse(b, limits: limits)) } catch { return .failure(error) }
        }
        let full = parse(bytes, .default)
        let tight = parse(bytes, Self.tight)
        for case .failure(let e) in [full, tight] where e.offset < 0 || e.offset > bytes.count {
            problems.append("\(name): offset \(e.offset) outside the input")
        }
        if case .success(let small) = tight, (try? full.get()) != small {
            problems.append("\(name): accepted under tight limits, not identically under the defaults")
        }
        if case .success(let value) = full {
            for pretty in [false, true] {
                let text = JSONSerializer.bytes(value, pretty: pretty)
                guard case .success(let back) = parse(text, .default), back == value else {
                    problems.append("\(name): round trip (pretty: \(pretty)) changed the value")
                    continue
                }
                if JSONSerializer.bytes(back, pretty: pretty) != text {
                    problems.append("\(name): re-serialization (pretty: \(pretty)) differs")
                }
            }
        }
        return problems
    }

    @Test func seedCorpusAndRegressionsKeepTheFuzzInvariants() throws {
        let folder = SharedFixtures.projectRoot + "/fuzz/corpus/json"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names.count >= 12)
        var accepted = 0
        var problems: [String] = []
        for name in names {
            let bytes = try #require(FileManager.default.contents(atPath: folder + "/" + name)).map { $0 }
            if (try? JSONParser.parse(bytes)) != nil { accepted += 1 }
            problems += Self.check(name, bytes)
        }
        for r in Self.regressions { problems += Self.check(r.name, r.bytes) }
        #expect(problems.isEmpty, "\(problems)")
        // The corpus holds both valid and invalid seeds.
        #expect(accepted >= 6)
        #expect(names.count - accepted >= 6)
    }
}
