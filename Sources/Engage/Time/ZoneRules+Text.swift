// Instants as people read them: local ISO 8601 / RFC 3339 with the zone's offset, for
// explanations (`starts at 2026-12-01T09:00:00+09:00`) and the CLI's tables.

extension ZoneRules {
    /// `ms` (milliseconds since the epoch) on this zone's wall clock with its offset:
    /// `2026-12-01T09:00:00+09:00`, with `.123` before the offset when the instant is
    /// not on a whole second.
    public func rfc3339(_ ms: Int64) -> String {
        let millis = Int((ms % 1000 + 1000) % 1000)
        let text = localTime(atUTC: Self.floorSeconds(ms)).description
        guard millis != 0 else { return text }
        // The civil part is 19 characters (YYYY-MM-DDTHH:MM:SS) for years 0000–9999;
        // the offset follows it.
        let split = text.index(text.startIndex, offsetBy: min(19, text.count))
        let digits = String(millis)
        return text[..<split] + "." + String(repeating: "0", count: 3 - digits.count) + digits + text[split...]
    }

    /// Whole seconds at or before `ms` (floor, so instants before 1970 round down).
    static func floorSeconds(_ ms: Int64) -> Int64 {
        ms / 1000 - (ms % 1000 < 0 ? 1 : 0)
    }
}
