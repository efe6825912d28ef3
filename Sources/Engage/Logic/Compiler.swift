/// Options for compiling rules.
public struct CompileOptions: Sendable {
    /// The deepest rule any caller may configure. Compiling and evaluating recurse a few
    /// frames per level; 1,024 levels stay well inside a 512 KiB thread stack (the
    /// smallest a host is likely to run us on), even in a debug build.
    public static let depthCeiling = 1024

    /// Deepest nesting of operators and arrays in a rule (clamped to
    /// ``depthCeiling``); the evaluator recurses once per level.
    public var maxDepth: Int
    /// Most nodes (operators, arrays, constants) in one rule, segments included.
    public var maxNodes: Int
    /// Named segments a rule may reference with `{"segment": "name"}`, compiled once.
    public var segments: SegmentTable
    /// Where time-zone rules come from (zones written in rules load at compile time).
    public var zones: ZoneCache

    /// Options with the documented defaults.
    public init(
        maxDepth: Int = 512, maxNodes: Int = 100_000, segments: SegmentTable = .empty,
        zones: ZoneCache = .shared
    ) {
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.segments = segments
        self.zones = zones
    }

    /// Depth 512, 100,000 nodes, no segments, the system zoneinfo.
    public static let `default` = CompileOptions()
}

/// How an operator is built, and whether it may be folded when its arguments are
/// constants (false for operators that read data, time or history).
struct OperatorSpec: Sendable {
    typealias Builder = @Sendable (inout Compiler, _ operand: JSON, _ path: String) throws(LogicError) -> Node
    let build: Builder
    let foldable: Bool
}

/// Turns a rule (parsed JSON) into a tree of ``Node``s: operators resolved, paths
/// split, argument shapes checked, constant subtrees evaluated once.
struct Compiler {
    let options: CompileOptions
    private(set) var nodeCount = 0
    /// Compile work (nodes plus constant-folding steps) this compiler may still do for
    /// the whole campaign set it belongs to, and that set's limit (for the message).
    /// Unlimited for a rule compiled on its own.
    var workLeft = Int.max
    var workLimit = Int.max
    private var depth = 0
    private let maxDepth: Int
    /// Compiled segments by name, and the chain being compiled (to reject cycles).
    var segmentNodes: [String: Node] = [:]
    var segmentChain: [String] = []
    /// Definitions being compiled into a ``SegmentTable``, and those that failed.
    var pendingSegments: [String: JSON] = [:]
    var failedSegments: Set<String> = []
    /// The ordinal the next compiled segment gets: after those of the table the options
    /// build on.
    var nextSegmentOrdinal: Int

    init(options: CompileOptions) {
        self.options = options
        self.nextSegmentOrdinal = options.segments.ordinals
        self.maxDepth = max(1, min(options.maxDepth, CompileOptions.depthCeiling))
    }

    static let operators: [String: OperatorSpec] = coreOperators.merging(domainOperators) { a, _ in a }

    mutating func compile(_ rule: JSON, path: String) throws(LogicError) -> Node {
        nodeCount += 1
        if nodeCount > options.maxNodes {
            throw LogicError(.limitExceeded, path: path, "rule has more than \(options.maxNodes) nodes")
        }
        try spend(1, path)
        depth += 1
        defer { depth -= 1 }
        if depth > maxDepth {
            throw LogicError(.limitExceeded, path: path, "rule nested deeper than \(maxDepth) levels")
        }
        switch rule {
        case .array(let elements):
            var nodes: [Node] = []
            nodes.reserveCapacity(elements.count)
            for (i, e) in elements.enumerated() {
                nodes.append(try compile(e, path: "\(path)[\(i)]"))
            }
            if let values = allConstant(nodes) { return Literal(.array(values), path: path) }
            return ArrayNode(nodes, path: path)
        case .object(let object):
            if object.isEmpty { return Literal(rule, path: path) }
            guard object.count == 1, let (op, operand) = object.first(where: { _ in true }) else {
                throw LogicError(
                    .invalidRule, path: path,
                    "a rule object has exactly one key, its operator; found \(object.count) keys (\(object.keys.prefix(4).map(ErrorText.quoted).joined(separator: ", ")))"
                )
            }
            let opPath = path.isEmpty ? op : "\(path).\(op)"
            guard let spec = Compiler.operators[op] else {
                throw LogicError(.unknownOperator, path: path, "unknown operator \(ErrorText.quoted(op))")
            }
            let node = try spec.build(&self, operand, opPath)
            if spec.foldable, allConstant(node.children) != nil {
                var env = Env(data: .null, limits: .default, context: .empty)
                let value = try? node.eval(&env)
                try spend(EvaluationLimits.default.maxSteps - max(env.steps, 0), opPath)
                if let value { return Literal(value, path: opPath) }
            }
            return node
        default:
            return Literal(rule, path: path)
        }
    }

    /// Charges `work` to the set's compile budget.
    private mutating func spend(_ work: Int, _ path: String) throws(LogicError) {
        workLeft -= work
        if workLeft < 0 {
            throw LogicError(
                .limitExceeded, path: path,
                "compile work over the campaign set's limit of \(workLimit) (rule nodes plus constant-folding steps)")
        }
    }

    // MARK: - Argument shapes

    /// Operators whose arguments must be written as an array (`if`, `and`, the
    /// comparisons and the iterators): a lone value is an error.
    mutating func list(_ operand: JSON, _ op: String, _ path: String) throws(LogicError) -> [Node] {
        guard case .array(let elements) = operand else {
            throw LogicError(
                .invalidArguments, path: path,
                "\"\(op)\" takes an array of arguments, found \(operand.typeName)")
        }
        return try compileEach(elements, path)
    }

    /// Operators that take an array of arguments or one argument (`!`, `var`, `try`).
    mutating func listOrSingle(_ operand: JSON, _ path: String) throws(LogicError) -> [Node] {
        if case .array(let elements) = operand { return try compileEach(elements, path) }
        return [try compile(operand, path: path)]
    }

    /// Operators that take an array of arguments, or one rule whose array value is
    /// the argument list (`{"+": {"var": "xs"}}`, `{"cat": {"merge": ...}}`).
    mutating func spread(_ operand: JSON, _ path: String) throws(LogicError) -> Args {
        if case .array(let elements) = operand { return .fixed(try compileEach(elements, path)) }
        return .spread(try compile(operand, path: path))
    }

    private mutating func compileEach(_ elements: [JSON], _ path: String) throws(LogicError) -> [Node] {
        var nodes: [Node] = []
        nodes.reserveCapacity(elements.count)
        for (i, e) in elements.enumerated() {
            nodes.append(try compile(e, path: "\(path)[\(i)]"))
        }
        return nodes
    }
}

/// The number of arguments `args` will have, when known at compile time.
func staticCount(_ args: Args) -> Int? {
    switch args {
    case .fixed(let nodes): return nodes.count
    case .spread(let node):
        guard let c = node.constant else { return nil }
        if case .array(let a) = c { return a.count }
        return 1
    }
}
