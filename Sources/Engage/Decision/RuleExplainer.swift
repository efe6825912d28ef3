// Why an audience rule was false (or an exclusion true), for explanations only: the
// first clause that decided it and the values it read — request fields and behaviour
// aggregates — e.g.
//   clause 1 of 5: segment plan_shoppers: {"event_count":["page_view","7d",…]} >= 3
//   is false with event_count(page_view, 7d, …) = 1
// Sub-rules are compiled on demand, so decisions that do not explain pay nothing.

struct RuleExplainer {
    let options: CompileOptions
    let segmentSources: JSONObject
    let data: JSON
    let context: EvaluationContext
    let limits: EvaluationLimits
    /// Bounds the work: rules compiled and evaluated for one explanation.
    private var budget = 64

    init(set: CompiledCampaignSet, data: JSON, context: EvaluationContext, limits: EvaluationLimits) {
        var options = CompileOptions.default
        options.segments = set.segments
        self.options = options
        segmentSources = set.set.segments
        self.data = data
        self.context = context
        self.limits = limits
    }

    /// Why `rule` evaluated to `outcome` (false for an audience, true for an exclusion).
    mutating func why(_ rule: JSON, was outcome: Bool) -> String {
        let text = describe(rule, outcome, depth: 0)
        return text.count > 600 ? String(text.prefix(597)) + "…" : text
    }

    private mutating func truthy(_ rule: JSON) -> Bool? {
        guard budget > 0 else { return nil }
        budget -= 1
        guard let compiled = try? Rule(compiling: rule, options: options),
            let v = try? compiled.evaluate(data, context: context, limits: limits)
        else { return nil }
        return isTruthy(v)
    }

    private mutating func value(_ rule: JSON) -> JSON? {
        guard budget > 0 else { return nil }
        budget -= 1
        guard let compiled = try? Rule(compiling: rule, options: options) else { return nil }
        return try? compiled.evaluate(data, context: context, limits: limits)
    }

    private mutating func describe(_ rule: JSON, _ outcome: Bool, depth: Int) -> String {
        guard depth < 8, case .object(let o) = rule, o.count == 1, let (op, operand) = o.first(where: { _ in true }) else {
            return leaf(rule, outcome)
        }
        let args = operand.arrayValue ?? [operand]
        switch op {
        case "and" where !outcome, "or" where outcome:
            // The first clause that decided it.
            for (i, clause) in args.enumerated() where truthy(clause) == outcome {
                return "clause \(i + 1) of \(args.count): " + describe(clause, outcome, depth: depth + 1)
            }
        case "or" where !outcome, "and" where outcome:
            // Every clause agreed: each one, briefly.
            let parts = args.prefix(3).map { describe($0, outcome, depth: depth + 1) }
            return (args.count > 1 ? "all \(args.count) clauses: " : "") + parts.joined(separator: "; ")
                + (args.count > 3 ? "; …" : "")
        case "!":
            if let inner = args.first { return "not (" + describe(inner, !outcome, depth: depth + 1) + ")" }
        case "segment":
            if let name = args.first?.stringValue, let definition = segmentSources[name] {
                return "segment \(name): " + describe(definition, outcome, depth: depth + 1)
            }
        default:
            break
        }
        return leaf(rule, outcome)
    }

    /// The rule's text, its outcome and the values it read.
    private mutating func leaf(_ rule: JSON, _ outcome: Bool) -> String {
        var values: [String] = []
        var seen: [String] = []
        collect(rule, into: &values, seen: &seen, depth: 0)
        var text = short(rule) + " is \(outcome)"
        if !values.isEmpty { text += " with " + values.joined(separator: ", ") }
        return text
    }

    /// `var` paths and behaviour aggregates in `rule`, with their values.
    private mutating func collect(_ rule: JSON, into values: inout [String], seen: inout [String], depth: Int) {
        guard depth < 16, values.count < 6 else { return }
        switch rule {
        case .array(let items):
            for item in items { collect(item, into: &values, seen: &seen, depth: depth + 1) }
        case .object(let o):
            guard o.count == 1, let (op, operand) = o.first(where: { _ in true }) else { return }
            let label: String?
            switch op {
            case "var":
                let path = operand.stringValue ?? operand.arrayValue?.first?.stringValue
                label = path
            case "now":
                label = "now"
            case "event_count", "event_sum", "last_seen", "impressions", "last_impression":
                let args = (operand.arrayValue ?? [operand]).map { a -> String in
                    if let s = a.stringValue { return s }
                    if a.isNull { return "all" }
                    return "…"
                }
                label = "\(op)(\(args.joined(separator: ", ")))"
            default:
                label = nil
                for item in operand.arrayValue ?? [operand] { collect(item, into: &values, seen: &seen, depth: depth + 1) }
            }
            if let label, !seen.contains(label) {
                seen.append(label)
                if let v = value(rule) { values.append("\(label) = \(short(v))") }
            }
        default:
            break
        }
    }

    private func short(_ v: JSON) -> String {
        let text = JSONSerializer.string(v)
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }
}
