// The POSIX TZ string (IEEE Std 1003.1, "TZ" environment variable) as RFC 8536 uses it in
// the TZif footer, including the version-3 extensions: transition times from -167 to 167
// hours, so a rule can say "the Saturday before the last Sunday, 24:00" as `M3.5.0/-2`
// or DST all year as `J365/25`.
//
//     std offset [dst [offset] [,start[/time],end[/time]]]
//
// Names are three or more letters, or `<...>` around three or more of [A-Za-z0-9+-].
// Offsets are hh[:mm[:ss]] with hh ≤ 24 and an optional sign; POSIX offsets are *west*
// of Greenwich (`EST5` is UTC−5), so they are negated when stored. A date is `Jn`
// (1...365, February 29 never counted), `n` (0...365, February 29 counted) or `Mm.w.d`
// (month, week 1...5 where 5 is "last", weekday 0 = Sunday).

/// A parsed POSIX TZ rule, with offsets stored east-positive (as UTC offsets).
struct PosixTZRule: Sendable, Hashable {
    enum DateRule: Sendable, Hashable {
        /// `Jn`: day 1...365 of the year, February 29 never counted.
        case julianNoLeap(Int)
        /// `n`: zero-based day 0...365, February 29 counted.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    struct Transition: Sendable, Hashable {
        var date: DateRule
        /// Seconds after local midnight (of the time in effect before the transition).
        var time: Int64
    }

    struct DaylightSaving: Sendable, Hashable {
        var name: String
        var utcOffset: Int32
        var start: Transition
        var end: Transition
    }

    var standardName: String
    var standardOffset: Int32
    var daylight: DaylightSaving?

    /// Maximum length of a TZ string; real footers are under 60 bytes.
    static let maxLength = 256
    /// Largest |UTC offset| accepted anywhere (RFC 8536 advises −25h…+26h).
    static let maxOffset: Int64 = 26 * 3_600

    /// Parses `text`; `zone` only labels errors.
    static func parse(_ text: some Collection<UInt8>, zone: String = "", code: TimeZoneError.Code = .invalidRule)
        throws(TimeZoneError) -> PosixTZRule
    {
        var p = Parser(bytes: Array(text), zone: zone, code: code)
        return try p.parseRule()
    }

    static func parse(_ text: String, zone: String = "") throws(TimeZoneError) -> PosixTZRule {
        try parse(Array(text.utf8), zone: zone)
    }

    // MARK: - Transition instants

    /// Day number of the transition date in `year` (|year| ≤ 2^34, checked by callers).
    func dayNumber(of rule: DateRule, year: Int64) -> Int64 {
        switch rule {
        case .julianNoLeap(let n):
            let jan1 = CivilCalendar.unsafeDays(year: year, month: 1, day: 1)
            let leapShift: Int64 = (n >= 60 && CivilCalendar.isLeapYear(Int(year))) ? 1 : 0
            return jan1 + Int64(n - 1) + leapShift
        case .zeroBased(let n):
            return CivilCalendar.unsafeDays(year: year, month: 1, day: 1) + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilCalendar.unsafeDays(year: year, month: Int64(month), day: 1)
            // ISO weekday 1...7 (Mon...Sun) -> POSIX 0...6 (Sun...Sat).
            let firstWeekday = Int64(CivilCalendar.isoWeekday(days: first) % 7)
            var day = 1 + CivilCalendar.floorMod(Int64(weekday) - firstWeekday, 7) + Int64(week - 1) * 7
            let length = Int64(CivilCalendar.daysInMonth(year: Int(year), month: month))
            while day > length { day -= 7 }
            return first + day - 1
        }
    }

    /// The UTC instants at which DST starts and ends in `year` (|year| ≤ 2^34).
    func transitions(inYear year: Int64) -> (start: Int64, end: Int64)? {
        guard let dst = daylight else { return nil }
        let start = dayNumber(of: dst.start.date, year: year) * 86_400 + dst.start.time - Int64(standardOffset)
        let end = dayNumber(of: dst.end.date, year: year) * 86_400 + dst.end.time - Int64(dst.utcOffset)
        return (start, end)
    }
}

// MARK: - Parser

extension PosixTZRule {
    fileprivate struct Parser {
        let bytes: [UInt8]
        let zone: String
        let code: TimeZoneError.Code
        var i = 0

        init(bytes: [UInt8], zone: String, code: TimeZoneError.Code) {
            self.bytes = bytes
            self.zone = zone
            self.code = code
        }

        func fail(_ what: String) -> TimeZoneError {
            let shown = String(decoding: bytes.prefix(PosixTZRule.maxLength), as: UTF8.self)
            return TimeZoneError(code, zone: zone, "TZ string \"\(shown)\" at offset \(i): \(what)")
        }

        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func parseRule() throws(TimeZoneError) -> PosixTZRule {
            guard bytes.count <= PosixTZRule.maxLength else { throw fail("longer than \(PosixTZRule.maxLength) bytes") }
            let stdName = try name()
            guard peek != nil else { throw fail("expected a UTC offset after the standard-time name") }
            let stdOffset = -(try clock(maxHours: 24))
            var rule = PosixTZRule(standardName: stdName, standardOffset: Int32(stdOffset), daylight: nil)
            guard peek != nil else { return rule }
            let dstName = try name()
            var dstOffset = stdOffset + 3_600
            if let c = peek, c != UInt8(ascii: ",") {
                dstOffset = -(try clock(maxHours: 24))
            }
            guard abs(dstOffset) <= PosixTZRule.maxOffset else { throw fail("daylight-saving offset out of range") }
            let start: Transition
            let end: Transition
            if peek == nil {
                // No rule: POSIX leaves it to the implementation; use the US rule as glibc does.
                start = Transition(date: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7_200)
                end = Transition(date: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7_200)
            } else {
                try expect(UInt8(ascii: ","), "expected ',' before the DST start rule")
                start = try transition()
                try expect(UInt8(ascii: ","), "expected ',' before the DST end rule")
                end = try transition()
            }
            guard peek == nil else { throw fail("unexpected trailing characters") }
            rule.daylight = DaylightSaving(name: dstName, utcOffset: Int32(dstOffset), start: start, end: end)
            return rule
        }

        mutating func expect(_ c: UInt8, _ what: String) throws(TimeZoneError) {
            guard peek == c else { throw fail(what) }
            i += 1
        }

        mutating func name() throws(TimeZoneError) -> String {
            let begin: Int
            let end: Int
            if peek == UInt8(ascii: "<") {
                i += 1
                begin = i
                while let c = peek, c != UInt8(ascii: ">") {
                    guard isAlpha(c) || isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else {
                        throw fail("invalid character in quoted zone abbreviation")
                    }
                    i += 1
                }
                end = i
                try expect(UInt8(ascii: ">"), "unterminated '<' in zone abbreviation")
            } else {
                begin = i
                while let c = peek, isAlpha(c) { i += 1 }
                end = i
            }
            guard end - begin >= 3 else { throw fail("zone abbreviation must have at least 3 characters") }
            return String(decoding: bytes[begin..<end], as: UTF8.self)
        }

        /// [+-]hh[:mm[:ss]] in seconds, hh ≤ maxHours.
        mutating func clock(maxHours: Int64) throws(TimeZoneError) -> Int64 {
            var sign: Int64 = 1
            if peek == UInt8(ascii: "+") {
                i += 1
            } else if peek == UInt8(ascii: "-") {
                sign = -1
                i += 1
            }
            let h = try number(maxDigits: 3, what: "hours")
            guard h <= maxHours else { throw fail("hours \(h) out of range 0...\(maxHours)") }
            var m: Int64 = 0
            var s: Int64 = 0
            if peek == UInt8(ascii: ":") {
                i += 1
                m = try number(maxDigits: 2, what: "minutes")
                guard m <= 59 else { throw fail("minutes out of range") }
                if peek == UInt8(ascii: ":") {
                    i += 1
                    s = try number(maxDigits: 2, what: "seconds")
                    guard s <= 59 else { throw fail("seconds out of range") }
                }
            }
            return sign * (h * 3_600 + m * 60 + s)
        }

        mutating func number(maxDigits: Int, what: String) throws(TimeZoneError) -> Int64 {
            var value: Int64 = 0
            var digits = 0
            while let c = peek, isDigit(c) {
                digits += 1
                guard digits <= maxDigits else { throw fail("too many digits in \(what)") }
                value = value * 10 + Int64(c - UInt8(ascii: "0"))
                i += 1
            }
            guard digits > 0 else { throw fail("expected digits for \(what)") }
            return value
        }

        mutating func transition() throws(TimeZoneError) -> Transition {
            let date: DateRule
            if peek == UInt8(ascii: "J") {
                i += 1
                let n = try number(maxDigits: 3, what: "Julian day")
                guard (1...365).contains(n) else { throw fail("Julian day J\(n) out of range 1...365") }
                date = .julianNoLeap(Int(n))
            } else if peek == UInt8(ascii: "M") {
                i += 1
                let m = try number(maxDigits: 2, what: "month")
                try expect(UInt8(ascii: "."), "expected '.' after the month")
                let w = try number(maxDigits: 1, what: "week")
                try expect(UInt8(ascii: "."), "expected '.' after the week")
                let d = try number(maxDigits: 1, what: "weekday")
                guard (1...12).contains(m) else { throw fail("month \(m) out of range 1...12") }
                guard (1...5).contains(w) else { throw fail("week \(w) out of range 1...5") }
                guard (0...6).contains(d) else { throw fail("weekday \(d) out of range 0...6") }
                date = .monthWeekDay(month: Int(m), week: Int(w), weekday: Int(d))
            } else {
                let n = try number(maxDigits: 3, what: "day of year")
                guard (0...365).contains(n) else { throw fail("day \(n) out of range 0...365") }
                date = .zeroBased(Int(n))
            }
            var time: Int64 = 7_200
            if peek == UInt8(ascii: "/") {
                i += 1
                time = try clock(maxHours: 167)
            }
            return Transition(date: date, time: time)
        }

        func isAlpha(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
        }

        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    }
}
