/// The impressions counted in one cap scope, in bounded memory.
///
/// The newest ``RetentionPolicy/exactImpressions`` times are kept exactly (ascending);
/// older ones are folded into hourly counts (UTC hours) until retention drops them; the
/// lifetime total is never pruned.
///
/// Precision: a count over a range is exact whenever the range holds fewer impressions
/// than the exact capacity (the oldest exact time is then outside it, and so is every
/// folded one). At or above the capacity, an hourly count that straddles the range's
/// start counts whole: the count errs high, never low. Either way "used ≥ limit" is
/// decided exactly for every limit up to the capacity, so such caps are exact; larger
/// limits may close up to an hour early and are never exceeded.
///
/// Memory: 8 bytes per exact time, 8 bytes per folded hour, plus two array headers.
public struct ImpressionLedger: Sendable, Hashable {
    /// The scope counted.
    public let scope: CapScope
    /// Exact times (ms), ascending, at most the policy's `exactImpressions`.
    public internal(set) var recent: [Int64] = []
    /// Folded impressions older than every exact time, ascending by hour.
    var hours: [HourCount] = []
    /// Every impression ever recorded in this scope (never pruned).
    public internal(set) var total: Int = 0

    struct HourCount: Sendable, Hashable {
        /// Hours since the epoch (UTC).
        var hour: Int32
        var count: UInt32
    }

    init(scope: CapScope) { self.scope = scope }

    /// The newest impression time, or nil.
    public var last: Int64? { recent.last }

    /// Records an impression at `time` (any order; late records are placed by time).
    mutating func add(_ time: Int64, capacity: Int) {
        total = total &+ 1 < total ? total : total &+ 1
        var i = recent.count
        while i > 0, recent[i - 1] > time { i -= 1 }
        if i == 0, recent.count >= capacity {
            fold(time) // older than every exact time and no room: straight to hours
            return
        }
        recent.insert(time, at: i)
        while recent.count > capacity { fold(recent.removeFirst()) }
    }

    private mutating func fold(_ time: Int64) {
        let hour = Int32(clamping: floorDiv(time, 3_600_000))
        var i = hours.count
        while i > 0, hours[i - 1].hour > hour { i -= 1 }
        if i > 0, hours[i - 1].hour == hour {
            hours[i - 1].count = hours[i - 1].count &+ 1 == 0 ? .max : hours[i - 1].count &+ 1
        } else {
            hours.insert(HourCount(hour: hour, count: 1), at: i)
        }
    }

    /// Impressions with a time in `range` (the lifetime total when it covers all time).
    public func count(in range: Range<Int64>) -> Int {
        if range.lowerBound == .min, range.upperBound == .max { return total }
        var n = 0
        for t in recent.reversed() {
            if t < range.lowerBound { break }
            if t < range.upperBound { n += 1 }
        }
        // Folded impressions are no newer than the oldest exact one.
        guard let ceiling = recent.first, ceiling >= range.lowerBound else { return n }
        for h in hours.reversed() {
            let start = Int64(h.hour) * 3_600_000
            let end = min(start + 3_600_000, ceiling + 1) // exclusive
            if end <= range.lowerBound { break }
            if start < range.upperBound { n += Int(h.count) }
        }
        return n
    }

    /// True when ``prune(before:)`` would drop something: an exact time or a folded
    /// hour older than `cutoff`.
    func holdsTimes(before cutoff: Int64) -> Bool {
        if let first = hours.first, Int64(first.hour) * 3_600_000 + 3_600_000 <= cutoff { return true }
        if let first = recent.first, first < cutoff { return true }
        return false
    }

    /// Drops impressions older than `cutoff` (the lifetime total stays).
    mutating func prune(before cutoff: Int64) {
        if let first = hours.first, Int64(first.hour) * 3_600_000 + 3_600_000 <= cutoff {
            hours.removeAll { Int64($0.hour) * 3_600_000 + 3_600_000 <= cutoff }
        }
        if let first = recent.first, first < cutoff {
            recent.removeAll { $0 < cutoff }
            // Nothing folded may be newer than the oldest exact time; with no exact
            // times left, folded hours (all older) are past the cutoff too.
            if recent.isEmpty { hours.removeAll() }
        }
    }

    /// True when nothing within retention is left (only the lifetime total).
    var isIdle: Bool { recent.isEmpty && hours.isEmpty }
}

/// Floor division for a positive divisor (no overflow for any dividend).
@inline(__always)
func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && a < 0) ? q - 1 : q
}
