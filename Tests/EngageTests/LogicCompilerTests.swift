import Testing

@testable import Engage

// The JSON Logic compiler: what it rejects and where it says the problem is, what it
// folds, how `var`/`val`/`exists` read data, thrown values, and sharing one compiled
// rule across threads. Evaluation budgets are in LogicLimitsTests.

@Suite struct LogicCompileErrorTests {
    @Test func unknownOperatorNamesItsPath() throws {
        let e = try #require(try LogicCheck.compileError(#"{"and":[true,{"if":[1,{"bad":1}]}]}"#))
        #expect(e.kind == .unknownOperator)
        #expect(e.path == "and[1].if[1]")
        #expect(e.message.contains(#""bad""#))
        #expect(e.description.hasPrefix("and[1].if[1]: "))
    }

    @Test func unknownOperatorAtTheRootAndInsideAnArray() throws {
        let root = try #require(try LogicCheck.compileError(#"{"nope":[1,2]}"#))
        #expect(root.kind == .unknownOperator)
        #expect(root.path == "")
        let inArray = try #require(try LogicCheck.compileError(#"[1, {"var":"a"}, {"+":[1,{"x":0}]}]"#))
        #expect(inArray.kind == .unknownOperator)
        #expect(inArray.path == "[2].+[1]")
    }

    @Test func unknownOperatorInAnUnevaluatedBranchIsStillAnError() throws {
        // Compilation resolves every operator, not only the ones evaluation reaches.
        let e = try #require(try LogicCheck.compileError(#"{"if":[false,{"typo":1},2]}"#))
        #expect(e.kind == .unknownOperator)
        #expect(e.path == "if[1]")
    }

    @Test func operatorNamesAreCaseSensitive() throws {
        let e = try #require(try LogicCheck.compileError(#"{"IF":[true,1,2]}"#))
        #expect(e.kind == .unknownOperator)
    }

    @Test func multiKeyObjectIsInvalidRule() throws {
        let e = try #require(try LogicCheck.compileError(#"{"or":[false,{"==":[1,1],"!=":[1,2]}]}"#))
        #expect(e.kind == .invalidRule)
        #expect(e.path == "or[1]")
        #expect(e.message.contains("2 keys"))
    }

    @Test func emptyObjectIsAValueNotAnOperator() throws {
        let rule = try LogicCheck.rule("{}")
        #expect(rule.constantValue == .object(JSONObject()))
    }

    @Test(arguments: [
        (#"{"if":5}"#, "if"),
        (#"{"-":[]}"#, "-"),
        (#"{"%":[1]}"#, "%"),
        (#"{">":[1]}"#, ">"),
        (#"{"map":[null,{"var":""}]}"#, "map"),
        (#"{"map":[[1]]}"#, "map"),
        (#"{"reduce":[[1]]}"#, "reduce"),
        (#"{"var":[true]}"#, "var"),
        (#"{"or":[false,{"if":5}]}"#, "or[1].if"),
        (#"{"and":[true,{"!":[{"%":[{"var":"x"}]}]}]}"#, "and[1].![0].%"),
        (#"{"map":[{"var":"xs"},{"==":[{"var":""}]}]}"#, "map[1].=="),
    ])
    func argumentShapesAreCheckedAtCompileTime(rule: String, path: String) throws {
        let e = try #require(try LogicCheck.compileError(rule), "\(rule) compiled")
        #expect(e.kind == .invalidArguments, "\(rule): \(e)")
        #expect(e.path == path, "\(rule): \(e)")
    }

    @Test func argumentCountOfASpreadOperandIsCheckedAtEvaluation() throws {
        // `{"-": {"var": "xs"}}`: how many arguments depends on the data.
        let rule = try LogicCheck.rule(#"{"-":{"var":"xs"}}"#)
        #expect(try rule.evaluate(LogicCheck.json(#"{"xs":[10,3]}"#)) == 7)
        let e = try #require(LogicCheck.error(rule, try LogicCheck.json(#"{"xs":[]}"#)))
        #expect(e.kind == .invalidArguments)
        #expect(e.path == "-")
    }

    @Test func runtimeErrorCarriesThePathOfTheFailingOperator() throws {
        let rule = try LogicCheck.rule(#"{"and":[true,{"+":[{"var":"x"},1]}]}"#)
        let e = try #require(LogicCheck.error(rule, ["x": "abc"]))
        #expect(e.kind == .nan)
        #expect(e.type == "NaN")
        #expect(e.path == "and[1].+")
        #expect(try rule.evaluate(["x": "41"]) == 42)
    }

    @Test func runtimeErrorInsideAnIteratorBody() throws {
        let rule = try LogicCheck.rule(#"{"map":[{"var":"xs"},{"<":[{"var":""},[1]]}]}"#)
        let e = try #require(LogicCheck.error(rule, ["xs": [1, 2]]))
        #expect(e.kind == .nan)
        #expect(e.path == "map[1].<")
    }
}

@Suite struct LogicConstantFoldingTests {
    @Test func constantArithmeticFolds() throws {
        #expect(try LogicCheck.rule(#"{"+":[1,2]}"#).constantValue == 3)
        #expect(try LogicCheck.rule(#"{"if":[{">":[2,1]},{"cat":["a","b"]},"no"]}"#).constantValue == "ab")
        #expect(try LogicCheck.rule(#"{"merge":[[1],[2,3]]}"#).constantValue == [1, 2, 3])
        #expect(try LogicCheck.rule(#"[1,{"*":[2,3]}]"#).constantValue == [1, 6])
    }

    @Test func ruleReadingDataDoesNotFold() throws {
        let rule = try LogicCheck.rule(#"{"+":[{"var":"a"},2]}"#)
        #expect(rule.constantValue == nil)
        #expect(try rule.evaluate(["a": 1]) == 3)
        #expect(try rule.evaluate(["a": 40]) == 42)
        #expect(try LogicCheck.rule(#"{"var":"a"}"#).constantValue == nil)
        #expect(try LogicCheck.rule(#"[1,{"var":"a"}]"#).constantValue == nil)
    }

    @Test func foldedRuleCostsNoEvaluationWork() throws {
        // A folded rule is a literal: it evaluates even with a budget of zero steps,
        // where the same arithmetic over data cannot.
        let none = EvaluationLimits(maxSteps: 0)
        #expect(try LogicCheck.rule(#"{"+":[1,{"*":[2,3]}]}"#).evaluate(.null, limits: none) == 7)
        let e = try #require(LogicCheck.error(try LogicCheck.rule(#"{"+":[1,{"var":"a"}]}"#), ["a": 1], limits: none))
        #expect(e.kind == .limitExceeded)
    }

    @Test func constantSubtreeThatErrorsStillEvaluatesCorrectly() throws {
        let rule = try LogicCheck.rule(#"{"try":[{"/":[1,0]},7]}"#)
        #expect(try rule.evaluate(.null) == 7)
        // Laziness survives folding: the failing branch is never taken.
        #expect(try LogicCheck.rule(#"{"if":[true,1,{"/":[1,0]}]}"#).evaluate(.null) == 1)
        #expect(try LogicCheck.rule(#"{"or":[1,{"/":[1,0]}]}"#).evaluate(.null) == 1)
    }

    @Test func divisionByZeroCompilesAndFailsAtEvaluation() throws {
        let rule = try LogicCheck.rule(#"{"/":[1,0]}"#)
        #expect(rule.constantValue == nil)
        let e = try #require(LogicCheck.error(rule))
        #expect(e.kind == .nan)
        #expect(e.path == "/")
    }

    @Test func throwIsNeverFolded() throws {
        let rule = try LogicCheck.rule(#"{"throw":"Boom"}"#)
        #expect(rule.constantValue == nil)
        #expect(LogicCheck.error(rule)?.type == "Boom")
    }
}

@Suite struct LogicDataAccessTests {
    @Test func dotPathsStepIntoArrays() throws {
        let data = try LogicCheck.json(#"{"a":[{"b":1},{"b":2}],"c":{"d":{"e":"deep"}}}"#)
        #expect(try LogicCheck.rule(#"{"var":"a.1.b"}"#).evaluate(data) == 2)
        #expect(try LogicCheck.rule(#"{"var":"a.0"}"#).evaluate(data) == ["b": 1])
        #expect(try LogicCheck.rule(#"{"var":"c.d.e"}"#).evaluate(data) == "deep")
        #expect(try LogicCheck.rule(#"{"var":"a.2.b"}"#).evaluate(data) == .null)
        // Only canonical integers index arrays.
        #expect(try LogicCheck.rule(#"{"var":"a.01.b"}"#).evaluate(data) == .null)
        #expect(try LogicCheck.rule(#"{"var":"a.-1.b"}"#).evaluate(data) == .null)
        #expect(try LogicCheck.rule(#"{"var":1}"#).evaluate([10, 20]) == 20)
        #expect(try LogicCheck.rule(#"{"var":""}"#).evaluate(data) == data)
    }

    @Test func defaultsApplyOnlyToMissingAndNull() throws {
        let rule = try LogicCheck.rule(#"{"var":["x","fallback"]}"#)
        #expect(try rule.evaluate([:]) == "fallback")
        #expect(try rule.evaluate(["x": nil]) == "fallback")
        #expect(try rule.evaluate(["x": 0]) == 0)
        #expect(try rule.evaluate(["x": false]) == false)
        #expect(try rule.evaluate(["x": ""]) == "")
        #expect(try rule.evaluate(["x": []]) == [])
        #expect(try LogicCheck.rule(#"{"var":["a.5","d"]}"#).evaluate(["a": [1]]) == "d")
    }

    @Test func defaultIsARuleEvaluatedOnlyWhenNeeded() throws {
        let dynamic = try LogicCheck.rule(#"{"var":["x",{"var":"y"}]}"#)
        #expect(try dynamic.evaluate(["y": 9]) == 9)
        #expect(try dynamic.evaluate(["x": 1, "y": 9]) == 1)
        let failing = try LogicCheck.rule(#"{"var":["x",{"/":[1,{"var":"zero"}]}]}"#)
        #expect(try failing.evaluate(["x": 1, "zero": 0]) == 1)
        #expect(LogicCheck.error(failing, ["zero": 0])?.kind == .nan)
    }

    @Test func pathComputedByARule() throws {
        let data: JSON = ["a": ["b": 3], "k": "a"]
        #expect(try LogicCheck.rule(#"{"var":{"cat":["a",".b"]}}"#).evaluate(data) == 3)
        #expect(try LogicCheck.rule(#"{"var":{"cat":[{"var":"k"},".b"]}}"#).evaluate(data) == 3)
        #expect(try LogicCheck.rule(#"{"var":[{"cat":[{"var":"k"},".z"]},"none"]}"#).evaluate(data) == "none")
        let bad = try LogicCheck.rule(#"{"var":{"merge":[[true]]}}"#)
        #expect(LogicCheck.error(bad, data)?.kind == .invalidArguments)
    }

    @Test func valKeysAreNotSplitOnDots() throws {
        let data: JSON = ["a": ["b.c": 1, "b": ["c": 2]]]
        #expect(try LogicCheck.rule(#"{"val":["a","b.c"]}"#).evaluate(data) == 1)
        #expect(try LogicCheck.rule(#"{"val":["a","b","c"]}"#).evaluate(data) == 2)
        #expect(try LogicCheck.rule(#"{"val":"a.b"}"#).evaluate(data) == .null)
        #expect(try LogicCheck.rule(#"{"val":[]}"#).evaluate(data) == data)
    }

    @Test func valScopeHopsInNestedMap() throws {
        // Inner body: [] the inner element, [[1]] its index frame, [[2]] the outer
        // element, [[3]] the outer index frame, [[4]] the data.
        let rule = try LogicCheck.rule(
            #"""
            {"map":[{"val":"xs"},{"map":[{"val":[[2],"ys"]},{"+":[
                {"val":[]},{"val":[[2]]},{"val":[[4],"k"]},
                {"val":[[1],"index"]},{"*":[10,{"val":[[3],"index"]}]}]}]}]}
            """#)
        let data: JSON = ["xs": [1, 2], "ys": [100, 200], "k": 1000]
        #expect(try rule.evaluate(data) == [[1101, 1202], [1112, 1213]])
    }

    @Test func valHopPastTheDataStopsAtTheData() throws {
        let rule = try LogicCheck.rule(#"{"map":[[1,2],{"val":[[9],"k"]}]}"#)
        #expect(try rule.evaluate(["k": 5]) == [5, 5])
    }

    @Test func existsTellsNullFromMissing() throws {
        let data: JSON = ["a": nil, "b": ["c": false]]
        #expect(try LogicCheck.rule(#"{"exists":"a"}"#).evaluate(data) == true)
        #expect(try LogicCheck.rule(#"{"exists":"z"}"#).evaluate(data) == false)
        #expect(try LogicCheck.rule(#"{"exists":["b","c"]}"#).evaluate(data) == true)
        #expect(try LogicCheck.rule(#"{"exists":["b","d"]}"#).evaluate(data) == false)
        #expect(try LogicCheck.rule(#"{"exists":["a","c"]}"#).evaluate(data) == false)
        // `var` treats the present null as missing; `exists` does not.
        #expect(try LogicCheck.rule(#"{"var":["a","d"]}"#).evaluate(data) == "d")
    }
}

@Suite struct LogicThrowTests {
    @Test func thrownObjectKeepsItsTypeAndPayload() throws {
        let rule = try LogicCheck.rule(#"{"throw":{"preserve":{"type":"X","detail":1}}}"#)
        let e = try #require(LogicCheck.error(rule))
        #expect(e.kind == .thrown)
        #expect(e.type == "X")
        #expect(e.payload == ["type": "X", "detail": 1])
        #expect(e.path == "throw")
    }

    @Test func tryHandlerSeesTheThrownValue() throws {
        let rule = try LogicCheck.rule(#"{"try":[{"throw":{"preserve":{"type":"X","detail":1}}},{"val":"detail"}]}"#)
        #expect(try rule.evaluate(.null) == 1)
        #expect(try LogicCheck.rule(#"{"try":[{"throw":"Oops"},{"val":"type"}]}"#).evaluate(.null) == "Oops")
        #expect(try LogicCheck.rule(#"{"try":[{"/":[1,0]},{"val":"type"}]}"#).evaluate(.null) == "NaN")
    }

    @Test func tryHandlerReachesTheDataAfterAnErrorInsideAnIterator() throws {
        // The failing map left its scopes pushed; the handler still finds the data two up.
        let rule = try LogicCheck.rule(#"{"try":[{"map":[[1,2],{"throw":"E"}]},{"val":[[2],"k"]}]}"#)
        #expect(try rule.evaluate(["k": "fallback"]) == "fallback")
    }

    @Test func lastErrorPropagatesWhenEveryAlternativeFails() throws {
        let e = try #require(LogicCheck.error(try LogicCheck.rule(#"{"try":[{"throw":"A"},{"throw":"B"}]}"#)))
        #expect(e.type == "B")
        #expect(e.path == "try[1].throw")
    }
}

@Suite struct LogicConcurrencyTests {
    static let ruleText = #"""
        {"if":[
          {"and":[{">=":[{"var":"age"},18]},{"in":[{"var":"country"},["KR","US","JP"]]}]},
          {"cat":["adult-",{"var":"country"},"-",
                  {"reduce":[{"var":"scores"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}]},
          {"map":[{"var":"scores"},{"*":[{"var":""},{"val":[[2],"age"]}]}]}
        ]}
        """#

    static func dataset() -> [JSON] {
        let countries: [JSON] = ["KR", "US", "FR", "JP"]
        return (0..<400).map { i in
            let third: JSON = i % 7 == 0 ? "x" : .number(Double(i + 2))
            return [
                "age": .number(Double(i % 40)), "country": countries[i % 4],
                "scores": [.number(Double(i)), .number(Double(i + 1)), third],
            ]
        }
    }

    @Test func oneRuleEvaluatedFromManyTasksMatchesSequential() async throws {
        let rule = try LogicCheck.rule(Self.ruleText)
        let data = Self.dataset()
        let expected = data.map { LogicCheck.outcome(rule, $0) }
        // The dataset mixes successes and NaN errors, so both paths are shared.
        #expect(expected.contains { if case .failure = $0 { true } else { false } })
        #expect(expected.contains { if case .success(.string) = $0 { true } else { false } })
        #expect(expected.contains { if case .success(.array) = $0 { true } else { false } })

        let runs = await withTaskGroup(of: [Result<JSON, LogicError>].self) { group in
            for t in 0..<8 {
                group.addTask {
                    // Each task walks the data from a different starting point, twice.
                    var out = [Result<JSON, LogicError>?](repeating: nil, count: data.count)
                    for round in 0..<2 {
                        for k in 0..<data.count {
                            let i = (k + t * 50 + round * 7) % data.count
                            out[i] = LogicCheck.outcome(rule, data[i])
                        }
                    }
                    return out.compactMap { $0 }
                }
            }
            var all: [[Result<JSON, LogicError>]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(runs.count == 8)
        for r in runs { #expect(r == expected) }
    }
}
