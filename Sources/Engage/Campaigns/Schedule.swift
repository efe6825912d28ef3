/// When a campaign may be shown: an optional start and end instant, days of the week
/// and a daily window of local hours, read in one time zone.
public struct Schedule: Sendable, Hashable {
    /// First instant (ms since the Unix epoch, UTC) the campaign may be shown; nil: no start.
    public var start: Int64?
    /// First instant it may no longer be shown (exclusive); nil: no end.
    public var end: Int64?
    /// Local days of the week it may be shown on (``WeekdaySet/all`` when not given).
    public var days: WeekdaySet
    /// Local time of day it may be shown in; nil: all day.
    public var hours: DailyTimeRange?
    /// The zone `days` and `hours` are read in.
    public var timeZone: ZoneChoice

    public init(
        start: Int64? = nil, end: Int64? = nil, days: WeekdaySet = .all,
        hours: DailyTimeRange? = nil, timeZone: ZoneChoice = .named("UTC")
    ) {
        self.start = start
        self.end = end
        self.days = days
        self.hours = hours
        self.timeZone = timeZone
    }
}

/// Where a local time is read: the user's zone (from the request, falling back to the
/// set's default) or a named IANA zone (or fixed offset such as `+09:00`).
public enum ZoneChoice: Sendable, Hashable, CustomStringConvertible {
    case user
    case named(String)

    public var description: String {
        switch self {
        case .user: return "user"
        case .named(let name): return name
        }
    }
}

/// A set of ISO weekdays (1 = Monday … 7 = Sunday), written in JSON as
/// `["mon", "tue", "wed", "thu", "fri", "sat", "sun"]`.
public struct WeekdaySet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x7F }

    /// The JSON names, Monday first.
    public static let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Every day.
    public static let all = WeekdaySet(rawValue: 0x7F)

    /// The set holding ISO weekday `weekday` (1…7); empty for other values.
    public init(isoWeekday weekday: Int) {
        self.init(rawValue: (1...7).contains(weekday) ? UInt8(1) << UInt8(weekday - 1) : 0)
    }

    /// Whether ISO weekday `weekday` (1 = Monday … 7 = Sunday) is in the set.
    @inline(__always)
    public func contains(isoWeekday weekday: Int) -> Bool {
        guard (1...7).contains(weekday) else { return false }
        return rawValue & (UInt8(1) << UInt8(weekday - 1)) != 0
    }
}

/// A daily window of local time, `from` inclusive to `to` exclusive, in minutes after
/// midnight. When `to` is earlier than `from` the window runs past midnight
/// (`21:00`–`08:00`). Written in JSON as `"HH:MM"` strings; `to` may be `"24:00"`.
public struct DailyTimeRange: Sendable, Hashable, CustomStringConvertible {
    /// 0…1439.
    public let fromMinute: Int
    /// 0…1440, different from ``fromMinute``.
    public let toMinute: Int

    /// Nil when a bound is out of range or the range is empty.
    public init?(fromMinute: Int, toMinute: Int) {
        guard (0..<1440).contains(fromMinute), (0...1440).contains(toMinute),
            fromMinute != toMinute, !(fromMinute == 0 && toMinute == 0)
        else { return nil }
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    /// Whether the local time `minuteOfDay` (0…1439) falls inside the window.
    @inline(__always)
    public func contains(minuteOfDay m: Int) -> Bool {
        fromMinute < toMinute ? (m >= fromMinute && m < toMinute) : (m >= fromMinute || m < toMinute)
    }

    /// `21:00–08:00`.
    public var description: String {
        func hhmm(_ m: Int) -> String {
            let h = m / 60, mm = m % 60
            return (h < 10 ? "0\(h)" : "\(h)") + ":" + (mm < 10 ? "0\(mm)" : "\(mm)")
        }
        return "\(hhmm(fromMinute))–\(hhmm(toMinute))"
    }
}
