// Text forms of instants and times of day in campaign sets: RFC 3339 timestamps
// (`2025-03-01T09:00:00+09:00`) and `HH:MM`. Parsed by hand over UTF-8 bytes: the core
// has no Foundation, and every malformed input must become a message, never a trap.

enum TimeText {

    /// Milliseconds since the Unix epoch of an RFC 3339 timestamp
    /// (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `t`, `z` and a space separator accepted;
    /// fractions beyond milliseconds truncated, whatever their number of digits; a leap
    /// second `:60` rejected).
    static func parseTimestamp(_ text: String) -> Result<Int64, TimeTextError> {
        let b = Array(text.utf8)
        let expected = "expected an RFC 3339 timestamp such as \"2025-03-01T09:00:00Z\" or \"2025-03-01T09:00:00+09:00\""
        func fail(_ why: String) -> Result<Int64, TimeTextError> {
            .failure(TimeTextError("invalid timestamp \"\(text.prefix(40))\": \(why) (\(expected))"))
        }
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at >= 0, at + n <= b.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                let d = b[i] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        func byte(_ at: Int) -> UInt8? { at < b.count ? b[at] : nil }
        guard b.count >= 19 else { return fail("too short") }
        guard let year = digits(0, 4), byte(4) == UInt8(ascii: "-"), let month = digits(5, 2),
            byte(7) == UInt8(ascii: "-"), let day = digits(8, 2)
        else { return fail("bad date") }
        guard let sep = byte(10), sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t") || sep == UInt8(ascii: " ") else {
            return fail("expected 'T' between date and time")
        }
        guard let hour = digits(11, 2), byte(13) == UInt8(ascii: ":"), let minute = digits(14, 2),
            byte(16) == UInt8(ascii: ":"), let second = digits(17, 2)
        else { return fail("bad time of day") }
        var i = 19
        var millis = 0
        if byte(i) == UInt8(ascii: ".") {
            i += 1
            let start = i
            while let c = byte(i), c &- 0x30 < 10 {
                if i - start < 3 { millis = millis * 10 + Int(c &- 0x30) }
                i += 1
            }
            // RFC 3339 puts no bound on the digits; those past milliseconds are dropped.
            guard i > start else { return fail("bad fraction of a second") }
            for _ in 0..<max(0, 3 - (i - start)) { millis *= 10 }
        }
        var offsetMinutes = 0
        switch byte(i) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = digits(i + 1, 2), byte(i + 3) == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                oh <= 23, om <= 59
            else { return fail("bad UTC offset") }
            offsetMinutes = (oh * 60 + om) * (byte(i) == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return fail("missing UTC offset ('Z' or ±HH:MM)")
        }
        guard i == b.count else { return fail("unexpected text after the offset") }
        guard hour <= 23, minute <= 59, second <= 59 else { return fail("time of day out of range") }
        guard let days = CivilCalendar.days(from: CivilDate(year: year, month: month, day: day)) else {
            return fail("no such date")
        }
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return .success(seconds * 1_000 + Int64(millis))
    }

    /// Minutes after midnight of `HH:MM` (00:00…23:59; `24:00` too when `allowEndOfDay`).
    static func parseTimeOfDay(_ text: String, allowEndOfDay: Bool) -> Result<Int, TimeTextError> {
        let b = Array(text.utf8)
        let shown = "\"\(text.prefix(16))\""
        guard b.count == 5, b[2] == UInt8(ascii: ":"),
            b[0] &- 0x30 < 10, b[1] &- 0x30 < 10, b[3] &- 0x30 < 10, b[4] &- 0x30 < 10
        else {
            return .failure(TimeTextError("invalid time of day \(shown) (expected HH:MM, e.g. 21:00)"))
        }
        let h = Int(b[0] &- 0x30) * 10 + Int(b[1] &- 0x30)
        let m = Int(b[3] &- 0x30) * 10 + Int(b[4] &- 0x30)
        if h == 24 && m == 0 && allowEndOfDay { return .success(1_440) }
        guard h <= 23, m <= 59 else {
            return .failure(TimeTextError("time of day \(shown) out of range (expected 00:00 to \(allowEndOfDay ? "24:00" : "23:59"))"))
        }
        return .success(h * 60 + m)
    }
}

/// Why a timestamp or time of day was rejected.
struct TimeTextError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Milliseconds since the Unix epoch of an RFC 3339 timestamp
/// (`2026-11-02T10:00:00+09:00`), or integer milliseconds as text; nil with `problem`
/// set when it is neither. For tools (the CLI's `--at`, `--start`): `package`, not API.
package func parseInstant(_ text: String, problem: inout String) -> Int64? {
    if let ms = Int64(text) {
        guard Instant.range.contains(ms) else {
            problem = "\(ms) is outside the instants accepted (\(Instant.earliest) to \(Instant.latest): years 0000 to 9999)"
            return nil
        }
        return ms
    }
    switch TimeText.parseTimestamp(text) {
    case .success(let ms): return ms
    case .failure(let e):
        problem = e.message
        return nil
    }
}
