// Strings: `cat`, `substr`, `in`.

/// `{"cat": [...]}`: the arguments' texts concatenated (see `stringValue`), bounded
/// by ``EvaluationLimits/maxStringBytes``.
final class CatNode: Node, @unchecked Sendable {
    let args: Args
    init(_ args: Args, path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var out = ""
        for v in try args.values(&env) where !stringValue(v, into: &out, limit: env.limits.maxStringBytes) {
            throw LogicError(
                .limitExceeded, at: self,
                "cat result longer than \(env.limits.maxStringBytes) bytes")
        }
        return .string(out)
    }
    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
}

/// The text of a value `substr` or `in` reads: a string as it is; the text of any
/// other value only up to ``EvaluationLimits/maxStringBytes``.
private func boundedText(_ v: JSON, _ env: Env, at node: Node) throws(LogicError) -> String {
    if case .string(let s) = v { return s }
    var out = ""
    guard stringValue(v, into: &out, limit: env.limits.maxStringBytes) else {
        throw LogicError(.limitExceeded, at: node, "text of \(describe(v)) longer than \(env.limits.maxStringBytes) bytes")
    }
    return out
}

/// `{"substr": [text, start, length?]}`, counting Unicode scalars. A negative start
/// counts from the end; a negative length stops that many before the end.
final class SubstrNode: Node, @unchecked Sendable {
    let args: Args
    init(_ args: Args, path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let values = try args.values(&env)
        guard let first = values.first else {
            throw LogicError(.invalidArguments, at: self, "substr needs a string")
        }
        let text = try boundedText(first, env, at: self)
        try env.charge(text.utf8.count / 64, at: self)
        let scalars = Array(text.unicodeScalars)
        let n = scalars.count
        var start = 0
        if values.count > 1 { start = try integer(values[1]) }
        if start < 0 { start = Swift.max(0, n + start) }
        start = Swift.min(start, n)
        var end = n
        if values.count > 2, !values[2].isNull {
            let length = try integer(values[2])
            end = length < 0 ? n + length : (length > n - start ? n : start + length)
        }
        guard end > start else { return .string("") }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return .string(String(out))
    }
    private func integer(_ v: JSON) throws(LogicError) -> Int {
        guard let d = numericValue(v) else {
            throw LogicError(.nan, at: self, "substr position \(describe(v)) is not a number")
        }
        if d >= 1e15 { return 1 << 50 }
        if d <= -1e15 { return -(1 << 50) }
        return Int(d.rounded(.towardZero))
    }
    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
}

/// `{"in": [needle, haystack]}`: substring test for a string haystack, strict
/// membership for an array; false for anything else.
final class InNode: Node, @unchecked Sendable {
    let args: Args
    init(_ args: Args, path: String) {
        self.args = args
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let needle: JSON, haystack: JSON
        if case .fixed(let nodes) = args, nodes.count == 2 {
            needle = try nodes[0].eval(&env)
            haystack = try nodes[1].eval(&env)
        } else {
            let values = try args.values(&env)
            needle = values.first ?? .null
            haystack = values.count > 1 ? values[1] : .null
        }
        switch haystack {
        case .string(let s):
            let n = try boundedText(needle, env, at: self)
            if n.isEmpty { return .bool(true) }
            // The naive search is O(|s|·|n|) in the worst case; charge for it.
            let (work, overflow) = s.utf8.count.multipliedReportingOverflow(by: n.utf8.count)
            try env.charge(overflow ? Int.max / 2 : work / 1024, at: self)
            return .bool(contains(s, n))
        case .array(let a):
            try env.charge(a.count / 16, at: self)
            for e in a where try strictEquals(e, needle, &env, at: self) { return .bool(true) }
            return .bool(false)
        default:
            return .bool(false)
        }
    }
    private func contains(_ s: String, _ n: String) -> Bool {
        let h = Array(s.utf8), k = Array(n.utf8)
        guard k.count <= h.count else { return false }
        var i = 0
        while i + k.count <= h.count {
            if h[i] == k[0] {
                var j = 1
                while j < k.count, h[i + j] == k[j] { j += 1 }
                if j == k.count { return true }
            }
            i += 1
        }
        return false
    }
    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
}
