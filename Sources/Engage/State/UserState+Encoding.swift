/// A user's state as bytes, for stores that keep one value per user (host callbacks,
/// key-value stores): compact, versioned, and read back with every count, string and
/// invariant checked, so bytes damaged or forged in the host's storage give an error,
/// never a trap or a state the engine cannot use.
///
/// Format v1 (all integers LEB128 varints; signed ones zigzag-encoded; strings as a
/// length and UTF-8 bytes; doubles as 8 little-endian bytes of their IEEE bits):
///
/// ```
/// "EGS" 0x01  newest
/// campaigns:     n × (id, clicks, dismissals, conversions)      tally = count, last if count > 0
/// ledgers:       n × (kind byte 1–4, name, total, recent: n × time (first absolute, then
///                     deltas ≥ 0), hours: n × (hour, count))
/// behaviour:     n × (name, dimensions: n × (key, JSON text), numeric keys: n × key,
///                     hours: n × (hour, count, last offset), sums: hours × keys doubles)
/// conversations: n × (channel, opened)
/// ```
extension UserState {
    /// The bytes' first four: "EGS" and the format version.
    public static let encodingMagic: [UInt8] = [0x45, 0x47, 0x53, 0x01]
    /// The largest encoding ``init(encoded:)`` reads.
    public static let maxEncodedBytes = 4 << 20

    /// The state as bytes (format v1).
    public func encoded() -> [UInt8] {
        var w = StateWriter()
        w.bytes.append(contentsOf: Self.encodingMagic)
        w.signed(newest == .min ? 0 : newest)
        w.unsigned(UInt64(campaigns.count))
        for c in campaigns {
            w.string(c.campaignID)
            for tally in [c.clicks, c.dismissals, c.conversions] {
                w.unsigned(UInt64(tally.count))
                if tally.count > 0 { w.signed(tally._last) }
            }
        }
        let ledgers = self.ledgers
        w.unsigned(UInt64(ledgers.count))
        for l in ledgers {
            switch l.scope {
            case .campaign(let s): w.bytes.append(1); w.string(s)
            case .tag(let s): w.bytes.append(2); w.string(s)
            case .channel(let s): w.bytes.append(3); w.string(s)
            case .purpose(let s): w.bytes.append(4); w.string(s)
            case .all: w.bytes.append(0); w.string("")
            }
            w.unsigned(UInt64(l.total))
            w.unsigned(UInt64(l.recent.count))
            var previous: Int64 = 0
            for (i, t) in l.recent.enumerated() {
                if i == 0 { w.signed(t) } else { w.unsigned(UInt64(bitPattern: t &- previous)) }
                previous = t
            }
            w.unsigned(UInt64(l.hours.count))
            for h in l.hours {
                w.signed(Int64(h.hour))
                w.unsigned(UInt64(h.count))
            }
        }
        let behaviour = self.behaviour
        w.unsigned(UInt64(behaviour.count))
        for s in behaviour {
            w.string(s.name)
            w.unsigned(UInt64(s.dimensions.count))
            for d in s.dimensions {
                w.string(d.key)
                w.text(JSONSerializer.bytes(d.value))
            }
            w.unsigned(UInt64(s.numericKeys.count))
            for k in s.numericKeys { w.string(k) }
            w.unsigned(UInt64(s.hours.count))
            for h in s.hours {
                w.signed(Int64(h.hour))
                w.unsigned(UInt64(h.count))
                w.unsigned(UInt64(h.lastOffset))
            }
            for d in s.sums { w.double(d) }
        }
        w.unsigned(UInt64(conversations.count))
        for c in conversations {
            w.string(c.channel)
            w.signed(c.opened)
        }
        return w.bytes
    }

    /// Reads bytes ``encoded()`` wrote; empty bytes are an empty state.
    ///
    /// - Throws: ``StateStoreError`` (`io`) naming what is wrong and at which byte, for
    ///   bytes that are truncated, of another format or version, over
    ///   ``maxEncodedBytes``, or that break an invariant of the state.
    public init(encoded bytes: [UInt8]) throws(StateStoreError) {
        self.init()
        if bytes.isEmpty { return }
        guard bytes.count <= Self.maxEncodedBytes else {
            throw StateStoreError(.io, "stored state: \(bytes.count) bytes (at most \(Self.maxEncodedBytes))")
        }
        var r = StateReader(bytes: bytes)
        guard bytes.count >= 4, Array(bytes[0..<3]) == Array(Self.encodingMagic[0..<3]) else {
            throw StateStoreError(.io, "stored state: not libengage user state (no \"EGS\" header)")
        }
        guard bytes[3] == Self.encodingMagic[3] else {
            throw StateStoreError(.io, "stored state: format version \(bytes[3]) is not supported (this build reads \(Self.encodingMagic[3]))")
        }
        r.offset = 4
        let time = StateLimits.times
        let t0 = try r.signed(in: time, "newest")
        var hasRecords = false

        for _ in 0..<(try r.count("campaigns")) {
            var c = CampaignActivity(campaignID: try r.string("campaign id"))
            func tally(_ what: String) throws(StateStoreError) -> CampaignActivity.Tally {
                var t = CampaignActivity.Tally()
                t.count = UInt32(try r.unsigned(max: UInt64(UInt32.max), what))
                if t.count > 0 { t._last = try r.signed(in: time, what) }
                return t
            }
            c.clicks = try tally("clicks")
            c.dismissals = try tally("dismissals")
            c.conversions = try tally("conversions")
            if campaigns.contains(where: { $0.campaignID == c.campaignID }) { throw r.problem("campaign \"\(c.campaignID)\" twice") }
            campaigns.append(c)
            hasRecords = true
        }

        var ledgers: [ImpressionLedger] = []
        for _ in 0..<(try r.count("ledgers")) {
            let kind = try r.byte("scope kind")
            let name = try r.string("scope name")
            let scope: CapScope
            switch kind {
            case 1: scope = .campaign(name)
            case 2: scope = .tag(name)
            case 3: scope = .channel(name)
            case 4: scope = .purpose(name)
            default: throw r.problem("unknown scope kind \(kind)")
            }
            if ledgers.contains(where: { $0.scope == scope }) { throw r.problem("scope \(scope) twice") }
            var l = ImpressionLedger(scope: scope)
            l.total = Int(try r.unsigned(max: UInt64(Int.max), "total"))
            var previous: Int64 = 0
            for i in 0..<(try r.count("recent impressions")) {
                let t =
                    i == 0
                    ? try r.signed(in: time, "impression time")
                    : previous &+ Int64(clamping: try r.unsigned(max: UInt64(1) << 49, "impression time"))
                guard time.contains(t) else { throw r.problem("impression time out of range") }
                l.recent.append(t)
                previous = t
            }
            var lastHour = Int64.min
            for _ in 0..<(try r.count("impression hours")) {
                let hour = try r.signed(in: Int64(Int32.min)...Int64(Int32.max), "hour")
                guard hour > lastHour else { throw r.problem("impression hours out of order") }
                lastHour = hour
                let n = try r.unsigned(max: UInt64(UInt32.max), "hour count")
                l.hours.append(.init(hour: Int32(hour), count: UInt32(n)))
            }
            ledgers.append(l)
            hasRecords = true
        }
        ledgerLog = ImpressionLedgers(ledgers)

        var behaviour: [BehaviourSeries] = []
        for _ in 0..<(try r.count("behaviour series")) {
            let name = try r.string("event name")
            var dimensions: [BehaviourSeries.Property] = []
            for _ in 0..<(try r.count("dimensions")) {
                let key = try r.key("dimension key")
                let text = try r.text("dimension value")
                let value: JSON
                do throws(JSONParseError) {
                    value = try JSONParser.parse(text, limits: JSONLimits(maxDepth: 64, maxBytes: text.count + 1))
                } catch {
                    throw r.problem("dimension \"\(key)\": \(error)")
                }
                dimensions.append(.init(key: key, value: value))
            }
            var s = BehaviourSeries(name: name, dimensions: dimensions)
            for _ in 0..<(try r.count("numeric keys")) { s.numericKeys.append(try r.key("numeric key")) }
            guard s.dimensions.count + s.numericKeys.count <= StateLimits.maxEventProperties else {
                throw r.problem("more than \(StateLimits.maxEventProperties) properties in series \"\(name)\"")
            }
            var lastHour = Int64.min
            for _ in 0..<(try r.count("behaviour hours")) {
                let hour = try r.signed(in: Int64(Int32.min)...Int64(Int32.max), "hour")
                guard hour > lastHour else { throw r.problem("behaviour hours out of order") }
                lastHour = hour
                let n = try r.unsigned(max: UInt64(UInt32.max), "hour count")
                let offset = try r.unsigned(max: 3_599_999, "last offset")
                s.hours.append(.init(hour: Int32(hour), count: UInt32(n), lastOffset: UInt32(offset)))
            }
            let (sums, overflow) = s.hours.count.multipliedReportingOverflow(by: s.numericKeys.count)
            guard !overflow, sums <= r.remaining / 8 else { throw r.problem("truncated sums") }
            s.sums.reserveCapacity(sums)
            for _ in 0..<sums { s.sums.append(try r.double("sum")) }
            if behaviour.contains(where: { $0.matches(name: s.name, dimensions: s.dimensions) }) {
                throw r.problem("series \"\(name)\" twice")
            }
            behaviour.append(s)
            hasRecords = true
        }
        behaviourLog = BehaviourLog(behaviour)

        for _ in 0..<(try r.count("conversations")) {
            let channel = try r.string("channel")
            if conversations.contains(where: { $0.channel == channel }) { throw r.problem("conversation on \(channel) twice") }
            conversations.append(ConversationWindow(channel: channel, opened: try r.signed(in: time, "opened")))
            hasRecords = true
        }
        guard r.remaining == 0 else { throw r.problem("\(r.remaining) bytes after the state") }
        newest = hasRecords || t0 != 0 ? t0 : .min
    }
}

private struct StateWriter {
    var bytes: [UInt8] = []

    mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func string(_ s: String) { text(Array(s.utf8)) }

    mutating func text(_ t: [UInt8]) {
        unsigned(UInt64(t.count))
        bytes.append(contentsOf: t)
    }

    mutating func double(_ d: Double) {
        var bits = d.bitPattern
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }
}

private struct StateReader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    func problem(_ what: String) -> StateStoreError {
        StateStoreError(.io, "stored state at byte \(offset): \(what)")
    }

    mutating func byte(_ what: String) throws(StateStoreError) -> UInt8 {
        guard offset < bytes.count else { throw problem("truncated (\(what))") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func unsigned(max: UInt64, _ what: String) throws(StateStoreError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte(what)
            guard shift < 64, shift < 63 || b & 0x7F <= 1 else { throw problem("\(what): varint too long") }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { break }
            shift += 7
        }
        guard value <= max else { throw problem("\(what): \(value) is over \(max)") }
        return value
    }

    mutating func signed(in range: ClosedRange<Int64>, _ what: String) throws(StateStoreError) -> Int64 {
        let u = try unsigned(max: .max, what)
        let v = Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
        guard range.contains(v) else { throw problem("\(what): \(v) is out of range") }
        return v
    }

    /// A count of items that each take at least one byte: never more than what is left.
    mutating func count(_ what: String) throws(StateStoreError) -> Int {
        let n = try unsigned(max: .max, "number of \(what)")
        guard n <= UInt64(remaining) else { throw problem("number of \(what): \(n), only \(remaining) bytes left") }
        return Int(n)
    }

    mutating func text(_ what: String) throws(StateStoreError) -> [UInt8] {
        let length = try unsigned(max: .max, "\(what) length")
        // Checked once the length itself is read: only what follows it can hold the text.
        guard length <= UInt64(remaining) else { throw problem("\(what): \(length) bytes, only \(remaining) left") }
        let n = Int(length)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    mutating func string(_ what: String) throws(StateStoreError) -> String {
        let t = try text(what)
        guard !t.isEmpty, t.count <= StateLimits.maxNameBytes, let s = String(validating: t, as: UTF8.self) else {
            throw problem("\(what): expected 1–\(StateLimits.maxNameBytes) bytes of UTF-8")
        }
        return s
    }

    /// A property key: any UTF-8, empty included.
    mutating func key(_ what: String) throws(StateStoreError) -> String {
        guard let s = String(validating: try text(what), as: UTF8.self) else { throw problem("\(what): not UTF-8") }
        return s
    }

    mutating func double(_ what: String) throws(StateStoreError) -> Double {
        guard remaining >= 8 else { throw problem("truncated (\(what))") }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return Double(bitPattern: bits)
    }
}
