/// Named, reusable audience rules: defined once (in a campaign set), compiled once,
/// referenced by name from any rule with `{"segment": "name"}`.
///
/// Building the table compiles every definition; a reference to an undefined segment
/// and a cycle of references (`a` uses `b` uses `a`) are compile errors that name the
/// path (`segments.a.and[1]`). Evaluating a reference evaluates the segment's rule on
/// the same data and context and yields its truthiness.
public struct SegmentTable: Sendable {
    let nodes: [String: Node]
    /// One past the highest ``SegmentRoot/ordinal`` of this table's segments and of the
    /// tables it was built on: a decision's ``SegmentMemo`` indexes by ordinal.
    let ordinals: Int

    /// A table with no segments.
    public static let empty = SegmentTable(nodes: [:], ordinals: 0)

    init(nodes: [String: Node], ordinals: Int) {
        self.nodes = nodes
        self.ordinals = ordinals
    }

    /// The defined names, sorted.
    public var names: [String] { nodes.keys.sorted() }

    /// Compiles `definitions`, stopping at the first error.
    ///
    /// - Throws: ``LogicError`` for the first bad segment (in name order).
    public init(_ definitions: [String: JSON], options: CompileOptions = .default) throws(LogicError) {
        let (table, errors) = SegmentTable.build(definitions, options: options)
        if let first = errors.first { throw first }
        self = table
    }

    /// Compiles `definitions` and reports every bad segment; the table holds the
    /// segments that compiled.
    public static func build(
        _ definitions: [String: JSON],
        options: CompileOptions = .default
    ) -> (SegmentTable, [LogicError]) {
        var work = CompileWork(limit: .max)
        return build(definitions, options: options, work: &work)
    }

    /// As ``build(_:options:)``, taking the compile work from a campaign set's budget.
    static func build(
        _ definitions: [String: JSON], options: CompileOptions,
        work: inout CompileWork
    ) -> (SegmentTable, [LogicError]) {
        var compiler = Compiler(options: options)
        compiler.workLeft = work.left
        compiler.workLimit = work.limit
        defer { work.left = compiler.workLeft }
        compiler.pendingSegments = definitions
        var errors: [LogicError] = []
        for name in definitions.keys.sorted() where compiler.segmentNodes[name] == nil {
            do throws(LogicError) {
                _ = try compiler.compileSegment(name, path: "segments")
            } catch {
                errors.append(error)
                compiler.failedSegments.insert(name)
                compiler.segmentChain.removeAll()
            }
        }
        return (SegmentTable(nodes: compiler.segmentNodes, ordinals: compiler.nextSegmentOrdinal), errors)
    }
}

extension Compiler {
    /// The compiled rule of segment `name`, compiling it (and what it references)
    /// first if it is one of the definitions being built.
    mutating func compileSegment(_ name: String, path: String) throws(LogicError) -> Node {
        if let node = segmentNodes[name] ?? options.segments.nodes[name] { return node }
        if failedSegments.contains(name) {
            throw LogicError(.invalidRule, path: path, "segment \(ErrorText.quoted(name)) has errors")
        }
        guard let definition = pendingSegments[name] else {
            throw LogicError(.invalidRule, path: path, "unknown segment \(ErrorText.quoted(name))")
        }
        if segmentChain.contains(name) {
            let cycle = (segmentChain.drop { $0 != name } + [name]).prefix(16).map(ErrorText.name).joined(separator: " → ")
            throw LogicError(.invalidRule, path: path, "segments reference each other in a cycle: \(cycle)")
        }
        segmentChain.append(name)
        let node = SegmentRoot(try compile(definition, path: "segments.\(ErrorText.name(name))"), ordinal: nextSegmentOrdinal)
        nextSegmentOrdinal += 1
        segmentChain.removeLast()
        segmentNodes[name] = node
        return node
    }
}

/// A segment's compiled rule, with what the analyses need of it computed once: the body
/// is shared by every reference, so the rules of a set form a DAG, not a tree, and an
/// analysis that walked into it from each reference would cost 2^n for n levels of
/// segments that each use the next twice — or a walk of a large segment per reference.
final class SegmentRoot: Node, @unchecked Sendable {
    let body: Node
    /// Dense and unique among the segments a rule can reach (``SegmentTable/ordinals``).
    let ordinal: Int
    private let bodyReadsScopes: Bool
    init(_ body: Node, ordinal: Int) {
        self.body = body
        self.ordinal = ordinal
        self.bodyReadsScopes = body.readsScopes
        super.init(path: body.path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON { try body.eval(&env) }
    override var readsScopes: Bool { bodyReadsScopes }
    // `children` stays empty: analyses stop at a segment (its body is not a subtree).
}

/// `{"segment": "name"}`.
final class SegmentNode: Node, @unchecked Sendable {
    let name: String
    let body: Node
    /// The segment's ``SegmentRoot/ordinal`` (-1: not memoised).
    let ordinal: Int
    init(name: String, body: Node, path: String) {
        self.name = name
        self.body = body
        self.ordinal = (body as? SegmentRoot)?.ordinal ?? -1
        super.init(path: path)
    }
    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        // At the data's own scope a segment's value is fixed for the whole decision.
        if env.outer.isEmpty, ordinal >= 0, let memo = env.context.segmentMemo {
            if let known = memo[ordinal] { return .bool(known) }
            let value = isTruthy(try body.eval(&env))
            memo[ordinal] = value
            return .bool(value)
        }
        return .bool(isTruthy(try body.eval(&env)))
    }
    // O(1): `body` is the segment's SegmentRoot, which knows its answer.
    override var readsScopes: Bool { body.readsScopes }
}

let segmentOperator = OperatorSpec(
    build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
        var nameValue = operand
        if case .array(let a) = operand, a.count == 1 { nameValue = a[0] }
        guard case .string(let name) = nameValue else {
            throw LogicError(.invalidArguments, path: path, "\"segment\" takes a segment name (a string), found \(nameValue.typeName)")
        }
        return SegmentNode(name: name, body: try c.compileSegment(name, path: path), path: path)
    }, foldable: false)

/// Compile work a campaign set may still spend: nodes compiled plus steps spent folding
/// constants, over every rule and segment of the set.
struct CompileWork {
    let limit: Int
    var left: Int
    init(limit: Int) {
        self.limit = limit
        self.left = limit
    }
}
