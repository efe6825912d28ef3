import Testing

@testable import Engage

// Bounds on compiling and evaluating rules: a rule that does too much work, builds
// too large or too deep a value, or nests too deep ends with `Limit Exceeded` — never
// a hang or a crash — and `try` cannot catch it.

/// Fails the test when `body` takes longer than `seconds`: a limit must stop the work
/// early, not after it has all been done. Generous, so a busy machine does not trip it.
private func expectQuick<T>(
    within seconds: Int = 20, _ body: () throws -> T,
    sourceLocation: SourceLocation = #_sourceLocation
) rethrows -> T {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    let elapsed = clock.now - start
    #expect(elapsed < .seconds(seconds), "took \(elapsed)", sourceLocation: sourceLocation)
    return result
}

@Suite struct LogicEvaluationBudgetTests {
    @Test func mapOverAHugeArrayFromTheData() throws {
        let rule = try LogicCheck.rule(#"{"map":[{"var":"xs"},{"+":[{"var":""},1]}]}"#)
        let data: JSON = ["xs": LogicCheck.numbers(200_000)]
        let e = try #require(expectQuick { LogicCheck.error(rule, data) })
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "map")
        #expect(e.type == "Limit Exceeded")
        // The same rule over a small array is fine.
        #expect(try rule.evaluate(["xs": [1, 2]]) == [2, 3])
    }

    @Test func nestedMapThousandByThousand() throws {
        let rule = try LogicCheck.rule(#"{"map":[{"var":"rows"},{"map":[{"var":""},{"*":[{"var":""},2]}]}]}"#)
        let row = LogicCheck.numbers(1000)
        let data: JSON = ["rows": .array(Array(repeating: row, count: 1000))]
        let e = try #require(expectQuick { LogicCheck.error(rule, data) })
        #expect(e.kind == .limitExceeded)
        #expect(e.path.hasPrefix("map"))
        // Ten by ten is within budget.
        let small: JSON = ["rows": .array(Array(repeating: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], count: 10))]
        #expect(try rule.evaluate(small).arrayValue?.count == 10)
    }

    @Test func tryCannotCatchALimitError() throws {
        let rule = try LogicCheck.rule(#"{"try":[{"map":[{"var":"xs"},{"var":""}]},"caught"]}"#)
        let e = try #require(LogicCheck.error(rule, ["xs": LogicCheck.numbers(200_000)]))
        #expect(e.kind == .limitExceeded)
        // A catchable error in the same place is caught.
        let nan = try LogicCheck.rule(#"{"try":[{"map":[{"var":"xs"},{"/":[1,{"var":""}]}]},"caught"]}"#)
        #expect(try nan.evaluate(["xs": [0]]) == "caught")
        // Nor can a handler: the limit error escapes from the fallback too.
        let inHandler = try LogicCheck.rule(#"{"try":[{"throw":"E"},{"map":[{"val":[[2],"xs"]},{"var":""}]},"caught"]}"#)
        #expect(LogicCheck.error(inHandler, ["xs": LogicCheck.numbers(200_000)])?.kind == .limitExceeded)
    }

    @Test func customStepBudgetIsRespected() throws {
        let rule = try LogicCheck.rule(#"{"map":[{"var":"xs"},{"+":[{"var":""},1]}]}"#)
        let data: JSON = ["xs": LogicCheck.numbers(20)]
        let tight = EvaluationLimits(maxSteps: 30)
        let e = try #require(LogicCheck.error(rule, data, limits: tight))
        #expect(e.kind == .limitExceeded)
        #expect(e.message.contains("30"))
        #expect(try rule.evaluate(data, limits: EvaluationLimits(maxSteps: 100)).arrayValue?.count == 20)
        #expect(try rule.evaluate(data).arrayValue?.count == 20)
    }

    @Test func budgetIsPerEvaluation() throws {
        // Evaluations do not share a budget: the same rule runs again and again.
        let rule = try LogicCheck.rule(#"{"reduce":[{"var":"xs"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}"#)
        let data: JSON = ["xs": LogicCheck.numbers(30_000)]
        for _ in 0..<3 { #expect(try rule.evaluate(data) == .number(Double(30_000 * 29_999 / 2))) }
    }

    @Test func mergeBeyondMaxArrayLength() throws {
        let rule = try LogicCheck.rule(#"{"merge":[{"var":"a"},{"var":"a"}]}"#)
        let data: JSON = ["a": LogicCheck.numbers(60_000)]
        let e = try #require(LogicCheck.error(rule, data))
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "merge")
        let roomy = EvaluationLimits(maxArrayLength: 200_000)
        #expect(try rule.evaluate(data, limits: roomy).arrayValue?.count == 120_000)
        let small = EvaluationLimits(maxArrayLength: 10)
        #expect(LogicCheck.error(rule, ["a": LogicCheck.numbers(6)], limits: small)?.kind == .limitExceeded)
        #expect(try rule.evaluate(["a": LogicCheck.numbers(5)], limits: small).arrayValue?.count == 10)
    }

    @Test func mapAndFilterResultsBeyondMaxArrayLength() throws {
        let limits = EvaluationLimits(maxSteps: 1_000_000, maxArrayLength: 1000)
        let data: JSON = ["xs": LogicCheck.numbers(2000)]
        let map = try LogicCheck.rule(#"{"map":[{"var":"xs"},{"var":""}]}"#)
        #expect(LogicCheck.error(map, data, limits: limits)?.kind == .limitExceeded)
        let keepAll = try LogicCheck.rule(#"{"filter":[{"var":"xs"},true]}"#)
        #expect(LogicCheck.error(keepAll, data, limits: limits)?.kind == .limitExceeded)
        let keepFew = try LogicCheck.rule(#"{"filter":[{"var":"xs"},{"<":[{"var":""},10]}]}"#)
        #expect(try keepFew.evaluate(data, limits: limits).arrayValue?.count == 10)
    }

    @Test func catBeyondMaxStringBytesByDoubling() throws {
        let rule = try LogicCheck.rule(#"{"reduce":[{"var":"xs"},{"cat":[{"var":"accumulator"},{"var":"accumulator"}]},"ab"]}"#)
        let e = try #require(expectQuick { LogicCheck.error(rule, ["xs": LogicCheck.numbers(40)]) })
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "reduce[1].cat")
        // 2 bytes doubled 10 times is 2 KiB: fine.
        #expect(try rule.evaluate(["xs": LogicCheck.numbers(10)]).stringValue?.utf8.count == 2048)
    }

    @Test func customMaxStringBytes() throws {
        let rule = try LogicCheck.rule(#"{"cat":[{"var":"s"},"-",{"var":"s"}]}"#)
        let data: JSON = ["s": .string(String(repeating: "é", count: 300))] // 600 bytes
        #expect(LogicCheck.error(rule, data, limits: EvaluationLimits(maxStringBytes: 1000))?.kind == .limitExceeded)
        #expect(try rule.evaluate(data, limits: EvaluationLimits(maxStringBytes: 1201)).stringValue?.utf8.count == 1201)
    }

    @Test(arguments: [
        #"{"reduce":[{"var":"xs"},[{"var":"accumulator"}],null]}"#,
        #"{"reduce":[{"var":"xs"},{"var":""},null]}"#,
        #"{"reduce":[{"var":"xs"},{"val":[]},null]}"#,
        #"{"reduce":[{"var":"xs"},{"var":{"cat":[""]}},null]}"#,
        #"{"reduce":[{"var":"xs"},{"var":["nope",[{"var":"accumulator"}]]},null]}"#,
        #"{"reduce":[{"var":"xs"},{"merge":[[[{"var":"accumulator"}]]]},null]}"#,
        #"{"reduce":[{"var":"xs"},{"if":[true,{"map":[[1],{"val":[[2],"accumulator"]}]}]},null]}"#,
        #"{"reduce":[{"var":"xs"},{"try":[{"throw":"E"},{"val":[[2]]}]},null]}"#,
        #"{"reduce":[{"var":"xs"},{"??":[null,{"val":[[0]]}]},null]}"#,
    ])
    func reduceThatWrapsItsAccumulatorStopsWithoutCrashing(rule text: String) throws {
        // Each step nests the accumulator one level deeper. Without a depth bound the
        // result is 100,000 levels deep and releasing it overflows the stack.
        let rule = try LogicCheck.rule(text)
        let e = try #require(expectQuick { LogicCheck.error(rule, ["xs": LogicCheck.numbers(100_000)]) })
        #expect(e.kind == .limitExceeded, "\(text): \(e)")
        #expect(e.path == "reduce", "\(text): \(e)")
    }

    @Test func customMaxValueDepth() throws {
        let rule = try LogicCheck.rule(#"{"reduce":[{"var":"xs"},[{"var":"accumulator"}],0]}"#)
        let limits = EvaluationLimits(maxValueDepth: 10)
        #expect(LogicCheck.error(rule, ["xs": LogicCheck.numbers(20)], limits: limits)?.kind == .limitExceeded)
        #expect(try rule.evaluate(["xs": LogicCheck.numbers(3)], limits: limits) == [[[0]]])
    }

    @Test func reduceWhoseAccumulatorGrowsExponentiallyIsStoppedQuickly() throws {
        // The body repeats the accumulator 1000 times: 10^3, 10^6, 10^9 elements after
        // three steps, all shared. Walking such a value to check its depth must stop
        // when the budget does.
        let rule = try LogicCheck.rule(#"{"reduce":[{"var":"rows"},{"map":[{"var":"current"},{"val":[[2],"accumulator"]}]},null]}"#)
        let data: JSON = ["rows": .array(Array(repeating: LogicCheck.numbers(1000), count: 5))]
        let e = try #require(expectQuick(within: 10) { LogicCheck.error(rule, data) })
        #expect(e.kind == .limitExceeded)
    }

    @Test func inWithHugeStringsIsBounded() throws {
        let rule = try LogicCheck.rule(#"{"in":[{"var":"needle"},{"var":"hay"}]}"#)
        let data: JSON = [
            "hay": .string(String(repeating: "a", count: 1 << 20)),
            "needle": .string(String(repeating: "a", count: 4000) + "b"),
        ]
        let e = try #require(expectQuick { LogicCheck.error(rule, data) })
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "in")
        #expect(try rule.evaluate(["hay": "abcdef", "needle": "cd"]) == true)
        #expect(try rule.evaluate(["hay": "abcdef", "needle": "ce"]) == false)
        // A long haystack with a short needle is ordinary work.
        #expect(try rule.evaluate(["hay": data["hay"] ?? .null, "needle": "ab"]) == false)
    }
}

/// Operators can build values that share subvalues: `map` returning the same 20,000-
/// element array for each of 20,000 elements holds 400,000,000 numbers in the memory
/// of 40,000. Anything that walks such a value must stop when the budget does.
@Suite struct LogicSharedValueTests {
    static let data: JSON = {
        // xs and zs are equal but separate arrays; ys differs from them at the end.
        let xs = JSON.array((0..<20_000).map { _ in JSON.number(12345) })
        let zs = JSON.array((0..<20_000).map { _ in JSON.number(12345) })
        var ys = (0..<20_000).map { _ in JSON.number(12345) }
        ys[ys.count - 1] = 0
        return ["xs": xs, "ys": .array(ys), "zs": zs]
    }()
    static let square = #"{"map":[{"var":"xs"},{"val":[[2],"xs"]}]}"#

    func check(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> LogicError? {
        let rule = try LogicCheck.rule(text)
        return expectQuick(within: 10, { LogicCheck.error(rule, Self.data) }, sourceLocation: sourceLocation)
    }

    @Test func catOfASharedValue() throws {
        let e = try #require(try check(#"{"cat":["x",\#(Self.square)]}"#))
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "cat")
    }

    @Test func substrOfASharedValue() throws {
        #expect(try check(#"{"substr":[\#(Self.square),0,5]}"#)?.kind == .limitExceeded)
    }

    @Test func inWithASharedNeedle() throws {
        #expect(try check(#"{"in":[\#(Self.square),"abc"]}"#)?.kind == .limitExceeded)
    }

    @Test func membershipInASharedArray() throws {
        let e = try #require(try check(#"{"in":[{"var":"ys"},\#(Self.square)]}"#))
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "in")
    }

    @Test func strictEqualityOfSharedValues() throws {
        let other = #"{"map":[{"var":"xs"},{"val":[[2],"zs"]}]}"#
        #expect(try check(#"{"===":[\#(Self.square),\#(other)]}"#)?.kind == .limitExceeded)
        #expect(try check(#"{"!==":[\#(Self.square),\#(other)]}"#)?.kind == .limitExceeded)
        // Small structures still compare structurally.
        let rule = try LogicCheck.rule(#"{"===":[{"var":"a"},{"var":"b"}]}"#)
        #expect(try rule.evaluate(LogicCheck.json(#"{"a":{"x":[1,{"y":2}]},"b":{"x":[1,{"y":2}]}}"#)) == true)
        #expect(try rule.evaluate(LogicCheck.json(#"{"a":{"x":[1,{"y":2}]},"b":{"x":[1,{"y":3}]}}"#)) == false)
    }

    @Test func throwingASharedValue() throws {
        let e = try #require(try check(#"{"throw":\#(Self.square)}"#))
        #expect(e.kind == .thrown)
        #expect(e.type == "array")
        // A small value's JSON text is its type.
        #expect(LogicCheck.error(try LogicCheck.rule(#"{"throw":[[1,"a"]]}"#))?.type == #"[1,"a"]"#)
    }
}

@Suite struct LogicCompileLimitTests {
    @Test func millionDeepRuleIsRejectedWithoutOverflowingTheStack() {
        let deep = LogicCheck.nested("!", depth: 1_000_000, leaf: 1)
        let e = LogicCheck.compileError(deep)
        #expect(e?.kind == .limitExceeded)
        #expect(e?.message.contains("512") == true)
        LogicCheck.releaseIteratively(deep)
    }

    @Test func millionDeepArrayRuleIsRejected() {
        let deep = LogicCheck.nestedArrays(depth: 1_000_000, leaf: 1)
        #expect(LogicCheck.compileError(deep)?.kind == .limitExceeded)
        LogicCheck.releaseIteratively(deep)
    }

    @Test func depthAboveTheCeilingIsClamped() {
        // Asking for more than CompileOptions.depthCeiling still stops there, and a rule
        // as deep as the ceiling is rejected, not a stack overflow.
        let deep = LogicCheck.nested("!", depth: 1_000_000, leaf: 1)
        let e = LogicCheck.compileError(deep, options: CompileOptions(maxDepth: 10_000_000))
        #expect(e?.kind == .limitExceeded)
        #expect(e?.message.contains(String(CompileOptions.depthCeiling)) == true)
        LogicCheck.releaseIteratively(deep)
    }

    @Test func ruleJustUnderTheCeilingCompilesAndEvaluates() throws {
        // Compiling and evaluating recurse; 1,023 levels fit on a test thread's stack.
        let deepest = LogicCheck.nested("!", depth: CompileOptions.depthCeiling - 1, leaf: ["var": "x"])
        let rule = try Rule(compiling: deepest, options: CompileOptions(maxDepth: 10_000_000))
        #expect(try rule.evaluate(["x": 1]) == false) // an odd number (1023) of negations
    }

    @Test func millionDeepRuleTextIsRejectedByTheParser() {
        let n = 1_000_000
        let text = String(repeating: #"{"!":"#, count: n) + "1" + String(repeating: "}", count: n)
        do {
            _ = try JSONParser.parse(text)
            Issue.record("a 1,000,000-deep document parsed")
        } catch {
            #expect(error.code == .limit)
            #expect(error.offset < 10_000)
        }
    }

    @Test func depthLimitBoundary() throws {
        // 511 operators around a leaf is 512 levels: accepted. One more is not.
        let ok = LogicCheck.nested("!", depth: 511, leaf: ["var": "x"])
        let rule = try Rule(compiling: ok)
        #expect(try rule.evaluate(["x": 1]) == false)
        #expect(try rule.evaluate(["x": 0]) == true)
        let tooDeep = LogicCheck.nested("!", depth: 512, leaf: ["var": "x"])
        #expect(LogicCheck.compileError(tooDeep)?.kind == .limitExceeded)
    }

    @Test func depth500RuleCompilesFromTextAndEvaluates() throws {
        let n = 500
        let text = String(repeating: #"{"!!":"#, count: n) + #"{"var":"x"}"# + String(repeating: "}", count: n)
        let rule = try LogicCheck.rule(text)
        #expect(try rule.evaluate(["x": "yes"]) == true)
        #expect(try rule.evaluate(["x": ""]) == false)
        // All constant: folds level by level to one value.
        #expect(try Rule(compiling: LogicCheck.nested("!", depth: 500, leaf: 1)).constantValue == true)
    }

    @Test func customMaxDepth() throws {
        let options = CompileOptions(maxDepth: 10)
        #expect(LogicCheck.compileError(LogicCheck.nested("!", depth: 9, leaf: 1), options: options) == nil)
        let e = LogicCheck.compileError(LogicCheck.nested("!", depth: 10, leaf: 1), options: options)
        #expect(e?.kind == .limitExceeded)
        #expect(e?.path == Array(repeating: "!", count: 10).joined(separator: "."))
    }

    @Test func maxNodesIsRespected() throws {
        let options = CompileOptions(maxNodes: 10)
        #expect(try LogicCheck.compileError(#"{"+":[1,2,3,4,5,6,7,8,9]}"#, options: options) == nil)
        let e = try #require(try LogicCheck.compileError(#"{"+":[1,2,3,4,5,6,7,8,9,10]}"#, options: options))
        #expect(e.kind == .limitExceeded)
        #expect(e.path == "+[9]")
        // The default (100,000) counts constants too: a 200,000-element literal is too big.
        let big: JSON = ["in": [1, LogicCheck.numbers(200_000)]]
        #expect(LogicCheck.compileError(big)?.kind == .limitExceeded)
    }
}
