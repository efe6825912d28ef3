// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01).
//
// The day <-> (year, month, day) conversions follow the era-based method Howard
// Hinnant describes in "chrono-Compatible Low-Level Date Algorithms": shift the year to
// start on 1 March so the leap day is the last day of the year, split time into 400-year
// eras of 146,097 days, and work out the day of era / year of era with integer division.
// Reimplemented here from the math; every entry point clamps or rejects its input so that
// no Int64 value can overflow an intermediate.

/// A date in the proleptic Gregorian calendar, with no time zone.
///
/// `year` uses astronomical numbering (year 0 is 1 BC). Values are not validated on
/// construction; functions that need a real date (``ZoneRules/firstInstant(of:)``) check
/// it and throw ``TimeZoneError`` when it is not one.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    /// True when `month` is 1...12 and `day` exists in that month, and the year is within
    /// ``CivilCalendar/supportedYears``.
    public var isValid: Bool {
        CivilCalendar.supportedYears.contains(year) && (1...12).contains(month)
            && day >= 1 && day <= CivilCalendar.daysInMonth(year: year, month: month)
    }

    /// ISO-8601 style `YYYY-MM-DD` (years outside 0...9999 are printed as they are).
    public var description: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v.magnitude) // not -v: Int.min has no positive counterpart
            let body = String(repeating: "0", count: max(0, width - s.count)) + s
            return v < 0 ? "-" + body : body
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }
}

/// A wall-clock date and time with no time zone (the input of
/// ``ZoneRules/utcInstant(forLocal:)``).
public struct CivilDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var date: CivilDate
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.date = CivilDate(year: year, month: month, day: day)
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public init(date: CivilDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    public static func < (a: CivilDateTime, b: CivilDateTime) -> Bool {
        (a.date, a.hour, a.minute, a.second) < (b.date, b.hour, b.minute, b.second)
    }

    /// A real date, hour 0...23, minute 0...59, second 0...59 (leap seconds are not
    /// representable: TZif leap-second zones are rejected on load).
    public var isValid: Bool {
        date.isValid && (0...23).contains(hour) && (0...59).contains(minute) && (0...59).contains(second)
    }

    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : String(v) }
        return "\(date)T\(two(hour)):\(two(minute)):\(two(second))"
    }
}

/// Calendar arithmetic shared by the time-zone code. Day numbers count days since
/// 1970-01-01 (day 0, a Thursday).
enum CivilCalendar {
    /// Years accepted as input. ±2^30 years is far beyond any real use and keeps
    /// `days * 86_400` within ±2^56 seconds.
    static let supportedYears: ClosedRange<Int> = -(1 << 30)...(1 << 30)

    /// Day numbers accepted by ``civil(fromDays:)``; inputs outside are clamped. Covers every
    /// instant in ``ZoneRules/supportedInstants``.
    static let supportedDays: ClosedRange<Int64> = -(1 << 47)...(1 << 47)

    static func isLeapYear(_ y: Int) -> Bool {
        y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
    }

    /// Days in `month` (1...12) of `year`; 0 for a month outside 1...12.
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    /// Floor division and modulo (Swift's `/` and `%` truncate toward zero).
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    @inline(__always)
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
    }

    /// Day number of a date, or nil when the date is not valid (see ``CivilDate/isValid``).
    static func days(from date: CivilDate) -> Int64? {
        guard date.isValid else { return nil }
        return unsafeDays(year: Int64(date.year), month: Int64(date.month), day: Int64(date.day))
    }

    /// Day number of year/month/day with month 1...12 and |year| ≤ 2^34 (callers check;
    /// intermediates then stay below 2^53).
    /// `day` may exceed the month length; the result then runs on into the next month.
    @inline(__always)
    static func unsafeDays(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400 // [0, 399]
        let mp = (month + 9) % 12 // March = 0
        let doy = (153 * mp + 2) / 5 + day - 1 // [0, 365] for real days
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy // [0, 146096]
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number. Inputs outside ``supportedDays`` are clamped to it.
    static func civil(fromDays raw: Int64) -> CivilDate {
        let z = min(max(raw, supportedDays.lowerBound), supportedDays.upperBound) + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097 // [0, 146096]
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365 // [0, 399]
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100) // [0, 365]
        let mp = (5 * doy + 2) / 153 // [0, 11]
        let d = doy - (153 * mp + 2) / 5 + 1 // [1, 31]
        let m = mp < 10 ? mp + 3 : mp - 9 // [1, 12]
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return CivilDate(year: Int(y), month: Int(m), day: Int(d))
    }

    /// ISO weekday of a day number: 1 = Monday … 7 = Sunday.
    @inline(__always)
    static func isoWeekday(days: Int64) -> Int {
        // 1970-01-01 was a Thursday (4).
        Int(floorMod(days + 3, 7)) + 1
    }

    /// The date `count` days after `date` (negative goes back), or nil when either end is
    /// outside the supported range.
    static func adding(days count: Int64, to date: CivilDate) -> CivilDate? {
        guard let d = days(from: date) else { return nil }
        let (sum, overflow) = d.addingReportingOverflow(count)
        guard !overflow, supportedDays.contains(sum) else { return nil }
        let result = civil(fromDays: sum)
        return result.isValid ? result : nil
    }
}
