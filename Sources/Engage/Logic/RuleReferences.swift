/// A name a compiled rule refers to that lives outside the rule: a campaign (journeys),
/// an event (behaviour aggregates) or an event's property (a filter's reads). Found by
/// ``RuleReference/collect(_:eventScope:into:)`` so a campaign set can check them at load.
///
/// Only **constant** names are found: `{"impressions": ["onb-2"]}` names a campaign,
/// `{"impressions": [{"var": "step"}]}` names whatever the data says at evaluation.
struct RuleReference: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// `impressions` / `last_impression`'s campaign id.
        case campaign
        /// `event_count` / `event_sum` / `last_seen`'s event name.
        case event
        /// A property of `event`: `event_sum`'s property, or a read of the event's
        /// properties by a filter (`{"var": "page"}`'s first key).
        case property(event: String)
    }

    let kind: Kind
    let name: String
    /// The path in the rule of the node holding the name (`and[1].impressions[0]`);
    /// absolute for a segment's rule (`segments.a.impressions[0]`).
    let path: String

    /// Appends the references of `root` to `out`.
    ///
    /// `eventScope` is the event whose properties are the rule's data (a trigger's or an
    /// exit's filter), nil when the data is something else (the request). The scope
    /// changes where evaluation changes the data: a behaviour aggregate's filter reads
    /// its own event's properties; an iterator's body, `reduce`'s body and a `try`
    /// handler read something else, so their `var`s are not property reads. Segments
    /// are not entered (a set walks each segment's rule once, on its own).
    ///
    /// Complexity: linear in the nodes; an explicit stack, so no recursion the rule's
    /// depth controls.
    static func collect(_ root: Node, eventScope: String?, into out: inout [RuleReference]) {
        var stack: [(Node, String?)] = [(root, eventScope)]
        var next: [(Node, String?)] = []
        while let (node, scope) = stack.popLast() {
            next.removeAll(keepingCapacity: true)
            switch node {
            case let n as ImpressionNode:
                if case .string(let id)? = n.campaign.constant {
                    out.append(RuleReference(kind: .campaign, name: id, path: n.campaign.path))
                }
                for c in n.children { next.append((c, scope)) }
            case let n as EventAggregateNode:
                var event: String? = nil
                if case .string(let name)? = n.event.constant {
                    event = name
                    out.append(RuleReference(kind: .event, name: name, path: n.event.path))
                }
                if let event, case .string(let p)? = n.property?.constant {
                    out.append(RuleReference(kind: .property(event: event), name: p, path: n.property?.path ?? n.path))
                }
                next.append((n.event, scope))
                if let property = n.property { next.append((property, scope)) }
                if let w = n.window.node { next.append((w, scope)) }
                // Without a constant event name the filter's reads cannot be checked.
                if let filter = n.filter { next.append((filter, event)) }
            case let n as IteratorNode:
                next = [(n.source, scope), (n.body, nil)]
            case let n as ReduceNode:
                next = [(n.source, scope), (n.body, nil)]
                if let initial = n.initial { next.append((initial, scope)) }
            case let n as TryNode:
                for (i, arg) in n.args.enumerated() { next.append((arg, i == 0 ? scope : nil)) }
            case let n as VarNode:
                if let scope, let first = n.keys.first {
                    out.append(RuleReference(kind: .property(event: scope), name: first.key, path: n.path))
                }
                for c in n.children { next.append((c, scope)) }
            case let n as ValNode:
                if let scope, n.hop == 0, let first = n.keys.first {
                    out.append(RuleReference(kind: .property(event: scope), name: first.key, path: n.path))
                }
            default:
                for c in node.children { next.append((c, scope)) }
            }
            // Reversed, so the stack hands the references out in document order.
            stack.append(contentsOf: next.reversed())
        }
    }
}
