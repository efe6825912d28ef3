// Behaviour aggregates over the user's event history:
//   {"event_count": [event, window, filter?]}         → number of matching events
//   {"event_sum":   [event, property, window, filter?]} → sum of a numeric property
//   {"last_seen":   [event, window?, filter?]}        → time (ms) of the latest, or null
// The window ends at the context's `now`. The filter is a rule evaluated with the
// event's properties as its data (the request data is two scopes up, as in an
// iterator: {"val": [[2], "user", "plan"]}). Every event a filter visits costs a step.

enum AggregateKind: String, Sendable {
    case count = "event_count", sum = "event_sum", last = "last_seen"
}

final class EventAggregateNode: Node, @unchecked Sendable {
    let kind: AggregateKind
    let event: Node
    let property: Node?
    let window: WindowSpec
    let filter: Node?

    /// When the filter reads the event's properties only through static `var` paths and
    /// otherwise just combines values, the first keys it reads: its result is then the
    /// same for every bucket of a series that varies in none of them, and it is evaluated
    /// once per series. nil: evaluated for every bucket.
    let filterReads: [String]?

    init(kind: AggregateKind, event: Node, property: Node?, window: WindowSpec, filter: Node?, path: String) {
        self.kind = kind
        self.event = event
        self.property = property
        self.window = window
        self.filter = filter
        filterReads = filter.flatMap { Self.staticReads($0, depth: 0) }
        super.init(path: path)
    }

    /// See ``filterReads``. Conservative: any node kind not listed may read anything
    /// (scopes, history, time), so it disqualifies the filter.
    static func staticReads(_ node: Node, depth: Int) -> [String]? {
        guard depth < 64 else { return nil }
        var keys: [String] = []
        switch node {
        case let v as VarNode:
            guard let first = v.keys.first else { return nil } // the whole properties object
            keys.append(first.key)
        case is Literal, is CompareNode, is AndOrNode, is InNode, is TruthNode, is IfNode, is ArithmeticNode,
            is CatNode, is ArrayNode:
            break
        default:
            return nil
        }
        for child in node.children {
            guard let more = staticReads(child, depth: depth + 1) else { return nil }
            for k in more where !keys.contains(k) { keys.append(k) }
        }
        return keys
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard case .string(let name) = try event.eval(&env) else {
            throw LogicError(.invalidArguments, at: self, "\(kind.rawValue) needs an event name (a string)")
        }
        var propertyName: String? = nil
        if let property {
            guard case .string(let p) = try property.eval(&env) else {
                throw LogicError(.invalidArguments, at: self, "event_sum needs a property name (a string)")
            }
            propertyName = p
        }
        let now = env.context.now
        let from = try window.start(&env, endingAt: now, at: self)
        guard let history = env.context.history else { return result(EventAggregate()) }
        guard let filter else {
            return result(history.aggregate(named: name, from: from, through: now, sumOf: propertyName))
        }
        var scratch = env
        let reads = filterReads
        // A count whose filter reads only fixed members: one evaluation per series where
        // the history keeps series, no walk of events (same evaluations, same steps).
        if kind == .count, let reads {
            do throws(LogicError) {
                let counted = try history.countBySeries(named: name, from: from, through: now, filterReads: reads) {
                    (properties, buckets, known) throws(LogicError) -> FilterAnswer in
                    try scratch.charge(buckets, at: self)
                    // The same values answer the same, for the same work.
                    if let known {
                        try scratch.charge(known.steps, at: self)
                        return known
                    }
                    let before = scratch.steps
                    scratch.push(meta: .null, properties())
                    let keep = isTruthy(try filter.eval(&scratch))
                    scratch.pop()
                    return FilterAnswer(keep: keep, steps: before - scratch.steps)
                }
                if let counted {
                    env.steps = scratch.steps
                    return result(counted)
                }
            } catch {
                env.steps = scratch.steps
                throw error
            }
        }
        var aggregate = EventAggregate()
        var failure: LogicError? = nil
        // Filter results of series whose buckets the filter cannot tell apart.
        var known: [(series: Int, keep: Bool)] = []
        // Identical events (a store's bucket) come as one group: the filter runs once per
        // group — or once per series, when it reads nothing that varies between its groups.
        history.forEachEventBucket(named: name, from: from, through: now) { series, varying, time, count, properties in
            var props: JSON? = nil
            do throws(LogicError) {
                try scratch.charge(at: self)
                let shared = series >= 0 && reads.map { r in !r.contains { varying.contains($0) } } ?? false
                var keep: Bool
                if shared, let hit = known.first(where: { $0.series == series }) {
                    keep = hit.keep
                } else {
                    let p = properties()
                    props = p
                    scratch.push(meta: .null, p)
                    keep = isTruthy(try filter.eval(&scratch))
                    scratch.pop()
                    if shared { known.append((series, keep)) }
                }
                guard keep else { return true }
            } catch {
                failure = error
                return false
            }
            aggregate.count += count
            if aggregate.last == nil { aggregate.last = time }
            if let propertyName {
                if props == nil { props = properties() }
                if case .number(let d)? = props?[propertyName] { aggregate.sum += d * Double(count) }
            }
            // last_seen needs only the newest match.
            return kind != .last
        }
        env.steps = scratch.steps
        if let failure { throw failure }
        return result(aggregate)
    }

    private func result(_ a: EventAggregate) -> JSON {
        switch kind {
        case .count: return .number(Double(a.count))
        case .sum: return .number(a.sum.isFinite ? a.sum : 0)
        case .last: return a.last.map { .number(Double($0)) } ?? .null
        }
    }

    override var children: [Node] {
        [event] + (property.map { [$0] } ?? []) + (window.node.map { [$0] } ?? []) + (filter.map { [$0] } ?? [])
    }
}

/// `{"now": []}`: the context's current time in milliseconds since the epoch.
final class NowNode: Node, @unchecked Sendable {
    override func eval(_ env: inout Env) throws(LogicError) -> JSON { .number(Double(env.context.now)) }
}

func buildAggregate(_ kind: AggregateKind) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, kind.rawValue, path)
            let shape: String
            let range: ClosedRange<Int>
            switch kind {
            case .count: shape = "[event, window, filter?]"; range = 2...3
            case .sum: shape = "[event, property, window, filter?]"; range = 3...4
            case .last: shape = "[event, window?, filter?]"; range = 1...3
            }
            guard range.contains(args.count) else {
                throw LogicError(.invalidArguments, path: path, "\"\(kind.rawValue)\" takes \(shape), found \(args.count) arguments")
            }
            if let name = args[0].constant, name.stringValue == nil {
                throw LogicError(.invalidArguments, path: "\(path)[0]", "expected an event name (a string), found \(name.typeName)")
            }
            let w = kind == .sum ? 2 : 1
            let window = args.count > w ? try WindowSpec.compile(args[w], path: "\(path)[\(w)]") : .all
            return EventAggregateNode(
                kind: kind, event: args[0], property: kind == .sum ? args[1] : nil,
                window: window, filter: args.count > w + 1 ? args[w + 1] : nil, path: path)
        }, foldable: false)
}
