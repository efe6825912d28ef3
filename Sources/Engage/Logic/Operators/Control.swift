// Control flow: `if`/`?:`, `and`, `or`, `!`, `!!`, `??`, `throw`, `try`.
// Everything here is lazy: arguments are evaluated only as far as the result needs.

/// The arguments of an operator that accepts either an argument list or a single rule
/// whose value, when an array, is the argument list (`{"+": {"var": "xs"}}`).
enum Args: Sendable {
    case fixed([Node])
    case spread(Node)

    var nodes: [Node] {
        switch self {
        case .fixed(let n): return n
        case .spread(let n): return [n]
        }
    }

    /// Evaluates the arguments.
    @inline(__always)
    func values(_ env: inout Env) throws(LogicError) -> [JSON] {
        switch self {
        case .fixed(let nodes):
            var out: [JSON] = []
            out.reserveCapacity(nodes.count)
            for n in nodes { out.append(try n.eval(&env)) }
            return out
        case .spread(let node):
            let v = try node.eval(&env)
            if case .array(let a) = v { return a }
            return [v]
        }
    }
}

/// `{"if": [c1, v1, c2, v2, ..., else]}`; `?:` is the three-argument form.
final class IfNode: Node, @unchecked Sendable {
    let args: [Node]
    init(_ args: [Node], path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var i = 0
        let n = args.count
        while i + 1 < n {
            if isTruthy(try args[i].eval(&env)) { return try args[i + 1].eval(&env) }
            i += 2
        }
        return i < n ? try args[i].eval(&env) : .null
    }
    override var children: [Node] { args }
    override var readsScopes: Bool { args.contains { $0.readsScopes } }
    override var wraps: Int { args.map(\.wraps).max() ?? 0 }
}

/// `and` (`isOr == false`) and `or`: the first deciding value, lazily; `false` when empty.
final class AndOrNode: Node, @unchecked Sendable {
    let args: [Node]
    let isOr: Bool
    init(_ args: [Node], isOr: Bool, path: String) {
        self.args = args
        self.isOr = isOr
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard !args.isEmpty else { return .bool(false) }
        var last = JSON.null
        for a in args {
            last = try a.eval(&env)
            if isTruthy(last) == isOr { return last }
        }
        return last
    }
    override var children: [Node] { args }
    override var readsScopes: Bool { args.contains { $0.readsScopes } }
    override var wraps: Int { args.map(\.wraps).max() ?? 0 }
}

/// `!` (`negate`) and `!!`: the truthiness of the first argument (null when none).
final class TruthNode: Node, @unchecked Sendable {
    let arg: Node?
    let negate: Bool
    init(_ arg: Node?, negate: Bool, path: String) {
        self.arg = arg
        self.negate = negate
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let v = try arg?.eval(&env) ?? .null
        return .bool(isTruthy(v) != negate)
    }
    override var children: [Node] { arg.map { [$0] } ?? [] }
    override var readsScopes: Bool { arg?.readsScopes ?? false }
}

/// `??`: the first argument that is not null.
final class CoalesceNode: Node, @unchecked Sendable {
    let args: [Node]
    init(_ args: [Node], path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        for a in args {
            let v = try a.eval(&env)
            if !v.isNull { return v }
        }
        return .null
    }
    override var children: [Node] { args }
    override var readsScopes: Bool { args.contains { $0.readsScopes } }
    override var wraps: Int { args.map(\.wraps).max() ?? 0 }
}

/// `{"throw": value}`: raises `value` — a string becomes `{"type": value}`; an object
/// is raised as it is (its `type` names the error).
final class ThrowNode: Node, @unchecked Sendable {
    let arg: Node
    init(_ arg: Node, path: String) {
        self.arg = arg
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let v = try arg.eval(&env)
        let payload: JSON
        switch v {
        case .object: payload = v
        case .string: payload = .object(JSONObject([("type", v)]))
        default:
            // Another value's JSON text names the error; an operator-built value can
            // share subvalues, so only a small one is written out.
            var budget = 4096
            let type = fitsIn(v, &budget) ? JSONSerializer.string(v) : v.typeName
            payload = .object(JSONObject([("type", .string(type))]))
        }
        var type = payload["type"] == nil ? "null" : ""
        if !stringValue(payload["type"] ?? .null, into: &type, limit: 256) { type = "\(type.prefix(256))..." }
        throw LogicError(.thrown, path: path, "rule threw \"\(type)\"", payload: payload)
    }

    /// Whether `v` has at most `budget` nodes, counting shared subvalues each time.
    private func fitsIn(_ v: JSON, _ budget: inout Int) -> Bool {
        budget -= 1
        if budget < 0 { return false }
        switch v {
        case .array(let a):
            for e in a where !fitsIn(e, &budget) { return false }
        case .object(let o):
            for e in o.values where !fitsIn(e, &budget) { return false }
        default:
            break
        }
        return true
    }
    override var children: [Node] { [arg] }
    override var readsScopes: Bool { arg.readsScopes }
}

/// `{"try": [a, b, ...]}`: the first argument that evaluates without a catchable error.
/// Each fallback runs with the previous error (`{"type": ...}`) as its current value,
/// the enclosing value one scope up; the last error propagates.
final class TryNode: Node, @unchecked Sendable {
    let args: [Node]
    init(_ args: [Node], path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard let first = args.first else { return .null }
        // An error can leave scopes pushed by the iterators it escaped; restore them.
        let depth = env.outer.count
        let saved = env.current
        var failure: LogicError
        do {
            return try first.eval(&env)
        } catch {
            guard error.isCatchable else { throw error }
            env.restore(depth: depth, current: saved)
            failure = error
        }
        for handler in args.dropFirst() {
            env.push(meta: .null, failure.payload)
            do {
                let v = try handler.eval(&env)
                env.pop()
                return v
            } catch {
                guard error.isCatchable else { throw error }
                env.restore(depth: depth, current: saved)
                failure = error
            }
        }
        throw failure
    }
    override var children: [Node] { args }
    override var readsScopes: Bool { args.contains { $0.readsScopes } }
    override var wraps: Int { args.map(\.wraps).max() ?? 0 }
}
