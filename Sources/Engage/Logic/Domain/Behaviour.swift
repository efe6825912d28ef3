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

    init(kind: AggregateKind, event: Node, property: Node?, window: WindowSpec, filter: Node?, path: String) {
        self.kind = kind
        self.event = event
        self.property = property
        self.window = window
        self.filter = filter
        super.init(path: path)
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
        var aggregate = EventAggregate()
        var failure: LogicError? = nil
        var scratch = env
        // Identical events (a store's bucket) come as one group: the filter runs once.
        history.forEachEventGroup(named: name, from: from, through: now) { e, count in
            do throws(LogicError) {
                try scratch.charge(at: self)
                scratch.push(meta: .null, e.properties)
                let keep = isTruthy(try filter.eval(&scratch))
                scratch.pop()
                guard keep else { return true }
            } catch {
                failure = error
                return false
            }
            aggregate.count += count
            if aggregate.last == nil { aggregate.last = e.time }
            if let propertyName, case .number(let d)? = e.properties[propertyName] { aggregate.sum += d * Double(count) }
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
    OperatorSpec(build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
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
        return EventAggregateNode(kind: kind, event: args[0], property: kind == .sum ? args[1] : nil,
                                  window: window, filter: args.count > w + 1 ? args[w + 1] : nil, path: path)
    }, foldable: false)
}
