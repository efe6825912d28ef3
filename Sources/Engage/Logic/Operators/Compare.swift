// Comparisons. All take two or more arguments and chain pairwise, lazily:
// `{"<": [a, b, c]}` is `a < b && b < c`, and `c` is not evaluated when `a < b` fails.

enum ComparisonOp: Sendable {
    case lt, le, gt, ge, eq, ne, strictEq, strictNe
}

final class CompareNode: Node, @unchecked Sendable {
    let op: ComparisonOp
    let args: [Node]
    init(_ op: ComparisonOp, _ args: [Node], path: String) {
        self.op = op
        self.args = args
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var a = try args[0].eval(&env)
        var i = 1
        while i < args.count {
            let b = try args[i].eval(&env)
            if !(try holds(a, b, &env)) { return .bool(false) }
            a = b
            i += 1
        }
        return .bool(true)
    }

    @inline(__always)
    private func holds(_ a: JSON, _ b: JSON, _ env: inout Env) throws(LogicError) -> Bool {
        switch op {
        case .strictEq: return try strictEquals(a, b, &env, at: self)
        case .strictNe: return !(try strictEquals(a, b, &env, at: self))
        case .eq: return try looseCompare(a, b, at: self) == 0
        case .ne: return try looseCompare(a, b, at: self) != 0
        case .lt: return try looseCompare(a, b, at: self) < 0
        case .le: return try looseCompare(a, b, at: self) <= 0
        case .gt: return try looseCompare(a, b, at: self) > 0
        case .ge: return try looseCompare(a, b, at: self) >= 0
        }
    }

    override var children: [Node] { args }
    override var readsScopes: Bool { args.contains { $0.readsScopes } }
}

/// Strict equality (`===`) charged to the evaluation budget: one step per array or
/// object compared plus one per 16 members. Values built by operators share
/// subvalues, so comparing them can be far more work than their memory suggests.
func strictEquals(_ a: JSON, _ b: JSON, _ env: inout Env, at node: Node) throws(LogicError) -> Bool {
    switch (a, b) {
    case (.array(let x), .array(let y)):
        guard x.count == y.count else { return false }
        try env.charge(1 + x.count / 16, at: node)
        for i in x.indices where !(try strictEquals(x[i], y[i], &env, at: node)) { return false }
        return true
    case (.object(let x), .object(let y)):
        guard x.count == y.count else { return false }
        try env.charge(1 + x.count / 16, at: node)
        for (k, v) in x {
            guard let w = y[k], try strictEquals(v, w, &env, at: node) else { return false }
        }
        return true
    default:
        return a == b
    }
}
