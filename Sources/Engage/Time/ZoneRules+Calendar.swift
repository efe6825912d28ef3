// Calendar periods in a zone's local time, as UTC instants: what calendar cap windows
// ("at most 3 a day / week / month in the user's time zone") and schedules need.
//
// A local day starts at its first instant (see `ZoneRules.firstInstant(of:)`), so a day
// can last 23 or 25 hours (or 23.5 on Lord Howe Island); a window is the half-open range
// from the start of one period to the start of the next.

extension ZoneRules {
    /// The first instant of the local day containing `t`.
    public func startOfDay(containingUTC t: Int64) -> Int64 {
        firstInstant(ofDay: localDay(atUTC: t))
    }

    /// The first instant of the local week containing `t`. `firstWeekday` is ISO
    /// (1 = Monday, the default, … 7 = Sunday); values outside 1...7 are taken modulo 7.
    public func startOfWeek(containingUTC t: Int64, firstWeekday: Int = 1) -> Int64 {
        firstInstant(ofDay: weekStartDay(atUTC: t, firstWeekday: firstWeekday))
    }

    /// The first instant of the local month containing `t`.
    public func startOfMonth(containingUTC t: Int64) -> Int64 {
        let date = localTime(atUTC: t).date
        return firstInstant(ofDay: CivilCalendar.unsafeDays(year: Int64(date.year), month: Int64(date.month), day: 1))
    }

    /// The local calendar period containing `t`, as the half-open range of UTC instants
    /// from its first instant to the first instant of the next period.
    ///
    /// Complexity: a few binary searches over the zone's transitions; no allocation.
    public func calendarWindow(_ unit: CalendarUnit, containingUTC t: Int64, firstWeekday: Int = 1) -> Range<Int64> {
        let startDay: Int64
        let endDay: Int64
        switch unit {
        case .day:
            startDay = localDay(atUTC: t)
            endDay = startDay + 1
        case .week:
            startDay = weekStartDay(atUTC: t, firstWeekday: firstWeekday)
            endDay = startDay + 7
        case .month:
            let date = localTime(atUTC: t).date
            let y = Int64(date.year)
            let m = Int64(date.month)
            startDay = CivilCalendar.unsafeDays(year: y, month: m, day: 1)
            endDay =
                m == 12
                ? CivilCalendar.unsafeDays(year: y + 1, month: 1, day: 1)
                : CivilCalendar.unsafeDays(year: y, month: m + 1, day: 1)
        }
        let start = firstInstant(ofDay: startDay)
        // Clamping at the extremes of the supported range could collapse the window;
        // keep it a valid (possibly empty) range rather than trap.
        return start..<max(start, firstInstant(ofDay: endDay))
    }

    /// Day number (days since 1970-01-01) of the local date at `t`.
    func localDay(atUTC t: Int64) -> Int64 {
        let clamped = Self.clamp(t)
        return CivilCalendar.floorDiv(clamped + Int64(offset(atUTC: clamped)), 86_400)
    }

    private func weekStartDay(atUTC t: Int64, firstWeekday: Int) -> Int64 {
        let day = localDay(atUTC: t)
        let first = Int64((firstWeekday % 7 + 6) % 7 + 1) // 0 and 7 both mean Sunday
        let back = CivilCalendar.floorMod(Int64(CivilCalendar.isoWeekday(days: day)) - first, 7)
        return day - back
    }
}
