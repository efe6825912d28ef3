/// `{"rollout": [salt, percent]}` or `{"rollout": [salt, percent, id]}`: whether the
/// user (the context's user id, or `id`) is in the first `percent` of buckets for
/// `salt`. False when there is no user id.
final class RolloutNode: Node, @unchecked Sendable {
    let salt: Node
    let percent: Node
    let id: Node?
    init(salt: Node, percent: Node, id: Node?, path: String) {
        self.salt = salt
        self.percent = percent
        self.id = id
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard case .string(let s) = try salt.eval(&env) else {
            throw LogicError(.invalidArguments, at: self, "rollout salt must be a string")
        }
        guard case .number(let p) = try percent.eval(&env), p >= 0, p <= 100 else {
            throw LogicError(.invalidArguments, at: self, "rollout percent must be a number from 0 to 100")
        }
        let user: String?
        if let id {
            let v = try id.eval(&env)
            switch v {
            case .null: user = nil
            case .string(let u): user = u
            default: user = stringValue(v)
            }
        } else {
            user = env.context.userID
        }
        guard let user else { return .bool(false) }
        return .bool(Bucketing.inRollout(salt: s, percent: p, userID: user))
    }
    override var children: [Node] { [salt, percent] + (id.map { [$0] } ?? []) }
}

let rolloutOperator = OperatorSpec(
    build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
        let args = try c.list(operand, "rollout", path)
        guard args.count == 2 || args.count == 3 else {
            throw LogicError(.invalidArguments, path: path, "\"rollout\" takes [salt, percent, id?], found \(args.count) arguments")
        }
        if let s = args[0].constant {
            guard let salt = s.stringValue else {
                throw LogicError(.invalidArguments, path: "\(path)[0]", "rollout salt must be a string, found \(s.typeName)")
            }
            // The key joins its fields with 0x00: such a salt would put nobody in the rollout.
            if salt.utf8.contains(0) {
                throw LogicError(.invalidArguments, path: "\(path)[0]", "rollout salt must not contain U+0000 (bucketing keys join their fields with 0x00)")
            }
        }
        if let p = args[1].constant {
            guard case .number(let d) = p, d >= 0, d <= 100 else {
                throw LogicError(.invalidArguments, path: "\(path)[1]", "rollout percent must be a number from 0 to 100, found \(describe(p))")
            }
        }
        return RolloutNode(salt: args[0], percent: args[1], id: args.count == 3 ? args[2] : nil, path: path)
    }, foldable: false)
