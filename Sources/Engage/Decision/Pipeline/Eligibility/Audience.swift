// Eligibility steps 6 and 7 (specification: "audience and exclusion rules"): the
// audience rule must hold and the exclusion rule must not, on the request's data; each
// distinct rule of the set is evaluated at most once per decision (``RuleMemo``).
// Reasons: `audience`, `exclusion`, `rule_error`.

extension DecisionRun {
    @inline(__always)
    mutating func audience(_ c: Screening) -> Bool {
        guard let rule = c.compiled.audience else { return true }
        return requestRuleStep(
            c, rule, set.ruleSlots.campaigns[c.index].audience, passesWhen: true, .audience, "audience",
            source: c.compiled.campaign.audience)
    }

    @inline(__always)
    mutating func exclusion(_ c: Screening) -> Bool {
        guard let rule = c.compiled.exclusion else { return true }
        return requestRuleStep(
            c, rule, set.ruleSlots.campaigns[c.index].exclusion, passesWhen: false, .exclusion, "exclusion",
            source: c.compiled.campaign.exclusion)
    }

    /// Passes the campaign when `rule` (in memo slot `slot`) answers `wanted`; else drops
    /// it with `reason` and (explaining, with details) the clause that decided.
    @inline(__always)
    private mutating func requestRuleStep(
        _ c: Screening, _ rule: Rule, _ slot: Int32, passesWhen wanted: Bool, _ reason: ReasonCode, _ name: String,
        source: JSON?
    ) -> Bool {
        do throws(LogicError) {
            let answer = try requestRule(rule, slot)
            if answer == wanted { return true }
            let detail =
                request.explain && request.explainDetails ? explainRule(source, was: answer, prefix: "\(name) rule is \(answer)") : ""
            drop(c.index, reason, detail)
            return false
        } catch {
            drop(c.index, .ruleError, "\(name): \(error)")
            return false
        }
    }

    /// An audience or exclusion rule's answer, evaluated once per decision per slot.
    mutating func requestRule(_ rule: Rule, _ slot: Int32) throws(LogicError) -> Bool {
        let data = request.data, context = requestContext, limits = engine.evaluationLimits
        return try memo.request(slot) { () throws(LogicError) in try rule.matches(data, context: context, limits: limits) }
    }
}
