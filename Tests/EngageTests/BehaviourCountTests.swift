import Testing

@testable import Engage

// `event_count` with a filter, counted series by series (UserState.countBySeries), must
// give what walking the history's buckets gives: same counts, same steps, same errors.

private let day: Int64 = 86_400_000
private let now: Int64 = 1_795_176_000_000

/// The same history without series: every query walks the buckets.
private struct WalkOnly: EventHistory {
    let state: UserState
    func forEachEvent(named name: String, from: Int64, through: Int64, _ body: (HistoryEvent) -> Bool) {
        state.forEachEvent(named: name, from: from, through: through, body)
    }
    func forEachEventBucket(
        named name: String, from: Int64, through: Int64,
        _ body: (
            _ series: Int, _ varying: [String], _ time: Int64, _ count: Int,
            _ properties: () -> JSON
        ) -> Bool
    ) {
        state.forEachEventBucket(named: name, from: from, through: through, body)
    }
}

/// A week or so of page views over pages and referrers, some with a numeric dwell time,
/// app opens and cart adds, in random order.
private func randomState(seed: UInt64) -> UserState {
    var rng = SeededGenerator(seed: seed)
    let pages = ["/plans", "/home", "/deals", "/support", "/iptv"]
    let referrers = ["app_home", "search", "push", "email"]
    var state = UserState()
    for _ in 0..<Int.random(in: 20...140, using: &rng) {
        let t = now - Int64.random(in: 0...(10 * day), using: &rng)
        var props: [(String, JSON)]
        let name: String
        if Int.random(in: 0..<6, using: &rng) == 0 {
            name = "add_to_cart"
            props = [("item", .string(pages.randomElement(using: &rng) ?? "/"))]
            if Bool.random(using: &rng) { props.append(("referrer", .string(referrers.randomElement(using: &rng) ?? ""))) }
        } else {
            // Comparisons with null are errors in this dialect: page views carry every member.
            name = "page_view"
            props = [
                ("page", .string(pages.randomElement(using: &rng) ?? "/")),
                ("referrer", .string(referrers.randomElement(using: &rng) ?? "")),
                ("dwell", .number(Double(Int.random(in: 1...300, using: &rng)))),
            ]
        }
        state.apply(.behaviour(HistoryEvent(name: name, time: t, properties: .object(JSONObject(props)))))
    }
    return state
}

private let rules = [
    // Reads a fixed member only: one evaluation per series.
    #"{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}"#,
    #"{"event_count": ["page_view", "3d", {"and": [{"==": [{"var": "page"}, "/plans"]}, {"==": [{"var": "referrer"}, "push"]}]}]}"#,
    #"{"event_count": ["page_view", "36h", {"in": [{"var": "page"}, ["/deals", "/iptv"]]}]}"#,
    #"{"event_count": ["add_to_cart", "7d", {"!": [{"var": "referrer"}]}]}"#,
    // Reads a numeric member, which varies between a series' hours: every bucket.
    #"{"event_count": ["page_view", "7d", {">": [{"var": "dwell"}, 100]}]}"#,
    #"{"event_count": ["page_view", "7d", {"and": [{"==": [{"var": "page"}, "/home"]}, {"<": [{"var": "dwell"}, 50]}]}]}"#,
    // Reads what no static analysis covers: the bucket walk for both.
    #"{"event_count": ["page_view", "7d", {"some": [["/plans"], {"==": [{"var": ""}, "/plans"]}]}]}"#,
    // An error in the filter.
    #"{"event_count": ["page_view", "7d", {"throw": "boom"}]}"#,
]

@Suite struct BehaviourCountTests {
    @Test(arguments: 0..<40)
    func seriesCountsAreTheBucketWalksCounts(seed: Int) throws {
        let state = randomState(seed: UInt64(seed))
        var counted = 0
        defer { #expect(counted >= 4, "seed \(seed): most rules count something") }
        for text in rules {
            let rule = try Rule(compiling: JSONParser.parse(text))
            if case .success(let n) = Result(catching: { () throws(LogicError) -> JSON in
                try rule.evaluate(.null, context: EvaluationContext(now: now, history: state))
            }), let count = n.intValue, count > 0 {
                counted += 1
            }
            for limit in [1_000_000, 40] {
                let limits = EvaluationLimits(maxSteps: limit)
                let fast = Result { () throws(LogicError) -> JSON in
                    try rule.evaluate(.null, context: EvaluationContext(now: now, history: state), limits: limits)
                }
                let walked = Result { () throws(LogicError) -> JSON in
                    try rule.evaluate(.null, context: EvaluationContext(now: now, history: WalkOnly(state: state)), limits: limits)
                }
                switch (fast, walked) {
                case (.success(let a), .success(let b)): #expect(a == b, "seed \(seed), \(text), limit \(limit)")
                case (.failure(let a), .failure(let b)):
                    // Under a tight limit, a filter error and the limit may be met in
                    // another order (series by series, not newest first): both fail.
                    if limit > 40 { #expect(a.type == b.type, "seed \(seed), \(text)") }
                default: Issue.record("seed \(seed), \(text), limit \(limit): \(fast) vs \(walked)")
                }
            }
        }
    }

    @Test func aSharedFilterRunsOncePerSeries() throws {
        // Three page_view series (three pages), 20 hours each; a filter on the page is
        // evaluated three times, not sixty: fewer steps than one per bucket plus one per
        // evaluation would allow if it ran per bucket.
        var state = UserState()
        for page in ["/a", "/b", "/plans"] {
            for h in 0..<20 {
                state.apply(
                    .behaviour(
                        HistoryEvent(
                            name: "page_view", time: now - Int64(h) * 3_600_000,
                            properties: .object(JSONObject([("page", .string(page))])))))
            }
        }
        let rule = try Rule(compiling: JSONParser.parse(rules[0]))
        #expect(try rule.evaluate(.null, context: EvaluationContext(now: now, history: state)) == .number(20))
        // 60 buckets charged + 3 evaluations of a 4-node filter + the aggregate: within 80.
        #expect(
            try rule.evaluate(
                .null, context: EvaluationContext(now: now, history: state),
                limits: EvaluationLimits(maxSteps: 80)) == .number(20))
    }
}
