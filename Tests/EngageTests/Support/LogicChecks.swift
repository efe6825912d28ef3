@testable import Engage

/// Helpers shared by the JSON Logic unit tests: compile from text, capture the error
/// an evaluation throws, build and release very deep values without recursion.
enum LogicCheck {
    /// Parses `text` as JSON.
    static func json(_ text: String) throws -> JSON {
        try JSONParser.parse(text)
    }

    /// Compiles a rule written as JSON text.
    static func rule(_ text: String, options: CompileOptions = .default) throws -> Rule {
        try Rule(compiling: json(text), options: options)
    }

    /// The error compiling `rule` throws, or nil when it compiles.
    static func compileError(_ rule: JSON, options: CompileOptions = .default) -> LogicError? {
        do {
            _ = try Rule(compiling: rule, options: options)
            return nil
        } catch {
            return error
        }
    }

    /// The error compiling the rule written as `text` throws, or nil when it compiles.
    static func compileError(_ text: String, options: CompileOptions = .default) throws -> LogicError? {
        compileError(try json(text), options: options)
    }

    /// What evaluating `rule` against `data` gives: a value or the error.
    static func outcome(
        _ rule: Rule, _ data: JSON = .null,
        limits: EvaluationLimits = .default
    ) -> Result<JSON, LogicError> {
        do {
            return .success(try rule.evaluate(data, limits: limits))
        } catch {
            return .failure(error)
        }
    }

    /// The error evaluating `rule` against `data` throws, or nil when it succeeds.
    static func error(_ rule: Rule, _ data: JSON = .null, limits: EvaluationLimits = .default) -> LogicError? {
        if case .failure(let e) = outcome(rule, data, limits: limits) { return e }
        return nil
    }

    /// The array `[0, 1, ..., count - 1]`.
    static func numbers(_ count: Int) -> JSON {
        var out: [JSON] = []
        out.reserveCapacity(count)
        for i in 0..<count { out.append(.number(Double(i))) }
        return .array(out)
    }

    /// `leaf` wrapped `depth` times in `{op: ...}`, built iteratively.
    static func nested(_ op: String, depth: Int, leaf: JSON) -> JSON {
        var j = leaf
        for _ in 0..<depth { j = .object(JSONObject([(op, j)])) }
        return j
    }

    /// `leaf` wrapped `depth` times in `[...]`, built iteratively.
    static func nestedArrays(depth: Int, leaf: JSON) -> JSON {
        var j = leaf
        for _ in 0..<depth { j = .array([j]) }
        return j
    }

    /// Releases a value made of single-child arrays and objects one level at a time.
    /// Dropping such a value the ordinary way releases it recursively, a few stack
    /// frames per level, which overflows the stack long before 1,000,000 levels.
    static func releaseIteratively(_ value: consuming JSON) {
        var j = value
        while true {
            switch j {
            case .array(let a) where a.count == 1:
                j = a[0]
            case .object(let o) where o.count == 1:
                guard let inner = o.values.first else { return }
                j = inner
            default:
                return
            }
        }
    }
}
