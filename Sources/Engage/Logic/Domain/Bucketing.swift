/// Deterministic bucketing: the same key gives the same bucket on every host and in
/// every language binding.
///
/// The hash is MurmurHash3 x86 32-bit (seed 0) of the key's UTF-8 bytes; the bucket
/// is the hash modulo the bucket count. Rollout uses the key `salt + ":" + userID`
/// and 10,000 buckets, so percentages resolve to 0.01%: a user is in a `p` percent
/// rollout when `bucket < p × 100`. Test vectors in Tests/vectors/bucketing.json.
public enum Bucketing {
    /// MurmurHash3 x86_32 of `bytes` with `seed`.
    public static func murmur3(_ bytes: some Collection<UInt8>, seed: UInt32 = 0) -> UInt32 {
        let c1: UInt32 = 0xCC9E_2D51, c2: UInt32 = 0x1B87_3593
        var h = seed
        var block: UInt32 = 0
        var n = 0
        for b in bytes {
            block |= UInt32(b) << (8 * UInt32(n & 3))
            n += 1
            if n & 3 == 0 {
                var k = block &* c1
                k = (k << 15) | (k >> 17)
                h ^= k &* c2
                h = (h << 13) | (h >> 19)
                h = h &* 5 &+ 0xE654_6B64
                block = 0
            }
        }
        if n & 3 != 0 {
            var k = block &* c1
            k = (k << 15) | (k >> 17)
            h ^= k &* c2
        }
        h ^= UInt32(truncatingIfNeeded: n)
        h ^= h >> 16
        h = h &* 0x85EB_CA6B
        h ^= h >> 13
        h = h &* 0xC2B2_AE35
        h ^= h >> 16
        return h
    }

    /// The bucket, in `0..<buckets`, of `key` (buckets > 0).
    public static func bucket(_ key: String, buckets: Int = 10_000) -> Int {
        guard buckets > 0 else { return 0 }
        return Int(murmur3(key.utf8) % UInt32(truncatingIfNeeded: min(buckets, Int(UInt32.max))))
    }

    /// Whether `userID` falls in a `percent` rollout salted with `salt`.
    public static func inRollout(salt: String, percent: Double, userID: String) -> Bool {
        guard percent > 0 else { return false }
        if percent >= 100 { return true }
        return Double(bucket(salt + ":" + userID)) < percent * 100
    }
}

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

let rolloutOperator = OperatorSpec(build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
    let args = try c.list(operand, "rollout", path)
    guard args.count == 2 || args.count == 3 else {
        throw LogicError(.invalidArguments, path: path, "\"rollout\" takes [salt, percent, id?], found \(args.count) arguments")
    }
    if let s = args[0].constant, s.stringValue == nil {
        throw LogicError(.invalidArguments, path: "\(path)[0]", "rollout salt must be a string, found \(s.typeName)")
    }
    if let p = args[1].constant {
        guard case .number(let d) = p, d >= 0, d <= 100 else {
            throw LogicError(.invalidArguments, path: "\(path)[1]", "rollout percent must be a number from 0 to 100, found \(describe(p))")
        }
    }
    return RolloutNode(salt: args[0], percent: args[1], id: args.count == 3 ? args[2] : nil, path: path)
}, foldable: false)
