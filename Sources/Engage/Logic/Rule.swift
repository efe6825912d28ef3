/// A compiled JSON Logic rule: parse once, compile once, evaluate many times.
///
/// ```swift
/// let rule = try Rule(compiling: JSONParser.parse(#"{">=": [{"var": "age"}, 18]}"#))
/// let result = try rule.evaluate(["age": 21])   // true
/// ```
///
/// Compilation resolves every operator (an unknown one is an error naming its path in
/// the rule), splits `var`/`val` paths, checks argument shapes and folds constant
/// subexpressions. Evaluation walks the compiled tree; it never parses JSON, allocates
/// nothing for its own bookkeeping, and is bounded by ``EvaluationLimits``.
///
/// `Rule` is immutable and `Sendable`: one compiled rule may be evaluated from many
/// threads at once.
public struct Rule: Sendable {
    let root: Node

    /// Compiles `rule`.
    ///
    /// - Throws: ``LogicError`` with kind `unknownOperator`, `invalidArguments`,
    ///   `invalidRule` (malformed rule, undefined or cyclic segment) or
    ///   `limitExceeded` (rule too deep or too large), naming the rule path.
    public init(compiling rule: JSON, options: CompileOptions = .default) throws(LogicError) {
        var compiler = Compiler(options: options)
        root = try compiler.compile(rule, path: "")
    }

    init(root: Node) { self.root = root }

    /// Compiles `rule` as part of a campaign set: its compile work is taken from `work`
    /// (what the set may still spend; see ``CampaignSetOptions/maxCompileWork``).
    init(compiling rule: JSON, options: CompileOptions, work: inout CompileWork) throws(LogicError) {
        var compiler = Compiler(options: options)
        compiler.workLeft = work.left
        compiler.workLimit = work.limit
        defer { work.left = compiler.workLeft }
        root = try compiler.compile(rule, path: "")
    }

    /// Evaluates the rule against `data`.
    ///
    /// - Parameters:
    ///   - data: the value `var` and `val` read.
    ///   - context: the user, clock, time zone and history the domain operators read.
    ///   - limits: the work budget for this evaluation.
    /// - Throws: ``LogicError``: `Invalid Arguments`, `NaN`, a value raised by `throw`,
    ///   or `Limit Exceeded`.
    public func evaluate(
        _ data: JSON, context: EvaluationContext = .empty,
        limits: EvaluationLimits = .default
    ) throws(LogicError) -> JSON {
        var env = Env(data: data, limits: limits, context: context)
        return try root.eval(&env)
    }

    /// Evaluates the rule and applies JSON Logic truthiness to the result.
    public func matches(
        _ data: JSON, context: EvaluationContext = .empty,
        limits: EvaluationLimits = .default
    ) throws(LogicError) -> Bool {
        isTruthy(try evaluate(data, context: context, limits: limits))
    }

    /// The rule's value when it does not depend on the data (it folded to a constant).
    public var constantValue: JSON? { root.constant }
}
