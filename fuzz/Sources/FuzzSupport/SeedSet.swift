import Engage

/// The documents a target feeds its reader, taken from the fuzzer's input in one of two
/// modes:
///
/// - **Raw** (the first byte is below 0xF0 — any JSON text): the input itself, split at
///   its first `count - 1` newlines into `count` documents (missing ones are empty).
/// - **Structured** (the first byte is 0xF0–0xFF): a *valid* seed document mutated field
///   by field. The rest of the input is a plan, read front to back (``FuzzBytes``):
///
///       marker      0xF0 | (edits - 1) in the low two bits: 1–4 edits
///       seed        which seed (modulo the seeds)
///       per edit:   node (2 bytes, modulo the seed's nodes), operation (1 byte, modulo
///                   16), then the operation's own bytes
///
///   Nodes are the seed's JSON values in a fixed order (pre-order: each document, each
///   value before its members/elements, members in document order). An edit replaces
///   node k's value with text: a numeric extreme (±2^63, ±2^63±1, ±2^53±1, ±1e308,
///   1e-400, -0, 0.5, …), a number- or time-like string ("NaN", "Infinity",
///   "-9223372036854775808", "9999-12-31T23:59:59Z", "localtime", …), a long string
///   (up to 64 KiB), a wrong type or empty container, deep nesting, a raw fragment of
///   the input, an integer or double from the input's bits, another node's value, or
///   the node's own string with its digits replaced by an extreme ("7d" →
///   "9223372036854775808d"). Or it renames the member's key (long or odd keys),
///   removes the member or element, repeats it (duplicate keys, long arrays), or wraps
///   it in an array. Operation 15 keeps the node: `F0 i 00 00 0F` is seed i unchanged,
///   which is how the committed structured seeds start.
///
/// Everything the plan produces is text for the target's real entry point (parse, then
/// read), so the parser, its limits and the reader are fuzzed together.
public struct SeedSet: Sendable {
    enum Position: Sendable { case root, member, element }

    struct Node: Sendable {
        let value: JSON
        /// This node and its descendants.
        var size: Int
        let position: Position
    }

    struct Seed: Sendable {
        let documents: [JSON]
        let nodes: [Node]
    }

    enum Edit {
        case text([UInt8])
        case copy(Int)
        case key([UInt8])
        case remove
        case repeated(Int)
        case wrapped(Int)
        case digits(String)
        case keep
    }

    let seeds: [Seed]

    /// Output a plan may build by repetition (a long array of campaigns, say) before it
    /// stops repeating: large enough to reach the readers' limits that matter, small
    /// enough that a debug ASan build compiles it well within the per-input timeout.
    static let repeatBudget = 256 << 10

    /// `seeds`: each a list of documents (one per document the target reads).
    public init(_ seeds: [[JSON]]) {
        precondition(!seeds.isEmpty && seeds.allSatisfy { !$0.isEmpty }, "a seed set needs documents")
        self.seeds = seeds.map { docs in
            var nodes: [Node] = []
            for doc in docs { Self.index(doc, .root, into: &nodes) }
            return Seed(documents: docs, nodes: nodes)
        }
    }

    /// Seeds given as JSON texts; a text that does not parse stops the fuzzer at once.
    public init(texts: [[String]]) {
        self.init(texts.map { docs in docs.map { Seeds.parse($0) } })
    }

    /// The seeds' documents, unchanged.
    public var documents: [[JSON]] { seeds.map(\.documents) }

    private static func index(_ v: JSON, _ position: Position, into nodes: inout [Node]) {
        let at = nodes.count
        nodes.append(Node(value: v, size: 1, position: position))
        switch v {
        case .array(let a): for e in a { index(e, .element, into: &nodes) }
        case .object(let o): for (_, m) in o { index(m, .member, into: &nodes) }
        default: break
        }
        nodes[at].size = nodes.count - at
    }

    /// The `count` documents the input stands for (see the type's documentation).
    public func documents(_ data: UnsafePointer<UInt8>?, _ size: Int, count: Int) -> [[UInt8]] {
        let input = UnsafeRawBufferPointer(start: data, count: size)
        let docs: [[UInt8]]
        if let first = input.first, first >= 0xF0 {
            docs = structured(input)
        } else {
            docs = Self.split(input, count)
        }
        Seeds.show(docs)
        return docs
    }

    static func split(_ input: UnsafeRawBufferPointer, _ count: Int) -> [[UInt8]] {
        var docs: [[UInt8]] = []
        var rest = input[...]
        while docs.count < count - 1, let nl = rest.firstIndex(of: 0x0A) {
            docs.append(Array(rest[..<nl]))
            rest = rest[(nl + 1)...]
        }
        docs.append(Array(rest))
        while docs.count < count { docs.append([]) }
        return docs
    }

    private func structured(_ input: UnsafeRawBufferPointer) -> [[UInt8]] {
        var plan = FuzzBytes(input)
        let marker = plan.byte()
        let seed = seeds[Int(plan.byte()) % seeds.count]
        var edits: [Int: Edit] = [:]
        for _ in 0...(Int(marker) & 3) {
            let node = plan.uint16() % seed.nodes.count
            edits[node] = Self.edit(&plan, nodes: seed.nodes.count)
        }
        var emitter = Emitter(nodes: seed.nodes, edits: edits)
        return seed.documents.map { doc in
            var out: [UInt8] = []
            emitter.value(doc, into: &out)
            return out
        }
    }

    private static func edit(_ plan: inout FuzzBytes, nodes: Int) -> Edit {
        switch plan.byte() % 16 {
        case 0: return .text(Array(plan.pick(Replacements.numbers).utf8))
        case 1: return .text(Array(plan.pick(Replacements.strings).utf8))
        case 2: return .text(longString(&plan))
        case 3: return .text(Array(plan.pick(Replacements.wrongTypes).utf8))
        case 4: return .text(deep(&plan))
        case 5: return .text(plan.take(Int(plan.byte())))
        case 6: return .copy(plan.uint16() % nodes)
        case 7: return .key(longString(&plan))
        case 8: return .remove
        case 9: return .repeated(2 + plan.uint16() % 2000)
        case 10: return .text(Array(String(Int64(bitPattern: plan.uint64())).utf8))
        case 11:
            let d = Double(bitPattern: plan.uint64())
            return .text(Array((d.isFinite ? "\(d)" : "1e999").utf8))
        case 12: return .digits(plan.pick(Replacements.numbers))
        case 13: return .key(Array(plan.pick(Replacements.strings).utf8))
        case 14: return .wrapped(1 + plan.uint16() % 2000)
        default: return .keep
        }
    }

    /// A JSON string literal of about `n` bytes of one repeated piece.
    private static func longString(_ plan: inout FuzzBytes) -> [UInt8] {
        let b = plan.byte()
        let length = b < 0x80 ? Replacements.lengths[Int(b) % Replacements.lengths.count] : plan.uint16()
        let piece = Array(plan.pick(Replacements.pieces).utf8)
        var out: [UInt8] = [0x22]
        out.reserveCapacity(length + 8)
        while out.count - 1 < length { out += piece }
        out.append(0x22)
        return out
    }

    /// Up to 4096 levels of arrays, objects or rules around `true`.
    private static func deep(_ plan: inout FuzzBytes) -> [UInt8] {
        let depth = 1 + plan.uint16() % 4096
        let (open, close): (String, String)
        switch plan.byte() % 4 {
        case 0: (open, close) = ("[", "]")
        case 1: (open, close) = (#"{"a":"#, "}")
        case 2: (open, close) = (#"{"!":["#, "]}")
        default: (open, close) = (#"{"and":[true,"#, "]}")
        }
        var out: [UInt8] = []
        for _ in 0..<depth { out += open.utf8 }
        out += "true".utf8
        for _ in 0..<depth { out += close.utf8 }
        return out
    }
}

/// Writes a seed's documents with the plan's edits applied, walking the nodes in the
/// order ``SeedSet`` numbered them.
private struct Emitter {
    let nodes: [SeedSet.Node]
    let edits: [Int: SeedSet.Edit]
    var next = 0

    init(nodes: [SeedSet.Node], edits: [Int: SeedSet.Edit]) {
        self.nodes = nodes
        self.edits = edits
    }

    /// Writes the value of node `next` (which is `v`) and moves past its subtree.
    /// Edits that concern the parent's layout (key, remove, repeat) were handled by the
    /// parent; at the root they apply to the value.
    mutating func value(_ v: JSON, into out: inout [UInt8]) {
        let at = next
        let end = at + nodes[at].size
        switch edits[at] {
        case .text(let t)?:
            out += t
        case .key(let t)? where nodes[at].position != .member:
            out += t
        case .copy(let j)?:
            JSONSerializer.write(nodes[j].value, into: &out)
        case .digits(let t)?:
            if case .string(let s) = v {
                JSONSerializer.write(.string(Self.replacingDigits(s, with: t)), into: &out)
            } else {
                out += t.utf8
            }
        case .wrapped(let n)?:
            wrap(v, n, into: &out)
        case .repeated(let n)? where nodes[at].position == .root:
            wrap(v, n, into: &out)
        case .remove? where nodes[at].position == .root:
            out += "{}".utf8
        default:
            plain(v, into: &out)
        }
        next = end
    }

    /// `[v, v, …]`: `n` copies, fewer when they would pass the repeat budget.
    private mutating func wrap(_ v: JSON, _ n: Int, into out: inout [UInt8]) {
        var one: [UInt8] = []
        plain(v, into: &one)
        out.append(0x5B)
        for i in 0..<Self.times(n, one.count) {
            if i > 0 { out.append(0x2C) }
            out += one
        }
        out.append(0x5D)
    }

    /// Writes `v` itself with its descendants' edits.
    private mutating func plain(_ v: JSON, into out: inout [UInt8]) {
        next += 1
        switch v {
        case .array(let a):
            out.append(0x5B)
            var first = true
            for e in a { part(e, key: nil, first: &first, into: &out) }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            var first = true
            for (k, m) in o { part(m, key: k, first: &first, into: &out) }
            out.append(0x7D)
        default:
            JSONSerializer.write(v, into: &out)
        }
    }

    /// One member (with `key`) or element, after removal and repetition.
    private mutating func part(_ v: JSON, key: String?, first: inout Bool, into out: inout [UInt8]) {
        let at = next
        var times = 1
        switch edits[at] {
        case .remove?:
            next = at + nodes[at].size
            return
        case .repeated(let n)?: times = n
        default: break
        }
        var one: [UInt8] = []
        if let key {
            if case .key(let t)? = edits[at] { one += t } else { JSONSerializer.write(.string(key), into: &one) }
            one.append(0x3A)
        }
        value(v, into: &one)
        next = at + nodes[at].size
        for _ in 0..<Self.times(times, one.count) {
            if !first { out.append(0x2C) }
            first = false
            out += one
        }
    }

    static func times(_ n: Int, _ bytes: Int) -> Int {
        max(1, min(n, SeedSet.repeatBudget / max(1, bytes)))
    }

    /// `s` with its first run of ASCII digits replaced by `t` (`t` appended when `s` has
    /// no digit): "7d" → "9223372036854775808d", "21:00" → "1e308:00".
    static func replacingDigits(_ s: String, with t: String) -> String {
        let u = Array(s.utf8)
        guard let start = u.firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return s + t }
        var end = start
        while end < u.count, u[end] >= 0x30, u[end] <= 0x39 { end += 1 }
        return String(decoding: u[..<start] + Array(t.utf8) + u[end...], as: UTF8.self)
    }
}
