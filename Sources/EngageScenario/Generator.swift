// `engage generate`: a seeded, realistic week of a telco's customers — profiles, app and
// web behaviour, plan changes, support contacts and a CRM's scheduled outbound runs — as
// the JSON-lines event log of EventLog.swift. Every distribution drawn from here is
// listed in examples/telco/README.md ("The generated week"); change both together.
//
// Work happens in two passes. The first simulates each user on their own random stream
// (ScenarioRandom(seed:stream:)) into compact 16-byte records whose sort key packs
// (time − start, user index, emission order); the second sorts the keys and serializes
// each record through Engage's JSON serializer. Memory is O(lines); 10,000 users are
// about 330,000 lines.
import Engage

/// Generates the telco scenario's event log: the same parameters always give the same
/// bytes, on every machine.
///
/// The log starts with a `scenario` header line, then every `user`, `event` and
/// `decide` line in time order; ties are ordered by user id, then by the order the
/// generator produced them (so a `plan_changed` event is immediately followed by the
/// user's updated `user` line). User ids are `u` followed by the 1-based index padded to
/// six digits (`u000001` … `u010000`).
public struct ScenarioGenerator: Sendable {
    /// The largest population: ids have six digits, and their text order must match
    /// their numeric order for the tie rule above.
    public static let maxUsers = 999_999
    /// The longest run in days (the sort key holds 2^32 ms ≈ 49.7 days after `start`).
    public static let maxDays = 31

    /// The seed every random draw derives from.
    public let seed: UInt64
    /// The number of users, clamped to 0...``maxUsers``.
    public let users: Int
    /// The first instant of the run, ms since the epoch; clamped to years 1970–2200.
    public let start: Int64
    /// The length of the run in days, clamped to 1...``maxDays``.
    public let days: Int

    /// The generator for `users` users over `days` days from `start` (ms since the
    /// epoch). Out-of-range values are clamped (see the properties); the CLI rejects
    /// them first. The header records `seed` as a JSON number, exact up to 2^53.
    public init(seed: UInt64, users: Int, start: Int64, days: Int) {
        self.seed = seed
        self.users = min(max(users, 0), Self.maxUsers)
        self.start = min(max(start, 0), 7_258_118_400_000)
        self.days = min(max(days, 1), Self.maxDays)
    }

    /// The first line of the log.
    public var header: JSONObject {
        let pairs: [(String, JSON)] = [
            ("type", "scenario"), ("generator", "engage generate"), ("version", 1),
            ("seed", .number(Double(seed))), ("users", .number(Double(users))),
            ("start", .number(Double(start))), ("days", .number(Double(days))),
            ("time_zone", .string(Catalog.homeZone)),
        ]
        return JSONObject(pairs)
    }

    /// Calls `emit` with each line of the log in order, without its line feed.
    public func write(_ emit: (String) -> Void) {
        forEachLine { emit(JSONSerializer.string($0)) }
    }

    /// Calls `emit` with the log's bytes in chunks of whole lines, each line ending in a
    /// line feed; chunks are at least `chunkBytes` long except the last. For writing
    /// files: one call per chunk rather than per line.
    public func writeChunks(chunkBytes: Int = 1 << 20, _ emit: ([UInt8]) -> Void) {
        let threshold = max(1, chunkBytes)
        var buffer: [UInt8] = []
        buffer.reserveCapacity(threshold + 4_096)
        forEachLine { line in
            JSONSerializer.write(line, into: &buffer)
            buffer.append(0x0A)
            if buffer.count >= threshold {
                emit(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { emit(buffer) }
    }

    /// The log as JSON values, in order.
    func forEachLine(_ body: (JSON) -> Void) {
        body(.object(header))
        let end = start + Int64(days) * Clock.day
        let zones = Catalog.zoneRules()
        var profiles: [UserProfile] = []
        profiles.reserveCapacity(users)
        var records: [Record] = []
        records.reserveCapacity(users * 36)
        for index in 0..<users {
            var week = UserWeek(index: index, seed: seed, start: start, end: end, zones: zones)
            week.simulate()
            profiles.append(week.profile)
            records.append(contentsOf: week.records)
        }
        records.sort { $0.key < $1.key }
        for record in records {
            let index = record.userIndex
            guard index < profiles.count else { continue }
            body(record.json(start: start, userID: Catalog.userID(index), profile: profiles[index]))
        }
    }
}

/// Time constants, in milliseconds.
enum Clock {
    static let second: Int64 = 1_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000
    /// An average month (30.4375 days), for tenure.
    static let month: Int64 = 2_629_800_000
}

// MARK: - Records

/// One line before serialization. The key orders lines: bits 63–32 time − start (ms),
/// 31–12 the user index, 11–0 the order in which the user's lines were produced.
struct Record {
    enum Kind: UInt8 {
        case user, decide, appOpen, pageView, addToCart, planChanged, ottLinked, supportContact
        case whatsappMessage, servicesActivated, paymentSetup, selfServiceUsed
    }

    var key: UInt64
    var kind: Kind
    /// Kind-specific small values: a page, plan, channel, item or feature index.
    var a: UInt8
    var b: UInt8
    /// Foreground (events) or `ott_linked` (user lines).
    var flag: Bool
    /// Kind-specific number: `session_s` or `dwell_s`.
    var n: Int32

    static let maxOrder = 4_095

    var userIndex: Int { Int((key >> 12) & 0xF_FFFF) }

    func json(start: Int64, userID: String, profile: UserProfile) -> JSON {
        let time = JSON.number(Double(start + Int64(key >> 32)))
        let id = JSON.string(userID)
        func event(_ name: String, _ properties: JSONObject, placements: [JSON] = []) -> JSON {
            var pairs: [(String, JSON)] = [
                ("type", "event"), ("time", time), ("user_id", id), ("name", .string(name)),
                ("properties", .object(properties)), ("foreground", .bool(flag)),
            ]
            if !placements.isEmpty { pairs.append(("placements", .array(placements))) }
            return .object(JSONObject(pairs))
        }
        func name(_ list: [String], _ i: UInt8) -> JSON { .string(Catalog.name(list, i)) }
        switch kind {
        case .user:
            return profile.json(time: time, userID: id, plan: Int(a), ottLinked: flag)
        case .decide:
            let pairs: [(String, JSON)] = [
                ("type", "decide"), ("time", time), ("user_id", id),
                ("placements", ["outbound"]), ("foreground", false),
            ]
            return .object(JSONObject(pairs))
        case .appOpen:
            return event(
                "app_open", JSONObject([("session_s", .number(Double(n)))]),
                placements: ["app_home_popup", "app_home_banner"])
        case .pageView:
            return event(
                "page_view",
                JSONObject([
                    ("page", name(Catalog.pages, a)), ("dwell_s", .number(Double(n))),
                    ("surface", flag ? "app" : "web"),
                ]))
        case .addToCart:
            let item =
                a == Catalog.cartPlan
                ? name(Catalog.plans, b)
                : name(a == Catalog.cartDevice ? Catalog.devices : Catalog.addons, b)
            return event("add_to_cart", JSONObject([("item_type", name(Catalog.itemTypes, a)), ("item", item)]))
        case .planChanged:
            return event("plan_changed", JSONObject([("from", name(Catalog.plans, a)), ("to", name(Catalog.plans, b))]))
        case .ottLinked:
            return event("ott_linked", JSONObject([("provider", .string(Catalog.ottProvider))]))
        case .supportContact:
            return event(
                "support_contact",
                JSONObject([
                    ("channel", name(Catalog.contactChannels, a)), ("topic", name(Catalog.topics, b)),
                ]))
        case .whatsappMessage: return event("whatsapp_message", JSONObject())
        case .servicesActivated: return event("services_activated", JSONObject())
        case .paymentSetup: return event("payment_setup", JSONObject())
        case .selfServiceUsed:
            return event("self_service_used", JSONObject([("feature", name(Catalog.features, a))]))
        }
    }
}

// MARK: - Catalog

/// The scenario's vocabulary and fixed tables.
enum Catalog {
    static let homeZone = "Asia/Seoul"
    /// Zones with the POSIX rules tzdata 2024–2026 gives them: fixed here rather than read
    /// from /usr/share/zoneinfo so the output does not depend on the machine's tzdata.
    static let zones: [(name: String, posix: String)] = [
        ("Asia/Seoul", "KST-9"), ("Asia/Tokyo", "JST-9"),
        ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
        ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
        ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ]

    static func zoneRules() -> [ZoneRules] {
        zones.map { z in (try? ZoneRules(posixTZ: z.posix, identifier: z.name)) ?? .utc }
    }

    static let plans = ["LTE-S", "LTE-M", "LTE-L", "5G-M", "5G-L", "5G-XL"]
    static let planWeights = WeightedTable([15, 20, 10, 25, 20, 10])
    /// The offer: the next plan up (5G-XL stays 5G-XL).
    static let upgrade: [UInt8] = [1, 3, 3, 4, 5, 5]
    /// The offer's monthly value in thousands of won, by current plan.
    static let offerValue = [3.3, 5.5, 4.4, 7.7, 11.0, 5.5]
    /// 5G-L and 5G-XL include the OTT service.
    static func includesOTT(_ plan: Int) -> Bool { plan >= 4 }
    static let ottProvider = "streamflix"

    static let pages = ["/home", "/plans", "/compare", "/internet", "/iptv", "/bundles", "/billing", "/support", "/shop"]
    static let pagePlans: UInt8 = 1, pageCompare: UInt8 = 2, pageShop: UInt8 = 8
    /// Light browsing: which page a view is of.
    static let browseWeights = WeightedTable([30, 8, 3, 6, 6, 6, 20, 8, 13])
    /// Help seekers' long reads.
    static let helpPages: [UInt8] = [3, 4, 5]

    static let itemTypes = ["plan", "device", "addon"]
    static let cartPlan: UInt8 = 0, cartDevice: UInt8 = 1, cartAddon: UInt8 = 2
    static let devices = ["galaxy-s26", "iphone-18", "pixel-11", "galaxy-a57"]
    static let addons = ["data-5gb", "roaming-pass", "streamflix-premium", "device-insurance"]

    static let contactChannels = ["call", "chat", "store"]
    static let topics = ["billing", "network", "plan", "device"]
    static let topicWeights = WeightedTable([35, 25, 25, 15])
    static let churnTopicWeights = WeightedTable([25, 30, 40, 5])
    static let features = ["usage", "bill", "roaming"]

    static let supportPreferences = ["self_service", "chat", "phone", "agent"]
    static let supportWeights = WeightedTable([50, 20, 20, 10])

    static let ageBands = ["under-18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
    static let ageBandWeights = WeightedTable([3, 11, 18, 20, 20, 16, 12])
    static let ageRanges: [ClosedRange<Int>] = [14...17, 18...24, 25...34, 35...44, 45...54, 55...64, 65...84]

    static let firstNames = [
        "Minjun", "Seoyeon", "Jiwoo", "Hayoon", "Doyun", "Seojun", "Jiho", "Yerin", "Junho", "Eunji",
        "Hyunwoo", "Sujin", "Jihoon", "Minji", "Taeyang", "Yuna", "Donghyun", "Soyeon", "Jaewon", "Hana",
        "Sungmin", "Jisoo", "Kyungho", "Mina", "Youngho", "Eunbi", "James", "Emma", "Daniel", "Olivia",
        "Michael", "Sophie", "David", "Grace", "Ryan", "Chloe", "Kevin", "Julia", "Brian", "Sarah",
    ]

    /// Local hour weights for app and web activity: low at night, peaks at lunch and
    /// in the evening.
    static let activityHours = WeightedTable([
        2, 1, 0.5, 0.3, 0.3, 0.5, 1.5, 4, 6, 5, 5, 6,
        9, 7, 5, 5, 5, 6, 7, 9, 10, 10, 8, 5,
    ])
    /// Calls and store visits: 09:00–20:00 local.
    static let businessHours = WeightedTable([
        0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 8, 8,
        7, 8, 8, 7, 7, 6, 5, 3, 0, 0, 0, 0,
    ])

    /// `list[i]`, or "" for an index the generator never produces.
    static func name(_ list: [String], _ i: UInt8) -> String {
        Int(i) < list.count ? list[Int(i)] : ""
    }

    /// `u` and the 1-based index padded to six digits.
    static func userID(_ index: Int) -> String {
        let digits = String(index + 1)
        return "u" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}

// MARK: - Profiles

/// The latent behaviour type behind a user's week.
enum UserType: UInt8 {
    case light, planShopper, churnRisk, helpSeeker
    /// light 70%, plan shoppers 12%, churn risk 8%, help seekers 10%.
    static let weights = WeightedTable([70, 12, 8, 10])
}

/// What a `user` line says about a user; `plan` and `ottLinked` are their values at the
/// start (later lines carry their own).
struct UserProfile {
    var type = UserType.light
    var zone = 0
    var appInstalled = false
    var rcs = false, whatsapp = false, email = false
    /// nil: the marketing key is absent (unknown); otherwise opted in (a per-channel
    /// object) or out (false).
    var marketingKnown = true
    var marketingOptIn = true
    /// push, sms, rcs, whatsapp, email.
    var channelConsent: [Bool] = []
    var firstName = 0
    var age = 30
    var ageBand = 2
    var plan = 0
    var ottLinked = false
    var tenureMonths = 0
    var contractEnd: Int64?
    var activatedAt: Int64 = 0
    var supportPreference = 0
    var paymentMethod = true
    var planLocked = false
    var planPropensity = 0.0
    var churn = 0.0
    var offerValue = 0.0
    var offerCode = 0
    var isNew = false

    func json(time: JSON, userID: JSON, plan: Int, ottLinked: Bool) -> JSON {
        var channels: [JSON] = []
        if appInstalled { channels += ["in_app", "push"] }
        if rcs { channels.append("rcs") }
        channels.append("sms")
        if whatsapp { channels.append("whatsapp") }
        if email { channels.append("email") }
        var consent: [(String, JSON)] = []
        if marketingKnown {
            if marketingOptIn {
                let names = ["push", "sms", "rcs", "whatsapp", "email"]
                var perChannel: [(String, JSON)] = zip(names, channelConsent).map { ($0, .bool($1)) }
                perChannel.append(("in_app", true))
                consent.append(("marketing", .object(JSONObject(perChannel))))
            } else {
                consent.append(("marketing", false))
            }
        }
        consent.append(("service", true))
        let ott = Catalog.includesOTT(plan)
        let userPairs: [(String, JSON)] = [
            ("first_name", .string(Catalog.firstNames[firstName % Catalog.firstNames.count])),
            ("age", .number(Double(age))),
            ("age_band", .string(Catalog.ageBands[ageBand % Catalog.ageBands.count])),
            ("plan", .string(Catalog.name(Catalog.plans, UInt8(truncatingIfNeeded: plan)))),
            ("plan_includes_ott", .bool(ott)),
            ("ott_provider", ott ? .string(Catalog.ottProvider) : .null),
            ("ott_linked", .bool(ott && ottLinked)),
            ("tenure_months", .number(Double(tenureMonths))),
            ("contract_end", contractEnd.map { .number(Double($0)) } ?? .null),
            ("activated_at", .number(Double(activatedAt))),
            ("support_preference", .string(Catalog.supportPreferences[supportPreference % 4])),
            ("opted_out_marketing", .bool(marketingKnown && !marketingOptIn)),
            ("payment_method", .bool(paymentMethod)),
            ("app_installed", .bool(appInstalled)),
            ("plan_locked", .bool(planLocked)),
        ]
        let user = JSONObject(userPairs)
        let offerPlan = plan < Catalog.upgrade.count ? Catalog.upgrade[plan] : 5
        let code = offerCode < 10 ? "STAY0\(offerCode)" : "STAY\(offerCode)"
        let scores: [(String, JSON)] = [("plan_propensity", .number(planPropensity)), ("churn", .number(churn))]
        let offer: [(String, JSON)] = [
            ("plan", .string(Catalog.name(Catalog.plans, offerPlan))),
            ("value", .number(offerValue)), ("code", .string(code)),
        ]
        let pairs: [(String, JSON)] = [
            ("type", "user"), ("time", time), ("user_id", userID),
            ("time_zone", .string(Catalog.zones[zone % Catalog.zones.count].name)),
            ("channels", .array(channels)),
            ("consent", .object(JSONObject(consent))),
            ("user", .object(user)),
            ("scores", .object(JSONObject(scores))),
            ("offer", .object(JSONObject(offer))),
        ]
        return .object(JSONObject(pairs))
    }
}

// MARK: - A user's week

/// One user's profile and lines, drawn from the user's own random stream.
struct UserWeek {
    let index: Int
    let start: Int64
    let end: Int64
    let zone: ZoneRules
    var rng: ScenarioRandom
    var profile = UserProfile()
    var records: [Record] = []
    /// The user's first line: `start`, or the activation of a new subscriber who joins
    /// during the run. No line of the user's comes before it.
    var from: Int64
    var firstDay: Int64 = 0
    var lastDay: Int64 = 0

    init(index: Int, seed: UInt64, start: Int64, end: Int64, zones: [ZoneRules]) {
        self.index = index
        self.start = start
        self.end = end
        self.from = start
        var rng = ScenarioRandom(seed: seed, stream: UInt64(index))
        profile.zone = rng.chance(0.95) ? 0 : rng.int(in: 1...(Catalog.zones.count - 1))
        self.zone = profile.zone < zones.count ? zones[profile.zone] : .utc
        self.rng = rng
    }

    mutating func simulate() {
        drawProfile()
        firstDay = localDay(of: from)
        lastDay = localDay(of: end - 1)
        emit(from, .user, a: UInt8(profile.plan), flag: profile.ottLinked)
        scheduledRuns()
        dailyActivity()
        typeBehaviour()
        occasionalEvents()
        if profile.isNew { onboarding() }
        accountChanges()
    }

    // MARK: Profile

    mutating func drawProfile() {
        var p = profile
        p.type = UserType(rawValue: UInt8(rng.pick(UserType.weights))) ?? .light
        p.appInstalled = rng.chance(0.70)
        p.rcs = rng.chance(0.55)
        p.whatsapp = rng.chance(0.35)
        p.email = rng.chance(0.65)
        let marketing = rng.uniform()
        p.marketingKnown = marketing >= 0.07
        p.marketingOptIn = marketing >= 0.25 // 7% unknown, 18% opted out
        p.channelConsent = [0.75, 0.70, 0.65, 0.60, 0.80].map { rng.chance($0) }
        p.firstName = rng.int(in: 0...(Catalog.firstNames.count - 1))
        p.ageBand = rng.pick(Catalog.ageBandWeights)
        p.age = rng.int(in: Catalog.ageRanges[p.ageBand % Catalog.ageRanges.count])
        p.plan = rng.pick(Catalog.planWeights)
        p.ottLinked = Catalog.includesOTT(p.plan) && rng.chance(0.45)
        p.supportPreference = rng.pick(Catalog.supportWeights)
        p.planLocked = rng.chance(0.03)
        p.isNew = rng.chance(0.05)
        if p.isNew {
            p.tenureMonths = 0
            p.activatedAt = rng.int64(in: (start - 2 * Clock.day)...(start + 5 * Clock.day))
            // A run shorter than five days still sees every new subscriber join.
            p.activatedAt = min(p.activatedAt, end - Clock.hour)
            if p.activatedAt > start { from = p.activatedAt }
            p.contractEnd = rng.chance(0.25) ? nil : p.activatedAt + 730 * Clock.day
            p.paymentMethod = rng.chance(0.20)
        } else {
            p.tenureMonths = min(180, max(1, Int(rng.lognormal(median: 30, sigma: 0.9).rounded())))
            p.activatedAt = start - Int64(p.tenureMonths) * Clock.month - rng.int64(in: 0...(Clock.month - 1))
            p.contractEnd = rng.chance(0.25) ? nil : rng.int64(in: (start - 10 * Clock.day)...(start + 730 * Clock.day))
            p.paymentMethod = rng.chance(0.85)
        }
        let endsSoon = p.contractEnd.map { $0 >= start - 10 * Clock.day && $0 < start + 60 * Clock.day } ?? false
        switch p.type {
        case .planShopper: p.planPropensity = rng.normal(mean: 0.72, sd: 0.12)
        case .churnRisk: p.planPropensity = rng.normal(mean: 0.35, sd: 0.15)
        case .light, .helpSeeker: p.planPropensity = rng.normal(mean: 0.18, sd: 0.10)
        }
        switch p.type {
        case .churnRisk: p.churn = rng.normal(mean: 0.68, sd: 0.12)
        case _ where p.isNew: p.churn = rng.normal(mean: 0.08, sd: 0.05)
        default: p.churn = rng.normal(mean: 0.15, sd: 0.08)
        }
        if endsSoon { p.churn += 0.15 }
        p.planPropensity = Self.score(p.planPropensity)
        p.churn = Self.score(p.churn)
        p.offerValue = Catalog.offerValue[p.plan % Catalog.offerValue.count] + (p.type == .churnRisk ? 2.2 : 0)
        p.offerValue = (p.offerValue * 10).rounded() / 10
        p.offerCode = rng.int(in: 0...99)
        profile = p
    }

    /// Clamped to [0, 1] and rounded to three decimals.
    static func score(_ x: Double) -> Double {
        (min(1, max(0, x)) * 1_000).rounded() / 1_000
    }

    // MARK: Behaviour

    /// The CRM's outbound runs at 10:00 and 18:00 local time, every day.
    mutating func scheduledRuns() {
        for day in firstDay...lastDay {
            for hour in [Int64(10), 18] {
                let t = instant(day: day, second: hour * 3_600)
                if t >= from, t < end { emit(t, .decide) }
            }
        }
    }

    /// App sessions (app users, 1.5 a day) and web visits (0.8 a day without the app,
    /// 0.2 with it), each a Poisson count per local day.
    mutating func dailyActivity() {
        for day in firstDay...lastDay {
            if profile.appInstalled {
                for _ in 0..<rng.poisson(mean: 1.5) {
                    let t = moment(day: day, hours: Catalog.activityHours)
                    guard t >= from, t < end else { continue }
                    let pages = (0..<rng.poisson(mean: 1.0)).map { _ in browsePage() }
                    _ = session(at: t, pages: pages)
                }
            }
            for _ in 0..<rng.poisson(mean: profile.appInstalled ? 0.2 : 0.8) {
                let t = moment(day: day, hours: Catalog.activityHours)
                guard t >= from, t < end else { continue }
                let page = browsePage()
                emit(t, .pageView, a: page.page, flag: false, n: page.dwell)
            }
        }
    }

    /// The visits that set the latent types apart.
    mutating func typeBehaviour() {
        switch profile.type {
        case .light:
            break
        case .planShopper:
            var views: [(time: Int64, dwell: Int32, app: Bool)] = []
            for _ in 0..<rng.int(in: 2...6) {
                if let v = visit(Catalog.pagePlans, dwell: dwell()) { views.append(v) }
            }
            if rng.chance(0.30), let v = rng.element(of: views) {
                let t = v.time + Int64(v.dwell) * Clock.second
                if t < end {
                    emit(t, .addToCart, a: Catalog.cartPlan, b: Catalog.upgrade[profile.plan % 6], flag: v.app)
                }
            }
            if rng.chance(0.30) { _ = visit(Catalog.pageCompare, dwell: dwell()) }
            plansViewed = views.map(\.time).min()
        case .churnRisk:
            for _ in 0..<rng.int(in: 1...4) { _ = visit(Catalog.pageCompare, dwell: dwell()) }
            for _ in 0..<rng.int(in: 1...4) { supportContact(churnRisk: true) }
        case .helpSeeker:
            for _ in 0..<rng.int(in: 2...5) {
                let page = rng.element(of: Catalog.helpPages) ?? Catalog.helpPages[0]
                _ = visit(page, dwell: Int32(rng.int(in: 40...300)))
            }
        }
    }

    /// The first /plans view of a plan shopper, which a plan change follows.
    var plansViewed: Int64?

    /// Support contacts, shop carts and WhatsApp messages that any user may have.
    mutating func occasionalEvents() {
        if profile.type != .churnRisk, rng.chance(profile.type == .helpSeeker ? 0.30 : 0.15) {
            supportContact(churnRisk: false)
        }
        for (type, list, p) in [(Catalog.cartDevice, Catalog.devices, 0.03), (Catalog.cartAddon, Catalog.addons, 0.04)]
        where rng.chance(p) {
            guard let v = visit(Catalog.pageShop, dwell: dwell()) else { continue }
            let t = v.time + Int64(v.dwell) * Clock.second
            if t < end { emit(t, .addToCart, a: type, b: UInt8(rng.int(in: 0...(list.count - 1))), flag: v.app) }
        }
        if profile.whatsapp, rng.chance(0.05) {
            emit(randomMoment(hours: Catalog.activityHours), .whatsappMessage)
        }
    }

    /// A new subscriber's first week: each action happens with a modest probability.
    mutating func onboarding() {
        let until = min(end, profile.activatedAt + 7 * Clock.day)
        guard until > from else { return }
        if rng.chance(0.35) { emit(randomMoment(hours: Catalog.activityHours, until: until), .servicesActivated) }
        if !profile.paymentMethod, rng.chance(0.30) {
            emit(randomMoment(hours: Catalog.activityHours, until: until), .paymentSetup)
        }
        if rng.chance(0.30) {
            let feature = UInt8(rng.int(in: 0...(Catalog.features.count - 1)))
            emit(randomMoment(hours: Catalog.activityHours, until: until), .selfServiceUsed, a: feature)
        }
    }

    /// Plan changes (10% of plan shoppers, 0.9% of others; never a locked plan) and OTT
    /// links (8% of OTT subscribers not linked at the start), each followed by the
    /// updated `user` line.
    mutating func accountChanges() {
        let plan = profile.plan
        var change: (time: Int64, to: Int)?
        if !profile.planLocked, rng.chance(profile.type == .planShopper ? 0.10 : 0.009) {
            var t = randomMoment(hours: Catalog.activityHours)
            if let seen = plansViewed {
                let after = seen + Int64(rng.int(in: 60...900)) * Clock.second
                if after < end { t = after }
            }
            let up = Int(Catalog.upgrade[plan % 6])
            change = (t, up == plan ? 4 : up) // 5G-XL customers step down to 5G-L
        }
        var link: Int64?
        if Catalog.includesOTT(plan), !profile.ottLinked, rng.chance(0.08) {
            link = randomMoment(hours: Catalog.activityHours)
        }
        if let change {
            let linked = profile.ottLinked || (link.map { $0 < change.time } ?? false)
            emit(change.time, .planChanged, a: UInt8(plan), b: UInt8(change.to))
            emit(change.time, .user, a: UInt8(change.to), flag: linked)
        }
        if let link {
            let current = change.map { $0.time <= link ? $0.to : plan } ?? plan
            emit(link, .ottLinked)
            emit(link, .user, a: UInt8(current), flag: true)
        }
    }

    // MARK: Building blocks

    /// A visit to `page`: in an app session (60% for app users, with another page
    /// browsed half the time) or on the web. Nil when it would fall after the run.
    mutating func visit(_ page: UInt8, dwell: Int32) -> (time: Int64, dwell: Int32, app: Bool)? {
        let t = randomMoment(hours: Catalog.activityHours)
        if profile.appInstalled, rng.chance(0.60) {
            var pages = [(page: page, dwell: dwell)]
            if rng.chance(0.5) { pages.insert(browsePage(), at: rng.int(in: 0...1)) }
            let times = session(at: t, pages: pages)
            guard let i = pages.firstIndex(where: { $0.page == page }), i < times.count else { return nil }
            return (times[i], dwell, true)
        }
        emit(t, .pageView, a: page, flag: false, n: dwell)
        return (t, dwell, false)
    }

    /// An app session at `t`: `app_open`, then the page views in turn. Returns the view
    /// times (views past the end of the run are dropped).
    mutating func session(at t: Int64, pages: [(page: UInt8, dwell: Int32)]) -> [Int64] {
        var cursor = t + Int64(rng.int(in: 1_000...6_000))
        var times: [Int64] = []
        for p in pages {
            times.append(cursor)
            cursor += Int64(p.dwell) * Clock.second + Int64(rng.int(in: 500...4_000))
        }
        let tail = min(1_800, rng.lognormal(median: 20, sigma: 0.8))
        let sessionSeconds = Int32(min(7_200, (cursor - t) / Clock.second + Int64(tail.rounded())))
        emit(t, .appOpen, flag: true, n: max(1, sessionSeconds))
        for (p, time) in zip(pages, times) where time < end {
            emit(time, .pageView, a: p.page, flag: true, n: p.dwell)
        }
        return times
    }

    mutating func browsePage() -> (page: UInt8, dwell: Int32) {
        (UInt8(rng.pick(Catalog.browseWeights)), dwell())
    }

    /// Seconds on a page: log-normal, median 20 s, σ 0.9, within 1–900 s.
    mutating func dwell() -> Int32 {
        Int32(min(900, max(1, rng.lognormal(median: 20, sigma: 0.9).rounded())))
    }

    mutating func supportContact(churnRisk: Bool) {
        let channel: Int
        switch profile.supportPreference {
        case 1: channel = 1 // chat
        case 2: channel = 0 // phone: a call
        case 3: channel = 2 // agent: a store visit
        default: channel = rng.pick(WeightedTable([40, 40, 20])) // self-service users
        }
        let topic = rng.pick(churnRisk ? Catalog.churnTopicWeights : Catalog.topicWeights)
        let t = randomMoment(hours: channel == 1 ? Catalog.activityHours : Catalog.businessHours)
        emit(t, .supportContact, a: UInt8(channel), b: UInt8(topic))
    }

    // MARK: Time

    /// The local day number (days since 1970-01-01 in the user's zone) of instant `t` (ms).
    func localDay(of t: Int64) -> Int64 {
        let seconds = Self.floorDiv(t, Clock.second)
        return Self.floorDiv(seconds + Int64(zone.offset(atUTC: seconds)), 86_400)
    }

    /// The instant (ms) of `second` seconds after local midnight on local day `day`.
    /// The offset is looked up twice — at a guess, then at the corrected instant — which
    /// is exact except within an hour of a DST change (never at 10:00 or 18:00).
    func instant(day: Int64, second: Int64) -> Int64 {
        let local = day * 86_400 + second
        let guess = local - Int64(zone.offset(atUTC: local))
        return (local - Int64(zone.offset(atUTC: guess))) * Clock.second
    }

    /// A random instant on local day `day` with its hour drawn from `hours`.
    mutating func moment(day: Int64, hours: WeightedTable) -> Int64 {
        let second = Int64(rng.pick(hours)) * 3_600 + Int64(rng.int(in: 0...3_599))
        return instant(day: day, second: second) + Int64(rng.int(in: 0...999))
    }

    /// A random instant in [`from`, `until`) whose local hour follows `hours`.
    mutating func randomMoment(hours: WeightedTable, until: Int64? = nil) -> Int64 {
        let hi = min(until ?? end, end)
        let lastDay = localDay(of: hi - 1)
        for _ in 0..<16 {
            let t = moment(day: rng.int64(in: firstDay...max(firstDay, lastDay)), hours: hours)
            if t >= from, t < hi { return t }
        }
        return from + rng.int64(in: 0...max(0, hi - from - 1))
    }

    mutating func emit(_ t: Int64, _ kind: Record.Kind, a: UInt8 = 0, b: UInt8 = 0, flag: Bool = false, n: Int32 = 0) {
        let order = records.count
        guard order <= Record.maxOrder, t >= start, t - start < (1 << 32) else { return }
        let key = UInt64(t - start) << 32 | UInt64(index & 0xF_FFFF) << 12 | UInt64(order)
        records.append(Record(key: key, kind: kind, a: a, b: b, flag: flag, n: n))
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
