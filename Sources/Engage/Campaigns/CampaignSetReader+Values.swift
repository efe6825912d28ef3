// Values with their own grammar: windows, caps, instants, times of day, time zones and
// rules. Each reports at the reader's current path and returns nil when it is bad.

extension CampaignSetReader {
    mutating func rollingWindow(_ v: JSON) -> RollingWindow? {
        guard case .string(let s) = v else {
            wrongType(v, expected: "a window such as \"24h\" or \"7d\"")
            return nil
        }
        switch RollingWindow.parse(s) {
        case .success(let w): return w
        case .failure(let e):
            report(.invalidWindow, e.message)
            return nil
        }
    }

    /// `"7d"` | `{"calendar": "day"|"week"|"month"}` | `"lifetime"`.
    mutating func capWindow(_ v: JSON) -> CapWindow? {
        switch v {
        case .string("lifetime"):
            return .lifetime
        case .string:
            return rollingWindow(v).map(CapWindow.rolling)
        case .object(let o):
            var unit: CalendarUnit?
            for (key, value) in o {
                if key == "calendar" {
                    unit = at(key) { $0.choice(value, CalendarUnit.self, "calendar unit") }
                } else {
                    unknownField(key, known: ["calendar"])
                }
            }
            guard o.contains("calendar") else {
                missing("calendar", "day, week or month")
                return nil
            }
            return unit.map(CapWindow.calendar)
        default:
            wrongType(v, expected: "a window: \"24h\", {\"calendar\": \"day\"} or \"lifetime\"")
            return nil
        }
    }

    /// The `count` and `window` members of a cap object; `scope` reads the other members
    /// (`purpose`, `tag`, `channel`) and returns false for a key it does not know.
    mutating func cap(
        _ o: JSONObject, known: [String],
        scope: (inout CampaignSetReader, String, JSON) -> Bool = { _, _, _ in false }
    ) -> Cap? {
        var count: Int?
        var window: CapWindow?
        for (key, value) in o {
            switch key {
            case "count": count = at(key) { $0.integer(value, 1...1_000_000, "a positive integer") }
            case "window": window = at(key) { $0.capWindow(value) }
            default:
                if !scope(&self, key, value) { unknownField(key, known: known) }
            }
        }
        if !o.contains("count") { missing("count", "a positive integer") }
        if !o.contains("window") { missing("window", "\"24h\", {\"calendar\": \"day\"} or \"lifetime\"") }
        guard let count, let window else { return nil }
        return Cap(count: count, window: window)
    }

    /// An RFC 3339 string or an integer count of milliseconds since the epoch.
    mutating func instant(_ v: JSON) -> Int64? {
        switch v {
        case .string(let s):
            switch TimeText.parseTimestamp(s) {
            case .success(let ms): return ms
            case .failure(let why):
                report(.invalidTime, why.message)
                return nil
            }
        case .number:
            return integer(v, Int(Instant.earliest)...Int(Instant.latest), "an RFC 3339 timestamp or milliseconds since the epoch")
                .map(Int64.init)
        default:
            wrongType(v, expected: "an RFC 3339 timestamp or milliseconds since the epoch")
            return nil
        }
    }

    mutating func timeOfDay(_ v: JSON, allowEndOfDay: Bool) -> Int? {
        guard case .string(let s) = v else {
            wrongType(v, expected: "a time of day \"HH:MM\"")
            return nil
        }
        switch TimeText.parseTimeOfDay(s, allowEndOfDay: allowEndOfDay) {
        case .success(let m): return m
        case .failure(let why):
            report(.invalidTime, why.message)
            return nil
        }
    }

    /// The range of the `from` and `to` members read by the caller (nil when either is
    /// bad); an empty range is reported at the current path.
    mutating func dailyRange(from: Int?, to: Int?) -> DailyTimeRange? {
        guard let from, let to else { return nil }
        guard let range = DailyTimeRange(fromMinute: from, toMinute: to) else {
            report(.emptyRange, "\"from\" and \"to\" are the same time of day, so the range is empty")
            return nil
        }
        return range
    }

    /// A zone name (IANA or fixed offset), loaded now so an unknown zone is a load error;
    /// `"user"` too when `allowUser`.
    mutating func zone(_ v: JSON, allowUser: Bool) -> ZoneChoice? {
        guard case .string(let name) = v else {
            wrongType(v, expected: allowUser ? "\"user\" or an IANA time zone name" : "an IANA time zone name")
            return nil
        }
        if allowUser && name == "user" { return .user }
        return loadZone(name) ? .named(name) : nil
    }

    /// Loads `name` into ``zones``; reports and returns false when it cannot be loaded.
    mutating func loadZone(_ name: String) -> Bool {
        if zones[name] != nil { return true }
        do throws(TimeZoneError) {
            zones[name] = try options.zones.zone(named: name)
            return true
        } catch {
            let shownName = Self.shown(.string(name))
            switch error.code {
            case .unknownZone: report(.unknownZone, "unknown time zone \(shownName) (not in the zoneinfo database)")
            case .invalidName: report(.unknownZone, "invalid time zone name \(shownName): \(error.message)")
            default: report(.unknownZone, "time zone \(shownName) cannot be loaded: \(error.message)")
            }
            return false
        }
    }

    /// Compiles a rule against the set's segments; a compile error is reported at the
    /// current path followed by the rule's own path (`campaigns[2].audience.and[1]`).
    mutating func rule(_ v: JSON) -> Rule? {
        do throws(LogicError) {
            return try Rule(compiling: v, options: compileOptions, work: &compileWork)
        } catch {
            report(Self.code(for: error), error.message, suffix: error.path)
            return nil
        }
    }

    /// A score rule: as ``rule(_:)``, and a constant must be a number.
    mutating func scoreRule(_ v: JSON) -> Rule? {
        guard let r = rule(v) else { return nil }
        if let c = r.constantValue, c.doubleValue == nil {
            report(.invalidRule, "a score is a rule returning a number, found the constant \(Self.shown(c))")
            return nil
        }
        return r
    }

    static func code(for error: LogicError) -> CampaignSetError.Code {
        switch error.kind {
        case .unknownOperator: return .unknownOperator
        case .limitExceeded: return .limitExceeded
        default: return .invalidRule
        }
    }
}
