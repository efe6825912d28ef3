// The standard JSON Logic operators: how each one's operand is shaped into arguments
// and checked at compile time. Evaluation lives in Operators/.

private func invalid(_ path: String, _ message: String) -> LogicError {
    LogicError(.invalidArguments, path: path, message)
}

private func comparison(_ op: ComparisonOp, _ name: String) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, name, path)
            guard args.count >= 2 else { throw invalid(path, "\"\(name)\" needs at least 2 arguments, found \(args.count)") }
            return CompareNode(op, args, path: path)
        }, foldable: true)
}

private func arithmetic(_ op: ArithmeticOp) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.spread(operand, path)
            let needed = op == .modulo ? 2 : (op == .subtract || op == .divide || op == .min || op == .max ? 1 : 0)
            if let n = staticCount(args), n < needed {
                throw invalid(path, "\"\(op.rawValue)\" needs at least \(needed) argument\(needed == 1 ? "" : "s"), found \(n)")
            }
            return ArithmeticNode(op, args, path: path)
        }, foldable: true)
}

private func iterator(_ op: IteratorOp) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, op.rawValue, path)
            guard args.count == 2 else {
                throw invalid(path, "\"\(op.rawValue)\" takes [array, rule], found \(args.count) arguments")
            }
            if let source = args[0].constant, source.arrayValue == nil {
                throw invalid(path, "\"\(op.rawValue)\" needs an array, found \(source.typeName)")
            }
            if op == .map || op == .filter, let body = args[1].constant, body.isNull {
                throw invalid(path, "\"\(op.rawValue)\" needs a rule to apply, found null")
            }
            return IteratorNode(op, source: args[0], body: args[1], path: path)
        }, foldable: true)
}

/// `val` and `exists`: constant keys are resolved at compile time.
private func valLike(existence: Bool) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            switch operand {
            case .string, .number:
                if let k = PathKey(operand) { return ValNode(hop: 0, keys: [k], existence: existence, path: path) }
            case .null:
                return ValNode(hop: 0, keys: [], existence: existence, path: path)
            case .array(let elements):
                if let (hop, keys) = staticValPath(elements) {
                    return ValNode(hop: hop, keys: keys, existence: existence, path: path)
                }
                let parts = try c.listOrSingle(operand, path)
                return DynamicValNode(parts: parts, spread: false, existence: existence, path: path)
            default:
                break
            }
            let part = try c.compile(operand, path: path)
            return DynamicValNode(parts: [part], spread: true, existence: existence, path: path)
        }, foldable: false)
}

/// A `val` key list written out in full: an optional `[n]` scope hop, then keys.
private func staticValPath(_ elements: [JSON]) -> (Int, [PathKey])? {
    var hop = 0
    var rest = elements[...]
    if case .array(let h)? = rest.first {
        guard h.count == 1, let n = h[0].intValue, n != Int.min else { return nil }
        hop = abs(n)
        rest = rest.dropFirst()
    }
    var keys: [PathKey] = []
    for e in rest {
        switch e {
        case .string, .number:
            guard let k = PathKey(e) else { return nil }
            keys.append(k)
        default:
            return nil
        }
    }
    return (hop, keys)
}

let coreOperators: [String: OperatorSpec] = [
    "var": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            var pathRule = operand
            var fallback: Node? = nil
            if case .array(let elements) = operand {
                pathRule = elements.first ?? .null
                if elements.count > 1 { fallback = try c.compile(elements[1], path: "\(path)[1]") }
            }
            switch pathRule {
            case .string(let s): return VarNode(keys: PathKey.split(dotted: s), fallback: fallback, path: path)
            case .number: return VarNode(keys: PathKey(pathRule).map { [$0] } ?? [], fallback: fallback, path: path)
            case .null: return VarNode(keys: [], fallback: fallback, path: path)
            case .array(let a) where a.isEmpty: return VarNode(keys: [], fallback: fallback, path: path)
            case .object(let o) where !o.isEmpty:
                let node = try c.compile(pathRule, path: path)
                return DynamicVarNode(pathNode: node, fallback: fallback, path: path)
            default:
                throw invalid(path, "var path must be a string, a number or a rule, found \(pathRule.typeName)")
            }
        }, foldable: false),
    "val": valLike(existence: false),
    "exists": valLike(existence: true),
    "missing": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            MissingNode(args: try c.spread(operand, path), path: path)
        }, foldable: false),
    "missing_some": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, "missing_some", path)
            guard args.count == 2 else { throw invalid(path, "\"missing_some\" takes [count, [keys]], found \(args.count) arguments") }
            return MissingSomeNode(need: args[0], keys: args[1], path: path)
        }, foldable: false),

    "if": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            IfNode(try c.list(operand, "if", path), path: path)
        }, foldable: true),
    "?:": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            IfNode(try c.list(operand, "?:", path), path: path)
        }, foldable: true),
    "and": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            AndOrNode(try c.list(operand, "and", path), isOr: false, path: path)
        }, foldable: true),
    "or": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            AndOrNode(try c.list(operand, "or", path), isOr: true, path: path)
        }, foldable: true),
    "!": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            TruthNode(try c.listOrSingle(operand, path).first, negate: true, path: path)
        }, foldable: true),
    "!!": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            TruthNode(try c.listOrSingle(operand, path).first, negate: false, path: path)
        }, foldable: true),
    "??": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            CoalesceNode(try c.listOrSingle(operand, path), path: path)
        }, foldable: true),
    "throw": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            ThrowNode(try c.listOrSingle(operand, path).first ?? Literal(.null, path: path), path: path)
        }, foldable: false),
    "try": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            TryNode(try c.listOrSingle(operand, path), path: path)
        }, foldable: true),
    "preserve": OperatorSpec(
        build: { (_: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            Literal(operand, path: path)
        }, foldable: true),

    "==": comparison(.eq, "=="),
    "!=": comparison(.ne, "!="),
    "===": comparison(.strictEq, "==="),
    "!==": comparison(.strictNe, "!=="),
    "<": comparison(.lt, "<"),
    "<=": comparison(.le, "<="),
    ">": comparison(.gt, ">"),
    ">=": comparison(.ge, ">="),

    "+": arithmetic(.add),
    "-": arithmetic(.subtract),
    "*": arithmetic(.multiply),
    "/": arithmetic(.divide),
    "%": arithmetic(.modulo),
    "min": arithmetic(.min),
    "max": arithmetic(.max),

    "cat": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            CatNode(try c.spread(operand, path), path: path)
        }, foldable: true),
    "substr": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            SubstrNode(try c.spread(operand, path), path: path)
        }, foldable: true),
    "in": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            InNode(try c.spread(operand, path), path: path)
        }, foldable: true),
    "merge": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            MergeNode(try c.spread(operand, path), path: path)
        }, foldable: true),

    "map": iterator(.map),
    "filter": iterator(.filter),
    "all": iterator(.all),
    "some": iterator(.some),
    "none": iterator(.none),
    "reduce": OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, "reduce", path)
            guard args.count == 2 || args.count == 3 else {
                throw invalid(path, "\"reduce\" takes [array, rule, initial], found \(args.count) arguments")
            }
            if let source = args[0].constant, source.arrayValue == nil, !source.isNull {
                throw invalid(path, "\"reduce\" needs an array, found \(source.typeName)")
            }
            return ReduceNode(source: args[0], body: args[1], initial: args.count == 3 ? args[2] : nil, path: path)
        }, foldable: true),
]
