// The immutable, load-time-resolved tables behind a `ZoneRules` value, and the two
// primitive queries everything else is built from: which local time type is in effect at
// an instant, and when the next transition after an instant happens.
//
// Instants are seconds since 1970-01-01T00:00:00Z, leap seconds ignored (POSIX time).

final class ZoneData: Sendable {
    /// Local time types: the file's, then (if there is a footer) its standard and DST types.
    let types: [LocalTimeType]
    /// Strictly ascending transition instants from the file.
    let transitions: [Int64]
    /// `types` index in effect from `transitions[i]` on.
    let transitionTypes: [UInt8]
    /// The footer rule that governs instants at or after the last transition (or all
    /// instants when the file has no transitions).
    let footer: Footer?

    struct Footer: Sendable {
        let rule: PosixTZRule
        let standardType: Int
        let daylightType: Int
        /// Footer transitions precomputed for `precomputedYears`, ascending: instant and
        /// whether DST starts (true) or ends (false) there. Outside it they are computed.
        let table: [Int64]
        let tableIsDST: [Bool]
    }

    /// Years whose footer transitions are computed at load so lookups are a binary search.
    static let precomputedYears: ClosedRange<Int64> = 1969...2101

    /// A fixed offset zone (no transitions).
    init(fixed type: LocalTimeType) {
        types = [type]
        transitions = []
        transitionTypes = []
        footer = nil
    }

    init(zone: String, block: TZif.Block, footer rule: PosixTZRule?) throws(TimeZoneError) {
        var types = block.types
        transitions = block.transitions
        transitionTypes = block.transitionTypes
        if let rule {
            guard abs(Int64(rule.standardOffset)) <= PosixTZRule.maxOffset else {
                throw TimeZoneError(.malformed, zone: zone, "footer standard offset out of range")
            }
            let std = types.count
            types.append(LocalTimeType(utcOffset: rule.standardOffset, isDST: false, abbreviation: rule.standardName))
            let dst = types.count
            if let d = rule.daylight {
                types.append(LocalTimeType(utcOffset: d.utcOffset, isDST: true, abbreviation: d.name))
            } else {
                types.append(types[std])
            }
            var table: [(Int64, Bool)] = []
            if rule.daylight != nil {
                for year in Self.precomputedYears {
                    if let (s, e) = rule.transitions(inYear: year) {
                        table.append((s, true))
                        table.append((e, false))
                    }
                }
                table.sort(by: Self.footerOrder)
            }
            footer = Footer(rule: rule, standardType: std, daylightType: dst,
                            table: table.map(\.0), tableIsDST: table.map(\.1))
        } else {
            footer = nil
        }
        self.types = types
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
        if let footer, transitions.last.map({ t >= $0 }) ?? true {
            return footerTypeIndex(footer, at: t)
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
        guard let footer, footer.rule.daylight != nil else { return nil }
        if let first = footer.table.first, let last = footer.table.last, t >= first, t < last {
            return footer.table[Self.lastIndex(in: footer.table, atOrBefore: t) + 1]
        }
        return footerComputed(footer.rule, around: t).first { $0.0 > t }?.0
    }

    private func footerTypeIndex(_ footer: Footer, at t: Int64) -> Int {
        guard footer.rule.daylight != nil else { return footer.standardType }
        let isDST: Bool
        if let first = footer.table.first, let last = footer.table.last, t >= first, t < last {
            isDST = footer.tableIsDST[Self.lastIndex(in: footer.table, atOrBefore: t)]
        } else {
            isDST = footerComputed(footer.rule, around: t).last { $0.0 <= t }?.1 ?? false
        }
        return isDST ? footer.daylightType : footer.standardType
    }

    /// Footer transitions of the years around `t`, sorted. A transition of year y lies
    /// within about eight days of that year (times reach ±167 h, offsets ±26 h), so years
    /// y−2 … y+2 hold the last transition at or before `t` and the first one after it.
    private func footerComputed(_ rule: PosixTZRule, around t: Int64) -> [(Int64, Bool)] {
        let year = Int64(CivilCalendar.civil(fromDays: CivilCalendar.floorDiv(t, 86_400)).year)
        var list: [(Int64, Bool)] = []
        list.reserveCapacity(10)
        for y in (year - 2)...(year + 2) {
            if let (s, e) = rule.transitions(inYear: y) {
                list.append((s, true))
                list.append((e, false))
            }
        }
        list.sort(by: Self.footerOrder)
        return list
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
