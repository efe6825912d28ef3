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
            if !(try holds(a, b)) { return .bool(false) }
            a = b
            i += 1
        }
        return .bool(true)
    }

    @inline(__always)
    private func holds(_ a: JSON, _ b: JSON) throws(LogicError) -> Bool {
        switch op {
        case .strictEq: return strictEquals(a, b)
        case .strictNe: return !strictEquals(a, b)
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
