// decide-commit: the decide benchmark's 100 campaigns and 1 KB requests with
// `"commit": true`, over 10,000 users with a week of history in the memory store, on 1,
// 2 and 8 threads. Afterwards every user's impressions are audited against the set's
// caps (CapAudit) and compared across thread counts: figures from wrong decisions would
// be worthless.
import Engage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

enum DecideCommitBench {
    static let now = EngineBench.now

    /// What one thread count measured.
    struct Figure {
        let threads: Int
        let micros: Stats // per decision, pooled from every thread
        let perSecond: Double // decisions over the wall time of the run
        let seconds: Double
        let shownPerPass: [Int] // messages shown in each pass over the users
        let marketingPerPass: [Int] // of which marketing (the purpose the global caps limit)
        let shown: [[String]] // per user: "campaign channel" of each message, in order
        let overCap: [(user: Int, caps: [String])]
    }

    /// What one thread brings back.
    private struct Slice: Sendable {
        var micros: [Double] = []
        var shown: [(user: Int, messages: [(campaignID: String, channel: Channel)])] = []
        var shownPerPass: [Int]
        var marketingPerPass: [Int]
    }

    static func run(users: Int, passes: Int, threadCounts: [Int] = [1, 2, 8]) throws -> [BenchResult] {
        let setJSON = try EngineBench.campaignSet(count: 100)
        let audit = try CapAudit(set: setJSON, utcOffset: 9 * 3_600_000) // Asia/Seoul
        let week = StoreBench.decideWeek()
        let history = week.compactMap(CapAudit.shown)
        let marketing = Set(audit.campaigns.filter { $0.value.purpose == "marketing" }.keys)
        let requests = try (0..<users).map { i in
            var r = try DecisionRequest(json: JSONParser.parse(Array(EngineBench.request(i).utf8)))
            r.commit = true
            return r
        }
        let load = loadAverage()
        let machine = machineScaling()

        var figures: [Figure] = []
        for threads in threadCounts {
            // A fresh store per thread count: every run starts from the same week of
            // history, so each does the same work and must make the same decisions.
            let store = MemoryStore()
            try StoreBench.populate(store, users: 0..<users, prefix: "user-", threads: 2) { _ in week }
            let engine = Engine(store: store, clock: { now })
            try engine.load(json: setJSON)
            for var r in requests.prefix(200) { // warm-up; commit false writes nothing
                r.commit = false
                blackHole(try engine.decide(r))
            }

            let slices = Mutex<[Slice]>([])
            let failure = Mutex<String?>(nil)
            let clock = ContinuousClock()
            let start = clock.now
            runThreads(threads) { t in
                // Thread t owns a contiguous slice of the users and walks through it
                // `passes` times, so later passes meet the caps the earlier ones filled.
                let mine = (t * users / threads)..<((t + 1) * users / threads)
                var slice = Slice(
                    shownPerPass: Array(repeating: 0, count: passes),
                    marketingPerPass: Array(repeating: 0, count: passes))
                slice.micros.reserveCapacity(mine.count * passes)
                var shown = Array(repeating: [(campaignID: String, channel: Channel)](), count: mine.count)
                for pass in 0..<passes {
                    for u in mine {
                        let t0 = clock.now
                        let d: Decision
                        do throws(DecisionError) { d = try engine.decide(requests[u]) } catch {
                            failure.withLock { $0 = $0 ?? "user-\(u): \(error)" }
                            return
                        }
                        slice.micros.append((clock.now - t0).nanoseconds / 1000)
                        slice.shownPerPass[pass] += d.messages.count
                        for m in d.messages {
                            shown[u - mine.lowerBound].append((m.campaignID, m.channel))
                            if marketing.contains(m.campaignID) { slice.marketingPerPass[pass] += 1 }
                        }
                    }
                }
                slice.shown = zip(mine, shown).map { (user: $0, messages: $1) }
                slices.withLock { $0.append(slice) }
            }
            let seconds = (clock.now - start).nanoseconds / 1e9
            if let f = failure.withLock({ $0 }) { throw BenchError("decide-commit (\(threads) threads): \(f)") }

            let parts = slices.withLock { $0 }
            var perUser = Array(repeating: [String](), count: users)
            var overCap: [(user: Int, caps: [String])] = []
            for part in parts {
                for (u, messages) in part.shown {
                    perUser[u] = messages.map { "\($0.campaignID) \($0.channel.rawValue)" }
                    let impressions = history + messages.map { audit.shown(campaignID: $0.campaignID, channel: $0.channel, at: now) }
                    let v = audit.violations(impressions, now: now)
                    if !v.isEmpty { overCap.append((u, v)) }
                }
            }
            let decisions = users * passes
            figures.append(
                Figure(
                    threads: threads, micros: Stats(parts.flatMap(\.micros)), perSecond: Double(decisions) / seconds,
                    seconds: seconds,
                    shownPerPass: (0..<passes).map { p in parts.reduce(0) { $0 + $1.shownPerPass[p] } },
                    marketingPerPass: (0..<passes).map { p in parts.reduce(0) { $0 + $1.marketingPerPass[p] } },
                    shown: perUser, overCap: overCap))
        }

        // The audit: caps held for every user, and each user got the same messages
        // whatever the thread count (users share no state, so threading must not matter).
        let reference = figures[0]
        let differing = figures.dropFirst().map { f in (f.threads, (0..<users).filter { f.shown[$0] != reference.shown[$0] }) }
        let wrongUsers = Set(figures.flatMap { $0.overCap.map(\.user) } + differing.flatMap(\.1)).count

        print(
            "decide-commit: 100 campaigns, \(users) users with a week of history (memory store), \(passes) passes over each thread's slice of users, commit true"
        )
        print(
            "decide-commit: load average \(load); this machine's own 2 threads / 1 thread on pure arithmetic just before: \(format((machine * 100).rounded() / 100))×"
        )
        print(
            pad("threads", 8) + pad("decisions/s", 13) + pad("p50 µs", 10) + pad("p99 µs", 10)
                + pad("wall s", 9) + "  messages shown per pass (of which marketing)")
        for f in figures {
            print(
                pad(String(f.threads), 8) + pad(format(f.perSecond.rounded()), 13) + pad(format(f.micros.median), 10)
                    + pad(format(f.micros.p99), 10) + pad(format((f.seconds * 100).rounded() / 100), 9)
                    + "  " + zip(f.shownPerPass, f.marketingPerPass).map { "\($0) (\($1))" }.joined(separator: " / "))
        }
        for f in figures {
            if f.overCap.isEmpty {
                print(
                    "decide-commit: \(f.threads) thread\(f.threads == 1 ? "" : "s"): caps held for all \(users) users (\(audit.limits.count) caps re-counted from history + shown messages)"
                )
            } else {
                print(
                    "decide-commit: \(f.threads) threads: CAPS EXCEEDED for \(f.overCap.count) users, e.g. user-\(f.overCap[0].user): \(f.overCap[0].caps.joined(separator: "; "))"
                )
            }
        }
        for (threads, users) in differing {
            print(
                "decide-commit: \(threads) threads: "
                    + (users.isEmpty
                        ? "same messages for every user as 1 thread"
                        : "DIFFERENT messages from 1 thread for \(users.count) users, e.g. user-\(users[0])"))
        }
        print("")

        var results: [BenchResult] = []
        for f in figures {
            results.append(
                BenchResult(
                    name: "decide-commit, \(f.threads) thread\(f.threads == 1 ? "" : "s")", unit: "µs", higherIsBetter: false,
                    stats: f.micros,
                    detail: "\(format(f.perSecond.rounded())) decisions/s; \(f.micros.samples.count) decisions, "
                        + "\(f.shownPerPass.reduce(0, +)) messages shown (per pass \(f.shownPerPass.map(String.init).joined(separator: "/")); "
                        + "marketing \(f.marketingPerPass.map(String.init).joined(separator: "/")))",
                    extra: [("threads", .number(Double(f.threads))), ("decisions_per_second", .number(f.perSecond.rounded()))]))
        }
        if let one = figures.first(where: { $0.threads == 1 }), let two = figures.first(where: { $0.threads == 2 }) {
            let ratio = two.perSecond / one.perSecond
            results.append(
                BenchResult(
                    name: "decide-commit, 2 threads / 1 thread", unit: "×", higherIsBetter: true, stats: Stats([ratio]),
                    detail: "decisions/s \(format(two.perSecond.rounded())) / \(format(one.perSecond.rounded())); load average at start \(load); "
                        + "the machine's own 2T/1T on pure arithmetic: \(format((machine * 100).rounded() / 100))×",
                    target: 1.6))
        }
        results.append(
            BenchResult(
                name: "decide-commit, users with wrong decisions", unit: "users", higherIsBetter: false, stats: Stats([Double(wrongUsers)]),
                detail: "over a cap, or shown other messages than with 1 thread; \(audit.limits.count) caps audited per user",
                target: 0))
        return results
    }

    /// How much faster 2 threads get through pure arithmetic than 1 (2.0 on two idle
    /// cores): the ceiling the shared machine allowed at the time, beside the engine's ratio.
    static func machineScaling(iterations: Int = 40_000_000) -> Double {
        let clock = ContinuousClock()
        func seconds(_ threads: Int) -> Double {
            let start = clock.now
            runThreads(threads) { t in
                var rng = SplitMix64(seed: UInt64(t))
                var x: UInt64 = 0
                for _ in 0..<iterations { x ^= rng.next() }
                blackHole(x)
            }
            return (clock.now - start).nanoseconds / 1e9
        }
        _ = seconds(1) // warm-up
        let one = seconds(1), two = seconds(2)
        return 2 * one / two
    }

    /// /proc/loadavg's three figures: how busy the shared machine was.
    static func loadAverage() -> String {
        guard let f = fopen("/proc/loadavg", "r") else { return "?" }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 128)
        guard fgets(&buf, Int32(buf.count), f) != nil else { return "?" }
        return LoadBench.cText(buf).split(separator: " ").prefix(3).joined(separator: " ")
    }
}
