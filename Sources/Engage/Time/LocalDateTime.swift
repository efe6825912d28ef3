/// A UTC instant seen on the wall clock of a time zone.
///
/// Produced by ``ZoneRules/localTime(atUTC:)``. `weekday` is ISO 8601: 1 = Monday …
/// 7 = Sunday. `utcOffset` is in seconds east of UTC (Seoul is +32400).
public struct LocalDateTime: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// Seconds east of UTC in effect at this instant.
    public var utcOffset: Int32
    /// Whether the zone's rules mark this period as daylight-saving time.
    public var isDST: Bool

    public init(
        year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
        weekday: Int, utcOffset: Int32, isDST: Bool
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.weekday = weekday
        self.utcOffset = utcOffset
        self.isDST = isDST
    }

    /// The calendar date on the wall clock.
    public var date: CivilDate { CivilDate(year: year, month: month, day: day) }

    /// Date and time on the wall clock, without the zone.
    public var civil: CivilDateTime {
        CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Seconds since local midnight, 0 ..< 86,400 (what time-of-day rules compare).
    public var secondOfDay: Int { hour * 3_600 + minute * 60 + second }

    /// `2024-03-10T03:00:00-04:00` (RFC 3339; the offset is printed to the second if needed).
    public var description: String {
        let sign = utcOffset < 0 ? "-" : "+"
        let a = Int(utcOffset < 0 ? -Int64(utcOffset) : Int64(utcOffset))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        var offset = "\(sign)\(two(a / 3_600)):\(two(a / 60 % 60))"
        if a % 60 != 0 { offset += ":\(two(a % 60))" }
        return "\(civil)\(offset)"
    }
}

/// How a wall-clock time maps to UTC in a zone (see ``ZoneRules/resolve(_:)``).
public enum LocalTimeResolution: Sendable, Hashable {
    /// The local time occurs exactly once.
    case unique(Int64)
    /// The local time occurs twice (clocks were set back): both instants, earlier first.
    case ambiguous(earlier: Int64, later: Int64)
    /// The local time never occurs (clocks jumped forward over it). `transition` is the
    /// first instant after the gap; `shifted` reads the time with the offset in effect
    /// before the gap, i.e. moves it forward by the gap's length (02:30 on a spring-forward
    /// night in New York becomes 03:30 EDT).
    case skipped(transition: Int64, shifted: Int64)
}

/// Calendar periods for cap windows and schedules.
public enum CalendarUnit: String, Sendable, Hashable, CaseIterable {
    case day
    case week
    case month
}
