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

/// The parser's state for one document. Open containers keep their members on one
/// stack (array elements with an empty key), moved into the finished object or array
/// when it closes: no array per container, no retain or release per member. Owns its
/// buffers, so it is not copyable.
struct _JSONParser: ~Copyable {
    private struct Frame {
        var isObject: Bool
        /// Where the container's members start on `stack`.
        var start: Int
    }

    typealias Member = JSONObject._Member

    let base: UnsafePointer<UInt8>
    let end: Int
    let limits: JSONLimits
    let maxDepth: Int
    var pos = 0
    var elements = 0
    /// Members of every open container, flattened: an object's member is pushed when
    /// its key is read (value `null`) and gets its value when that is complete.
    private var stack: UnsafeMutablePointer<Member>
    private var stackCount = 0
    private var stackCapacity: Int
    private var frames: UnsafeMutablePointer<Frame>
    private var frameCount = 0
    private var frameCapacity: Int
    /// Unescaped bytes of a string with escapes; reused, allocated at the first escape.
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchCount = 0
    private var scratchCapacity = 0

    init(base: UnsafePointer<UInt8>, count: Int, limits: JSONLimits) {
        self.base = base
        self.end = count
        self.limits = limits
        self.maxDepth = limits.effectiveDepth
        // Enough for a request-sized document without growing.
        stackCapacity = min(64, count / 8 + 4)
        stack = .allocate(capacity: stackCapacity)
        frameCapacity = 16
        frames = .allocate(capacity: frameCapacity)
    }

    deinit {
        stack.deinitialize(count: stackCount)
        stack.deallocate()
        frames.deallocate()
        scratch?.deallocate()
    }

    // MARK: - Structure

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        if end >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { pos = 3 }
        while true {
            guard var value = try parseValueStart() else { continue }
            // Climb: attach the finished value to its container, closing containers
            // as their terminators arrive.
            while true {
                guard frameCount > 0 else {
                    skipWhitespace()
                    if pos != end {
                        throw error(.syntax, "expected end of input after the top-level value, found \(found())")
                    }
                    return value
                }
                let frame = frames[frameCount &- 1]
                // The value moves to the stack (swapped with the member's `null`): no
                // retain and release of it.
                if !frame.isObject { push(Member(key: "", hash: 0, value: .null)) }
                swap(&stack[stackCount &- 1].value, &value)
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
    @inline(__always)
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
            return .string(makeString(try scanString()))
        case openBrace, openBracket:
            if frameCount >= maxDepth {
                throw error(.limit, "nesting deeper than \(maxDepth) levels")
            }
            pos += 1
            skipWhitespace()
            let isObject = c == openBrace
            if pos < end, base[pos] == (isObject ? closeBrace : closeBracket) {
                pos += 1
                return isObject ? .object(JSONObject()) : .array([])
            }
            pushFrame(Frame(isObject: isObject, start: stackCount))
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

    /// Reads a key and its colon and pushes the member, its value still `null`.
    @inline(__always)
    private mutating func parseKeyAndColon() throws(JSONParseError) {
        guard pos < end, base[pos] == quote else {
            throw error(.syntax, "expected a string key, found \(found())")
        }
        let keyStart = pos &+ 1
        let bytes = try scanString()
        // Unescaped keys lie in the document, so the hash may read the whole 8-byte
        // word holding the key's last bytes when the document goes on that far.
        let readable = bytes.baseAddress == base + keyStart ? end &- keyStart : bytes.count
        push(Member(key: makeString(bytes), hash: JSONObject.keyHash(UnsafeRawBufferPointer(bytes), readable: readable), value: .null))
        skipWhitespace()
        guard pos < end, base[pos] == colon else {
            throw error(.syntax, "expected ':' after an object key, found \(found())")
        }
        pos += 1
    }

    private mutating func closeArray(_ frame: Frame) -> JSON {
        frameCount &-= 1
        let n = stackCount &- frame.start
        let members = stack + frame.start
        let array = [JSON](unsafeUninitializedCapacity: n) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            for i in 0..<n { (out + i).initialize(to: (members + i).move().value) }
            initialized = n
        }
        stackCount = frame.start
        return .array(array)
    }

    private mutating func closeObject(_ frame: Frame) -> JSON {
        frameCount &-= 1
        let object = JSONObject(moving: stack + frame.start, count: stackCount &- frame.start)
        stackCount = frame.start
        return .object(object)
    }

    @inline(__always)
    private mutating func push(_ member: consuming Member) {
        if stackCount == stackCapacity { growStack() }
        (stack + stackCount).initialize(to: member)
        stackCount &+= 1
    }

    private mutating func growStack() {
        let capacity = stackCapacity * 2
        let grown = UnsafeMutablePointer<Member>.allocate(capacity: capacity)
        grown.moveInitialize(from: stack, count: stackCount)
        stack.deallocate()
        stack = grown
        stackCapacity = capacity
    }

    private mutating func pushFrame(_ frame: Frame) {
        if frameCount == frameCapacity {
            let capacity = frameCapacity * 2
            let grown = UnsafeMutablePointer<Frame>.allocate(capacity: capacity)
            grown.moveInitialize(from: frames, count: frameCount)
            frames.deallocate()
            frames = grown
            frameCapacity = capacity
        }
        (frames + frameCount).initialize(to: frame)
        frameCount &+= 1
    }

    // MARK: - Tokens

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            let c = base[pos]
            // Above the space: no whitespace (the usual case, one comparison).
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    /// Consumes `word` (`true`, `false` or `null`: four bytes or more).
    private mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        // The usual case: the first four bytes in one comparison, then the rest.
        if n >= 4, end - pos >= n,
            UnsafeRawPointer(base + pos).loadUnaligned(as: UInt32.self) == UnsafeRawPointer(w).loadUnaligned(as: UInt32.self)
        {
            var i = 4
            while i < n, base[pos + i] == w[i] { i += 1 }
            if i == n {
                pos += n
                return
            }
        }
        // Byte by byte, to name the first byte that differs.
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

    /// A string from validated UTF-8 (one copy; no heap for up to 15 bytes).
    @inline(__always)
    private func makeString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count) { out in
            guard let to = out.baseAddress, let from = bytes.baseAddress else { return 0 }
            to.initialize(from: from, count: bytes.count)
            return bytes.count
        }
    }

    /// The bytes among eight (little-endian) that end a plain run: a quote, a backslash,
    /// a control character or a non-ASCII byte. Only the lowest flagged byte is exact
    /// (a borrow can flag bytes above it), which is all the caller reads.
    @inline(__always)
    private static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
        let q = w ^ (ones &* UInt64(quote)), s = w ^ (ones &* UInt64(backslash))
        return (w | ((q &- ones) & ~q) | ((s &- ones) & ~s) | ((w &- ones &* 0x20) & ~w)) & high
    }

    /// Scans and validates the string whose opening quote is at `pos`, leaving `pos`
    /// after the closing quote. Returns its unescaped UTF-8: a view of the document when
    /// the string has no escapes, else of `scratch` (valid until the next string).
    @inline(__always)
    private mutating func scanString() throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        pos += 1 // opening quote
        let start = pos
        var i = pos
        // Fast path: printable ASCII without escapes needs no copy and no validation,
        // eight bytes at a time. It stops one byte past the length limit, so an
        // over-long string is rejected without scanning the rest of the document.
        let limit = max(0, limits.maxStringBytes)
        let stop = end - start > limit ? start + limit + 1 : end
        while i &+ 8 <= stop {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let special = _JSONParser.specialBytes(word)
            if special != 0 {
                i &+= special.trailingZeroBitCount >> 3
                break
            }
            i &+= 8
        }
        while i < stop {
            let b = base[i]
            if b == quote {
                pos = i + 1
                return UnsafeBufferPointer(start: base + start, count: i - start)
            }
            if b == backslash || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        if i == stop, stop < end {
            pos = start
            throw stringTooLong()
        }
        return try scanStringSlowly(start: start, from: i)
    }

    /// The rest of the string that opened at `start` from `i`, byte by byte: UTF-8
    /// validated in place; the bytes are copied to `scratch` only from the first
    /// escape on.
    private mutating func scanStringSlowly(start: Int, from i: Int) throws(JSONParseError) -> UnsafeBufferPointer<UInt8> {
        var copying = false
        scratchCount = 0
        pos = i
        while true {
            guard pos < end else {
                throw error(.syntax, "unterminated string opened at byte \(start - 1): expected '\"', found end of input")
            }
            let b = base[pos]
            if b == quote {
                pos += 1
                if copying, let s = scratch { return UnsafeBufferPointer(start: s, count: scratchCount) }
                return UnsafeBufferPointer(start: base + start, count: pos - 1 - start)
            }
            if b == backslash {
                if !copying {
                    appendScratch(base + start, pos - start)
                    copying = true
                }
                try parseEscape()
            } else if b < 0x20 {
                throw error(.syntax, "unescaped control character U+00\(hex2(b)) in a string (expected it escaped, e.g. \\u00\(hex2(b)))")
            } else if b < 0x80 {
                if copying { appendScratch(base + pos, 1) }
                pos += 1
            } else {
                let n = try utf8SequenceLength(at: pos)
                if copying { appendScratch(base + pos, n) }
                pos += n
            }
            if (copying ? scratchCount : pos - start) > limits.maxStringBytes { throw stringTooLong() }
        }
    }

    /// Appends `count` bytes at `bytes` to `scratch`.
    private mutating func appendScratch(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        let needed = scratchCount + count
        let to: UnsafeMutablePointer<UInt8>
        if let s = scratch, needed <= scratchCapacity {
            to = s
        } else {
            var capacity = max(64, scratchCapacity)
            while capacity < needed { capacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            if let s = scratch {
                grown.initialize(from: s, count: scratchCount)
                s.deallocate()
            }
            scratch = grown
            scratchCapacity = capacity
            to = grown
        }
        (to + scratchCount).initialize(from: bytes, count: count)
        scratchCount = needed
    }

    /// Appends one byte to `scratch`.
    @inline(__always)
    private mutating func appendScratch(_ byte: UInt8) {
        withUnsafePointer(to: byte) { appendScratch($0, 1) }
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
        case quote, backslash, slash: appendScratch(c)
        case 0x62: appendScratch(0x08) // b
        case 0x66: appendScratch(0x0C) // f
        case 0x6E: appendScratch(0x0A) // n
        case 0x72: appendScratch(0x0D) // r
        case 0x74: appendScratch(0x09) // t
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
            appendScratch(UInt8(s))
        } else if s < 0x800 {
            appendScratch(UInt8(0xC0 | s >> 6))
            appendScratch(UInt8(0x80 | s & 0x3F))
        } else if s < 0x10000 {
            appendScratch(UInt8(0xE0 | s >> 12))
            appendScratch(UInt8(0x80 | s >> 6 & 0x3F))
            appendScratch(UInt8(0x80 | s & 0x3F))
        } else {
            appendScratch(UInt8(0xF0 | s >> 18))
            appendScratch(UInt8(0x80 | s >> 12 & 0x3F))
            appendScratch(UInt8(0x80 | s >> 6 & 0x3F))
            appendScratch(UInt8(0x80 | s & 0x3F))
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
