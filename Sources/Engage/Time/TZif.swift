// A reader for TZif files (RFC 8536, versions 1 to 4), the format of the system's
// zoneinfo database.
//
// Layout: a 44-byte header (magic "TZif", version, six big-endian 32-bit counts), a data
// block with 32-bit transition times; for version 2 and later a second header and data
// block with 64-bit times, then a footer `\n<POSIX TZ string>\n` that governs instants
// after the last transition. We read the 64-bit block when there is one and the 32-bit
// block only for version-1 files.
//
// Every count comes from the file, so every size is computed with overflow checks and
// compared with the bytes actually present before anything is read.

/// One local time type (`ttinfo`) of a zone.
struct LocalTimeType: Sendable, Hashable {
    var utcOffset: Int32
    var isDST: Bool
    var abbreviation: String
}

enum TZif {
    /// Parses a whole TZif file into zone data.
    static func parse(_ bytes: [UInt8], zone: String) throws(TimeZoneError) -> ZoneData {
        var r = ByteReader(bytes: bytes, zone: zone)
        let first = try r.header()
        if first.version == 0 {
            let block = try r.dataBlock(first, timeSize: 4)
            guard r.atEnd else { throw r.fail("unexpected bytes after the version-1 data block") }
            return try ZoneData(zone: zone, block: block, footer: nil)
        }
        // Skip the 32-bit block; version 2+ readers use the 64-bit one.
        try r.skip(try first.blockSize(timeSize: 4, r))
        let second = try r.header()
        let block = try r.dataBlock(second, timeSize: 8)
        let footer = try r.footer()
        guard r.atEnd else { throw r.fail("unexpected bytes after the footer") }
        let rule: PosixTZRule? =
            try footer.isEmpty
            ? nil : PosixTZRule.parse(footer, zone: zone, code: .malformed)
        return try ZoneData(zone: zone, block: block, footer: rule)
    }

    struct Header {
        var version: UInt8
        var isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt: Int

        /// Size in bytes of the data block that follows this header.
        func blockSize(timeSize: Int, _ r: ByteReader) throws(TimeZoneError) -> Int {
            // Each term is at most 2^32 * 12; the sum cannot overflow Int64, but the
            // arithmetic is checked anyway so a future change cannot make it trap.
            let terms: [(Int, Int)] = [
                (timecnt, timeSize), (timecnt, 1), (typecnt, 6), (charcnt, 1),
                (leapcnt, timeSize + 4), (isstdcnt, 1), (isutcnt, 1),
            ]
            var total = 0
            for (count, size) in terms {
                let (product, o1) = count.multipliedReportingOverflow(by: size)
                let (sum, o2) = total.addingReportingOverflow(product)
                guard !o1, !o2 else { throw r.fail("data block size overflows") }
                total = sum
            }
            return total
        }
    }

    struct Block {
        var transitions: [Int64]
        var transitionTypes: [UInt8]
        var types: [LocalTimeType]
    }
}

/// A bounds-checked big-endian cursor over the file.
struct ByteReader {
    let bytes: [UInt8]
    let zone: String
    var position = 0

    init(bytes: [UInt8], zone: String) {
        self.bytes = bytes
        self.zone = zone
    }

    var atEnd: Bool { position == bytes.count }
    var remaining: Int { bytes.count - position }

    func fail(_ what: String) -> TimeZoneError {
        TimeZoneError(.malformed, zone: zone, "TZif offset \(position): \(what)")
    }

    mutating func need(_ n: Int, _ what: String) throws(TimeZoneError) {
        guard n >= 0, n <= remaining else {
            throw fail("truncated: \(what) needs \(n) bytes, \(remaining) left")
        }
    }

    mutating func skip(_ n: Int) throws(TimeZoneError) {
        try need(n, "data block")
        position += n
    }

    mutating func u8() -> UInt8 {
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u32() -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 { v = v << 8 | UInt32(u8()) }
        return v
    }

    mutating func i64() -> Int64 {
        var v: UInt64 = 0
        for _ in 0..<8 { v = v << 8 | UInt64(u8()) }
        return Int64(bitPattern: v)
    }

    mutating func header() throws(TimeZoneError) -> TZif.Header {
        try need(44, "header")
        guard bytes[position] == 0x54, bytes[position + 1] == 0x5A,
            bytes[position + 2] == 0x69, bytes[position + 3] == 0x66
        else { throw fail("bad magic (expected \"TZif\")") }
        position += 4
        let version = u8()
        guard version == 0 || (version >= UInt8(ascii: "2") && version <= UInt8(ascii: "4")) else {
            throw fail("unknown version byte \(version)")
        }
        position += 15
        var counts: [Int] = []
        for _ in 0..<6 { counts.append(Int(u32())) }
        let h = TZif.Header(
            version: version == 0 ? 0 : version - UInt8(ascii: "0"),
            isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2],
            timecnt: counts[3], typecnt: counts[4], charcnt: counts[5])
        guard h.typecnt >= 1, h.typecnt <= 256 else { throw fail("typecnt \(h.typecnt) not in 1...256") }
        guard h.charcnt >= 1 else { throw fail("charcnt is zero") }
        guard h.isutcnt == 0 || h.isutcnt == h.typecnt else { throw fail("isutcnt must be 0 or typecnt") }
        guard h.isstdcnt == 0 || h.isstdcnt == h.typecnt else { throw fail("isstdcnt must be 0 or typecnt") }
        return h
    }

    mutating func dataBlock(_ h: TZif.Header, timeSize: Int) throws(TimeZoneError) -> TZif.Block {
        try need(try h.blockSize(timeSize: timeSize, self), "data block")
        // Leap-second ("right/") zones count TAI-like seconds; decisions run on POSIX time.
        guard h.leapcnt == 0 else {
            throw TimeZoneError(.unsupported, zone: zone, "leap-second zones (right/...) are not supported")
        }
        var transitions: [Int64] = []
        transitions.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            let t = timeSize == 8 ? i64() : Int64(Int32(bitPattern: u32()))
            if let last = transitions.last, t <= last {
                throw fail("transition times are not strictly ascending")
            }
            transitions.append(t)
        }
        var transitionTypes: [UInt8] = []
        transitionTypes.reserveCapacity(h.timecnt)
        for _ in 0..<h.timecnt {
            let index = u8()
            guard Int(index) < h.typecnt else { throw fail("transition type index \(index) ≥ typecnt \(h.typecnt)") }
            transitionTypes.append(index)
        }
        var raw: [(offset: Int32, isDST: Bool, designation: Int)] = []
        for _ in 0..<h.typecnt {
            let offset = Int32(bitPattern: u32())
            let dst = u8()
            let designation = Int(u8())
            guard abs(Int64(offset)) <= PosixTZRule.maxOffset else { throw fail("UTC offset \(offset) out of range") }
            guard dst <= 1 else { throw fail("isdst must be 0 or 1") }
            guard designation < h.charcnt else { throw fail("designation index out of range") }
            raw.append((offset, dst == 1, designation))
        }
        let chars = Array(bytes[position..<(position + h.charcnt)])
        position += h.charcnt
        var types: [LocalTimeType] = []
        for t in raw {
            guard let nul = chars[t.designation...].firstIndex(of: 0) else {
                throw fail("time zone designation is not NUL-terminated")
            }
            let name = String(decoding: chars[t.designation..<nul], as: UTF8.self)
            types.append(LocalTimeType(utcOffset: t.offset, isDST: t.isDST, abbreviation: name))
        }
        // leapcnt is 0 here. Standard/wall and UT/local indicators only matter for
        // POSIX-style TZ defaults; check they are booleans and move on.
        for _ in 0..<(h.isstdcnt + h.isutcnt) {
            guard u8() <= 1 else { throw fail("standard/UT indicator must be 0 or 1") }
        }
        return TZif.Block(transitions: transitions, transitionTypes: transitionTypes, types: types)
    }

    mutating func footer() throws(TimeZoneError) -> ArraySlice<UInt8> {
        try need(1, "footer")
        guard u8() == 0x0A else { throw fail("footer must start with a newline") }
        let start = position
        let limit = min(bytes.count, start + PosixTZRule.maxLength + 1)
        guard let nl = bytes[start..<limit].firstIndex(of: 0x0A) else {
            throw fail("footer TZ string is unterminated or longer than \(PosixTZRule.maxLength) bytes")
        }
        position = nl + 1
        return bytes[start..<nl]
    }
}
