// Impressions of a campaign, for journeys ("step 2 only after step 1 was seen"):
//   {"impressions":     [campaign, window?]}  → number of impressions of the campaign
//   {"last_impression": [campaign]}           → time (ms) of the latest, or null
// Read from the user's state (the same ledgers caps count), through the context's
// history; a window ends at the context's `now`, and null or none means lifetime.

enum ImpressionQuery: String, Sendable {
    case count = "impressions", last = "last_impression"
}

final class ImpressionNode: Node, @unchecked Sendable {
    let query: ImpressionQuery
    let campaign: Node
    let window: WindowSpec

    init(query: ImpressionQuery, campaign: Node, window: WindowSpec, path: String) {
        self.query = query
        self.campaign = campaign
        self.window = window
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        guard case .string(let id) = try campaign.eval(&env) else {
            throw LogicError(.invalidArguments, at: self, "\(query.rawValue) needs a campaign id (a string)")
        }
        let now = env.context.now
        let from = try window.start(&env, endingAt: now, at: self)
        let seen = env.context.history?.impressions(campaign: id, from: from, through: now) ?? EventAggregate()
        switch query {
        case .count: return .number(Double(seen.count))
        case .last: return seen.last.map { .number(Double($0)) } ?? .null
        }
    }

    override var children: [Node] { [campaign] + (window.node.map { [$0] } ?? []) }
}

func buildImpressionQuery(_ query: ImpressionQuery) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.list(operand, query.rawValue, path)
            let range = query == .count ? 1...2 : 1...1
            guard range.contains(args.count) else {
                let shape = query == .count ? "[campaign, window?]" : "[campaign]"
                throw LogicError(.invalidArguments, path: path, "\"\(query.rawValue)\" takes \(shape), found \(args.count) arguments")
            }
            if let id = args[0].constant, id.stringValue == nil {
                throw LogicError(.invalidArguments, path: "\(path)[0]", "expected a campaign id (a string), found \(id.typeName)")
            }
            let window = args.count > 1 ? try WindowSpec.compile(args[1], path: "\(path)[1]") : .all
            return ImpressionNode(query: query, campaign: args[0], window: window, path: path)
        }, foldable: false)
}
