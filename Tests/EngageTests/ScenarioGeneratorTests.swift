import Foundation
import Testing

@testable import Engage
@testable import EngageScenario

// `engage generate` (EngageScenario/Generator.swift): reproducible bytes, a log that
// EventLog reads back in order, and distributions near the values documented in
// examples/telco/README.md.

private let monday: Int64 = 1_793_545_200_000 // 2026-11-02T00:00:00+09:00
private let hourMs: Int64 = 3_600_000
private let dayMs: Int64 = 86_400_000

/// One generated log, parsed once and shared by the tests that only read it.
private struct Sample: Sendable {
    let text: [String]
    let lines: [LogLine]

    init(seed: UInt64, users: Int, days: Int = 7) throws {
        var text: [String] = []
        ScenarioGenerator(seed: seed, users: users, start: monday, days: days).write { text.append($0) }
        self.text = text
        lines = try text.enumerated().map { i, line in try EventLog.parse(line: Array(line.utf8)[...], number: i + 1) }
    }

    static let population = Result { try Sample(seed: 7, users: 2_000) }

    /// The first `user` line of each user.
    var firstProfiles: [String: JSONObject] {
        var out: [String: JSONObject] = [:]
        for case .user(let id, _, let profile) in lines where out[id] == nil { out[id] = profile }
        return out
    }

    func events(named name: String) -> [(user: String, time: Int64, properties: JSON, foreground: Bool)] {
        lines.compactMap {
            guard case .event(let u, let t, let n, let p, let fg, _) = $0, n == name else { return nil }
            return (u, t, p, fg)
        }
    }
}

@Suite struct ScenarioGeneratorTests {
    // MARK: - Reproducibility

    @Test func sameSeedGivesIdenticalBytes() {
        let g = ScenarioGenerator(seed: 99, users: 150, start: monday, days: 7)
        var a: [String] = [], b: [String] = []
        g.write { a.append($0) }
        ScenarioGenerator(seed: 99, users: 150, start: monday, days: 7).write { b.append($0) }
        #expect(a == b)
        var chunks: [UInt8] = []
        var calls = 0
        g.writeChunks(chunkBytes: 4_096) {
            chunks += $0
            calls += 1
        }
        #expect(chunks == Array((a.joined(separator: "\n") + "\n").utf8))
        #expect(calls > 1)
    }

    @Test func differentSeedsDiffer() {
        var a: [String] = [], b: [String] = []
        ScenarioGenerator(seed: 1, users: 50, start: monday, days: 7).write { a.append($0) }
        ScenarioGenerator(seed: 2, users: 50, start: monday, days: 7).write { b.append($0) }
        #expect(a.dropFirst() != b.dropFirst())
        #expect(a.first != b.first) // the header names the seed
    }

    /// Users are independent streams: adding users leaves the existing users' lines alone.
    @Test func usersDoNotDependOnPopulation() {
        func linesOf(_ user: String, population: Int) -> [String] {
            var out: [String] = []
            ScenarioGenerator(seed: 5, users: population, start: monday, days: 7).write {
                if $0.contains("\"user_id\":\"\(user)\"") { out.append($0) }
            }
            return out
        }
        let small = linesOf("u000003", population: 5)
        #expect(!small.isEmpty)
        #expect(small == linesOf("u000003", population: 40))
    }

    @Test func pinnedRandomStream() {
        // Any change here changes every generated log: update README and fixtures too.
        var r = ScenarioRandom(seed: 42)
        let first = (0..<3).map { _ in r.next() }
        var again = ScenarioRandom(seed: 42)
        #expect(first == (0..<3).map { _ in again.next() })
        var s = ScenarioRandom(seed: 42, stream: 1)
        var t = ScenarioRandom(seed: 42, stream: 2)
        #expect(s.next() != t.next())
        #expect(first == Self.pinned)
    }

    /// xoshiro256** from SplitMix64(42), checked against an independent implementation.
    static let pinned: [UInt64] = [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009]

    // MARK: - Format

    @Test func headerAndOrder() throws {
        let sample = try Sample.population.get()
        guard case .scenario(let header) = sample.lines.first else {
            Issue.record("first line is not the header")
            return
        }
        #expect(header["generator"] == "engage generate")
        #expect(header["version"] == 1)
        #expect(header["seed"] == 7)
        #expect(header["users"] == 2_000)
        #expect(header["start"] == .number(Double(monday)))
        #expect(header["days"] == 7)
        #expect(header["time_zone"] == "Asia/Seoul")
        #expect(sample.text[0].hasPrefix("{\"type\":\"scenario\",\"generator\":\"engage generate\",\"version\":1,\"seed\":7,"))
        var previous: (time: Int64, user: String) = (.min, "")
        for line in sample.lines.dropFirst() {
            guard let user = line.userID else {
                Issue.record("a second header")
                continue
            }
            #expect(line.time > previous.time || (line.time == previous.time && user >= previous.user))
            previous = (line.time, user)
            #expect(line.time >= monday && line.time < monday + 7 * dayMs)
        }
        // Integers stay integers.
        #expect(!sample.text.contains { $0.contains(".0,") || $0.contains(".0}") })
    }

    @Test func everyUserIsIntroducedBeforeTheirEvents() throws {
        let sample = try Sample.population.get()
        var introduced = Set<String>()
        for line in sample.lines.dropFirst() {
            guard let user = line.userID else { continue }
            if case .user = line { introduced.insert(user) }
            #expect(introduced.contains(user), "\(user) has a line before their profile")
        }
        #expect(introduced.count == 2_000)
        #expect(introduced.contains("u000001") && introduced.contains("u002000"))
    }

    @Test func accountChangesAreFollowedByTheUpdatedProfile() throws {
        let sample = try Sample.population.get()
        var changes = 0, links = 0
        for (i, line) in sample.lines.enumerated() {
            guard case .event(let user, let time, let name, let properties, _, _) = line,
                name == "plan_changed" || name == "ott_linked"
            else { continue }
            guard i + 1 < sample.lines.count, case .user(let next, let t, let profile) = sample.lines[i + 1] else {
                Issue.record("\(name) of \(user) is not followed by a user line")
                continue
            }
            #expect(next == user && t == time)
            if name == "plan_changed" {
                changes += 1
                #expect(profile["user"]?["plan"] == properties["to"])
                let ott = properties["to"] == "5G-L" || properties["to"] == "5G-XL"
                #expect(profile["user"]?["plan_includes_ott"] == .bool(ott))
                #expect(profile["user"]?["ott_provider"] == (ott ? "streamflix" : .null))
            } else {
                links += 1
                #expect(profile["user"]?["ott_linked"] == true)
            }
        }
        #expect(changes > 0 && links > 0)
    }

    @Test func profileShape() throws {
        let sample = try Sample.population.get()
        let next = ["LTE-S": "LTE-M", "LTE-M": "5G-M", "LTE-L": "5G-M", "5G-M": "5G-L", "5G-L": "5G-XL", "5G-XL": "5G-XL"]
        for (id, p) in sample.firstProfiles {
            let user = try #require(p["user"]?.objectValue, "\(id)")
            let channels = (p["channels"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(channels.contains("sms"))
            #expect(channels.contains("push") == (user["app_installed"] == true))
            #expect(channels.contains("in_app") == (user["app_installed"] == true))
            let marketing = p["consent"]?["marketing"]
            #expect(user["opted_out_marketing"] == .bool(marketing == false))
            #expect(p["consent"]?["service"] == true)
            if let m = marketing, m != false { #expect(m["in_app"] == true && m["sms"]?.boolValue != nil) }
            let plan = try #require(user["plan"]?.stringValue)
            #expect(p["offer"]?["plan"]?.stringValue == next[plan])
            let code = p["offer"]?["code"]?.stringValue ?? ""
            #expect(code.count == 6 && code.hasPrefix("STAY"))
            for score in ["plan_propensity", "churn"] {
                let v = try #require(p["scores"]?[score]?.doubleValue)
                #expect(v >= 0 && v <= 1 && (v * 1_000).rounded() == v * 1_000)
            }
            #expect(user["ott_linked"] != true || user["plan_includes_ott"] == true)
            let age = try #require(user["age"]?.intValue)
            #expect((age < 18) == (user["age_band"] == "under-18"))
            if user["tenure_months"] == 0 {
                #expect(user["activated_at"]?.doubleValue ?? 0 >= Double(monday - 2 * dayMs))
            }
        }
    }

    @Test func decideRunsAtTenAndSixLocal() throws {
        let sample = try Sample.population.get()
        let zones = Dictionary(
            sample.firstProfiles.map { ($0.key, $0.value["time_zone"]?.stringValue ?? "") },
            uniquingKeysWith: { a, _ in a })
        var perUser: [String: Int] = [:]
        var calendars: [String: Calendar] = [:]
        for case .decide(let user, let time, let placements, let foreground) in sample.lines {
            #expect(placements == ["outbound"] && !foreground)
            perUser[user, default: 0] += 1
            let zone = zones[user] ?? ""
            if calendars[zone] == nil {
                var c = Calendar(identifier: .gregorian)
                c.timeZone = try #require(TimeZone(identifier: zone))
                calendars[zone] = c
            }
            let parts = calendars[zone]?.dateComponents(
                [.hour, .minute, .second],
                from: Date(timeIntervalSince1970: Double(time) / 1_000))
            #expect([10, 18].contains(parts?.hour ?? -1) && parts?.minute == 0 && parts?.second == 0, "\(user) \(zone)")
        }
        let full = perUser.values.filter { $0 == 14 }.count
        #expect(Double(full) / Double(perUser.count) > 0.9)
    }

    // MARK: - Distributions (2,000 users; bounds are loose on purpose)

    @Test func profileDistributions() throws {
        let profiles = try Sample.population.get().firstProfiles
        let n = Double(profiles.count)
        func share(_ test: (JSONObject) -> Bool) -> Double { Double(profiles.values.filter(test).count) / n }
        let ott = share { $0["user"]?["plan_includes_ott"] == true }
        let optedOut = share { $0["consent"]?["marketing"] == false }
        let unknown = share { $0["consent"]?["marketing"] == nil }
        let newSubscribers = share { $0["user"]?["tenure_months"] == 0 }
        let app = share { $0["user"]?["app_installed"] == true }
        let seoul = share { $0["time_zone"] == "Asia/Seoul" }
        let minors = share { $0["user"]?["age_band"] == "under-18" }
        let locked = share { $0["user"]?["plan_locked"] == true }
        let noContract = share { $0["user"]?["contract_end"] == .null }
        let endingSoon = share {
            guard let end = $0["user"]?["contract_end"]?.doubleValue else { return false }
            return end < Double(monday + 30 * dayMs)
        }
        #expect((0.25...0.35).contains(ott), "OTT \(ott)")
        #expect((0.14...0.22).contains(optedOut), "opted out \(optedOut)")
        #expect((0.04...0.10).contains(unknown), "unknown consent \(unknown)")
        #expect((0.03...0.07).contains(newSubscribers), "new \(newSubscribers)")
        #expect((0.66...0.74).contains(app), "app \(app)")
        #expect((0.93...0.97).contains(seoul), "Seoul \(seoul)")
        #expect((0.01...0.05).contains(minors), "under 18 \(minors)")
        #expect((0.01...0.05).contains(locked), "plan locked \(locked)")
        #expect((0.21...0.29).contains(noContract), "no contract \(noContract)")
        #expect((0.02...0.06).contains(endingSoon), "contract ending within 30 days \(endingSoon)")
    }

    @Test func behaviourDistributions() throws {
        let sample = try Sample.population.get()
        let users = 2_000.0
        let perUser = Double(sample.lines.count - 1 - 2_000) / users
        #expect((25...45).contains(perUser), "event and decide lines per user \(perUser)")
        func usersWith(_ name: String) -> Double { Double(Set(sample.events(named: name).map(\.user)).count) / users }
        #expect((0.005...0.04).contains(usersWith("plan_changed")), "plan changes \(usersWith("plan_changed"))")
        #expect((0.12...0.30).contains(usersWith("support_contact")), "support \(usersWith("support_contact"))")
        let plansViewers = Set(sample.events(named: "page_view").filter { $0.properties["page"] == "/plans" }.map(\.user))
        #expect(plansViewers.count > 200)
        let planCarts = sample.events(named: "add_to_cart").filter { $0.properties["item_type"] == "plan" }
        #expect((20...120).contains(planCarts.count), "plan carts \(planCarts.count)")
        // Page views are foreground exactly in the app.
        for v in sample.events(named: "page_view") {
            #expect(v.foreground == (v.properties["surface"] == "app"))
            #expect((v.properties["dwell_s"]?.intValue ?? 0) >= 1)
        }
        let opens = sample.events(named: "app_open")
        #expect(opens.allSatisfy { $0.foreground && ($0.properties["session_s"]?.intValue ?? 0) >= 1 })
        // Some activity at night, Seoul time (21:00–08:00).
        let night = opens.filter { (($0.time + 9 * hourMs) % dayMs) / hourMs >= 21 || (($0.time + 9 * hourMs) % dayMs) / hourMs < 8 }
        let nightShare = Double(night.count) / Double(opens.count)
        #expect((0.1...0.5).contains(nightShare), "night share \(nightShare)")
        // Onboarding actions come from new subscribers only.
        let newUsers = Set(sample.firstProfiles.filter { $0.value["user"]?["tenure_months"] == 0 }.map(\.key))
        for name in ["services_activated", "payment_setup", "self_service_used"] {
            #expect(sample.events(named: name).allSatisfy { newUsers.contains($0.user) }, "\(name)")
        }
    }

    // MARK: - Random numbers

    @Test func deterministicMathMatchesLibm() {
        var r = ScenarioRandom(seed: 3)
        for _ in 0..<2_000 {
            let x = r.uniform(-30, 30)
            #expect(abs(DeterministicMath.exp(x) / Foundation.exp(x) - 1) < 1e-14)
            let y = DeterministicMath.exp(r.uniform(-700, 700))
            #expect(abs(DeterministicMath.log(y) - Foundation.log(y)) <= 1e-13 * max(1, abs(Foundation.log(y))))
        }
        #expect(DeterministicMath.log(1) == 0)
        #expect(DeterministicMath.exp(0) == 1)
        #expect(DeterministicMath.log(0) == -.infinity)
        #expect(DeterministicMath.log(-1).isNaN)
    }

    @Test func distributionsHaveTheirMoments() {
        var r = ScenarioRandom(seed: 11)
        let n = 20_000
        let poisson = (0..<n).map { _ in Double(r.poisson(mean: 1.5)) }.reduce(0, +) / Double(n)
        #expect(abs(poisson - 1.5) < 0.05)
        let normals = (0..<n).map { _ in r.normal(mean: 2, sd: 3) }
        let mean = normals.reduce(0, +) / Double(n)
        let sd = (normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        #expect(abs(mean - 2) < 0.1 && abs(sd - 3) < 0.1)
        let expo = (0..<n).map { _ in r.exponential(mean: 4) }.reduce(0, +) / Double(n)
        #expect(abs(expo - 4) < 0.15)
        let ints = (0..<n).map { _ in r.int(in: 1...6) }
        #expect(ints.allSatisfy { (1...6).contains($0) } && Set(ints).count == 6)
        #expect(r.int(in: Int.min...Int.max) != r.int(in: Int.min...Int.max))
        let table = WeightedTable([1, 0, 3])
        let picks = (0..<n).map { _ in r.pick(table) }
        #expect(!picks.contains(1))
        #expect(abs(Double(picks.filter { $0 == 2 }.count) / Double(n) - 0.75) < 0.02)
    }
}
