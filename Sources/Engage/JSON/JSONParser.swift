/// A strict RFC 8259 parser from bytes to ``JSON``.
///
/// Input is a pointer and an explicit length (no NUL terminator is read or needed).
/// It rejects everything RFC 8259 rejects — trailing commas, leading zeros, comments,
/// single quotes, unescaped control characters, invalid UTF-8, truncated input, a
/// second top-level value — with a ``JSONParseError`` that gives the byte offset and
/// what was expected.
///
/// Implementation-defined behaviours, chosen and tested:
/// - **Duplicate keys**: the last value wins, at the first key's position; keys are
///   compared by their UTF-8 bytes, not by Unicode canonical equivalence (see
///   ``JSONObject``).
/// - **Lone surrogate escapes** (`"\uD800"` without its pair, or a lone `"\uDC00"`):
///   each becomes U+FFFD, the replacement character; a Swift `String` cannot hold a
///   lone surrogate, and rejecting them would make one bad character from a JavaScript
///   front end fail a whole request.
/// - **Byte order mark**: a leading UTF-8 BOM is skipped, as RFC 8259 §8.1 permits.
/// - **Numbers** that overflow a double (`1e400`) are rejected; ones that underflow
///   become zero.
///
/// The parser does not recurse: nesting is tracked on an explicit stack and bounded by
/// ``JSONLimits/maxDepth``, so hostile input can neither overflow the stack nor trap.
/// Work is linear in the input length.
public enum JSONParser {
    /// Parses `count` bytes at `bytes`.
    ///
    /// - Throws: ``JSONParseError`` naming the offset and the problem.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        limits: JSONLimits = .default
    ) throws(JSONParseError) -> JSON {
        guard bytes.count <= limits.maxBytes else {
            throw JSONParseError(
                .limit, offset: max(0, limits.maxBytes),
                "document is \(bytes.count) bytes, over the limit of \(limits.maxBytes)")
        }
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(.syntax, offset: 0, "expected a value, found end of input")
        }
        var p = _JSONParser(
            base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count,
            limits: limits)
        return try p.parseDocument()
    }

    /// Parses a byte array.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONParseError) -> JSON {
        let r: Result<JSON, JSONParseError> = bytes.withUnsafeBytes { raw in
            do throws(JSONParseError) { return .success(try parse(raw, limits: limits)) } catch { return .failure(error) }
        }
        return try r.get()
    }

    /// Parses the UTF-8 of a string.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONParseError) -> JSON {
        var text = text
        let r: Result<JSON, JSONParseError> = text.withUTF8 { buf in
            do throws(JSONParseError) {
                return .success(try parse(UnsafeRawBufferPointer(buf), limits: limits))
            } catch { return .failure(error) }
        }
        return try r.get()
    }
}

private let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, slash: UInt8 = 0x2F
private let comma: UInt8 = 0x2C, colon: UInt8 = 0x3A
private let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
private let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
private let minus: UInt8 = 0x2D, plus: UInt8 = 0x2B, dot: UInt8 = 0x2E
private let zero: UInt8 = 0x30, nine: UInt8 = 0x39

/// Powers of ten exactly representable as doubles (Clinger's fast path).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

struct _JSONParser {
    private struct Frame {
        var isObject: Bool
        var valueStart: Int
        var keyStart: Int
    }

    let base: UnsafePointer<UInt8>
    let end: Int
    let limits: JSONLimits
    let maxDepth: Int
    var pos = 0
    var elements = 0
    /// Unescaped string bytes; reused so a string with escapes costs no per-character
    /// allocation.
    var scratch: [UInt8] = []
    /// Values of every open container, flattened; a frame remembers where its own start.
    private var values: [JSON] = []
    private var keys: [String] = []
    private var frames: [Frame] = []

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.end = count
        self.limits = limits
        self.maxDepth = limits.effectiveDepth
    }

    // MARK: - Structure

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        if end >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { pos = 3 }
        while true {
            guard var value = try parseValueStart() else { continue }
            // Climb: attach the finished value to its container, closing containers
            // as their terminators arrive.
            while true {
                guard let frame = frames.last else {
                    skipWhitespace()
                    if pos != end {
                        throw error(.syntax, "expected end of input after the top-level value, found \(found())")
                    }
                    return value
                }
                values.append(value)
                skipWhitespace()
                guard pos < end else {
                    throw error(
                        .syntax,
                        frame.isObject
                            ? "expected ',' or '}' after an object member, found end of input"
                            : "expected ',' or ']' after an array element, found end of input")
                }
                let c = base[pos]
                if c == comma {
                    pos += 1
                    if frame.isObject {
                        skipWhitespace()
                        try parseKeyAndColon()
                    }
                    break
                }
                if frame.isObject, c == closeBrace {
                    pos += 1
                    value = closeObject(frame)
                } else if !frame.isObject, c == closeBracket {
                    pos += 1
                    value = closeArray(frame)
                } else {
                    throw error(
                        .syntax,
                        frame.isObject
                            ? "expected ',' or '}' after an object member, found \(found())"
                            : "expected ',' or ']' after an array element, found \(found())")
                }
            }
        }
    }

    /// Parses a scalar or an empty container and returns it; for a non-empty container,
    /// opens a frame, consumes through the first key and colon (objects) and returns nil.
    private mutating func parseValueStart() throws(JSONParseError) -> JSON? {
        skipWhitespace()
        guard pos < end else { throw error(.syntax, "expected a value, found end of input") }
        elements += 1
        if elements > limits.maxElements {
            throw error(.limit, "more than \(limits.maxElements) values in the document")
        }
        let c = base[pos]
        switch c {
        case quote:
            return .string(try parseString())
        case openBrace, openBracket:
            if frames.count >= maxDepth {
                throw error(.limit, "nesting deeper than \(maxDepth) levels")
            }
            pos += 1
            skipWhitespace()
            let isObject = c == openBrace
            if pos < end, base[pos] == (isObject ? closeBrace : closeBracket) {
                pos += 1
                return isObject ? .object(JSONObject()) : .array([])
            }
            frames.append(Frame(isObject: isObject, valueStart: values.count, keyStart: keys.count))
            if isObject { try parseKeyAndColon() }
            return nil
        case 0x74: // t
            try expectLiteral("true")
            return .bool(true)
        case 0x66: // f
            try expectLiteral("false")
            return .bool(false)
        case 0x6E: // n
            try expectLiteral("null")
            return .null
        case minus, zero...nine:
            return .number(try parseNumber())
        default:
            throw error(.syntax, "expected a value, found \(found())")
        }
    }

    private mutating func parseKeyAndColon() throws(JSONParseError) {
        guard pos < end, base[pos] == quote else {
            throw error(.syntax, "expected a string key, found \(found())")
        }
        keys.append(try parseString())
        skipWhitespace()
        guard pos < end, base[pos] == colon else {
            throw error(.syntax, "expected ':' after an object key, found \(found())")
        }
        pos += 1
    }

    private mutating func closeArray(_ frame: Frame) -> JSON {
        frames.removeLast()
        let array = Array(values[frame.valueStart...])
        values.removeSubrange(frame.valueStart...)
        return .array(array)
    }

    private mutating func closeObject(_ frame: Frame) -> JSON {
        frames.removeLast()
        let object = JSONObject(keys: keys[frame.keyStart...], values: values[frame.valueStart...])
        values.removeSubrange(frame.valueStart...)
        keys.removeSubrange(frame.keyStart...)
        return .object(object)
    }

    // MARK: - Tokens

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < end, base[pos + i] == w[i] else {
                pos += i
                throw error(.syntax, "expected '\(word)', found \(found())")
            }
        }
        pos += n
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = pos
        var negative = false
        if base[pos] == minus {
            negative = true
            pos += 1
        }
        guard pos < end, isDigit(base[pos]) else {
            throw error(.syntax, "expected a digit after '-', found \(found())")
        }
        var mantissa: UInt64 = 0
        var exponent = 0
        var truncated = false
        if base[pos] == zero {
            pos += 1
            if pos < end, isDigit(base[pos]) {
                throw error(.syntax, "leading zeros are not allowed: expected '.', 'e' or the end of the number after '0', found \(found())")
            }
        } else {
            while pos < end, isDigit(base[pos]) {
                let d = UInt64(base[pos] &- zero)
                if mantissa < 100_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ d
                } else {
                    exponent += 1
                    if d != 0 { truncated = true }
                }
                pos += 1
            }
        }
        if pos < end, base[pos] == dot {
            pos += 1
            guard pos < end, isDigit(base[pos]) else {
                throw error(.syntax, "expected a digit after the decimal point, found \(found())")
            }
            while pos < end, isDigit(base[pos]) {
                let d = UInt64(base[pos] &- zero)
                if mantissa < 100_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ d
                    exponent -= 1
                } else if d != 0 {
                    truncated = true
                }
                pos += 1
            }
        }
        if pos < end, base[pos] | 0x20 == 0x65 { // e or E
            pos += 1
            var expNegative = false
            if pos < end, base[pos] == minus || base[pos] == plus {
                expNegative = base[pos] == minus
                pos += 1
            }
            guard pos < end, isDigit(base[pos]) else {
                throw error(.syntax, "expected a digit in the exponent, found \(found())")
            }
            var e = 0
            while pos < end, isDigit(base[pos]) {
                if e < 1_000_000 { e = e &* 10 &+ Int(base[pos] &- zero) }
                pos += 1
            }
            exponent += expNegative ? -e : e
        }
        if !truncated, mantissa <= 1 << 53 {
            var value = Double(mantissa)
            if mantissa == 0 || exponent == 0 {
                return negative ? -value : value
            }
            if exponent > 0, exponent <= 22 {
                value *= exactPowersOfTen[exponent]
                return negative ? -value : value
            }
            if exponent < 0, exponent >= -22 {
                value /= exactPowersOfTen[-exponent]
                return negative ? -value : value
            }
        }
        // Slow path: the standard library's correctly rounded conversion.
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: pos - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            pos = start
            throw error(.numberRange, "number \(text.prefix(40)) is out of the range of a double")
        }
        return value
    }

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- zero < 10 }

    // MARK: - Strings

    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1 // opening quote
        let start = pos
        var i = pos
        // Fast path: printable ASCII without escapes needs no copy and no validation.
        // It stops one byte past the length limit, so an over-long string is rejected
        // without scanning (or, unterminated, copying) the rest of the document.
        let limit = max(0, limits.maxStringBytes)
        let stop = end - start > limit ? start + limit + 1 : end
        while i < stop {
            let b = base[i]
            if b == quote {
                pos = i + 1
                return String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
            }
            if b == backslash || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        if i == stop, stop < end {
            pos = start
            throw stringTooLong()
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
        pos = i
        while true {
            guard pos < end else {
                throw error(.syntax, "unterminated string opened at byte \(start - 1): expected '\"', found end of input")
            }
            let b = base[pos]
            if b == quote {
                pos += 1
                break
            }
            if b == backslash {
                try parseEscape()
            } else if b < 0x20 {
                throw error(.syntax, "unescaped control character U+00\(hex2(b)) in a string (expected it escaped, e.g. \\u00\(hex2(b)))")
            } else if b < 0x80 {
                scratch.append(b)
                pos += 1
            } else {
                let n = try utf8SequenceLength(at: pos)
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + pos, count: n))
                pos += n
            }
            if scratch.count > limits.maxStringBytes { throw stringTooLong() }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    private func stringTooLong() -> JSONParseError {
        error(.limit, "string longer than \(limits.maxStringBytes) bytes")
    }

    private mutating func parseEscape() throws(JSONParseError) {
        // base[pos] == backslash
        guard pos + 1 < end else {
            pos += 1
            throw error(.syntax, "expected an escape character after '\\', found end of input")
        }
        let c = base[pos + 1]
        switch c {
        case quote, backslash, slash: scratch.append(c)
        case 0x62: scratch.append(0x08) // b
        case 0x66: scratch.append(0x0C) // f
        case 0x6E: scratch.append(0x0A) // n
        case 0x72: scratch.append(0x0D) // r
        case 0x74: scratch.append(0x09) // t
        case 0x75: // u
            pos += 2
            let unit = try hex4()
            var scalar: UInt32 = 0xFFFD
            if unit >= 0xD800, unit <= 0xDBFF {
                // A high surrogate pairs only with an immediately following low one.
                if pos + 1 < end, base[pos] == backslash, base[pos + 1] == 0x75 {
                    let save = pos
                    pos += 2
                    let low = try hex4()
                    if low >= 0xDC00, low <= 0xDFFF {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        pos = save // leave the next escape to be decoded on its own
                    }
                }
            } else if unit < 0xDC00 || unit > 0xDFFF {
                scalar = unit
            }
            appendUTF8(scalar)
            return
        default:
            pos += 1
            throw error(.syntax, "invalid escape '\\\(printable(c))' in a string (expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
        pos += 2
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard pos < end else { throw error(.syntax, "expected 4 hex digits after \\u, found end of input") }
            let c = base[pos]
            let d: UInt8
            switch c {
            case zero...nine: d = c - zero
            case 0x61...0x66: d = c - 0x61 + 10
            case 0x41...0x46: d = c - 0x41 + 10
            default: throw error(.syntax, "expected 4 hex digits after \\u, found \(found())")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    private mutating func appendUTF8(_ s: UInt32) {
        if s < 0x80 {
            scratch.append(UInt8(s))
        } else if s < 0x800 {
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        } else {
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | s >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Length of the well-formed UTF-8 sequence starting at `i` (a non-ASCII lead byte),
    /// per Unicode Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF.
    private mutating func utf8SequenceLength(at i: Int) throws(JSONParseError) -> Int {
        let b0 = base[i]
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        let n: Int
        switch b0 {
        case 0xC2...0xDF: n = 2
        case 0xE0: n = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: n = 3
        case 0xED: n = 3; hi = 0x9F
        case 0xF0: n = 4; lo = 0x90
        case 0xF1...0xF3: n = 4
        case 0xF4: n = 4; hi = 0x8F
        default:
            pos = i
            throw error(.encoding, "invalid UTF-8 lead byte 0x\(hex2(b0)) (expected ASCII or a lead byte 0xC2-0xF4)")
        }
        // Byte by byte, so the error names the first bad byte and end of input is
        // reported only when the input really ends inside the sequence.
        var k = 1
        while k < n {
            guard i + k < end else {
                pos = i + k
                throw error(.encoding, "truncated UTF-8 sequence: lead byte 0x\(hex2(b0)) needs \(n) bytes, found end of input")
            }
            let b = base[i + k]
            if k == 1 {
                guard b >= lo, b <= hi else {
                    pos = i + 1
                    throw error(
                        .encoding,
                        "invalid UTF-8 byte 0x\(hex2(b)) after lead byte 0x\(hex2(b0)) (expected 0x\(hex2(lo))-0x\(hex2(hi)); overlong, surrogate or out-of-range sequences are invalid)"
                    )
                }
            } else {
                guard b & 0xC0 == 0x80 else {
                    pos = i + k
                    throw error(.encoding, "invalid UTF-8 byte 0x\(hex2(b)) in a sequence led by 0x\(hex2(b0)) (expected a continuation byte 0x80-0xBF)")
                }
            }
            k += 1
        }
        return n
    }

    // MARK: - Errors

    private func error(_ code: JSONParseError.Code, _ message: String) -> JSONParseError {
        JSONParseError(code, offset: pos, message)
    }

    /// A description of the byte at `pos` for messages.
    private func found() -> String {
        guard pos < end else { return "end of input" }
        let c = base[pos]
        if c >= 0x20, c < 0x7F { return "'\(printable(c))'" }
        return "byte 0x\(hex2(c))"
    }

    private func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "0x\(hex2(c))"
    }
}

/// Two uppercase hex digits.
func hex2(_ b: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}
