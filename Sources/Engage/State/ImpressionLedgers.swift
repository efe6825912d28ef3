/// A user's impression ledgers (``ImpressionLedger``) packed: the scopes in one array
/// and every ledger's total, folded hours and exact times in one byte buffer, sized
/// exactly. Counts, times and totals are exactly those of the ledgers; only the layout
/// changes (a week of impressions in ~200 bytes instead of two arrays per scope).
///
/// Layout of `bytes`: one ledger per scope, in the order of `scopes`, each as
///
/// ```
/// length     varint: bytes that follow in this ledger
/// total      varint
/// recent     varint n
/// hours      varint n, then n × (hour, count), ascending: the first hour as
///            zigzag(hours since the epoch), then the distance to the previous, ≥ 1
/// recent     n × time, ascending: the first as zigzag(ms), then the distance, ≥ 0
/// ```
///
/// Cap checks read a ledger in place (``count(_:in:)``); a change unpacks the one
/// ledger it touches, changes it and writes it back.
struct ImpressionLedgers: Sendable {
    /// The scope of each ledger.
    private(set) var scopes: [CapScope] = []
    /// The ledgers (format above).
    private(set) var bytes: [UInt8] = []

    init() {}

    /// Packs `ledgers` (one per scope).
    init(_ ledgers: [ImpressionLedger]) {
        var packed: [UInt8] = []
        for l in ledgers { packed += Self.encode(l) }
        bytes = Packing.exact(packed)
        scopes = Packing.exact(ledgers.map(\.scope))
    }

    var isEmpty: Bool { scopes.isEmpty }

    /// Every ledger, unpacked (for the encoding, the export and tests: not a hot path).
    var all: [ImpressionLedger] {
        var result: [ImpressionLedger] = []
        result.reserveCapacity(scopes.count)
        var at = 0
        for scope in scopes {
            let end = ledgerEnd(&at)
            result.append(unpack(scope, at, end))
            at = end
        }
        return result
    }

    /// The ledger of `scope`, unpacked, or nil.
    func ledger(for scope: CapScope) -> ImpressionLedger? {
        guard let i = scopes.firstIndex(of: scope) else { return nil }
        var at = offset(of: i)
        let end = ledgerEnd(&at)
        return unpack(scope, at, end)
    }

    // MARK: Reading

    /// The offset of ledger `i`'s length.
    private func offset(of i: Int) -> Int {
        var at = 0
        for _ in 0..<i { at = ledgerEnd(&at) }
        return at
    }

    /// Reads a ledger's length at `at` (moving past it) and returns its end.
    private func ledgerEnd(_ at: inout Int) -> Int {
        let length = Packing.varint(bytes, &at)
        return at + length
    }

    /// Impressions in ledger `i` with a time in `range` (its lifetime total when the range
    /// covers all time): ``ImpressionLedger/count(in:)`` on the packed form.
    func count(_ i: Int, in range: Range<Int64>) -> Int {
        var at = offset(of: i)
        _ = ledgerEnd(&at)
        let total = Packing.varint(bytes, &at)
        if range.lowerBound == .min, range.upperBound == .max { return total }
        let recentCount = Packing.varint(bytes, &at)
        let hourCount = Packing.varint(bytes, &at)
        let hours = at
        for _ in 0..<(2 * hourCount) { _ = Packing.varint(bytes, &at) }
        var n = 0
        var t: Int64 = 0
        var ceiling: Int64? = nil
        for k in 0..<recentCount {
            t = k == 0 ? Packing.signed(bytes, &at) : t &+ Int64(Packing.varint(bytes, &at))
            if k == 0 { ceiling = t }
            if t >= range.lowerBound, t < range.upperBound { n += 1 }
        }
        // Folded impressions are no newer than the oldest exact one.
        guard let ceiling, ceiling >= range.lowerBound else { return n }
        at = hours
        var hour: Int64 = 0
        for k in 0..<hourCount {
            hour = k == 0 ? Packing.signed(bytes, &at) : hour + Int64(Packing.varint(bytes, &at))
            let count = Packing.varint(bytes, &at)
            let start = hour * 3_600_000
            let end = min(start + 3_600_000, ceiling + 1) // exclusive
            if end > range.lowerBound, start < range.upperBound { n += count }
        }
        return n
    }

    /// The newest exact time of ledger `i` that is at most `through`, or nil.
    func last(_ i: Int, through: Int64) -> Int64? {
        var at = offset(of: i)
        _ = ledgerEnd(&at)
        _ = Packing.varint(bytes, &at) // total
        let recentCount = Packing.varint(bytes, &at)
        let hourCount = Packing.varint(bytes, &at)
        for _ in 0..<(2 * hourCount) { _ = Packing.varint(bytes, &at) }
        var t: Int64 = 0
        var found: Int64? = nil
        for k in 0..<recentCount {
            t = k == 0 ? Packing.signed(bytes, &at) : t &+ Int64(Packing.varint(bytes, &at))
            if t <= through { found = t } else { break }
        }
        return found
    }

    // MARK: Changing

    /// Records an impression in `scope`; a new scope beyond `maxScopes` evicts the one
    /// whose last impression is oldest.
    mutating func add(_ scope: CapScope, _ time: Int64, capacity: Int, maxScopes: Int) {
        if let i = scopes.firstIndex(of: scope) {
            var at = offset(of: i)
            let end = ledgerEnd(&at)
            var ledger = unpack(scope, at, end)
            ledger.add(time, capacity: capacity)
            replace(i, with: ledger)
            return
        }
        var ledgers = all
        if ledgers.count >= maxScopes {
            // Drop the scope whose last impression is oldest.
            if let victim = ledgers.indices.min(by: { (ledgers[$0].last ?? .min) < (ledgers[$1].last ?? .min) }) {
                ledgers.remove(at: victim)
            }
        }
        var ledger = ImpressionLedger(scope: scope)
        ledger.add(time, capacity: capacity)
        ledgers.append(ledger)
        self = ImpressionLedgers(ledgers)
    }

    /// Drops impressions older than `cutoff`, then the ledgers left with nothing that
    /// are not `keepIdle` (campaign ledgers keep their lifetime totals). Copies nothing
    /// when nothing changes.
    mutating func prune(before cutoff: Int64, keepIdle: (CapScope) -> Bool) {
        guard needsPrune(before: cutoff, keepIdle: keepIdle) else { return }
        var kept = all
        for i in kept.indices { kept[i].prune(before: cutoff) }
        kept.removeAll { $0.isIdle && !keepIdle($0.scope) }
        self = ImpressionLedgers(kept)
    }

    /// True when ``prune(before:keepIdle:)`` would change something: a folded hour or an
    /// exact time older than `cutoff` (``ImpressionLedger/holdsTimes(before:)``), or an
    /// idle ledger that is not kept. Reads the packed form in place.
    private func needsPrune(before cutoff: Int64, keepIdle: (CapScope) -> Bool) -> Bool {
        var at = 0
        for scope in scopes {
            let end = ledgerEnd(&at)
            _ = Packing.varint(bytes, &at) // total
            let recentCount = Packing.varint(bytes, &at)
            let hourCount = Packing.varint(bytes, &at)
            if hourCount == 0, recentCount == 0, !keepIdle(scope) { return true }
            for k in 0..<hourCount {
                if k == 0 {
                    if Packing.signed(bytes, &at) * 3_600_000 + 3_600_000 <= cutoff { return true }
                } else {
                    _ = Packing.varint(bytes, &at)
                }
                _ = Packing.varint(bytes, &at) // count
            }
            if recentCount > 0, Packing.signed(bytes, &at) < cutoff { return true }
            at = end
        }
        return false
    }

    private mutating func replace(_ i: Int, with ledger: ImpressionLedger) {
        let start = offset(of: i)
        var at = start
        let end = ledgerEnd(&at)
        bytes = Packing.splice(bytes, start..<end, Self.encode(ledger))
    }

    private func unpack(_ scope: CapScope, _ start: Int, _ end: Int) -> ImpressionLedger {
        var at = start
        var l = ImpressionLedger(scope: scope)
        l.total = Packing.varint(bytes, &at)
        let recentCount = Packing.varint(bytes, &at)
        let hourCount = Packing.varint(bytes, &at)
        var hour: Int64 = 0
        l.hours.reserveCapacity(hourCount)
        for k in 0..<hourCount {
            hour = k == 0 ? Packing.signed(bytes, &at) : hour + Int64(Packing.varint(bytes, &at))
            l.hours.append(.init(hour: Int32(clamping: hour), count: UInt32(clamping: Packing.varint(bytes, &at))))
        }
        var t: Int64 = 0
        l.recent.reserveCapacity(recentCount)
        for k in 0..<recentCount {
            t = k == 0 ? Packing.signed(bytes, &at) : t &+ Int64(Packing.varint(bytes, &at))
            l.recent.append(t)
        }
        return l
    }

    private static func encode(_ l: ImpressionLedger) -> [UInt8] {
        var body: [UInt8] = []
        Packing.append(&body, l.total)
        Packing.append(&body, l.recent.count)
        Packing.append(&body, l.hours.count)
        var previous: Int64? = nil
        for h in l.hours {
            let hour = Int64(h.hour)
            if let previous { Packing.append(&body, Int(hour - previous)) } else { Packing.appendSigned(&body, hour) }
            previous = hour
            Packing.append(&body, Int(h.count))
        }
        var before: Int64? = nil
        for t in l.recent {
            if let before { Packing.append(&body, Int(t &- before)) } else { Packing.appendSigned(&body, t) }
            before = t
        }
        var ledger: [UInt8] = []
        ledger.reserveCapacity(body.count + 2)
        Packing.append(&ledger, body.count)
        ledger += body
        return ledger
    }
}

extension ImpressionLedgers: Equatable {
    static func == (a: ImpressionLedgers, b: ImpressionLedgers) -> Bool {
        a.scopes == b.scopes && a.bytes == b.bytes
    }
}

/// Varints and exactly sized arrays, for the packed state.
enum Packing {
    /// A copy of `a` whose capacity is its count.
    static func exact<T>(_ a: [T]) -> [T] {
        var copy: [T] = []
        copy.reserveCapacity(a.count)
        copy += a
        return copy
    }

    /// `bytes` with `range` replaced by `new`, in a buffer of exactly the size needed.
    static func splice(_ bytes: [UInt8], _ range: Range<Int>, _ new: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count - range.count + new.count)
        result += bytes[..<range.lowerBound]
        result += new
        result += bytes[range.upperBound...]
        return result
    }

    /// Appends a non-negative `value` (or any, as its bit pattern) as a LEB128 varint.
    static func append(_ out: inout [UInt8], _ value: Int) {
        var v = UInt(bitPattern: value)
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// Appends a signed value zigzag-encoded.
    static func appendSigned(_ out: inout [UInt8], _ value: Int64) {
        append(&out, Int(bitPattern: UInt(UInt64(bitPattern: (value << 1) ^ (value >> 63)))))
    }

    /// Reads a varint at `at` (bytes the packed state wrote itself).
    @inline(__always)
    static func varint(_ bytes: [UInt8], _ at: inout Int) -> Int {
        let first = bytes[at]
        if first < 0x80 {
            at += 1
            return Int(first)
        }
        return longVarint(bytes, &at)
    }

    private static func longVarint(_ bytes: [UInt8], _ at: inout Int) -> Int {
        var value: UInt = 0
        var shift: UInt = 0
        while true {
            let b = bytes[at]
            at += 1
            value |= UInt(b & 0x7F) << shift
            if b & 0x80 == 0 { return Int(bitPattern: value) }
            shift += 7
        }
    }

    /// Reads a zigzag-encoded signed varint.
    @inline(__always)
    static func signed(_ bytes: [UInt8], _ at: inout Int) -> Int64 {
        let u = UInt64(UInt(bitPattern: varint(bytes, &at)))
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }
}
