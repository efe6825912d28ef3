// Eligibility steps 1 and 2 (specification: "status and schedule"): only an active
// campaign goes on, and only within its schedule — start and end, days and hours, in
// the schedule's time zone or the user's. Reasons: `status`, `schedule`.

extension DecisionRun {
    @inline(__always)
    mutating func status(_ c: Screening) -> Bool {
        let status = c.compiled.campaign.status
        guard status == .active else {
            drop(c.index, .status, "status \(status.rawValue)")
            return false
        }
        return true
    }

    @inline(__always)
    mutating func schedule(_ c: Screening) -> Bool {
        if let s = c.compiled.campaign.schedule, let why = scheduleProblem(s, c.compiled.scheduleZone) {
            drop(c.index, .schedule, why)
            return false
        }
        return true
    }

    func scheduleProblem(_ s: Schedule, _ fixed: ZoneRules?) -> String? {
        // Instants in the user's zone, as the rest of the explanation reads local time.
        if let start = s.start, now < start { return "starts at \(zone.rfc3339(start))" }
        if let end = s.end, now >= end { return "ended at \(zone.rfc3339(end))" }
        let t = fixed.map { $0.localTime(atUTC: Self.seconds(now)) } ?? local
        if !s.days.contains(isoWeekday: t.weekday) { return "not on \(WeekdaySet.names[max(0, min(6, t.weekday - 1))])" }
        if let hours = s.hours, !hours.contains(minuteOfDay: t.hour * 60 + t.minute) {
            return "outside \(hours) (local \(twoDigits(t.hour)):\(twoDigits(t.minute)))"
        }
        return nil
    }
}
