// Reading the data: `var` (dot paths, defaults), `val` (key arrays, scope hops),
// `exists`, `missing`, `missing_some`. Static paths are split once at compile time.

/// One step of a data path: an object key, and the array index it denotes when the
/// key is a canonical non-negative integer.
struct PathKey: Sendable {
    let key: String
    let index: Int?
    /// The key's JSONObject.keyHash, precomputed for member lookup (PathLookup.swift).
    let hash: UInt64
    /// Whether the key is ASCII (a faster byte-equality check; PathLookup.swift).
    let isASCII: Bool

    init(_ key: String) {
        self.key = key
        self.index = PathKey.canonicalIndex(key)
        self.hash = JSONObject.keyHash(key)
        self.isASCII = key.utf8.allSatisfy { $0 < 0x80 }
    }

    init(index: Int) {
        self.init(String(index))
    }

    /// A path step from a JSON value: strings and integral numbers; nil otherwise.
    init?(_ v: JSON) {
        switch v {
        case .string(let s): self.init(s)
        case .number(let d):
            guard let i = JSON.number(d).intValue else {
                self.init(stringValue(v))
                return
            }
            self.init(index: i)
        default: return nil
        }
    }

    private static func canonicalIndex(_ s: String) -> Int? {
        let u = s.utf8
        guard !u.isEmpty, u.count <= 18 else { return nil }
        if u.count > 1, u.first == 0x30 { return nil }
        var n = 0
        for c in u {
            let d = c &- 0x30
            guard d < 10 else { return nil }
            n = n * 10 + Int(d)
        }
        return n
    }

    /// Splits a `var` path on dots; the empty path is the whole value.
    static func split(dotted s: String) -> [PathKey] {
        if s.isEmpty { return [] }
        return s.split(separator: ".", omittingEmptySubsequences: false).map { PathKey(String($0)) }
    }
}

/// Follows `keys` from `value`; nil when a step is missing.
@inline(__always)
func resolve(_ value: JSON, _ keys: [PathKey]) -> JSON? {
    var v = value
    for k in keys {
        switch v {
        case .object(let o):
            guard let next = o.member(k) else { return nil }
            v = next
        case .array(let a):
            guard let i = k.index, i < a.count else { return nil }
            v = a[i]
        default:
            return nil
        }
    }
    return v
}

/// `{"var": "a.b"}` / `{"var": ["a.b", default]}` with a constant path.
final class VarNode: Node, @unchecked Sendable {
    let keys: [PathKey]
    let fallback: Node?
    init(keys: [PathKey], fallback: Node?, path: String) {
        self.keys = keys
        self.fallback = fallback
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        if let v = resolve(env.current, keys), !v.isNull { return v }
        if let fallback { return try fallback.eval(&env) }
        return .null
    }
    override var children: [Node] { fallback.map { [$0] } ?? [] }
    override var readsScopes: Bool { fallback?.readsScopes ?? false }
    // The empty path returns the whole current value — inside `reduce`, the frame
    // that wraps the accumulator — and the default may build a wrapping value.
    override var wraps: Int { max(keys.isEmpty ? 1 : 0, fallback?.wraps ?? 0) }
}

/// `{"var": <rule>}`: the path is computed at evaluation time.
final class DynamicVarNode: Node, @unchecked Sendable {
    let pathNode: Node
    let fallback: Node?
    init(pathNode: Node, fallback: Node?, path: String) {
        self.pathNode = pathNode
        self.fallback = fallback
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let p = try pathNode.eval(&env)
        let keys: [PathKey]
        switch p {
        case .null: keys = []
        case .string(let s): keys = PathKey.split(dotted: s)
        case .number: keys = PathKey(p).map { [$0] } ?? []
        case .array(let a) where a.isEmpty: keys = []
        default:
            throw LogicError(.invalidArguments, at: self, "var path must be a string or number, found \(p.typeName)")
        }
        if let v = resolve(env.current, keys), !v.isNull { return v }
        if let fallback { return try fallback.eval(&env) }
        return .null
    }
    override var children: [Node] { [pathNode] + (fallback.map { [$0] } ?? []) }
    override var readsScopes: Bool { children.contains { $0.readsScopes } }
    // A computed path may be empty (the whole current value); see `VarNode.wraps`.
    override var wraps: Int { max(1, fallback?.wraps ?? 0) }
}

/// `{"val": ...}` and `{"exists": ...}` with constant keys: `hop` scopes up, then keys.
final class ValNode: Node, @unchecked Sendable {
    let hop: Int
    let keys: [PathKey]
    let existence: Bool
    init(hop: Int, keys: [PathKey], existence: Bool, path: String) {
        self.hop = hop
        self.keys = keys
        self.existence = existence
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        let found = resolve(env.frame(up: hop), keys)
        if existence { return .bool(found != nil) }
        return found ?? .null
    }
    override var readsScopes: Bool { hop > 0 }
    // No keys returns a whole scope value, which may wrap `reduce`'s accumulator.
    override var wraps: Int { !existence && keys.isEmpty ? 1 : 0 }
}

/// `{"val": ...}` and `{"exists": ...}` whose keys are computed at evaluation time.
/// `spread` is set for the single-rule form (`{"val": {"cat": ...}}`), whose value, if
/// an array, is the whole key list.
final class DynamicValNode: Node, @unchecked Sendable {
    let parts: [Node]
    let spread: Bool
    let existence: Bool
    init(parts: [Node], spread: Bool, existence: Bool, path: String) {
        self.parts = parts
        self.spread = spread
        self.existence = existence
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var values: [JSON] = []
        for p in parts { values.append(try p.eval(&env)) }
        if spread, values.count == 1, case .array(let a) = values[0] { values = a }
        var hop = 0
        if let first = values.first, case .array(let h) = first {
            guard h.count == 1, let n = h[0].intValue else {
                throw LogicError(.invalidArguments, at: self, "a scope step must be [n] with an integer n")
            }
            hop = n == Int.min ? Int.max : abs(n)
            values.removeFirst()
        }
        var keys: [PathKey] = []
        for v in values {
            guard let k = PathKey(v) else {
                if existence { return .bool(false) }
                return .null
            }
            keys.append(k)
        }
        let found = resolve(env.frame(up: hop), keys)
        if existence { return .bool(found != nil) }
        return found ?? .null
    }
    override var children: [Node] { parts }
    override var readsScopes: Bool { true }
    // Computed keys may be empty: a whole scope value (see `ValNode.wraps`).
    override var wraps: Int { existence ? 0 : 1 }
}

/// `{"missing": [keys...]}`: the keys (dotted paths) whose value is absent, null or "".
final class MissingNode: Node, @unchecked Sendable {
    let args: Args
    init(args: Args, path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var keys = try args.values(&env)
        if let first = keys.first, case .array(let a) = first { keys = a }
        return .array(try missingKeys(keys, in: env.current, &env))
    }
    func missingKeys(_ keys: [JSON], in data: JSON, _ env: inout Env) throws(LogicError) -> [JSON] {
        var out: [JSON] = []
        for k in keys {
            try env.charge(at: self)
            let path: [PathKey]
            switch k {
            case .string(let s): path = PathKey.split(dotted: s)
            default: path = PathKey(k).map { [$0] } ?? []
            }
            switch resolve(data, path) {
            case nil, .null?, .string("")?: out.append(k)
            default: break
            }
        }
        return out
    }
    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
    // The result lists keys as given, and a key may be any value.
    override var wraps: Int { 1 + (args.nodes.map(\.wraps).max() ?? 0) }
}

/// `{"missing_some": [need, [keys...]]}`: empty when at least `need` keys are present,
/// otherwise the missing ones.
final class MissingSomeNode: Node, @unchecked Sendable {
    let need: Node
    let keys: Node
    let missing: MissingNode
    init(need: Node, keys: Node, path: String) {
        self.need = need
        self.keys = keys
        self.missing = MissingNode(args: .fixed([]), path: path)
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard let n = numericValue(try need.eval(&env)) else {
            throw LogicError(.invalidArguments, at: self, "missing_some needs a number of keys first")
        }
        guard case .array(let list) = try keys.eval(&env) else {
            throw LogicError(.invalidArguments, at: self, "missing_some needs an array of keys second")
        }
        let absent = try missing.missingKeys(list, in: env.current, &env)
        return Double(list.count - absent.count) >= n ? .array([]) : .array(absent)
    }
    override var children: [Node] { [need, keys] }
    override var readsScopes: Bool { need.readsScopes || keys.readsScopes }
    override var wraps: Int { keys.wraps }
}
