// A compiled five-clause audience rule over 1,000 different users: ns per evaluation.
import Engage

enum LogicBench {
    /// `and` of `>=` on a behaviour count, `in` on the plan, `<=` on contract months left,
    /// `!` of an opt-out flag, `or` of two `==`.
    static let rule = """
        {"and": [
          {">=": [{"var": "behaviour.plans_page_views_7d"}, 3]},
          {"in": [{"var": "profile.plan"}, ["mobile_s_10gb", "mobile_m_30gb", "mobile_l_unlimited"]]},
          {"<=": [{"var": "profile.contract_months_left"}, 3]},
          {"!": [{"var": "consent.marketing_opt_out"}]},
          {"or": [{"==": [{"var": "profile.age_band"}, "25-34"]},
                  {"==": [{"var": "profile.segment"}, "price_sensitive"]}]}
        ]}
        """

    /// `count` users. `everyClause` makes every user pass the first four clauses, so the
    /// `and` never stops early: the cost of the whole rule rather than of a typical mix.
    static func users(_ count: Int, everyClause: Bool) -> [JSON] {
        var rng = SplitMix64(seed: everyClause ? 11 : 10)
        return (0..<count).map { i in
            guard case .object(let base) = Documents.user(i, rng: &rng) else { return .null }
            var members = Array(base.map { ($0.key, $0.value) })
            let views = everyClause ? 3 + rng.below(7) : rng.below(10)
            let plan = everyClause ? rng.pick(Array(Documents.plans.prefix(3))) : rng.pick(Documents.plans)
            let monthsLeft = everyClause ? rng.below(4) : rng.below(8)
            let optOut = everyClause ? false : rng.below(10) == 0
            members = members.map { key, value in
                switch key {
                case "profile":
                    guard case .object(let p) = value else { return (key, value) }
                    return (
                        key,
                        .object(
                            JSONObject(
                                p.map { k, v in
                                    k == "plan" ? (k, .string(plan)) : k == "contract_months_left" ? (k, .number(Double(monthsLeft))) : (k, v)
                                }))
                    )
                case "consent":
                    guard case .object(let c) = value else { return (key, value) }
                    return (key, .object(JSONObject(c.map { ($0.key, $0.value) } + [("marketing_opt_out", .bool(optOut))])))
                default:
                    return (key, value)
                }
            }
            members.append(
                (
                    "behaviour",
                    [
                        "plans_page_views_7d": .number(Double(views)),
                        "support_contacts_30d": .number(Double(rng.below(4))),
                    ]
                ))
            return .object(JSONObject(members))
        }
    }

    static func run(batches: Int) throws -> [BenchResult] {
        let compiled = try Rule(compiling: JSONParser.parse(rule))
        var results: [BenchResult] = []
        for everyClause in [false, true] {
            let population = users(1000, everyClause: everyClause)
            var matched = 0
            for user in population where try compiled.matches(user) { matched += 1 }

            let clock = ContinuousClock()
            for user in population { blackHole(try compiled.evaluate(user)) } // warm up
            var perEval: [Double] = []
            perEval.reserveCapacity(batches)
            for _ in 0..<batches {
                let start = clock.now
                for user in population { blackHole(try compiled.evaluate(user)) }
                perEval.append((clock.now - start).nanoseconds / Double(population.count))
            }
            results.append(
                BenchResult(
                    name: everyClause ? "logic, 5 clauses, all evaluated" : "logic, 5-clause audience rule",
                    unit: "ns/eval", higherIsBetter: false, stats: Stats(perEval),
                    detail: "1,000 users, \(matched) in audience; \(batches) batches of 1,000 evaluations"
                        + (everyClause ? "; every user passes the first four clauses" : ""),
                    target: 50))
        }
        return results
    }
}
