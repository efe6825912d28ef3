// An independent check of a committing run: every user's impressions (the history the
// benchmark wrote and the messages the decisions showed) re-counted against every cap
// in the campaign set. The caps come from the set's JSON and the windows follow
// docs/caps.md. Nothing is read from the engine's ledgers, so an engine that let a cap
// overflow cannot also hide the overflow.
import Engage

struct CapAudit {
    /// One impression as the audit sees it.
    struct Shown {
        let campaignID: String
        let time: Int64
        let channel: String
        let purpose: String
        let tags: [String]
    }

    enum Scope: CustomStringConvertible {
        case campaign(String), tag(String), channel(String), purpose(String), all

        func counts(_ s: Shown) -> Bool {
            switch self {
            case .campaign(let id): return s.campaignID == id
            case .tag(let t): return s.tags.contains(t)
            case .channel(let c): return s.channel == c
            case .purpose(let p): return s.purpose == p
            case .all: return true
            }
        }

        var description: String {
            switch self {
            case .campaign(let id): return "campaign \(id)"
            case .tag(let t): return "tag \(t)"
            case .channel(let c): return "channel \(c)"
            case .purpose(let p): return "purpose \(p)"
            case .all: return "all"
            }
        }
    }

    enum Window {
        case rolling(Int64) // milliseconds
        case calendar(String) // day, week, month
        case lifetime
    }

    struct Limit {
        let scope: Scope
        let count: Int
        let window: Window
        let text: String // the window as written, for the report
    }

    static let day: Int64 = 86_400_000

    let limits: [Limit]
    /// Campaign id → purpose and tags, to turn a shown message into an impression.
    let campaigns: [String: (purpose: String, tags: [String])]
    /// The users' zone as a fixed offset from UTC. The benchmark's users are all in
    /// Asia/Seoul (+09:00, no DST since 1988), so calendar periods need no zone data.
    let utcOffset: Int64
    /// ISO weekday a calendar week starts on (1 = Monday).
    let weekStart: Int

    /// Reads every cap of `set` (campaign caps, `global_caps`, `tag_caps`,
    /// `channel_caps`); throws on a window it does not understand rather than skip a cap.
    init(set: JSON, utcOffset: Int64) throws {
        self.utcOffset = utcOffset
        let policies = set["policies"] ?? .null
        let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        weekStart = (policies["week_start"]?.stringValue).flatMap { weekdays.firstIndex(of: $0) }.map { $0 + 1 } ?? 1

        var limits: [Limit] = []
        func add(_ scope: Scope, _ cap: JSON) throws {
            guard let count = cap["count"]?.intValue, let w = cap["window"] else {
                throw BenchError("cap audit: cap without count or window: \(cap)")
            }
            let (window, text) = try Self.window(w)
            limits.append(Limit(scope: scope, count: count, window: window, text: text))
        }
        for cap in policies["global_caps"]?.arrayValue ?? [] {
            try add(cap["purpose"]?.stringValue.map { .purpose($0) } ?? .all, cap)
        }
        for cap in policies["tag_caps"]?.arrayValue ?? [] {
            guard let tag = cap["tag"]?.stringValue else { throw BenchError("cap audit: tag cap without tag") }
            try add(.tag(tag), cap)
        }
        for cap in policies["channel_caps"]?.arrayValue ?? [] {
            guard let channel = cap["channel"]?.stringValue else { throw BenchError("cap audit: channel cap without channel") }
            try add(.channel(channel), cap)
        }
        var campaigns: [String: (purpose: String, tags: [String])] = [:]
        for c in set["campaigns"]?.arrayValue ?? [] {
            guard let id = c["id"]?.stringValue else { continue }
            campaigns[id] = (
                c["purpose"]?.stringValue ?? "marketing",
                (c["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
            )
            for cap in c["caps"]?.arrayValue ?? [] { try add(.campaign(id), cap) }
        }
        self.limits = limits
        self.campaigns = campaigns
    }

    static func window(_ w: JSON) throws -> (Window, String) {
        if let unit = w["calendar"]?.stringValue, ["day", "week", "month"].contains(unit) {
            return (.calendar(unit), "calendar \(unit)")
        }
        guard let text = w.stringValue else { throw BenchError("cap audit: unknown window \(w)") }
        if text == "lifetime" { return (.lifetime, text) }
        let units: [Character: Int64] = ["s": 1_000, "m": 60_000, "h": 3_600_000, "d": day, "w": 7 * day]
        guard let last = text.last, let unit = units[last], let n = Int64(text.dropLast()), n > 0 else {
            throw BenchError("cap audit: unknown window \(text)")
        }
        return (.rolling(n * unit), text)
    }

    /// The impression a decision's message (campaign, channel) makes at `time`.
    func shown(campaignID: String, channel: Channel, at time: Int64) -> Shown {
        let c = campaigns[campaignID]
        return Shown(
            campaignID: campaignID, time: time, channel: channel.rawValue,
            purpose: c?.purpose ?? "?", tags: c?.tags ?? [])
    }

    /// The impression of a history record, if it is one.
    static func shown(_ record: StateRecord) -> Shown? {
        guard case .impression(let i) = record else { return nil }
        return Shown(campaignID: i.campaignID, time: i.time, channel: i.channel, purpose: i.purpose, tags: i.tags)
    }

    /// The times a window counts at `now`, half-open (docs/caps.md): rolling from
    /// `now − length` inclusive with no upper end; a calendar period containing `now`.
    func range(_ window: Window, now: Int64) -> Range<Int64> {
        switch window {
        case .lifetime: return Int64.min..<Int64.max
        case .rolling(let ms): return (now - ms)..<Int64.max
        case .calendar(let unit):
            let local = now + utcOffset
            let days = Self.floorDiv(local, Self.day)
            let start: Int64, end: Int64
            switch unit {
            case "day":
                (start, end) = (days, days + 1)
            case "week":
                let weekday = Int64((Self.floorMod(days + 3, 7)) + 1) // 1970-01-01 was a Thursday (4)
                let back = Self.floorMod(weekday - Int64(weekStart), 7)
                (start, end) = (days - back, days - back + 7)
            default:
                let (y, m, _) = Self.civil(days)
                start = Self.days(y, m, 1)
                end = m == 12 ? Self.days(y + 1, 1, 1) : Self.days(y, m + 1, 1)
            }
            return (start * Self.day - utcOffset)..<(end * Self.day - utcOffset)
        }
    }

    /// Every cap `impressions` exceed at `now`, as text; empty when all held.
    func violations(_ impressions: [Shown], now: Int64) -> [String] {
        var found: [String] = []
        for limit in limits {
            let r = range(limit.window, now: now)
            let used = impressions.reduce(0) { $0 + (limit.scope.counts($1) && r.contains($1.time) ? 1 : 0) }
            if used > limit.count { found.append("\(limit.scope) \(limit.text): \(used) > \(limit.count)") }
        }
        return found
    }

    // Proleptic Gregorian calendar from days since 1970-01-01 and back (H. Hinnant's
    // well-known civil-date algorithms).
    static func civil(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func days(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
}
