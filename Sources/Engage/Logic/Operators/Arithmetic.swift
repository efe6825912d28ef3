// Arithmetic: `+`, `*`, `-`, `/`, `%`, `min`, `max`. Arguments convert to numbers
// (null 0, booleans 0/1, numeric strings by value); anything else, and any result
// that is not finite (division by zero), is a NaN error.

enum ArithmeticOp: String, Sendable {
    case add = "+", multiply = "*", subtract = "-", divide = "/", modulo = "%"
    case min, max
}

final class ArithmeticNode: Node, @unchecked Sendable {
    let op: ArithmeticOp
    let args: Args
    init(_ op: ArithmeticOp, _ args: Args, path: String) {
        self.op = op
        self.args = args
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        // Fixed two-argument `+`/`-`/`*`/`/` is the common case: no argument array.
        if case .fixed(let nodes) = args, nodes.count == 2 {
            let x = try number(try nodes[0].eval(&env))
            let y = try number(try nodes[1].eval(&env))
            return try finish(combine(x, y))
        }
        let values = try args.values(&env)
        switch op {
        case .add:
            var sum = 0.0
            for v in values { sum += try number(v) }
            return try finish(sum)
        case .multiply:
            var product = 1.0
            for v in values { product *= try number(v) }
            return try finish(product)
        case .subtract, .divide, .modulo, .min, .max:
            let needed = op == .modulo ? 2 : 1
            guard values.count >= needed else {
                throw LogicError(
                    .invalidArguments, at: self,
                    "\"\(op.rawValue)\" needs at least \(needed) argument\(needed == 1 ? "" : "s")")
            }
            var acc = try number(values[0])
            if values.count == 1 {
                if op == .subtract { acc = -acc }
                if op == .divide { acc = 1 / acc }
                return try finish(acc)
            }
            for v in values.dropFirst() { acc = combine(acc, try number(v)) }
            return try finish(acc)
        }
    }

    @inline(__always)
    private func combine(_ x: Double, _ y: Double) -> Double {
        switch op {
        case .add: return x + y
        case .multiply: return x * y
        case .subtract: return x - y
        case .divide: return x / y
        case .modulo: return x.truncatingRemainder(dividingBy: y)
        case .min: return Swift.min(x, y)
        case .max: return Swift.max(x, y)
        }
    }

    @inline(__always)
    private func number(_ v: JSON) throws(LogicError) -> Double {
        if case .number(let d) = v { return d }
        guard let d = numericValue(v) else {
            throw LogicError(.nan, at: self, "\"\(op.rawValue)\" cannot use \(describe(v)) as a number")
        }
        return d
    }

    @inline(__always)
    private func finish(_ d: Double) throws(LogicError) -> JSON {
        guard d.isFinite else {
            throw LogicError(.nan, at: self, "\"\(op.rawValue)\" result is not a finite number")
        }
        return .number(d == 0 ? 0 : d)
    }

    override var children: [Node] { args.nodes }
    override var readsScopes: Bool { args.nodes.contains { $0.readsScopes } }
}

/// A value for an error message: short values in full, others by type.
func describe(_ v: JSON) -> String {
    switch v {
    case .array, .object: return "an \(v.typeName)"
    case .string(let s) where s.utf8.count > 40: return "a long string"
    default: return JSONSerializer.string(v)
    }
}
