/// A user's behaviour series (``BehaviourSeries``) packed into two arrays: the values
/// they name, interned once per user, and one byte buffer holding every series' header
/// and hourly buckets. The series keep their meaning and precision exactly (counts,
/// newest times to the millisecond, sums as IEEE doubles); only the layout changes —
/// a few hundred bytes for a week where 23 Swift arrays took kilobytes.
///
/// Layout of `bytes`: the series back to back, each as
///
/// ```
/// length         varint: bytes that follow in this series
/// name           varint: index into symbols (a .string)
/// dimensions     varint n, then n × (key index, value index)   (keys ascending)
/// numeric keys   varint n, then n × key index
/// summary        varint events (the buckets' counts summed), varint buckets, varint
///                hours from the oldest bucket to the newest: a window that holds the
///                whole series is answered without reading its buckets
/// buckets        newest first, until the series' end:
///   hour         varint: zigzag(hours since the epoch) for the first (newest), then
///                the distance in hours to the previous (newer) one, ≥ 1
///   offset       3 bytes little-endian: the newest event's ms into the hour
///   count        varint ≥ 1
///   sums         one per numeric key: varint zigzag(v) << 1 when the sum is an
///                integer v with |v| < 2^52 (not -0); else varint 1 and 8 bytes of the
///                double's bits, little-endian
/// ```
///
/// Readers walk it newest first without allocating (``Cursor``); writers unpack the one
/// series they change into a ``BehaviourSeries``, change it, and write it back sized
/// exactly, so the buffer keeps no capacity slack.
struct BehaviourLog: Sendable {
    /// Event names and property keys (as `.string`) and dimension values, each once.
    private(set) var symbols: [JSON] = []
    /// The series, in the order they were first recorded (format above).
    private(set) var bytes: [UInt8] = []
    /// Number of series.
    private(set) var count = 0
    /// No bucket's newest event is older than this (a lower bound, exact after a prune):
    /// lets ``prune(before:)`` return at once when nothing has expired.
    private var oldestBound: Int64 = .max
    /// The symbols' count when none was garbage (all referred to by some series): past
    /// twice as many, evictions have left too much.
    private var cleanSymbols = 0

    init() {}

    /// Packs `series` (at most one per name and dimensions).
    init(_ series: [BehaviourSeries]) {
        var packed: [UInt8] = []
        for s in series { packed += encode(s) }
        bytes = Packing.exact(packed)
        symbols = Packing.exact(symbols)
        count = series.count
        cleanSymbols = symbols.count
        // A series without buckets (only from stored bytes) goes at the next prune.
        oldestBound = series.lazy.map { $0.hours.first?.last ?? .min }.min() ?? .max
    }

    var isEmpty: Bool { count == 0 }

    /// Every series, unpacked (for the encoding, the export and tests: not a hot path).
    var all: [BehaviourSeries] {
        var result: [BehaviourSeries] = []
        result.reserveCapacity(count)
        var at = 0
        while let r = record(at: at) {
            result.append(unpack(r))
            at = r.end
        }
        return result
    }

    // MARK: Reading

    /// Where one series lies in ``bytes``.
    struct Record {
        /// Offset of the series (its length) in ``bytes``.
        var start: Int
        /// Index of the name in symbols.
        var name: Int
        /// Offset of the first dimension pair, and their number.
        var dimensions: Int
        var dimensionCount: Int
        /// Offset of the first numeric key, and their number.
        var numericKeys: Int
        var numericCount: Int
        /// Offset of the summary (below), the events and buckets in the series, and the
        /// hours from its oldest bucket to its newest.
        var summary: Int
        var total: Int
        var bucketCount: Int
        var span: Int64
        /// Offset of the newest bucket, and the end of the series.
        var buckets: Int
        var end: Int
    }

    /// The series that starts at `offset`, or nil at the end.
    func record(at offset: Int) -> Record? {
        guard offset < bytes.count else { return nil }
        var at = offset
        let length = varint(&at)
        let end = at + length
        let name = varint(&at)
        return header(start: offset, name: name, &at, end: end)
    }

    /// The rest of a series' header, from its dimensions on.
    @inline(__always)
    private func header(start: Int, name: Int, _ at: inout Int, end: Int) -> Record {
        let dimensionCount = varint(&at)
        let dimensions = at
        for _ in 0..<(2 * dimensionCount) { _ = varint(&at) }
        let numericCount = varint(&at)
        let numericKeys = at
        for _ in 0..<numericCount { _ = varint(&at) }
        let summary = at
        let total = varint(&at)
        let bucketCount = varint(&at)
        let span = Int64(varint(&at))
        return Record(
            start: start, name: name, dimensions: dimensions, dimensionCount: dimensionCount, numericKeys: numericKeys,
            numericCount: numericCount, summary: summary, total: total, bucketCount: bucketCount, span: span, buckets: at, end: end)
    }

    /// Which symbols a string is equal to (as `String` compares: canonical equivalence),
    /// found once per query so that series compare indexes, not strings.
    enum Match {
        case none
        case one(Int)
        /// Several symbols (canonically equivalent spellings): compare by string.
        case several(String)
    }

    func match(_ string: String) -> Match {
        var found = Match.none
        for (i, symbol) in symbols.enumerated() {
            guard case .string(let s) = symbol, s == string else { continue }
            if case .none = found { found = .one(i) } else { return .several(string) }
        }
        return found
    }

    @inline(__always)
    private func refers(_ ref: Int, to m: Match) -> Bool {
        switch m {
        case .none: return false
        case .one(let i): return ref == i
        case .several(let string):
            if case .string(let s) = symbols[ref] { return s == string }
            return false
        }
    }

    /// Calls `body` with each series named `name`, in order, until it returns false.
    func forEachSeries<E: Error>(named name: String, _ body: (Record) throws(E) -> Bool) throws(E) {
        let m = match(name)
        if case .none = m { return }
        var at = 0
        while at < bytes.count {
            let start = at
            let length = varint(&at)
            let end = at + length
            let name = varint(&at)
            if refers(name, to: m) {
                if !(try body(header(start: start, name: name, &at, end: end))) { return }
            }
            at = end
        }
    }

    /// The events, buckets and newest time of the series' buckets whose newest event is
    /// in `from...through`; nil when none is. One pass from the newest bucket that stops
    /// at the first older than `from`.
    func window(_ r: Record, from: Int64, through: Int64) -> (count: Int, buckets: Int, last: Int64)? {
        // The whole series inside the window (the oldest bucket's hour starts in it, the
        // newest event is not after it): its summary answers.
        var c = cursor(r)
        if let newest = next(&c), newest.last <= through, (newest.hour - r.span) * 3_600_000 >= from {
            return (r.total, r.bucketCount, newest.last)
        }
        var at = r.buckets
        var hour: Int64 = 0
        var first = true
        var (count, buckets, last) = (0, 0, Int64.min)
        while at < r.end {
            let h = UInt64(varint(&at))
            hour = first ? Int64(bitPattern: h >> 1) ^ -Int64(bitPattern: h & 1) : hour - Int64(h)
            first = false
            let time = hour * 3_600_000 + (Int64(bytes[at]) | Int64(bytes[at + 1]) << 8 | Int64(bytes[at + 2]) << 16)
            at += 3
            let n = varint(&at)
            for _ in 0..<r.numericCount { skipSum(&at) }
            if time < from { break }
            if time > through { continue }
            if buckets == 0 { last = time }
            count += n
            buckets += 1
        }
        return buckets == 0 ? nil : (count, buckets, last)
    }

    /// The series' name.
    func name(_ r: Record) -> String {
        if case .string(let s) = symbols[r.name] { return s }
        return ""
    }

    /// The value of dimension `key` (``match(_:)``), or nil when the series has none of
    /// that name.
    func dimension(_ r: Record, _ key: Match) -> JSON? {
        var at = r.dimensions
        for _ in 0..<r.dimensionCount {
            let k = varint(&at)
            let v = varint(&at)
            if refers(k, to: key) { return symbols[v] }
        }
        return nil
    }

    /// The index of numeric key `key` (``match(_:)``) in the series' sums, or nil.
    func numericIndex(_ r: Record, _ key: Match) -> Int? {
        var at = r.numericKeys
        for i in 0..<r.numericCount where refers(varint(&at), to: key) { return i }
        return nil
    }

    /// The series' numeric keys (allocates; only for series that have any).
    func numericKeys(_ r: Record) -> [String] {
        var keys: [String] = []
        keys.reserveCapacity(r.numericCount)
        var at = r.numericKeys
        for _ in 0..<r.numericCount {
            if case .string(let s) = symbols[varint(&at)] { keys.append(s) }
        }
        return keys
    }

    /// One bucket: its hour, the newest event's time, the event count, and where its
    /// sums start.
    struct Bucket {
        var hour: Int64
        var last: Int64
        var count: Int
        var sums: Int
    }

    /// Walks a series' buckets newest first.
    struct Cursor {
        var at: Int
        let end: Int
        let numericCount: Int
        var hour: Int64 = 0
        var first = true
    }

    func cursor(_ r: Record) -> Cursor { Cursor(at: r.buckets, end: r.end, numericCount: r.numericCount) }

    /// The next (older) bucket, or nil past the oldest.
    @inline(__always)
    func next(_ c: inout Cursor) -> Bucket? {
        guard c.at < c.end else { return nil }
        let h = UInt64(varint(&c.at))
        if c.first {
            c.hour = Int64(bitPattern: h >> 1) ^ -Int64(bitPattern: h & 1)
            c.first = false
        } else {
            c.hour -= Int64(h)
        }
        let offset = Int64(bytes[c.at]) | Int64(bytes[c.at + 1]) << 8 | Int64(bytes[c.at + 2]) << 16
        c.at += 3
        let count = varint(&c.at)
        let sums = c.at
        for _ in 0..<c.numericCount { skipSum(&c.at) }
        return Bucket(hour: c.hour, last: c.hour * 3_600_000 + offset, count: count, sums: sums)
    }

    /// The newest event's time in the series.
    func last(_ r: Record) -> Int64 {
        var c = cursor(r)
        return next(&c)?.last ?? .min
    }

    /// Sum number `k` of a bucket.
    func sum(_ b: Bucket, _ k: Int) -> Double {
        var at = b.sums
        for _ in 0..<k { skipSum(&at) }
        return readSum(&at)
    }

    /// The properties an event of bucket `b` is read back with: the dimensions, then each
    /// numeric key's mean over the bucket; null when there are none. Built on `template`
    /// (``template(_:)``) when given: only the values are new.
    func properties(_ r: Record, _ b: Bucket, template: JSONObject?) -> JSON {
        guard r.dimensionCount + r.numericCount > 0 else { return .null }
        if let template, r.numericCount == 0 { return .object(template) }
        var values: [JSON] = []
        values.reserveCapacity(r.dimensionCount + r.numericCount)
        var at = r.dimensions
        for _ in 0..<r.dimensionCount {
            _ = varint(&at)
            values.append(symbols[varint(&at)])
        }
        var s = b.sums
        for _ in 0..<r.numericCount { values.append(.number(readSum(&s) / Double(b.count))) }
        if let template { return .object(JSONObject(sharingKeysOf: template, values: values)) }
        var pairs: [(String, JSON)] = []
        var k = r.dimensions
        for i in 0..<r.dimensionCount {
            pairs.append((symbols[varint(&k)].stringValue ?? "", values[i]))
            _ = varint(&k)
        }
        k = r.numericKeys
        for i in 0..<r.numericCount { pairs.append((symbols[varint(&k)].stringValue ?? "", values[r.dimensionCount + i])) }
        return .object(JSONObject(pairs))
    }

    /// The shape of the series' read-back properties (dimensions, then numeric keys), for
    /// ``properties(_:_:template:)``; nil when there are none.
    func template(_ r: Record) -> JSONObject? {
        guard r.dimensionCount + r.numericCount > 0 else { return nil }
        var pairs: [(String, JSON)] = []
        var at = r.dimensions
        for _ in 0..<r.dimensionCount {
            let key = symbols[varint(&at)].stringValue ?? ""
            pairs.append((key, symbols[varint(&at)]))
        }
        at = r.numericKeys
        for _ in 0..<r.numericCount { pairs.append((symbols[varint(&at)].stringValue ?? "", .null)) }
        let object = JSONObject(pairs)
        // Keys are distinct by construction; anything else takes the general path.
        return object.count == pairs.count ? object : nil
    }

    // MARK: Changing

    /// What adding an event changes, computed without changing the log: the series the
    /// event is written into, as a log of that one series (``patch``, sharing this log's
    /// symbols, any new ones appended after them), which stored series it stands for and
    /// which one an eviction drops. ``add(_:maxSeries:)`` writes it in;
    /// ``BehaviourView`` reads the log through it (the request's event as an overlay).
    struct Change: Sendable {
        /// One series, its symbols this log's followed by any new ones.
        var patch: BehaviourLog
        /// The start of the stored series the patch replaces; nil when the event starts a
        /// new series, which goes after the stored ones.
        var replaced: Int?
        /// The start of the stored series a new one evicts (the least recent), or nil.
        var evicted: Int?
        /// The oldest bucket's newest event when the series was unpacked to add the event
        /// (the log's prune bound takes it); nil when only its newest bucket changed.
        var oldest: Int64?
    }

    /// The change ``add(_:maxSeries:)`` makes for `event`: into the series of its name and
    /// dimensions, else a new series, evicting the series whose newest event is oldest
    /// when a new one would exceed `maxSeries`.
    func change(adding event: HistoryEvent, maxSeries: Int) -> Change {
        let (dimensions, numbers) = BehaviourSeries.split(event.properties)
        var patch = BehaviourLog()
        patch.symbols = symbols
        patch.count = 1
        if let r = series(named: event.name, dimensions) {
            if let record = newestReplaced(r, time: event.time, numbers) {
                patch.bytes = record
                return Change(patch: patch, replaced: r.start)
            }
            var series = unpack(r)
            series.add(time: event.time, numbers: numbers)
            let record = patch.encode(series)
            patch.bytes = record
            return Change(patch: patch, replaced: r.start, oldest: series.hours.first?.last ?? .max)
        }
        var series = BehaviourSeries(name: event.name, dimensions: dimensions)
        series.add(time: event.time, numbers: numbers)
        let record = patch.encode(series)
        patch.bytes = record
        return Change(
            patch: patch, evicted: count >= maxSeries ? leastRecent()?.lowerBound : nil,
            oldest: series.hours.first?.last ?? .max)
    }

    /// Adds an event (``change(adding:maxSeries:)``).
    mutating func add(_ event: HistoryEvent, maxSeries: Int) {
        let change = change(adding: event, maxSeries: maxSeries)
        let record = change.patch.bytes
        symbols = change.patch.symbols
        if let oldest = change.oldest { oldestBound = min(oldestBound, oldest) }
        if let start = change.replaced {
            var at = start
            let end = varint(&at) + at
            bytes = Packing.splice(bytes, start..<end, record)
            return
        }
        guard let victim = change.evicted, let r = self.record(at: victim) else {
            bytes = Packing.splice(bytes, bytes.count..<bytes.count, record)
            count += 1
            cleanSymbols = symbols.count
            return
        }
        bytes = Packing.splice(bytes, victim..<r.end, [])
        bytes = Packing.splice(bytes, bytes.count..<bytes.count, record)
        // The evicted series may leave names and values nothing refers to: once they could
        // make up half the table, the log is packed afresh (amortised, and bounded).
        if symbols.count > 2 * cleanSymbols + 8 { self = BehaviourLog(all) }
    }

    /// The series named `name` with exactly `dimensions` (keys as `String`s compare,
    /// values as `JSON`), or nil. Keys and string values are looked up in the symbols once; the series then
    /// compare indexes.
    private func series(named name: String, _ dimensions: [BehaviourSeries.Property]) -> Record? {
        // Per dimension: its key's symbols, and its value's when a string (else compared
        // as JSON). A name or value no symbol spells is in no series.
        var wanted: [(key: Match, value: Match?)] = []
        wanted.reserveCapacity(dimensions.count)
        for d in dimensions {
            let key = match(d.key)
            if case .none = key { return nil }
            guard case .string(let s) = d.value else {
                wanted.append((key, nil))
                continue
            }
            let value = match(s)
            if case .none = value { return nil }
            wanted.append((key, value))
        }
        var found: Record? = nil
        forEachSeries(named: name) { r in
            guard r.dimensionCount == wanted.count else { return true }
            var at = r.dimensions
            for (i, w) in wanted.enumerated() {
                let k = varint(&at)
                let v = varint(&at)
                guard refers(k, to: w.key) else { return true }
                if let value = w.value {
                    guard refers(v, to: value) else { return true }
                } else if symbols[v] != dimensions[i].value {
                    return true
                }
            }
            found = r
            return false
        }
        return found
    }

    /// The bytes of the series whose newest event is oldest (the first such).
    private func leastRecent() -> Range<Int>? {
        var at = 0
        var victim: (range: Range<Int>, last: Int64)? = nil
        while let r = record(at: at) {
            let last = last(r)
            if victim.map({ last < $0.last }) ?? true { victim = (at..<r.end, last) }
            at = r.end
        }
        return victim?.range
    }

    /// The series `r` with an event added at or after its newest hour whose numeric keys
    /// it already sums — the common case, a user's latest event — by rewriting only the
    /// newest bucket (or writing a new one before it), with the arithmetic of
    /// ``BehaviourSeries/add(time:numbers:)``: the series' record, length first. Nil
    /// otherwise.
    private func newestReplaced(_ r: Record, time: Int64, _ numbers: [(String, Double)]) -> [UInt8]? {
        guard numbers.allSatisfy({ numericIndex(r, match($0.0)) != nil }) else { return nil }
        let hour = floorDiv(time, 3_600_000)
        let offset = time - hour * 3_600_000
        var c = cursor(r)
        guard let newest = next(&c), hour >= newest.hour else { return nil }
        let same = hour == newest.hour
        var bucket: [UInt8] = []
        Packing.appendSigned(&bucket, hour)
        let newOffset = same ? max(offset, newest.last - newest.hour * 3_600_000) : offset
        bucket.append(UInt8(truncatingIfNeeded: newOffset))
        bucket.append(UInt8(truncatingIfNeeded: newOffset >> 8))
        bucket.append(UInt8(truncatingIfNeeded: newOffset >> 16))
        Packing.append(&bucket, same ? (newest.count == Int(UInt32.max) ? newest.count : newest.count + 1) : 1)
        var old = newest.sums
        for k in 0..<r.numericCount {
            var sum = same ? readSum(&old) : 0
            for (key, value) in numbers where numericIndex(r, match(key)) == k { sum += value }
            Self.appendSum(&bucket, sum)
        }
        // The rest of the series: after the newest bucket when it is replaced; else all of
        // it, the old newest bucket's hour now a distance to the new one.
        var rest = c.at
        if !same {
            Packing.append(&bucket, Int(hour - newest.hour))
            rest = r.buckets
            _ = varint(&rest)
        }
        var summary: [UInt8] = []
        let counted = !same || newest.count != Int(UInt32.max)
        Packing.append(&summary, r.total + (counted ? 1 : 0))
        Packing.append(&summary, r.bucketCount + (same ? 0 : 1))
        Packing.append(&summary, Int(r.span + (hour - newest.hour)))
        var at = r.start
        _ = varint(&at) // the series' length; its header follows
        let length = (r.summary - at) + summary.count + bucket.count + (r.end - rest)
        var record: [UInt8] = []
        record.reserveCapacity(length + 3)
        Packing.append(&record, length)
        record += bytes[at..<r.summary]
        record += summary
        record += bucket
        record += bytes[rest..<r.end]
        return record
    }
    /// True when ``prune(before:)`` would drop nothing (no bucket's newest event is older
    /// than `cutoff`); false may be a false alarm (the bound is a lower one).
    func prunesNothing(before cutoff: Int64) -> Bool { oldestBound >= cutoff }

    /// Drops the buckets whose newest event is older than `cutoff`, and series left
    /// empty. Does nothing (and copies nothing) when no bucket has expired.
    mutating func prune(before cutoff: Int64) {
        guard oldestBound < cutoff else { return }
        var series = all
        var changed = false
        for i in series.indices where (series[i].hours.first?.last ?? .min) < cutoff {
            series[i].prune(before: cutoff)
            changed = true
        }
        if changed {
            series.removeAll { $0.hours.isEmpty }
            self = BehaviourLog(series)
        } else {
            oldestBound = series.lazy.map { $0.hours.first?.last ?? .min }.min() ?? .max
        }
    }

    private func unpack(_ r: Record) -> BehaviourSeries {
        var dimensions: [BehaviourSeries.Property] = []
        var at = r.dimensions
        for _ in 0..<r.dimensionCount {
            let key = symbols[varint(&at)].stringValue ?? ""
            dimensions.append(.init(key: key, value: symbols[varint(&at)]))
        }
        var s = BehaviourSeries(name: name(r), dimensions: dimensions)
        s.numericKeys = numericKeys(r)
        var c = cursor(r)
        var hours: [BehaviourSeries.Hour] = []
        var sums: [Double] = []
        while let b = next(&c) {
            hours.append(.init(hour: Int32(clamping: b.hour), count: UInt32(clamping: b.count), lastOffset: UInt32(b.last - b.hour * 3_600_000)))
            var at = b.sums
            for _ in 0..<r.numericCount { sums.append(readSum(&at)) }
        }
        // Stored newest first; the series keeps hours ascending.
        hours.reverse()
        let n = r.numericCount
        if n > 0 {
            var ascending: [Double] = []
            ascending.reserveCapacity(sums.count)
            for h in stride(from: hours.count - 1, through: 0, by: -1) { ascending += sums[(h * n)..<(h * n + n)] }
            sums = ascending
        }
        s.hours = hours
        s.sums = sums
        return s
    }

    /// The series' record, interning its names and values.
    private mutating func encode(_ s: BehaviourSeries) -> [UInt8] {
        var body: [UInt8] = []
        Packing.append(&body, intern(.string(s.name)))
        Packing.append(&body, s.dimensions.count)
        for d in s.dimensions {
            Packing.append(&body, intern(.string(d.key)))
            Packing.append(&body, intern(d.value))
        }
        Packing.append(&body, s.numericKeys.count)
        for k in s.numericKeys { Packing.append(&body, intern(.string(k))) }
        Packing.append(&body, s.hours.reduce(0) { $0 + Int($1.count) })
        Packing.append(&body, s.hours.count)
        Packing.append(&body, Int((s.hours.last?.hour ?? 0) - (s.hours.first?.hour ?? 0)))
        let n = s.numericKeys.count
        var newer: Int64? = nil
        for h in stride(from: s.hours.count - 1, through: 0, by: -1) {
            let hour = s.hours[h]
            let number = Int64(hour.hour)
            if let newer {
                Packing.append(&body, Int(newer - number))
            } else {
                Packing.appendSigned(&body, number)
            }
            newer = number
            body.append(UInt8(truncatingIfNeeded: hour.lastOffset))
            body.append(UInt8(truncatingIfNeeded: hour.lastOffset >> 8))
            body.append(UInt8(truncatingIfNeeded: hour.lastOffset >> 16))
            Packing.append(&body, Int(hour.count))
            for k in 0..<n { Self.appendSum(&body, s.sums[h * n + k]) }
        }
        var record: [UInt8] = []
        record.reserveCapacity(body.count + 3)
        Packing.append(&record, body.count)
        record += body
        return record
    }

    /// The index of `value` in symbols, appended (the array sized exactly) if new.
    private mutating func intern(_ value: JSON) -> Int {
        if let i = symbols.firstIndex(where: { Self.identical($0, value) }) { return i }
        var grown: [JSON] = []
        grown.reserveCapacity(symbols.count + 1)
        grown += symbols
        grown.append(value)
        symbols = grown
        return symbols.count - 1
    }

    /// Same bytes: strings compared by their UTF-8 (not by canonical equivalence), arrays
    /// and objects by their serialization, so a value reads back as it was recorded.
    private static func identical(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y && x.utf8.elementsEqual(y.utf8)
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string, _), (_, .string), (.null, _), (_, .null), (.bool, _), (_, .bool): return false
        default: return JSONSerializer.bytes(a) == JSONSerializer.bytes(b)
        }
    }

    // MARK: Numbers

    private static func appendSum(_ out: inout [UInt8], _ d: Double) {
        if d == d.rounded(), abs(d) < 0x1p52, !(d == 0 && d.sign == .minus) {
            let v = Int64(d)
            Packing.append(&out, Int(bitPattern: UInt((UInt64(bitPattern: (v << 1) ^ (v >> 63))) << 1)))
            return
        }
        Packing.append(&out, 1)
        var bits = d.bitPattern
        for _ in 0..<8 {
            out.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    @inline(__always)
    private func varint(_ at: inout Int) -> Int { Packing.varint(bytes, &at) }

    @inline(__always)
    private func skipSum(_ at: inout Int) {
        if varint(&at) == 1 { at += 8 }
    }

    private func readSum(_ at: inout Int) -> Double {
        let v = UInt64(UInt(bitPattern: varint(&at)))
        guard v == 1 else {
            let z = v >> 1
            return Double(Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1))
        }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
        at += 8
        return Double(bitPattern: bits)
    }
}

extension BehaviourLog: Equatable {
    /// Equal when they hold the same series in the same order (however the symbols were
    /// interned).
    static func == (a: BehaviourLog, b: BehaviourLog) -> Bool {
        a.count == b.count && (a.bytes == b.bytes && a.symbols == b.symbols || a.all == b.all)
    }
}
