import Testing

@testable import Engage

/// Runs every case of every suite in ../shared/conformance/jsonlogic (read in place),
/// in the order of its index.json, and prints passed/failed per suite and the total.
@Suite struct JSONLogicConformanceTests {
    struct Outcome {
        var passed = 0
        var failures: [String] = []
    }

    static func run(_ testCase: JSONObject) -> String? {
        guard let ruleJSON = testCase["rule"] else { return "case has no rule" }
        let data = testCase["data"] ?? .null
        let actual: Result<JSON, LogicError>
        do {
            let rule = try Rule(compiling: ruleJSON)
            actual = .success(try rule.evaluate(data))
        } catch {
            actual = .failure(error)
        }
        if let expectedError = testCase["error"] {
            let type = expectedError["type"]?.stringValue ?? ""
            switch actual {
            case .success(let v): return "expected error \(type), got \(v)"
            case .failure(let e): return e.type == type ? nil : "expected error \(type), got \(e)"
            }
        }
        let expected = testCase["result"] ?? .null
        switch actual {
        case .success(let v): return v == expected ? nil : "expected \(expected), got \(v)"
        case .failure(let e): return "expected \(expected), got error \(e)"
        }
    }

    @Test func everySuitePasses() throws {
        let base = "conformance/jsonlogic/"
        guard case .array(let index) = try SharedFixtures.json(base + "index.json") else {
            Issue.record("index.json is not an array")
            return
        }
        var total = Outcome()
        var lines: [String] = []
        for entry in index {
            guard let file = entry.stringValue else { continue }
            guard case .array(let items) = try SharedFixtures.json(base + file) else {
                Issue.record("\(file) is not an array")
                continue
            }
            var outcome = Outcome()
            for item in items {
                guard case .object(let testCase) = item else { continue } // section headings
                if let failure = Self.run(testCase) {
                    outcome.failures.append(
                        "\(file): \(testCase["rule"].map { "\($0)" } ?? "?") data=\(testCase["data"].map { "\($0)" } ?? "null"): \(failure)")
                } else {
                    outcome.passed += 1
                }
            }
            lines.append("  \(file): \(outcome.passed) passed, \(outcome.failures.count) failed")
            total.passed += outcome.passed
            total.failures += outcome.failures
        }
        let count = total.passed + total.failures.count
        print("JSON Logic conformance (\(index.count) suites):")
        for l in lines { print(l) }
        for f in total.failures.prefix(60) { print("  FAIL \(f)") }
        print("JSON Logic conformance total: \(total.passed) of \(count) passed")
        #expect(total.failures.isEmpty, "\(total.failures.count) conformance cases failed")
        #expect(count == 1138, "expected 1138 cases in the suites, found \(count)")
    }
}
