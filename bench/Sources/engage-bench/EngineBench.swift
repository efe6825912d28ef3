// The engine: one decision over a 100-campaign set (Swift API, pre-parsed request and
// JSON bytes in), and resident memory per user with a week of history; the inputs the
// decide-commit and load benchmarks share.
import Engage

#if canImport(Glibc)
import Glibc
#endif

enum EngineBench {
    static let now: Int64 = 1_795_150_000_000
    static let day: Int64 = 86_400_000

    /// examples/campaigns/telco-full.json's campaigns, copied with new ids until there
    /// are `count`, spread over five placements and the set's events.
    static func campaignSet(count: Int) throws -> JSON {
        let path = benchRoot + "/../examples/campaigns/telco-full.json"
        guard let bytes = readFileBytes(path) else { throw BenchError("cannot read \(path)") }
        guard case .object(let base) = try JSONParser.parse(bytes),
            case .array(let templates)? = base["campaigns"]
        else { throw BenchError("unexpected example") }
        let placements = ["app_home_popup", "app_home_banner", "plans_page", "cart_page", "account_page"]
        var campaigns: [JSON] = []
        for i in 0..<count {
            guard case .object(let t) = templates[i % templates.count] else { continue }
            let members: [(String, JSON)] = t.map { key, value in
                switch key {
                case "id": return (key, .string("\(value.stringValue ?? "c")-\(i)"))
                case "status": return (key, "active")
                case "placements": return (key, .array([.string(placements[i % placements.count])]))
                case "schedule": return (key, .null)
                default: return (key, value)
                }
            }.filter { !$0.1.isNull }
            var m = members
            if !m.contains(where: { $0.0 == "placements" }) { m.append(("placements", .array([.string(placements[i % placements.count])]))) }
            campaigns.append(.object(JSONObject(m)))
        }
        let rest = base.filter { $0.key != "campaigns" }.map { ($0.key, $0.value) }
        return .object(JSONObject(rest + [("campaigns", .array(campaigns))]))
    }

    /// A ~1 KB request for user `i`.
    static func request(_ i: Int) -> String {
        #"{"user_id":"user-\#(i)","time_zone":"Asia/Seoul","now":\#(now),"event":{"name":"page_view","properties":{"page":"/plans","dwell_s":42}},"placements":["app_home_popup","plans_page"],"consent":{"marketing":true,"service":true,"transactional":true},"channels":["push","sms","email","whatsapp"],"app":{"foreground":true,"version":"5.12.0"},"commit":false,"user":{"age":\#(20 + i % 50),"age_band":"25-34","plan":"\#(["LTE-S", "LTE-M", "5G-M"][i % 3])","tenure_months":\#(i % 60),"contract_days_left":\#(i % 400),"first_name":"Min","support_preference":"agent","plan_includes_ott":true,"ott_linked":false,"ott_provider":"streamflix","activated_at":\#(now - Int64(i % 10) * day),"segment":"price_sensitive","arpu":45.5,"devices":["ios","web"]},"offer":{"plan":"5G-M","value":3,"code":"STAY10"},"scores":{"plan_propensity":0.4,"churn":0.2},"location":{"country":"KR","region":"Seoul"},"flags":{"beta":false,"vip":false}}"#
    }

    static func weekOfHistory(_ engine: Engine, user: String) throws {
        for d in 0..<7 {
            let base = now - Int64(7 - d) * day
            for v in 0..<12 {
                let page = ["/plans", "/home", "/bundles", "/support"][(v + d) % 4]
                try engine.record(
                    userID: user,
                    .behaviour(
                        HistoryEvent(
                            name: "page_view", time: base + Int64(8 + v / 2) * 3_600_000 + Int64(v) * 60_000,
                            properties: ["page": .string(page), "dwell_s": .number(Double(10 + v))])))
            }
            try engine.record(userID: user, .behaviour(HistoryEvent(name: "app_open", time: base + 8 * 3_600_000)))
            try engine.record(
                userID: user,
                .impression(
                    Impression(
                        campaignID: "plan-change-nudge-\(d % 5)", time: base + 9 * 3_600_000,
                        channel: d % 2 == 0 ? "in_app" : "push", purpose: "marketing", tags: ["plans"])))
        }
    }

    /// One thread, commit false: `rounds` passes over 1,000 users of each way in.
    static func run(rounds: Int) throws -> [BenchResult] {
        let engine = Engine(clock: { now })
        let setJSON = try campaignSet(count: 100)
        try engine.load(json: setJSON)
        let users = 1_000
        for u in 0..<users { try weekOfHistory(engine, user: "user-\(u)") }
        let texts = (0..<users).map { Array(request($0).utf8) }
        let parsed = try texts.map { try DecisionRequest(json: JSONParser.parse($0)) }
        var shown = 0
        for r in parsed where !(try engine.decide(r).messages.isEmpty) { shown += 1 }
        // Every decision is timed alone, so p50 and p99 are per decision; the two ways in
        // alternate round by round (order rotating) so the machine's drift hits both.
        let clock = ContinuousClock()
        var api: [Double] = [], bytesIn: [Double] = []
        api.reserveCapacity(rounds * users)
        bytesIn.reserveCapacity(rounds * users)
        for round in 0..<rounds {
            for way in [round % 2, 1 - round % 2] {
                for i in 0..<users {
                    let t0 = clock.now
                    if way == 0 { blackHole(try engine.decide(parsed[i])) } else { blackHole(try engine.decide(bytes: texts[i])) }
                    let dt = (clock.now - t0).nanoseconds / 1000
                    if way == 0 { api.append(dt) } else { bytesIn.append(dt) }
                }
            }
        }
        func perSecond(_ micros: [Double]) -> String {
            format((Double(micros.count) / (micros.reduce(0, +) / 1e6)).rounded()) + " decisions/s"
        }
        let detail =
            "100 campaigns, \(users) users with a week of history, \(texts[0].count)-byte requests, \(shown) decisions show a message; each decision timed alone"
        return [
            BenchResult(
                name: "decide, Swift API, pre-parsed request", unit: "µs", higherIsBetter: false,
                stats: Stats(api), detail: perSecond(api) + "; " + detail, target: 2),
            BenchResult(
                name: "decide, Swift API, JSON bytes in", unit: "µs", higherIsBetter: false,
                stats: Stats(bytesIn), detail: perSecond(bytesIn) + "; " + detail, target: 5, p99Target: 20),
        ]
    }

    /// Resident-memory growth per user for `users` users with a week of history each.
    static func memory(users: Int) throws -> [BenchResult] {
        let engine = Engine(clock: { now })
        trimHeap() // what earlier benchmarks freed must not absorb these users
        let before = residentBytes()
        for u in 0..<users { try weekOfHistory(engine, user: "m-\(u)") }
        let perUser = Double(residentBytes() - before) / Double(users)
        return [
            BenchResult(
                name: "memory per user, a week of history", unit: "bytes", higherIsBetter: false,
                stats: Stats([perUser]),
                detail: "\(users) users; 84 page views, 7 app opens, 7 impressions each; in-memory store",
                target: 1024)
        ]
    }

    /// Returns free heap memory to the system (glibc's `malloc_trim`), so resident
    /// growth measures what the next step keeps. Looked up at run time: Swift's Glibc
    /// module does not import malloc.h.
    static func trimHeap() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    static func residentBytes() -> Int {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var size = 0, resident = 0
        _ = withUnsafeMutablePointer(to: &size) { s in
            withUnsafeMutablePointer(to: &resident) { r in
                withVaList([s, r]) { vfscanf(f, "%ld %ld", $0) }
            }
        }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// The whole file at `path`, or nil when it cannot be opened.
func readFileBytes(_ path: String) -> [UInt8]? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return bytes
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The bench package's own folder (bench/), from this file's location.
let benchRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3) // Sources/engage-bench/EngineBench.swift
    return parts.joined(separator: "/")
}()
