extension JSONSerializer {
    /// Appends to `out` the text `write` gives a ``JSONTextCursor``: written into a
    /// kilobyte of stack and appended to `out` a chunk at a time (once, for a decision or
    /// an exposure record), where appending part by part costs an `Array.append` per key
    /// and per string.
    static func writeChunked(into out: inout [UInt8], _ write: (inout JSONTextCursor) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: JSONTextCursor.chunkBytes) { chunk in
            guard let base = chunk.baseAddress else { return }
            var cursor = JSONTextCursor(chunk: base, capacity: chunk.count)
            swap(&cursor.out, &out)
            write(&cursor)
            cursor.flush()
            swap(&cursor.out, &out)
        }
    }
}

/// Writes JSON text with the output of ``JSONSerializer`` (the same escapes, the same
/// numbers) into a chunk of scratch memory, in place rather than through `Array.append`;
/// a full chunk is appended to the output array and reused. A piece larger than the
/// chunk (a long string) goes to the array directly.
struct JSONTextCursor {
    /// The scratch memory ``JSONSerializer/writeChunked(into:_:)`` gives a cursor: what
    /// `withUnsafeTemporaryAllocation` keeps on the stack.
    static let chunkBytes = 1024

    private let chunk: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Bytes in the chunk not yet appended to `out`.
    private var count = 0
    /// The output, moved in and out by ``JSONSerializer/writeChunked(into:_:)``.
    fileprivate var out: [UInt8] = []

    fileprivate init(chunk: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.chunk = chunk
        self.capacity = capacity
    }

    /// Appends the chunk's bytes to `out` and empties it.
    fileprivate mutating func flush() {
        guard count > 0 else { return }
        out.append(contentsOf: UnsafeBufferPointer(start: chunk, count: count))
        count = 0
    }

    /// Whether `n` more bytes fit in the chunk, flushed first if need be.
    private mutating func room(_ n: Int) -> Bool {
        if count + n <= capacity { return true }
        flush()
        return n <= capacity
    }

    private mutating func byte(_ b: UInt8) {
        if count == capacity { flush() }
        chunk[count] = b
        count += 1
    }

    /// Writes `text`, already JSON (a key with its quotes and colon, punctuation), as is.
    mutating func literal(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        guard room(n) else {
            out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: n))
            return
        }
        (chunk + count).update(from: text.utf8Start, count: n)
        count += n
    }

    /// Writes `key` (already JSON: `,"name":`) then `value` as a string; nothing when
    /// `value` is nil (an optional member).
    mutating func member(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        literal(key)
        string(value)
    }

    /// Writes `s` quoted and escaped as ``JSONSerializer/writeString(_:into:)`` does: a
    /// string with nothing to escape (the usual id) in one copy.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            if !Self.needsEscape(buf) {
                guard room(buf.count + 2) else {
                    out.append(0x22)
                    out.append(contentsOf: buf)
                    out.append(0x22)
                    return
                }
                chunk[count] = 0x22
                if let start = buf.baseAddress { (chunk + count + 1).update(from: start, count: buf.count) }
                chunk[count + buf.count + 1] = 0x22
                count += buf.count + 2
                return
            }
            byte(0x22)
            for c in buf {
                guard c < 0x20 || c == 0x22 || c == 0x5C else {
                    byte(c)
                    continue
                }
                byte(0x5C)
                switch c {
                case 0x22: byte(0x22)
                case 0x5C: byte(0x5C)
                case 0x0A: byte(0x6E)
                case 0x0D: byte(0x72)
                case 0x09: byte(0x74)
                case 0x08: byte(0x62)
                case 0x0C: byte(0x66)
                default:
                    for b in "u00\(hex2(c))".utf8 { byte(b) }
                }
            }
            byte(0x22)
        }
    }

    /// Whether `buf` holds a byte JSON escapes (`"`, `\\`, below 0x20): eight bytes at a
    /// time, with the "has a byte less than n" and "has a zero byte" word tricks, whose
    /// answers for the whole word are exact.
    private static func needsEscape(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = buf.baseAddress else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let raw = UnsafeRawPointer(p)
        var i = 0
        while i + 8 <= buf.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            let control = (w &- ones &* 0x20) & ~w
            if (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs != 0 { return true }
            i += 8
        }
        while i < buf.count {
            let c = p[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { return true }
            i += 1
        }
        return false
    }

    /// Writes `v` compact, as ``JSONSerializer/write(_:into:pretty:)`` does. Recursion as
    /// deep as the value's nesting, as the serializer's.
    mutating func value(_ v: JSON) {
        switch v {
        case .null: literal("null")
        case .bool(let b): b ? literal("true") : literal("false")
        case .number(let d): number(d)
        case .string(let s): string(s)
        case .array(let a):
            byte(0x5B)
            for (i, e) in a.enumerated() {
                if i > 0 { byte(0x2C) }
                value(e)
            }
            byte(0x5D)
        case .object(let o):
            byte(0x7B)
            var first = true
            for (k, e) in o {
                if !first { byte(0x2C) }
                first = false
                string(k)
                byte(0x3A)
                value(e)
            }
            byte(0x7D)
        }
    }

    /// Writes `d` as ``JSONSerializer/writeNumber(_:into:)`` does: integers up to 2^53
    /// digit by digit, anything else through the serializer (rare: not an integer).
    mutating func number(_ d: Double) {
        guard d == d.rounded(.towardZero), abs(d) <= 9_007_199_254_740_992, room(20) else {
            flush()
            JSONSerializer.writeNumber(d, into: &out)
            return
        }
        let value = Int64(d)
        if value < 0 { byte(0x2D) }
        var v = value.magnitude
        var digits = 1
        while v >= 10 {
            v /= 10
            digits += 1
        }
        v = value.magnitude
        for i in stride(from: digits - 1, through: 0, by: -1) {
            chunk[count + i] = UInt8(v % 10) + 0x30
            v /= 10
        }
        count += digits
    }
}
