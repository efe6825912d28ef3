// Splits one payload string into literal text and placeholders, once, at campaign load.
//
// The grammar (docs/personalisation.md has the user-facing version):
//
//   string      = { text | "{{" ws expression ws "}}" }
//   expression  = path [ ws "|" ws "default" ws ":" ws literal ]
//               | json-string                       (literal text: how to write "{{")
//   path        = segment { "." segment }           (segments non-empty)
//   segment     = one or more bytes other than whitespace, control, | { } " .
//   literal     = json-string | json-number | true | false | null
//
// Everything outside "{{ … }}" is literal, including a lone "{" and any "}}". The
// parser works on UTF-8 bytes; it only ever splits at ASCII bytes, so every literal
// piece and decoded string is valid UTF-8. Work is linear in the string's length.

/// One piece of a compiled string.
enum _TemplateSegment: Sendable {
    /// Text copied as is (author's text is never escaped).
    case literal([UInt8])
    /// A value looked up in the request data.
    case placeholder(_Placeholder)
}

/// A placeholder with its path split and its default already rendered and escaped.
struct _Placeholder: Sendable {
    /// The path as written, for failure reasons.
    let source: String
    let keys: [PathKey]
    /// The default's text, escaped for the template's format; nil when there is none.
    let fallback: [UInt8]?
}

/// A syntax error inside one string: a byte offset, converted to a character position
/// by the caller.
struct _TemplateSyntaxError: Error {
    let code: TemplateError.Code
    let offset: Int
    let message: String
}

struct _TemplateStringParser {
    private let bytes: [UInt8]
    private let format: PayloadFormat
    private var i = 0
    private var segments: [_TemplateSegment] = []
    private var literal: [UInt8] = []
    /// Offset just past the last "}}" in the string; a "{{" at or after it can never close.
    private let closeLimit: Int

    /// The segments of `string`, with adjacent literal text merged. A string without
    /// placeholders yields at most one literal segment.
    static func parse(_ string: String, format: PayloadFormat) throws(_TemplateSyntaxError) -> [_TemplateSegment] {
        var parser = _TemplateStringParser(bytes: Array(string.utf8), format: format)
        try parser.run()
        return parser.segments
    }

    private init(bytes: [UInt8], format: PayloadFormat) {
        self.bytes = bytes
        self.format = format
        var limit = 0
        var j = bytes.count - 1
        while j > 0 {
            if bytes[j] == _brace.close, bytes[j - 1] == _brace.close {
                limit = j + 1
                break
            }
            j -= 1
        }
        closeLimit = limit
    }

    private mutating func run() throws(_TemplateSyntaxError) {
        let n = bytes.count
        var runStart = 0
        while i < n {
            if bytes[i] == _brace.open, i + 1 < n, bytes[i + 1] == _brace.open {
                if runStart < i { literal.append(contentsOf: bytes[runStart..<i]) }
                try placeholder(open: i)
                runStart = i
            } else {
                i += 1
            }
        }
        if runStart < n { literal.append(contentsOf: bytes[runStart..<n]) }
        flushLiteral()
    }

    private mutating func flushLiteral() {
        if !literal.isEmpty {
            segments.append(.literal(literal))
            literal = []
        }
    }

    // MARK: - Placeholders

    /// Parses `{{ … }}` starting at `open`, leaving `i` just past the closing braces.
    private mutating func placeholder(open: Int) throws(_TemplateSyntaxError) {
        // "}}" found further on is what tells a typo inside the braces from a "{{" that
        // was never closed; without one the whole rest of the string would be blamed.
        guard open + 4 <= closeLimit else { throw unterminated(open) }
        i = open + 2
        skipWhitespace()
        guard i < bytes.count else { throw unterminated(open) }

        if bytes[i] == _quote {
            let text = try stringLiteral(open: open)
            skipWhitespace()
            try close(open: open, after: "the literal text")
            literal.append(contentsOf: text)
            return
        }
        if atClose {
            throw _TemplateSyntaxError(
                code: .emptyPlaceholder, offset: open,
                message: "empty placeholder at character \(character(open))")
        }

        let pathStart = i
        while i < bytes.count, isPathByte(bytes[i]) { i += 1 }
        guard i > pathStart else { throw unexpected(open, "a path") }
        let source = String(decoding: bytes[pathStart..<i], as: UTF8.self)
        let keys = PathKey.split(dotted: source)
        if keys.contains(where: { $0.key.isEmpty }) {
            throw _TemplateSyntaxError(
                code: .invalidPath, offset: pathStart,
                message: "empty segment in path \"\(source)\" at character \(character(pathStart))")
        }
        skipWhitespace()

        var fallback: [UInt8]?
        if i < bytes.count, bytes[i] == _pipe {
            i += 1
            skipWhitespace()
            let nameStart = i
            while i < bytes.count, isNameByte(bytes[i]) { i += 1 }
            guard i > nameStart else { throw unexpected(open, "a filter name after |") }
            let name = String(decoding: bytes[nameStart..<i], as: UTF8.self)
            guard name == "default" else {
                throw _TemplateSyntaxError(
                    code: .unknownFilter, offset: nameStart,
                    message: "unknown filter \"\(name)\" at character \(character(nameStart)) (expected default)")
            }
            skipWhitespace()
            guard i < bytes.count else { throw unterminated(open) }
            guard bytes[i] == _colon else { throw unexpected(open, "\":\" after default") }
            i += 1
            skipWhitespace()
            guard i < bytes.count else { throw unterminated(open) }
            let value = try defaultLiteral(open: open)
            var text: [UInt8] = []
            _TemplateEscaper.append(value, format: format, into: &text)
            fallback = text
            skipWhitespace()
        }
        try close(open: open, after: fallback == nil ? "the path" : "the default")
        flushLiteral()
        segments.append(.placeholder(_Placeholder(source: source, keys: keys, fallback: fallback)))
    }

    /// Consumes "}}" or explains what is there instead.
    private mutating func close(open: Int, after what: String) throws(_TemplateSyntaxError) {
        guard i < bytes.count else { throw unterminated(open) }
        guard atClose else { throw unexpected(open, "}} after \(what)") }
        i += 2
    }

    private var atClose: Bool {
        i + 1 < bytes.count && bytes[i] == _brace.close && bytes[i + 1] == _brace.close
    }

    // MARK: - Literals

    /// The UTF-8 of the JSON string literal at `i`, decoded; `i` moves past it.
    private mutating func stringLiteral(open: Int) throws(_TemplateSyntaxError) -> [UInt8] {
        let start = i
        var j = i + 1
        while j < bytes.count, bytes[j] != _quote {
            j += bytes[j] == _backslash ? 2 : 1
        }
        guard j < bytes.count else {
            throw _TemplateSyntaxError(
                code: .unterminatedPlaceholder, offset: start,
                message: "unterminated string at character \(character(start))")
        }
        i = j + 1
        let value = try parseJSON(start..<i)
        guard case .string(let s) = value else { throw unexpected(open, "a string") }
        return Array(s.utf8)
    }

    /// The default value at `i`: a JSON string, number, true, false or null.
    private mutating func defaultLiteral(open: Int) throws(_TemplateSyntaxError) -> JSON {
        if bytes[i] == _quote { return .string(String(decoding: try stringLiteral(open: open), as: UTF8.self)) }
        let start = i
        while i < bytes.count, !isWhitespace(bytes[i]), bytes[i] != _brace.close, bytes[i] != _pipe { i += 1 }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        let invalid = _TemplateSyntaxError(
            code: .invalidDefault, offset: start,
            message: "default at character \(character(start)) must be a string in double quotes, a number, "
                + "true, false or null; found \(token.isEmpty ? "nothing" : token)")
        guard !token.isEmpty, let value = try? parseJSON(start..<i) else { throw invalid }
        switch value {
        case .number, .bool, .null: return value
        default: throw invalid
        }
    }

    /// Decodes bytes[range] with the JSON parser, so escapes and numbers mean exactly
    /// what they mean everywhere else in libengage.
    private func parseJSON(_ range: Range<Int>) throws(_TemplateSyntaxError) -> JSON {
        do {
            return try JSONParser.parse(Array(bytes[range]))
        } catch {
            let at = range.lowerBound + max(0, min(error.offset, range.count - 1))
            throw _TemplateSyntaxError(
                code: .invalidDefault, offset: at,
                message: "invalid literal at character \(character(at)): \(error.message)")
        }
    }

    // MARK: - Errors and classes of bytes

    private func unterminated(_ open: Int) -> _TemplateSyntaxError {
        _TemplateSyntaxError(
            code: .unterminatedPlaceholder, offset: open,
            message: "unterminated placeholder at character \(character(open))")
    }

    private func unexpected(_ open: Int, _ expected: String) -> _TemplateSyntaxError {
        guard i < bytes.count else { return unterminated(open) }
        let found: String
        switch bytes[i] {
        case _quote: found = "'\"'"
        case _brace.open: found = "\"{\" (write a literal {{ as {{\"{{\"}})"
        case 0x20...0x7E: found = "\"\(Character(Unicode.Scalar(bytes[i])))\""
        case let b where b < 0x20 || b == 0x7F: found = "control character 0x\(hex2(b))"
        default: found = "a non-ASCII character"
        }
        return _TemplateSyntaxError(
            code: .unexpectedCharacter, offset: i,
            message: "expected \(expected) at character \(character(i)), found \(found)")
    }

    private func character(_ offset: Int) -> Int { Self.character(offset, in: bytes) }

    /// 1-based position of the byte at `offset` in `bytes`, in Unicode scalars.
    static func character(_ offset: Int, in bytes: [UInt8]) -> Int {
        var count = 1
        var j = 0
        let end = min(offset, bytes.count)
        while j < end {
            if bytes[j] & 0xC0 != 0x80 { count += 1 }
            j += 1
        }
        return count
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, isWhitespace(bytes[i]) { i += 1 }
    }

    private func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private func isPathByte(_ b: UInt8) -> Bool {
        b > 0x20 && b != 0x7F && b != _pipe && b != _brace.open && b != _brace.close && b != _quote
    }

    private func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
    }
}

private let _brace = (open: UInt8(ascii: "{"), close: UInt8(ascii: "}"))
private let _quote = UInt8(ascii: "\"")
private let _backslash = UInt8(ascii: "\\")
private let _pipe = UInt8(ascii: "|")
private let _colon = UInt8(ascii: ":")
