// Quiet hours (specification: "quiet hours", per purpose and channel in the user's
// local time or a policy's own zone), read by channel resolution (ChannelResolution.swift) for
// each channel it considers: a quiet channel is skipped.

extension DecisionRun {
    /// The quiet-hours policy (its index) in force now for `purpose` on `channel`, or
    /// nil; each purpose × channel resolved once per decision.
    mutating func quietPolicy(for purpose: Purpose, _ channel: Channel) -> Int? {
        let k = Self.purposeIndex(purpose) * 7 + channel.ordinal
        if quietCache[k] == -2 {
            quietCache[k] = -1
            for (i, q) in set.set.policies.quietHours.enumerated()
            where (q.purpose == nil || q.purpose == purpose) && q.channels.contains(channel) {
                let t = quietLocalTime(q)
                if q.hours.contains(minuteOfDay: t.hour * 60 + t.minute) {
                    quietCache[k] = Int32(clamping: i)
                    break
                }
            }
        }
        return quietCache[k] < 0 ? nil : Int(quietCache[k])
    }

    static func purposeIndex(_ purpose: Purpose) -> Int {
        purpose == .marketing ? 0 : purpose == .service ? 1 : 2
    }

    /// The local time a quiet-hours policy is read in: the user's, or its own zone's.
    func quietLocalTime(_ q: QuietHours) -> LocalDateTime {
        switch q.timeZone {
        case .user: return local
        case .named(let n): return set.zones[n].map { $0.localTime(atUTC: Self.seconds(now)) } ?? local
        }
    }
}
