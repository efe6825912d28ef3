// Arrays: `merge` and the iterators `map`, `filter`, `reduce`, `all`, `some`, `none`.
//
// An iterator evaluates its body once per element with the element as the current
// value; one scope up is a metadata frame (`{"index": i}`), two up the enclosing
// value. `reduce`'s current value is `{"current": element, "accumulator": acc}`.
// Every element costs a step of the evaluation budget.

/// `{"merge": [...]}`: arrays flattened one level, other values appended.
final class MergeNode: Node, @unchecked Sendable {
    let args: Args
    init(_ args: Args, path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var out: [JSON] = []
        for v in try args.values(&env) {
            if case .array(let a) = v { out.append(contentsOf: a) } else { out.append(v) }
            if out.count > env.limits.maxArrayLength {
                throw LogicError(
                    .limitExceeded, at: self,
                    "merge result longer than \(env.limits.maxArrayLength) elements")
            }
        }
        try env.charge(out.count / 16, at: self)
        return .array(out)
    }
    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
    // A non-array argument becomes an element: one level of wrapping (an array
    // argument is flattened, so it adds none, but one level is a safe bound).
    override var wraps: Int { 1 + (args.nodes.map(\.wraps).max() ?? 0) }
}

enum IteratorOp: String, Sendable {
    case map, filter, all, some, none
}

/// `map`, `filter`, `all`, `some`, `none` over `source` with `body`.
final class IteratorNode: Node, @unchecked Sendable {
    let op: IteratorOp
    let source: Node
    let body: Node
    /// Whether the body reads scope metadata, so the `{"index": i}` frame is built.
    let needsMeta: Bool

    init(_ op: IteratorOp, source: Node, body: Node, path: String) {
        self.op = op
        self.source = source
        self.body = body
        self.needsMeta = body.readsScopes
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let items: [JSON]
        switch try source.eval(&env) {
        case .array(let a): items = a
        case .null where op == .map || op == .filter: return .array([])
        case let other:
            throw LogicError(.invalidArguments, at: self, "\(op.rawValue) needs an array, found \(other.typeName)")
        }
        switch op {
        case .map, .filter:
            // map's result is as long as its input: refuse before doing the work.
            if op == .map, items.count > env.limits.maxArrayLength { throw tooLong(env) }
            var out: [JSON] = []
            out.reserveCapacity(op == .map ? items.count : 0)
            for (i, item) in items.enumerated() {
                try env.charge(at: self)
                env.push(meta: meta(i), item)
                let v = try body.eval(&env)
                env.pop()
                if op == .map {
                    out.append(v)
                } else if isTruthy(v) {
                    out.append(item)
                    if out.count > env.limits.maxArrayLength { throw tooLong(env) }
                }
            }
            return .array(out)
        case .all, .some, .none:
            if items.isEmpty { return .bool(op == .none) }
            // all: stop at the first falsy; some/none: stop at the first truthy.
            let stopOn = op != .all
            for (i, item) in items.enumerated() {
                try env.charge(at: self)
                env.push(meta: meta(i), item)
                let v = try body.eval(&env)
                env.pop()
                if isTruthy(v) == stopOn { return .bool(op == .some) }
            }
            return .bool(op != .some)
        }
    }

    private func tooLong(_ env: Env) -> LogicError {
        LogicError(.limitExceeded, at: self, "\(op.rawValue) result longer than \(env.limits.maxArrayLength) elements")
    }

    @inline(__always)
    private func meta(_ i: Int) -> JSON {
        needsMeta ? .object(JSONObject([("index", .number(Double(i)))])) : .null
    }

    override var children: [Node] { [source, body] }
    override var readsScopes: Bool { source.readsScopes || body.readsScopes }
    override var wraps: Int { op == .map ? 1 + body.wraps : source.wraps }
}

/// `{"reduce": [source, body, initial]}`.
final class ReduceNode: Node, @unchecked Sendable {
    let source: Node
    let body: Node
    let initial: Node?
    let needsMeta: Bool
    private static let keys = ["current", "accumulator"]

    init(source: Node, body: Node, initial: Node?, path: String) {
        self.source = source
        self.body = body
        self.initial = initial
        self.needsMeta = body.readsScopes
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let items: [JSON]
        switch try source.eval(&env) {
        case .array(let a): items = a
        case .null: items = []
        case let other:
            throw LogicError(.invalidArguments, at: self, "reduce needs an array, found \(other.typeName)")
        }
        var acc = try initial?.eval(&env) ?? .null
        // A body that wraps its inputs can nest the accumulator once per element;
        // watch the depth so no value outgrows what can be released safely.
        let watchDepth = body.wraps > 0
        let maxDepth = min(env.limits.maxValueDepth, JSONLimits.depthCeiling)
        for (i, item) in items.enumerated() {
            try env.charge(at: self)
            let frame = JSON.object(JSONObject(keys: ReduceNode.keys, values: [item, acc]))
            env.push(meta: needsMeta ? .object(JSONObject([("index", .number(Double(i)))])) : .null, frame)
            acc = try body.eval(&env)
            env.pop()
            if watchDepth {
                // Shared subvalues can make the accumulator's tree exponentially
                // larger than its memory; stop walking once the walk alone would
                // exhaust the remaining budget.
                let (product, overflow) = max(0, env.steps).multipliedReportingOverflow(by: 16)
                let budget = overflow ? Int.max : product
                var visited = 0
                if exceedsDepth(acc, maxDepth, &visited, budget: budget) {
                    throw LogicError(.limitExceeded, at: self, "reduce built a value nested deeper than \(maxDepth)")
                }
                if visited > budget {
                    throw LogicError(.limitExceeded, at: self, "evaluation exceeded \(env.limits.maxSteps) steps")
                }
                try env.charge(visited / 16, at: self)
            }
        }
        return acc
    }

    override var children: [Node] { [source, body] + (initial.map { [$0] } ?? []) }
    override var readsScopes: Bool { children.contains { $0.readsScopes } }
    override var wraps: Int { 1 + body.wraps }
}

/// Whether `v` nests deeper than `limit`; recursion stops one level past the limit.
/// The walk also stops once `visited` exceeds `budget` (returning false); the caller
/// treats that as the evaluation budget running out.
func exceedsDepth(_ v: JSON, _ limit: Int, _ visited: inout Int, budget: Int) -> Bool {
    visited &+= 1
    if visited > budget { return false }
    switch v {
    case .array(let a):
        if limit <= 0 { return true }
        for e in a {
            if exceedsDepth(e, limit - 1, &visited, budget: budget) { return true }
            if visited > budget { return false }
        }
        return false
    case .object(let o):
        if limit <= 0 { return true }
        for e in o.values {
            if exceedsDepth(e, limit - 1, &visited, budget: budget) { return true }
            if visited > budget { return false }
        }
        return false
    default:
        return false
    }
}
