/// Bounds on one evaluation of a rule. Exceeding one ends the evaluation with a
/// `Limit Exceeded` error, which `try` cannot catch.
public struct EvaluationLimits: Sendable, Equatable {
    /// Operator applications and iterator steps per evaluation.
    public var maxSteps: Int
    /// Elements in any array an operator builds (`map`, `filter`, `merge`, ...).
    public var maxArrayLength: Int
    /// UTF-8 bytes in any string an operator builds (`cat`, `substr`).
    public var maxStringBytes: Int
    /// Nesting of values an operator builds (`reduce` can wrap its accumulator).
    public var maxValueDepth: Int

    /// 100,000 steps, 100,000 elements, 1 MiB strings, depth 512.
    public init(
        maxSteps: Int = 100_000, maxArrayLength: Int = 100_000,
        maxStringBytes: Int = 1 << 20, maxValueDepth: Int = 512
    ) {
        self.maxSteps = maxSteps
        self.maxArrayLength = maxArrayLength
        self.maxStringBytes = maxStringBytes
        self.maxValueDepth = maxValueDepth
    }

    /// The defaults.
    public static let `default` = EvaluationLimits()
}

/// The state of one evaluation: the data scopes and the remaining budget. A value
/// type passed `inout`, so an evaluation allocates nothing for its own bookkeeping.
struct Env {
    /// The value `var` and scope-less `val` read: the data, or the current element
    /// inside an iterator.
    var current: JSON
    /// Enclosing scopes, outermost (the data) first; each iterator or `try` handler
    /// pushes two: a metadata frame (`{"index": i}`) and the previous current value.
    var outer: [JSON] = []
    var steps: Int
    let limits: EvaluationLimits
    let context: EvaluationContext

    init(data: JSON, limits: EvaluationLimits, context: EvaluationContext) {
        self.current = data
        self.steps = limits.maxSteps
        self.limits = limits
        self.context = context
    }

    /// Charges `n` steps of work.
    @inline(__always)
    mutating func charge(_ n: Int = 1, at node: Node) throws(LogicError) {
        steps &-= n
        if steps < 0 {
            throw LogicError(.limitExceeded, at: node, "evaluation exceeded \(limits.maxSteps) steps")
        }
    }

    /// Enters a scope whose current value is `value`, with `meta` as its metadata frame.
    @inline(__always)
    mutating func push(meta: JSON, _ value: JSON) {
        outer.append(current)
        outer.append(meta)
        current = value
    }

    @inline(__always)
    mutating func pop() {
        outer.removeLast()
        current = outer.removeLast()
    }

    /// Drops scopes down to `depth` frames and makes `current` current again.
    mutating func restore(depth: Int, current: JSON) {
        if outer.count > depth { outer.removeSubrange(depth...) }
        self.current = current
    }

    /// The value `levels` frames above the current one (clamped at the data).
    func frame(up levels: Int) -> JSON {
        if levels <= 0 { return current }
        let i = outer.count - levels
        if i < 0 { return outer.first ?? current }
        return outer[i]
    }
}

/// A compiled rule node. Compilation resolves operators, splits paths and folds
/// constants, so evaluation is a walk over these nodes that never touches JSON text.
///
/// Nodes are immutable after compilation and shared across threads.
class Node: @unchecked Sendable {
    /// Where the node sits in its rule, for error messages.
    let path: String

    init(path: String) { self.path = path }

    /// Evaluates the node. Subclasses override.
    func eval(_ env: inout Env) throws(LogicError) -> JSON { .null }

    /// The node's value when it is a compile-time constant.
    var constant: JSON? { nil }

    /// Whether evaluation may read scope metadata (`val` with a scope hop), so
    /// iterators know to build the `{"index": i}` frame.
    var readsScopes: Bool { false }

    /// How many levels of nesting evaluation may add above its inputs (array
    /// literals and `map` add one), so `reduce` knows when to watch depth.
    var wraps: Int { 0 }

    /// Children, for analyses.
    var children: [Node] { [] }
}

/// A constant.
final class Literal: Node, @unchecked Sendable {
    let value: JSON
    init(_ value: JSON, path: String) {
        self.value = value
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON { value }
    override var constant: JSON? { value }
}

/// An array literal rule such as `[1, {"var": "x"}]`: each element evaluated.
final class ArrayNode: Node, @unchecked Sendable {
    let elements: [Node]
    init(_ elements: [Node], path: String) {
        self.elements = elements
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        var out: [JSON] = []
        out.reserveCapacity(elements.count)
        for e in elements { out.append(try e.eval(&env)) }
        return .array(out)
    }
    override var readsScopes: Bool { elements.contains { $0.readsScopes } }
    override var wraps: Int { 1 + (elements.map(\.wraps).max() ?? 0) }
    override var children: [Node] { elements }
}

/// Builds a `Literal` when every node is constant; used by constant folding.
func allConstant(_ nodes: [Node]) -> [JSON]? {
    var out: [JSON] = []
    out.reserveCapacity(nodes.count)
    for n in nodes {
        guard let c = n.constant else { return nil }
        out.append(c)
    }
    return out
}
