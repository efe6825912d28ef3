/// The rules of one time zone: its UTC offset at every instant, and the conversions
/// between UTC instants and wall-clock time that targeting, quiet hours, calendar cap
/// windows and schedules need.
///
/// Instants are `Int64` seconds since 1970-01-01T00:00:00Z, leap seconds ignored. A value
/// is immutable and cheap to copy (one reference); load it once (``ZoneCache``) and share
/// it between threads. Queries allocate nothing on the common path: an offset lookup is a
/// binary search over transitions resolved at load, including the transitions that the
/// file's POSIX TZ footer implies for 1969–2101; instants outside that span evaluate the
/// footer rule directly.
///
/// Instants beyond ``supportedInstants`` (about ±2.28 billion years) are clamped to it, so
/// every `Int64` input gives an answer and none can overflow.
public struct ZoneRules: Sendable, CustomStringConvertible {
    /// The name the zone was loaded under (`"Asia/Seoul"`, `"UTC"`, `"+09:00"`).
    public let identifier: String
    let data: ZoneData

    /// Instants (UTC seconds) that are computed exactly; others are clamped into this range.
    public static let supportedInstants: ClosedRange<Int64> = -(1 << 56)...(1 << 56)

    /// Coordinated Universal Time.
    public static let utc = ZoneRules(
        identifier: "UTC", data: ZoneData(fixed: LocalTimeType(utcOffset: 0, isDST: false, abbreviation: "UTC")))

    init(identifier: String, data: ZoneData) {
        self.identifier = identifier
        self.data = data
    }

    /// A zone that is always `seconds` east of UTC (|seconds| ≤ 26 h).
    /// - Throws: ``TimeZoneError`` (`invalidRule`) when the offset is out of range.
    public init(fixedOffset seconds: Int32, identifier: String? = nil) throws(TimeZoneError) {
        guard abs(Int64(seconds)) <= PosixTZRule.maxOffset else {
            throw TimeZoneError(.invalidRule, zone: identifier ?? "", "fixed offset \(seconds) s exceeds ±26 h")
        }
        let name = Self.formatOffset(seconds)
        self.init(
            identifier: identifier ?? name,
            data: ZoneData(fixed: LocalTimeType(utcOffset: seconds, isDST: false, abbreviation: name)))
    }

    /// A zone defined by a POSIX TZ string alone, e.g. `"EST5EDT,M3.2.0,M11.1.0"` or
    /// `"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"` (the rule applies to every year).
    /// - Throws: ``TimeZoneError`` (`invalidRule`) naming the offset of the problem.
    public init(posixTZ text: String, identifier: String? = nil) throws(TimeZoneError) {
        let rule = try PosixTZRule.parse(text, zone: identifier ?? text)
        let block = TZif.Block(
            transitions: [], transitionTypes: [],
            types: [
                LocalTimeType(utcOffset: rule.standardOffset, isDST: false, abbreviation: rule.standardName)
            ])
        self.init(identifier: identifier ?? text, data: try ZoneData(zone: text, block: block, footer: rule))
    }

    /// A zone read from the bytes of a TZif file (RFC 8536, versions 1–4).
    /// - Throws: ``TimeZoneError`` (`malformed` or `unsupported`) with the byte offset.
    public init(tzif bytes: [UInt8], identifier: String) throws(TimeZoneError) {
        self.init(identifier: identifier, data: try TZif.parse(bytes, zone: identifier))
    }

    public var description: String { identifier }

    @inline(__always)
    static func clamp(_ t: Int64) -> Int64 {
        min(max(t, supportedInstants.lowerBound), supportedInstants.upperBound)
    }

    // MARK: - UTC -> local

    /// The UTC offset in seconds (east positive) in effect at `t`.
    public func offset(atUTC t: Int64) -> Int32 {
        data.offsets[data.typeIndex(at: Self.clamp(t))]
    }

    /// Whether daylight-saving time is in effect at `t`.
    public func isDaylightSavingTime(atUTC t: Int64) -> Bool {
        data.dstFlags[data.typeIndex(at: Self.clamp(t))]
    }

    /// The abbreviation in effect at `t` (`"EST"`, `"KST"`, `"+1030"`).
    public func abbreviation(atUTC t: Int64) -> String {
        data.types[data.typeIndex(at: Self.clamp(t))].abbreviation
    }

    /// The first instant after `t` at which the offset, DST flag or abbreviation may
    /// change, or nil if the rules never change again.
    public func nextTransition(after t: Int64) -> Int64? {
        data.nextTransition(after: Self.clamp(t))
    }

    /// The wall-clock date, time, ISO weekday, offset and DST flag at `t`.
    public func localTime(atUTC t: Int64) -> LocalDateTime {
        let clamped = Self.clamp(t)
        let index = data.typeIndex(at: clamped)
        let offset = data.offsets[index]
        // |clamped| ≤ 2^56 and |offset| ≤ 26 h: the sum cannot overflow.
        let local = clamped + Int64(offset)
        let days = CivilCalendar.floorDiv(local, 86_400)
        let secs = Int(local - days * 86_400)
        let date = CivilCalendar.civil(fromDays: days)
        return LocalDateTime(
            year: date.year, month: date.month, day: date.day,
            hour: secs / 3_600, minute: secs / 60 % 60, second: secs % 60,
            weekday: CivilCalendar.isoWeekday(days: days),
            utcOffset: offset, isDST: data.dstFlags[index])
    }

    // MARK: - local -> UTC

    /// Every way `local` maps to UTC in this zone: once, twice (clocks set back) or never
    /// (clocks jumped forward).
    /// - Throws: ``TimeZoneError`` (`invalidLocalTime`) when `local` is not a real date
    ///   and time (see ``CivilDateTime/isValid``).
    public func resolve(_ local: CivilDateTime) throws(TimeZoneError) -> LocalTimeResolution {
        guard local.isValid, let days = CivilCalendar.days(from: local.date) else {
            throw TimeZoneError(.invalidLocalTime, zone: identifier, "\(local) is not a valid date and time")
        }
        return resolve(localSeconds: days * 86_400 + Int64(local.hour * 3_600 + local.minute * 60 + local.second))
    }

    /// The UTC instant of a wall-clock time. A time that occurs twice resolves to the
    /// earlier instant; a time skipped by a forward jump is read with the offset in effect
    /// before the jump, i.e. moved forward by the gap (as RFC 5545 and `java.time` do).
    /// - Throws: ``TimeZoneError`` (`invalidLocalTime`) for an invalid date or time.
    public func utcInstant(forLocal local: CivilDateTime) throws(TimeZoneError) -> Int64 {
        switch try resolve(local) {
        case .unique(let t): return t
        case .ambiguous(let earlier, _): return earlier
        case .skipped(_, let shifted): return shifted
        }
    }

    /// The first instant whose local date is `date` — usually local midnight; if midnight
    /// is skipped by a forward jump, the end of the gap; if it occurs twice, the earlier.
    /// - Throws: ``TimeZoneError`` (`invalidLocalTime`) for an invalid date.
    public func firstInstant(of date: CivilDate) throws(TimeZoneError) -> Int64 {
        guard let days = CivilCalendar.days(from: date) else {
            throw TimeZoneError(.invalidLocalTime, zone: identifier, "\(date) is not a valid date")
        }
        return firstInstant(ofDay: days)
    }

    /// Maximum transitions examined while resolving one local time; only a corrupt file
    /// could pack more than a handful into the ±26 h window searched.
    static let maxResolveSteps = 64

    /// Resolution of a local time given as seconds since 1970-01-01T00:00 local.
    ///
    /// A solution t satisfies t + offset(t) = local; since |offset| ≤ 26 h every solution
    /// lies in [local − 26 h, local + 26 h]. Walk the periods between transitions in that
    /// window and keep each period whose offset puts the solution inside it.
    func resolve(localSeconds raw: Int64) -> LocalTimeResolution {
        let local = min(max(raw, -(1 << 57)), 1 << 57)
        let bound = PosixTZRule.maxOffset + 1
        var cur = local - bound
        var offset = Int64(data.offsets[data.typeIndex(at: cur)])
        var earliest: Int64?
        var latest: Int64?
        var gap: (transition: Int64, shifted: Int64)?
        for _ in 0..<Self.maxResolveSteps {
            let next = data.nextTransition(after: cur)
            let candidate = local - offset
            if candidate >= cur, next.map({ candidate < $0 }) ?? true {
                if earliest == nil { earliest = candidate }
                latest = candidate
            }
            guard let boundary = next, boundary <= local + bound else { break }
            let nextOffset = Int64(data.offsets[data.typeIndex(at: boundary)])
            if gap == nil, boundary + offset <= local, local < boundary + nextOffset {
                gap = (boundary, candidate)
            }
            cur = boundary
            offset = nextOffset
        }
        if let earliest, let latest {
            return earliest == latest ? .unique(earliest) : .ambiguous(earlier: earliest, later: latest)
        }
        if let gap { return .skipped(transition: gap.transition, shifted: gap.shifted) }
        // Only reachable when maxResolveSteps ran out: answer with the offset at `local`.
        return .unique(local - Int64(self.offset(atUTC: local)))
    }

    /// First instant of the local day with day number `days` (see ``firstInstant(of:)``).
    func firstInstant(ofDay days: Int64) -> Int64 {
        // ±2^40 days (±3 billion years) keeps `d * 86_400` inside resolve's ±2^57 range.
        let d = min(max(days, -(1 << 40)), 1 << 40)
        switch resolve(localSeconds: d * 86_400) {
        case .unique(let t): return t
        case .ambiguous(let earlier, _): return earlier
        case .skipped(let transition, _): return transition
        }
    }

    static func formatOffset(_ seconds: Int32) -> String {
        let a = abs(Int64(seconds))
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : String(v) }
        var s = "\(seconds < 0 ? "-" : "+")\(two(a / 3_600)):\(two(a / 60 % 60))"
        if a % 60 != 0 { s += ":\(two(a % 60))" }
        return s
    }
}
