/// The one range of instants libengage accepts, wherever a time enters: a request's
/// `now`, a record's `time`, the history in a context, a campaign's schedule, the
/// engine config's `fixed_clock_ms` and the CLI's `--now`/`--at`.
///
/// From 0000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z — every instant an
/// RFC 3339 timestamp can write — as integer milliseconds since the Unix epoch. Every
/// store keeps any time in it, and window and calendar arithmetic on it cannot overflow.
/// A value outside is refused where it enters, with the field named, so it can never
/// fail later (in a commit, say) with a message that names something else.
public enum Instant {
    /// 0000-01-01T00:00:00.000Z in milliseconds since the epoch.
    public static let earliest: Int64 = -62_167_219_200_000
    /// 9999-12-31T23:59:59.999Z in milliseconds since the epoch.
    public static let latest: Int64 = 253_402_300_799_999
    /// Every accepted instant.
    public static let range: ClosedRange<Int64> = earliest...latest

    /// What an error says was expected.
    public static let expected =
        "expected integer milliseconds since the epoch from -62167219200000 (0000-01-01T00:00:00Z) to 253402300799999 (9999-12-31T23:59:59.999Z)"

    /// The milliseconds of a JSON number that is an integer in ``range``; nil otherwise
    /// (checked on the double, before any conversion can trap).
    public static func milliseconds(_ v: JSON) -> Int64? {
        guard case .number(let d) = v, d.rounded(.towardZero) == d,
            d >= Double(earliest), d <= Double(latest)
        else { return nil }
        return Int64(d)
    }
}
