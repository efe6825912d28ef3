/// Writes ``JSON`` values as RFC 8259 text (UTF-8).
///
/// - Integral numbers with magnitude up to 2^53 are written as integers (`3`, not
///   `3.0`); every other number in the shortest form that reads back to the same
///   double (`0.1`, `1e+20`). Negative zero is written as `0`.
/// - Strings escape `"`, `\` and the control characters U+0000–U+001F (the short
///   forms `\n`, `\t`, ... where JSON has them); everything else is written as UTF-8.
/// - Object members keep their order.
///
/// Work and output are linear in the size of the value; recursion depth equals the
/// value's nesting, which parsing and evaluation bound.
public enum JSONSerializer {
    /// The compact text of `value` as bytes.
    public static func bytes(_ value: JSON, pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(value, into: &out, pretty: pretty)
        return out
    }

    /// The text of `value`, or nil when it is longer than `maxBytes`.
    ///
    /// Values an evaluation builds can share subvalues (a `map` returning the same large
    /// array for every element), so a small value in memory can be enormous as text;
    /// hosts that print results use this to stop early. Work is O(maxBytes).
    public static func bytes(_ value: JSON, pretty: Bool = false, maxBytes: Int) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        let limit = max(0, maxBytes)
        if pretty {
            writePretty(value, into: &out, indent: 0, limit: limit)
        } else {
            writeCompact(value, into: &out, limit: limit)
        }
        return out.count > limit ? nil : out
    }

    /// The compact text of `value`.
    public static func string(_ value: JSON, pretty: Bool = false) -> String {
        String(decoding: bytes(value, pretty: pretty), as: UTF8.self)
    }

    /// Appends the text of `value` to `out`.
    public static func write(_ value: JSON, into out: inout [UInt8], pretty: Bool = false) {
        if pretty {
            writePretty(value, into: &out, indent: 0, limit: Int.max)
        } else {
            writeCompact(value, into: &out, limit: Int.max)
        }
    }

    /// Writing stops soon after `out` grows past `limit`.
    private static func writeCompact(_ value: JSON, into out: inout [UInt8], limit: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d): writeNumber(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(0x5B)
            for (i, v) in a.enumerated() {
                if out.count > limit { return }
                if i > 0 { out.append(0x2C) }
                writeCompact(v, into: &out, limit: limit)
            }
            out.append(0x5D)
        case .object(let o):
            out.append(0x7B)
            var first = true
            for (k, v) in o {
                if out.count > limit { return }
                if !first { out.append(0x2C) }
                first = false
                writeString(k, into: &out)
                out.append(0x3A)
                writeCompact(v, into: &out, limit: limit)
            }
            out.append(0x7D)
        }
    }

    private static func writePretty(_ value: JSON, into out: inout [UInt8], indent: Int, limit: Int) {
        func newline(_ level: Int) {
            out.append(0x0A)
            for _ in 0..<level { out.append(contentsOf: [0x20, 0x20]) }
        }
        switch value {
        case .array(let a) where !a.isEmpty:
            out.append(0x5B)
            for (i, v) in a.enumerated() {
                if out.count > limit { return }
                if i > 0 { out.append(0x2C) }
                newline(indent + 1)
                writePretty(v, into: &out, indent: indent + 1, limit: limit)
            }
            newline(indent)
            out.append(0x5D)
        case .object(let o) where !o.isEmpty:
            out.append(0x7B)
            var first = true
            for (k, v) in o {
                if out.count > limit { return }
                if !first { out.append(0x2C) }
                first = false
                newline(indent + 1)
                writeString(k, into: &out)
                out.append(contentsOf: [0x3A, 0x20])
                writePretty(v, into: &out, indent: indent + 1, limit: limit)
            }
            newline(indent)
            out.append(0x7D)
        default:
            writeCompact(value, into: &out, limit: limit)
        }
    }

    /// Appends the shortest round-tripping text of a finite double.
    static func writeNumber(_ d: Double, into out: inout [UInt8]) {
        if d == d.rounded(.towardZero), abs(d) <= 9_007_199_254_740_992 {
            writeInteger(Int64(d), into: &out)
            return
        }
        guard d.isFinite else {
            // Values never hold non-finite numbers; write null rather than invalid JSON.
            out.append(contentsOf: "null".utf8)
            return
        }
        out.append(contentsOf: d.description.utf8)
    }

    static func writeInteger(_ value: Int64, into out: inout [UInt8]) {
        if value == 0 {
            out.append(0x30)
            return
        }
        var v = value.magnitude
        if value < 0 { out.append(0x2D) }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0, n < 20 {
                buf[19 - n] = UInt8(v % 10) + 0x30
                v /= 10
                n += 1
            }
            out.append(contentsOf: buf[(20 - n)...])
        }
    }

    /// Appends `s` as a quoted, escaped JSON string.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { buf in
            var runStart = 0
            for i in 0..<buf.count {
                let c = buf[i]
                guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                runStart = i + 1
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0x08: out.append(contentsOf: [0x5C, 0x62])
                case 0x0C: out.append(contentsOf: [0x5C, 0x66])
                default:
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                    out.append(contentsOf: hex2(c).utf8)
                }
            }
            // As a buffer, not a slice: the append is then one copy, not a generic loop.
            if runStart < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart...])) }
        }
        out.append(0x22)
    }
}
