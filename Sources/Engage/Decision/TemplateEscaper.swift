// Escaping of placeholder values, per payload format. Only values (and defaults) pass
// through here; the author's literal text is copied as written.
//
// Every escape works on UTF-8 bytes and only ever replaces ASCII bytes with ASCII
// text (html) or any byte with ASCII text (url), so the output stays valid UTF-8.

enum _TemplateEscaper {
    /// Appends the text form of a scalar value, escaped for `format`.
    ///
    /// Strings are their contents; numbers their JSON text (`3`, not `3.0`; `0.5`;
    /// `1e+21`); booleans `true` / `false`; `null` nothing. Objects and arrays have no
    /// text form and the caller must not pass them (they append nothing).
    static func append(_ value: JSON, format: PayloadFormat, into out: inout [UInt8]) {
        switch value {
        case .string(let s):
            append(string: s, format: format, into: &out)
        case .number(let d):
            var text: [UInt8] = []
            JSONSerializer.writeNumber(d, into: &text)
            append(bytes: text[...], format: format, into: &out)
        case .bool(let b):
            out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null, .array, .object:
            break
        }
    }

    static func append(string: String, format: PayloadFormat, into out: inout [UInt8]) {
        if format == .plain {
            out.append(contentsOf: string.utf8)
            return
        }
        var s = string
        s.withUTF8 { buf in
            switch format {
            case .plain: out.append(contentsOf: buf)
            case .html: html(buf, into: &out)
            case .url: url(buf, into: &out)
            }
        }
    }

    static func append(bytes: ArraySlice<UInt8>, format: PayloadFormat, into out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { buf in
            switch format {
            case .plain: out.append(contentsOf: buf)
            case .html: html(buf, into: &out)
            case .url: url(buf, into: &out)
            }
        }
    }

    /// The largest number of bytes one input byte can become in `format`; with the
    /// input's length this bounds the output before any work is done.
    static func maxExpansion(_ format: PayloadFormat) -> Int {
        switch format {
        case .plain: return 1
        case .html: return 6 // &quot;
        case .url: return 3 // %XX
        }
    }

    /// `& < > " '` become `&amp; &lt; &gt; &quot; &#39;` — safe in element text and in
    /// quoted attribute values (either quote).
    private static func html(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var runStart = 0
        for i in 0..<buf.count {
            let entity: StaticString
            switch buf[i] {
            case 0x26: entity = "&amp;"
            case 0x3C: entity = "&lt;"
            case 0x3E: entity = "&gt;"
            case 0x22: entity = "&quot;"
            case 0x27: entity = "&#39;"
            default: continue
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
            entity.withUTF8Buffer { out.append(contentsOf: $0) }
            runStart = i + 1
        }
        if runStart < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart...])) }
    }

    /// Every byte outside RFC 3986 "unreserved" (`A–Z a–z 0–9 - . _ ~`) becomes `%XX`
    /// with upper-case hex, so a value is one opaque path segment or query component:
    /// `/ ? & = # +` and spaces cannot change the URL's structure.
    private static func url(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        for b in buf {
            if isUnreserved(b) {
                out.append(b)
            } else {
                out.append(0x25)
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0x0F))
            }
        }
    }

    @inline(__always)
    private static func isUnreserved(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
    }

    @inline(__always)
    private static func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 &+ n : 0x37 &+ n }
}
