// The last step before arbitration (specification: "arbitration … an optional score
// expression breaks ties"): the campaign's score, evaluated once per distinct score
// rule per decision; a rule that fails drops the campaign. Reason: `rule_error`.

extension DecisionRun {
    @inline(__always)
    mutating func arbitrationScore(_ c: inout Screening) -> Bool {
        guard let rule = c.compiled.score else { return true }
        do throws(LogicError) {
            let data = request.data, context = requestContext, limits = engine.evaluationLimits
            c.score = try memo.score(set.ruleSlots.campaigns[c.index].score) { () throws(LogicError) in
                numericValue(try rule.evaluate(data, context: context, limits: limits)) ?? 0
            }
        } catch {
            drop(c.index, .ruleError, "score: \(error)")
            return false
        }
        return true
    }
}
