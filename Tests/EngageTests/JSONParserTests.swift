import Testing

@testable import Engage

/// The error `JSONParser` throws for `bytes`, or nil when it accepts them.
func parseError(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONParseError? {
    do throws(JSONParseError) {
        _ = try JSONParser.parse(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

func parseError(_ text: String, limits: JSONLimits = .default) -> JSONParseError? {
    parseError(Array(text.utf8), limits: limits)
}

@Suite struct JSONParserTests {
    // MARK: - Values

    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#" {"a":[1,2.5,"x\u00e9",true,false,null],"b":{},"c":[] , "d":-0.5e1} "#)
        #expect(v["a"] == [1, 2.5, "xé", true, false, nil])
        #expect(v["b"] == .object(JSONObject()))
        #expect(v["c"] == [])
        #expect(v["d"] == -5)
        #expect(v.objectValue?.keys == ["a", "b", "c", "d"])
        #expect(JSONSerializer.string(v) == #"{"a":[1,2.5,"xé",true,false,null],"b":{},"c":[],"d":-5}"#)
        #expect(try JSONParser.parse("7") == 7)
        #expect(try JSONParser.parse("\"\"") == "")
        #expect(try JSONParser.parse(" null\n") == nil)
    }

    @Test func decodesEscapes() throws {
        let v = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0000\u001F\u00e9\u20AC\uD83D\uDE00""#)
        #expect(v == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}\u{1F}é€😀"))
        // Raw multi-byte UTF-8 is kept as is.
        #expect(try JSONParser.parse([0x22, 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80, 0x22]) == "é€😀")
    }

    // MARK: - Documented choices

    @Test func duplicateKeysLastValueWinsAtFirstPosition() throws {
        let v = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
        let o = try #require(v.objectValue)
        #expect(o.keys == ["a", "b"])
        #expect(o.values == [3, 2])
        #expect(o["a"] == 3)
        // Also for objects large enough to be hash-indexed.
        var text = "{"
        for i in 0..<40 { text += "\"k\(i)\":\(i)," }
        text += #""k7":"last","k0":null}"#
        let big = try #require(try JSONParser.parse(text).objectValue)
        #expect(big.count == 40)
        #expect(big["k7"] == "last")
        #expect(big["k0"] == nil as JSON)
        #expect(big.contains("k0"))
        #expect(big.keys.first == "k0")
        #expect(big.keys[7] == "k7")
    }

    @Test func keysAreComparedByBytes() throws {
        // "é" precomposed and decomposed are canonically equivalent but different bytes.
        let v = try JSONParser.parse(#"{"\u00e9":1,"e\u0301":2}"#)
        let o = try #require(v.objectValue)
        #expect(o.count == 2)
        #expect(o["\u{E9}"] == 1)
        #expect(o["e\u{301}"] == 2)
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONParser.parse(#""\uD800""#) == "\u{FFFD}")
        #expect(try JSONParser.parse(#""\uDC00x""#) == "\u{FFFD}x")
        #expect(try JSONParser.parse(#""\uD800\u0041""#) == "\u{FFFD}A")
        #expect(try JSONParser.parse(#""\uDBFF\uDBFF\uDFFF""#) == "\u{FFFD}\u{10FFFF}")
        #expect(try JSONParser.parse(#""a\uD83D""#) == "a\u{FFFD}")
        // A pair is one scalar.
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#).stringValue?.unicodeScalars.count == 1)
        // In keys too.
        #expect(try JSONParser.parse(#"{"\uDFFF":0}"#) == ["\u{FFFD}": 0])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array(#"{"a":1}"#.utf8)) == ["a": 1])
        // Only at the start, and a BOM alone is no document.
        let alone = try #require(parseError([0xEF, 0xBB, 0xBF]))
        #expect(alone.offset == 3)
        #expect(alone.message == "expected a value, found end of input")
        let inside = try #require(parseError([0x5B, 0xEF, 0xBB, 0xBF, 0x5D]))
        #expect(inside.offset == 1)
        #expect(inside.message == "expected a value, found byte 0xEF")
    }

    // MARK: - Errors: offset and what was expected

    func expectError(
        _ text: String, _ code: JSONParseError.Code, at offset: Int, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectError(Array(text.utf8), code, at: offset, message, sourceLocation: sourceLocation)
    }

    func expectError(
        _ bytes: [UInt8], _ code: JSONParseError.Code, at offset: Int, _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let e = parseError(bytes) else {
            Issue.record("accepted \(bytes)", sourceLocation: sourceLocation)
            return
        }
        #expect(e.code == code, sourceLocation: sourceLocation)
        #expect(e.offset == offset, sourceLocation: sourceLocation)
        #expect(e.message == message, sourceLocation: sourceLocation)
        #expect(e.description == "invalid JSON at byte \(offset): \(message)", sourceLocation: sourceLocation)
    }

    @Test func trailingCommas() {
        expectError("[1,2,]", .syntax, at: 5, "expected a value, found ']'")
        expectError(#"{"a":1,}"#, .syntax, at: 7, "expected a string key, found '}'")
        expectError("[1,]  ", .syntax, at: 3, "expected a value, found ']'")
        expectError("[,1]", .syntax, at: 1, "expected a value, found ','")
    }

    @Test func leadingZerosAndMalformedNumbers() {
        expectError(
            "01", .syntax, at: 1,
            "leading zeros are not allowed: expected '.', 'e' or the end of the number after '0', found '1'")
        expectError(
            "[-007]", .syntax, at: 3,
            "leading zeros are not allowed: expected '.', 'e' or the end of the number after '0', found '0'")
        expectError("-", .syntax, at: 1, "expected a digit after '-', found end of input")
        expectError("[1.]", .syntax, at: 3, "expected a digit after the decimal point, found ']'")
        expectError("[.5]", .syntax, at: 1, "expected a value, found '.'")
        expectError("1e+", .syntax, at: 3, "expected a digit in the exponent, found end of input")
        expectError("+1", .syntax, at: 0, "expected a value, found '+'")
        expectError("[1e400]", .numberRange, at: 1, "number 1e400 is out of the range of a double")
        expectError("-1e309", .numberRange, at: 0, "number -1e309 is out of the range of a double")
    }

    @Test func comments() {
        expectError("[1]// note", .syntax, at: 3, "expected end of input after the top-level value, found '/'")
        expectError("[1,/* x */2]", .syntax, at: 3, "expected a value, found '/'")
        expectError("# x\n1", .syntax, at: 0, "expected a value, found '#'")
    }

    @Test func singleQuotes() {
        expectError("{'a':1}", .syntax, at: 1, "expected a string key, found '''")
        expectError("['a']", .syntax, at: 1, "expected a value, found '''")
    }

    @Test func unquotedKeysAndBadLiterals() {
        expectError("{a:1}", .syntax, at: 1, "expected a string key, found 'a'")
        expectError(#"{"a" 1}"#, .syntax, at: 5, "expected ':' after an object key, found '1'")
        expectError("[tru]", .syntax, at: 4, "expected 'true', found ']'")
        expectError("nul", .syntax, at: 3, "expected 'null', found end of input")
        expectError("[NaN]", .syntax, at: 1, "expected a value, found 'N'")
        expectError("[1 2]", .syntax, at: 3, "expected ',' or ']' after an array element, found '2'")
        expectError(#"{"a":1 "b":2}"#, .syntax, at: 7, "expected ',' or '}' after an object member, found '\"'")
        expectError("[1}", .syntax, at: 2, "expected ',' or ']' after an array element, found '}'")
    }

    @Test func controlCharactersAndEscapes() {
        expectError(
            "[\"a\tb\"]", .syntax, at: 3,
            #"unescaped control character U+0009 in a string (expected it escaped, e.g. \u0009)"#)
        expectError(
            [0x22, 0x00, 0x22], .syntax, at: 1,
            #"unescaped control character U+0000 in a string (expected it escaped, e.g. \u0000)"#)
        expectError(
            #""\x41""#, .syntax, at: 2,
            #"invalid escape '\x' in a string (expected one of \" \\ \/ \b \f \n \r \t \uXXXX)"#)
        expectError(#""\u12G4""#, .syntax, at: 5, #"expected 4 hex digits after \u, found 'G'"#)
        expectError(#""\u12"#, .syntax, at: 5, #"expected 4 hex digits after \u, found end of input"#)
        expectError(#""abc\"#, .syntax, at: 5, #"expected an escape character after '\', found end of input"#)
    }

    @Test func invalidUTF8() {
        // Overlong encodings.
        expectError(
            [0x22, 0xC0, 0xAF, 0x22], .encoding, at: 1,
            "invalid UTF-8 lead byte 0xC0 (expected ASCII or a lead byte 0xC2-0xF4)")
        expectError(
            [0x22, 0xE0, 0x80, 0xAF, 0x22], .encoding, at: 2,
            "invalid UTF-8 byte 0x80 after lead byte 0xE0 (expected 0xA0-0xBF; overlong, surrogate or out-of-range sequences are invalid)")
        expectError(
            [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], .encoding, at: 2,
            "invalid UTF-8 byte 0x80 after lead byte 0xF0 (expected 0x90-0xBF; overlong, surrogate or out-of-range sequences are invalid)")
        // An encoded surrogate (U+D800).
        expectError(
            [0x5B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x5D], .encoding, at: 3,
            "invalid UTF-8 byte 0xA0 after lead byte 0xED (expected 0x80-0x9F; overlong, surrogate or out-of-range sequences are invalid)")
        // Above U+10FFFF.
        expectError(
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .encoding, at: 2,
            "invalid UTF-8 byte 0x90 after lead byte 0xF4 (expected 0x80-0x8F; overlong, surrogate or out-of-range sequences are invalid)")
        expectError(
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], .encoding, at: 1,
            "invalid UTF-8 lead byte 0xF5 (expected ASCII or a lead byte 0xC2-0xF4)")
        // A lone continuation byte, and Latin-1.
        expectError(
            [0x22, 0x80, 0x22], .encoding, at: 1,
            "invalid UTF-8 lead byte 0x80 (expected ASCII or a lead byte 0xC2-0xF4)")
        expectError(
            [0x22, 0x63, 0x61, 0x66, 0xE9, 0x22], .encoding, at: 5,
            "invalid UTF-8 byte 0x22 after lead byte 0xE9 (expected 0x80-0xBF; overlong, surrogate or out-of-range sequences are invalid)")
        // Truncated: by the end of input, and by a non-continuation byte.
        expectError(
            [0x22, 0xE2, 0x82], .encoding, at: 3,
            "truncated UTF-8 sequence: lead byte 0xE2 needs 3 bytes, found end of input")
        expectError(
            [0x22, 0xE2, 0x82, 0x41, 0x22], .encoding, at: 3,
            "invalid UTF-8 byte 0x41 in a sequence led by 0xE2 (expected a continuation byte 0x80-0xBF)")
        // Outside strings a non-ASCII byte simply begins no token.
        expectError([0xFF], .syntax, at: 0, "expected a value, found byte 0xFF")
        expectError(
            [0x31, 0x20, 0xC3, 0xA9], .syntax, at: 2,
            "expected end of input after the top-level value, found byte 0xC3")
    }

    @Test func truncatedInput() {
        expectError("", .syntax, at: 0, "expected a value, found end of input")
        expectError("   ", .syntax, at: 3, "expected a value, found end of input")
        expectError(#"{"a":[1,"#, .syntax, at: 8, "expected a value, found end of input")
        expectError(#"{"a""#, .syntax, at: 4, "expected ':' after an object key, found end of input")
        expectError(#"{"a":1"#, .syntax, at: 6, "expected ',' or '}' after an object member, found end of input")
        expectError("[1", .syntax, at: 2, "expected ',' or ']' after an array element, found end of input")
        expectError("{", .syntax, at: 1, "expected a string key, found end of input")
        expectError(#"["abc"#, .syntax, at: 5, #"unterminated string opened at byte 1: expected '"', found end of input"#)
        expectError(#""ab\u00e9"#, .syntax, at: 9, #"unterminated string opened at byte 0: expected '"', found end of input"#)
        expectError("tr", .syntax, at: 2, "expected 'true', found end of input")
    }

    @Test func secondTopLevelValue() {
        expectError("1 2", .syntax, at: 2, "expected end of input after the top-level value, found '2'")
        expectError("{}{}", .syntax, at: 2, "expected end of input after the top-level value, found '{'")
        expectError("[] x", .syntax, at: 3, "expected end of input after the top-level value, found 'x'")
        expectError(
            [0x6E, 0x75, 0x6C, 0x6C, 0x00], .syntax, at: 4,
            "expected end of input after the top-level value, found byte 0x00")
    }

    // MARK: - Explicit length

    @Test func readsOnlyTheGivenLength() throws {
        // Valid JSON followed by garbage outside the count: the garbage is never seen.
        let bytes = Array(#"{"a":[1,2]}"#.utf8) + Array(#" ]]] "unterminated \#u{0}"#.utf8) + [0xFF]
        let n = 11
        let v = try bytes.withUnsafeBytes { raw throws(JSONParseError) in
            try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
        #expect(v == ["a": [1, 2]])
        // A prefix that cuts a token is truncated input at the cut, whatever follows.
        for (cut, expected) in [(3, 3), (8, 8), (10, 10)] {
            let e = bytes.withUnsafeBytes { raw -> JSONParseError? in
                do throws(JSONParseError) {
                    _ = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
                    return nil
                } catch { return error }
            }
            #expect(e?.offset == expected, "cut at \(cut)")
            #expect(e?.message.hasSuffix("end of input") == true, "cut at \(cut): \(String(describing: e))")
        }
        // Numbers and literals end at the count, not at the next delimiter.
        let digits = Array("12345".utf8)
        let three = try digits.withUnsafeBytes { raw throws(JSONParseError) in
            try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<3]))
        }
        #expect(three == 123)
        // An empty buffer, with or without a base address.
        #expect(parseError([])?.offset == 0)
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(none) }
    }

    @Test func stringAndArrayInputsAgree() throws {
        let text = #"{"k":["v",1.5,{"n":null}]}"#
        #expect(try JSONParser.parse(text) == JSONParser.parse(Array(text.utf8)))
        let sub = text.dropFirst(0) // a non-native slice goes through its own UTF-8
        #expect(try JSONParser.parse(String(sub)) == JSONParser.parse(text))
    }
}
