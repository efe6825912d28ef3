// Cap windows resolved to instants. The semantics are written down in docs/caps.md and
// pinned by Tests/vectors/caps.json; in short (times in ms since the epoch, UTC):
//
//   rolling L   impressions at or after now − L (inclusive), with no upper end: an
//               impression stamped after `now` (another host's clock ahead of ours)
//               still counts, so clock skew cannot open a cap early.
//   calendar    the local day / week / month containing `now` in the user's zone, from
//               its first instant (inclusive) to the next period's (exclusive); DST
//               days last 23 or 25 hours (ZoneRules.calendarWindow); weeks start on
//               `firstWeekday` (ISO 1 = Monday … 7 = Sunday, default Monday).
//   lifetime    every impression ever recorded (the never-pruned lifetime total).

/// Turns cap windows into the half-open ranges of impression times that count. The
/// engine's own arithmetic (`package`, not API): Swift callers use ``CapWindow/range(now:zone:firstWeekday:)``.
package enum CapRange {
    /// Every impression ever recorded.
    package static let lifetime: Range<Int64> = Int64.min..<Int64.max

    /// The rolling window of `milliseconds` ending at `now`: `now − milliseconds` and
    /// later (including impressions stamped after `now`).
    package static func rolling(milliseconds: Int64, now: Int64) -> Range<Int64> {
        let (start, overflow) = now.subtractingReportingOverflow(max(milliseconds, 0))
        return (overflow ? Int64.min : start)..<Int64.max
    }

    /// The local calendar `unit` containing `now` in `zone`, weeks starting on
    /// `firstWeekday` (ISO: 1 = Monday … 7 = Sunday; others taken modulo 7).
    ///
    /// Complexity: a few binary searches over the zone's transitions; no allocation.
    package static func calendar(_ unit: CalendarUnit, now: Int64, zone: ZoneRules, firstWeekday: Int = 1) -> Range<Int64> {
        let seconds = zone.calendarWindow(unit, containingUTC: floorDiv(now, 1000), firstWeekday: firstWeekday)
        let start = milliseconds(seconds.lowerBound)
        return start..<max(start, milliseconds(seconds.upperBound))
    }

    /// Seconds to milliseconds, saturating (zone instants reach ±2^56 s).
    private static func milliseconds(_ seconds: Int64) -> Int64 {
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? (seconds < 0 ? .min : .max) : ms
    }
}
