// Decisions and memory for users with a varied week of history (issue 15): the cost of a
// decision must depend on what the campaigns read, not on how varied a user's history
// is. The same week bench/abi/inputs.py writes for one.c's `history` kinds: two sessions
// a day for seven days, each opening the app, then page views that carry a referrer,
// cart adds here and there, and a few impressions. A behaviour series is an event name
// with one combination of its non-numeric properties, so the series are chosen as
// (page, referrer) pairs, one app_open series and five add_to_cart (item_type, item)
// series: 36 series for the realistic user (80 page views), 64 — the most a user keeps
// (RetentionPolicy.maxBehaviourSeries) — for the worst case, every pair in every session.
import Engage

enum HistoryBench {
    static let pages = [
        "/home", "/plans", "/plans/5g", "/compare", "/internet", "/iptv", "/bundles",
        "/devices", "/support", "/account", "/offers",
    ]
    static let referrers = ["app_home", "search", "push", "direct", "email", "sms"]
    static let carts = [
        ("plan", "5G Standard"), ("device", "Galaxy S24"), ("accessory", "case"),
        ("device", "Galaxy Buds"), ("plan", "LTE-M"),
    ]
    static let impressions = [
        ("ott-bundle-activation-1", "in_app"), ("onboarding-day1-welcome-3", "push"),
        ("ott-bundle-activation-1", "in_app"), ("plan-change-nudge-7", "in_app"),
    ]
    static let sessions: [Int64] = (0..<7).flatMap { day in
        [4, 13].map { hours in EngineBench.now - Int64(day) * EngineBench.day - Int64(hours) * 3_600_000 }
    }

    /// The week that gives `series` behaviour series (36 or 64).
    static func week(series: Int) -> [StateRecord] {
        let pairs = Array(referrers.flatMap { r in pages.map { (page: $0, referrer: r) } }.prefix(series - 1 - carts.count))
        let views = series == 36 ? 80 : pairs.count * sessions.count
        var records: [StateRecord] = sessions.map { .behaviour(HistoryEvent(name: "app_open", time: $0)) }
        for j in 0..<views {
            let (page, referrer) = pairs[j % pairs.count]
            records.append(
                .behaviour(
                    HistoryEvent(
                        name: "page_view", time: sessions[j % sessions.count] + 60_000 * Int64(1 + j / sessions.count),
                        properties: ["page": .string(page), "referrer": .string(referrer)])))
        }
        for (i, (type, item)) in carts.enumerated() {
            records.append(
                .behaviour(
                    HistoryEvent(
                        name: "add_to_cart", time: sessions[(3 * i + 2) % sessions.count] + 1_200_000,
                        properties: ["item_type": .string(type), "item": .string(item)])))
        }
        for (i, (campaign, channel)) in impressions.enumerated() {
            records.append(
                .impression(
                    Impression(
                        campaignID: campaign, time: sessions[3 * i + 1] + 300_000,
                        channel: channel, purpose: "marketing")))
        }
        return records.sorted { $0.time < $1.time }
    }

    static func record(_ engine: Engine, user: String, _ week: [StateRecord]) throws {
        for r in week { try engine.record(userID: user, r) }
    }

    /// One thread, commit false, pre-parsed requests: `rounds` passes over `users` users
    /// with the 36-series week and as many with the 64-series week, the two alternating.
    static func run(rounds: Int, users: Int) throws -> [BenchResult] {
        let engine = Engine(clock: { EngineBench.now })
        try engine.load(json: try EngineBench.campaignSet(count: 100))
        var results: [BenchResult] = []
        var requests: [[DecisionRequest]] = []
        for (k, series) in [36, 64].enumerated() {
            let week = week(series: series)
            var parsed: [DecisionRequest] = []
            for u in 0..<users {
                let i = k * users + u
                try record(engine, user: "user-\(i)", week)
                parsed.append(try DecisionRequest(json: JSONParser.parse(Array(EngineBench.request(i).utf8))))
            }
            let held = try engine.export(userID: "user-\(k * users)")["behaviour"]?.arrayValue?.count ?? 0
            guard held == series else { throw BenchError("the \(series)-series week holds \(held) series") }
            requests.append(parsed)
        }
        let clock = ContinuousClock()
        var times: [[Double]] = [[], []]
        for round in 0..<rounds {
            for k in [round % 2, 1 - round % 2] {
                for r in requests[k] {
                    let t0 = clock.now
                    blackHole(try engine.decide(r))
                    times[k].append((clock.now - t0).nanoseconds / 1000)
                }
            }
        }
        for (k, series) in [36, 64].enumerated() {
            let records = week(series: series).count
            results.append(
                BenchResult(
                    name: "decide, a week of \(series) behaviour series, pre-parsed request", unit: "µs", higherIsBetter: false,
                    stats: Stats(times[k]),
                    detail: "100 campaigns, \(users) users with \(records) records each (\(series) series), ~1 KB requests; each decision timed alone",
                    target: 5))
        }
        return results
    }

    /// Resident-memory growth per user for `users` users with the 36-series week.
    static func memory(users: Int) throws -> [BenchResult] {
        let engine = Engine(clock: { EngineBench.now })
        let week = week(series: 36)
        EngineBench.trimHeap()
        let before = EngineBench.residentBytes()
        for u in 0..<users { try record(engine, user: "h-\(u)", week) }
        let perUser = Double(EngineBench.residentBytes() - before) / Double(users)
        return [
            BenchResult(
                name: "memory per user, a varied week (36 series)", unit: "bytes", higherIsBetter: false,
                stats: Stats([perUser]),
                detail:
                    "\(users) users; \(week.count) records each: 80 page views over 11 pages with a referrer, 14 app opens, 5 cart adds, 4 impressions; in-memory store",
                target: 2048)
        ]
    }
}
