// The immutable, load-time-resolved tables behind a `ZoneRules` value, and the two
// primitive queries everything else is built from: which local time type is in effect at
// an instant, and when the next transition after an instant happens.
//
// Instants are seconds since 1970-01-01T00:00:00Z, leap seconds ignored (POSIX time).

final class ZoneData: Sendable {
    /// Local time types: the file's, then (if there is a footer) its standard and DST types.
    let types: [LocalTimeType]
    /// `types[i].utcOffset` and `types[i].isDST`, kept apart so the hot path touches no
    /// String (copying a LocalTimeType would retain its abbreviation).
    let offsets: [Int32]
    let dstFlags: [Bool]
    /// Strictly ascending transition instants from the file.
    let transitions: [Int64]
    /// `types` index in effect from `transitions[i]` on.
    let transitionTypes: [UInt8]
    /// The footer rule that governs instants at or after the last transition (or all
    /// instants when the file has no transitions); nil for version-1 files, an empty
    /// footer and fixed zones.
    let footer: PosixTZRule?
    /// `footer != nil`, stored so the hot path does not copy the optional rule to test it.
    let hasFooter: Bool
    /// `types` indices of the footer's standard and DST types (0 without a footer).
    let footerStandardType: Int
    let footerDaylightType: Int
    /// Footer transitions precomputed for `precomputedYears`, ascending: instant and
    /// whether DST starts (true) or ends (false) there. Outside it they are computed.
    /// Stored flat rather than in a nested struct so the hot path copies (and retains)
    /// nothing.
    let footerTable: [Int64]
    let footerTableIsDST: [Bool]

    /// Years whose footer transitions are computed at load so lookups are a binary search.
    static let precomputedYears: ClosedRange<Int64> = 1969...2101

    /// A fixed offset zone (no transitions).
    init(fixed type: LocalTimeType) {
        types = [type]
        offsets = [type.utcOffset]
        dstFlags = [type.isDST]
        transitions = []
        transitionTypes = []
        footer = nil
        hasFooter = false
        footerStandardType = 0
        footerDaylightType = 0
        footerTable = []
        footerTableIsDST = []
    }

    init(zone: String, block: TZif.Block, footer rule: PosixTZRule?) throws(TimeZoneError) {
        var types = block.types
        transitions = block.transitions
        transitionTypes = block.transitionTypes
        var table: [(Int64, Bool)] = []
        if let rule {
            guard abs(Int64(rule.standardOffset)) <= PosixTZRule.maxOffset else {
                throw TimeZoneError(.malformed, zone: zone, "footer standard offset out of range")
            }
            footerStandardType = types.count
            types.append(LocalTimeType(utcOffset: rule.standardOffset, isDST: false, abbreviation: rule.standardName))
            footerDaylightType = types.count
            if let d = rule.daylight {
                types.append(LocalTimeType(utcOffset: d.utcOffset, isDST: true, abbreviation: d.name))
                for year in Self.precomputedYears {
                    if let (s, e) = rule.transitions(inYear: year) {
                        table.append((s, true))
                        table.append((e, false))
                    }
                }
                table.sort(by: Self.footerOrder)
            } else {
                types.append(types[footerStandardType])
            }
        } else {
            footerStandardType = 0
            footerDaylightType = 0
        }
        footer = rule
        hasFooter = rule != nil
        footerTable = table.map(\.0)
        footerTableIsDST = table.map(\.1)
        self.types = types
        offsets = types.map(\.utcOffset)
        dstFlags = types.map(\.isDST)
    }

    /// Ascending by instant; at equal instants a DST start sorts after a DST end, so "last
    /// transition at or before t" yields DST (a rule such as `J365/25` then means DST all
    /// year, as RFC 8536 §3.3.1 specifies).
    static func footerOrder(_ a: (Int64, Bool), _ b: (Int64, Bool)) -> Bool {
        a.0 != b.0 ? a.0 < b.0 : (!a.1 && b.1)
    }

    // MARK: - Queries (callers pass instants already clamped to ZoneRules.supportedInstants)

    /// Index in `types` of the local time type in effect at `t`.
    func typeIndex(at t: Int64) -> Int {
        if hasFooter, transitions.isEmpty || t >= transitions[transitions.count - 1] {
            return footerTypeIndex(at: t)
        }
        // RFC 8536: before the first transition (or with none and no footer), type 0.
        guard let first = transitions.first, t >= first else { return 0 }
        return Int(transitionTypes[Self.lastIndex(in: transitions, atOrBefore: t)])
    }

    /// The first transition strictly after `t`, or nil if there is none.
    func nextTransition(after t: Int64) -> Int64? {
        if let first = transitions.first, let last = transitions.last, t < last {
            if t < first { return first }
            return transitions[Self.lastIndex(in: transitions, atOrBefore: t) + 1]
        }
        guard let rule = footer, rule.daylight != nil else { return nil }
        if let first = footerTable.first, let last = footerTable.last, t >= first, t < last {
            return footerTable[Self.lastIndex(in: footerTable, atOrBefore: t) + 1]
        }
        return footerComputed(rule, around: t).next
    }

    private func footerTypeIndex(at t: Int64) -> Int {
        let isDST: Bool
        if footerTable.isEmpty {
            // No DST part (or no footer, which callers exclude).
            isDST = false
        } else if t >= footerTable[0], t < footerTable[footerTable.count - 1] {
            isDST = footerTableIsDST[Self.lastIndex(in: footerTable, atOrBefore: t)]
        } else if let rule = footer {
            isDST = footerComputed(rule, around: t).isDST
        } else {
            isDST = false
        }
        return isDST ? footerDaylightType : footerStandardType
    }

    /// The footer's state at `t` and its next transition, computed from the rule. A
    /// transition of year y lies within about eight days of that year (times reach ±167 h,
    /// offsets ±26 h), so years y−2 … y+2 hold the last transition at or before `t` and the
    /// first one after it. Ties resolve as in `footerOrder`. No allocation.
    private func footerComputed(_ rule: PosixTZRule, around t: Int64) -> (isDST: Bool, next: Int64?) {
        let year = Int64(CivilCalendar.civil(fromDays: CivilCalendar.floorDiv(t, 86_400)).year)
        var last: (Int64, Bool)?
        var next: (Int64, Bool)?
        func consider(_ entry: (Int64, Bool)) {
            if entry.0 <= t {
                if last.map({ Self.footerOrder($0, entry) }) ?? true { last = entry }
            } else if next.map({ Self.footerOrder(entry, $0) }) ?? true {
                next = entry
            }
        }
        for y in (year - 2)...(year + 2) {
            guard let (s, e) = rule.transitions(inYear: y) else { continue }
            consider((s, true))
            consider((e, false))
        }
        return (last?.1 ?? false, next?.0)
    }

    /// Largest index i with `a[i] <= t`; requires `a` non-empty, ascending, `a[0] <= t`.
    @inline(__always)
    static func lastIndex(in a: [Int64], atOrBefore t: Int64) -> Int {
        var lo = 0
        var hi = a.count - 1
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if a[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}
