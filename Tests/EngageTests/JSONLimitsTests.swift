import Testing

@testable import Engage

/// Limits end in a `.limit` error at a byte offset — never a stack overflow, a trap,
/// or unbounded time or memory.
@Suite struct JSONLimitsTests {
    static func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "1") -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(depth * (open.utf8.count + close.utf8.count) + inner.utf8.count)
        for _ in 0..<depth { bytes.append(contentsOf: open.utf8) }
        bytes.append(contentsOf: inner.utf8)
        for _ in 0..<depth { bytes.append(contentsOf: close.utf8) }
        return bytes
    }

    // MARK: - Depth

    @Test func millionDeepNestingIsALimitError() throws {
        let open = [UInt8](repeating: 0x5B, count: 1_000_000)
        let e = try #require(parseError(open))
        #expect(e.code == .limit)
        #expect(e.offset == 512)
        #expect(e.message == "nesting deeper than 512 levels")
        // Balanced, and objects: the same.
        let balanced = try #require(parseError(Self.nested(1_000_000)))
        #expect(balanced.code == .limit)
        #expect(balanced.offset == 512)
        let objects = try #require(parseError(Self.nested(1_000_000, open: #"{"k":"#, close: "}")))
        #expect(objects.code == .limit)
        #expect(objects.offset == 512 * 5)
        // Raising the limit as far as it goes still ends in an error, at the ceiling.
        let raised = try #require(parseError(open, limits: JSONLimits(maxDepth: Int.max)))
        #expect(raised.code == .limit)
        #expect(raised.offset == JSONLimits.depthCeiling)
        #expect(raised.message == "nesting deeper than \(JSONLimits.depthCeiling) levels")
    }

    @Test func depthExactlyAtTheLimitIsAccepted() throws {
        let v = try JSONParser.parse(Self.nested(512))
        var depth = 0
        var cursor = v
        while case .array(let a) = cursor, a.count == 1 {
            depth += 1
            cursor = a[0]
        }
        #expect(depth == 512)
        #expect(cursor == 1)
        #expect(parseError(Self.nested(513))?.offset == 512)
        #expect(try JSONParser.parse(Self.nested(512, open: #"{"k":"#, close: "}")).objectValue != nil)
        #expect(parseError(Self.nested(513, open: #"{"k":"#, close: "}"))?.code == .limit)
        // Empty containers count as a level too.
        #expect(throws: Never.self) { try JSONParser.parse(Self.nested(511, inner: "[]")) }
        #expect(parseError(Self.nested(512, inner: "{}"))?.offset == 512)
    }

    @Test func customDepth() throws {
        let three = JSONLimits(maxDepth: 3)
        #expect(try JSONParser.parse("[[[1]]]", limits: three) == [[[1]]])
        let e = try #require(parseError("[[[[1]]]]", limits: three))
        #expect(e.code == .limit)
        #expect(e.offset == 3)
        #expect(e.message == "nesting deeper than 3 levels")
        let zero = JSONLimits(maxDepth: 0)
        #expect(try JSONParser.parse("\"scalar\"", limits: zero) == "scalar")
        #expect(parseError("[]", limits: zero)?.offset == 0)
        #expect(JSONLimits(maxDepth: -5).effectiveDepth == 0)
    }

    @Test func maxDepthAboveTheCeilingIsClamped() throws {
        let limits = JSONLimits(maxDepth: 1_000_000)
        #expect(limits.effectiveDepth == JSONLimits.depthCeiling)
        #expect(JSONLimits(maxDepth: JSONLimits.depthCeiling - 1).effectiveDepth == JSONLimits.depthCeiling - 1)
        let ceiling = JSONLimits.depthCeiling
        let deepest = try JSONParser.parse(Self.nested(ceiling), limits: limits)
        let e = try #require(parseError(Self.nested(ceiling + 1), limits: limits))
        #expect(e.code == .limit)
        #expect(e.offset == ceiling)
        // A value that deep is compared, serialized and released without exhausting the stack.
        let text = JSONSerializer.bytes(deepest)
        #expect(text == Self.nested(ceiling))
        #expect(try JSONParser.parse(text, limits: limits) == deepest)
        // Pretty output grows with depth squared (indentation), so check it at the default depth.
        let deep512 = try JSONParser.parse(Self.nested(512))
        #expect(try JSONParser.parse(JSONSerializer.bytes(deep512, pretty: true)) == deep512)
    }

    // MARK: - Document size

    /// A 100 MiB document: a hundred 1 MB ASCII strings, then an array of small objects
    /// with escapes and non-ASCII text (the parser's slower paths).
    static func hundredMegabytes() -> [UInt8] {
        let target = 100 << 20
        var doc: [UInt8] = []
        doc.reserveCapacity(target + 64)
        doc.append(contentsOf: "[".utf8)
        let chunk = [UInt8](repeating: 0x61, count: 1_000_000)
        for _ in 0..<100 {
            doc.append(0x22)
            doc.append(contentsOf: chunk)
            doc.append(contentsOf: "\",".utf8)
        }
        doc.append(contentsOf: "[".utf8)
        let record = Array(#"{"id":123456,"x":-1.25e-3,"s":"caf\u00e9 \"q\"","t":"é€"},"#.utf8)
        let tail = Array("null]]".utf8)
        while doc.count + record.count + tail.count <= target {
            doc.append(contentsOf: record)
        }
        doc.append(contentsOf: [UInt8](repeating: 0x20, count: target - tail.count - doc.count))
        doc.append(contentsOf: tail)
        return doc
    }

    @Test func hundredMegabyteDocument() throws {
        let doc = Self.hundredMegabytes()
        #expect(doc.count == 100 << 20)
        // The default size limit (64 MiB) rejects it before reading a byte.
        let clock = ContinuousClock()
        let start = clock.now
        let e = try #require(parseError(doc))
        #expect(e.code == .limit)
        #expect(e.offset == 64 << 20)
        #expect(e.message == "document is 104857600 bytes, over the limit of 67108864")
        #expect(clock.now - start < .milliseconds(100))

        // With raised limits it parses, in bounded time.
        let raised = JSONLimits(maxBytes: 128 << 20, maxStringBytes: 2_000_000, maxElements: 10_000_000)
        let parseStart = clock.now
        let v = try JSONParser.parse(doc, limits: raised)
        let elapsed = clock.now - parseStart
        print("JSONLimitsTests: parsed a 100 MiB document in \(elapsed)")
        #expect(elapsed < .seconds(120))
        let top = try #require(v.arrayValue)
        #expect(top.count == 101)
        #expect(top[0].stringValue?.utf8.count == 1_000_000)
        let records = try #require(top[100].arrayValue)
        #expect(records.count > 1_000)
        #expect(records[0] == ["id": 123456, "x": -0.00125, "s": "café \"q\"", "t": "é€"])
        #expect(records.last == nil as JSON)

        // Too many values for the element limit: a clean error, not exhaustion.
        let fewElements = JSONLimits(maxBytes: 128 << 20, maxStringBytes: 2_000_000, maxElements: 1_000)
        let tooMany = try #require(parseError(doc, limits: fewElements))
        #expect(tooMany.code == .limit)
        #expect(tooMany.message == "more than 1000 values in the document")
    }

    @Test func hostileHundredMegabyteDocumentsFailFast() throws {
        let size = 100 << 20
        let big = JSONLimits(maxBytes: size)
        let clock = ContinuousClock()
        let start = clock.now
        // One string over the string limit: rejected one byte past the limit, unterminated or not.
        do {
            var string = [UInt8](repeating: 0x61, count: size)
            string[0] = 0x22
            let e = try #require(parseError(string, limits: big))
            #expect(e.code == .limit)
            #expect(e.offset == 1)
            #expect(e.message == "string longer than 1048576 bytes")
        }
        // All brackets: the depth limit.
        do {
            let brackets = [UInt8](repeating: 0x5B, count: size)
            #expect(parseError(brackets, limits: big)?.offset == 512)
        }
        // All spaces: no value. 10 MB of digits: one number, too big for a double.
        do {
            let spaces = [UInt8](repeating: 0x20, count: size)
            #expect(parseError(spaces, limits: big)?.message == "expected a value, found end of input")
        }
        do {
            let digits = [UInt8](repeating: 0x39, count: size / 10)
            #expect(parseError(digits, limits: big)?.code == .numberRange)
        }
        #expect(clock.now - start < .seconds(60))
    }

    // MARK: - Strings and elements

    @Test func stringLengthLimit() throws {
        let ten = JSONLimits(maxStringBytes: 10)
        #expect(try JSONParser.parse(#""0123456789""#, limits: ten) == "0123456789")
        let e = try #require(parseError(#"["0123456789A"]"#, limits: ten))
        #expect(e.code == .limit)
        #expect(e.offset == 2)
        #expect(e.message == "string longer than 10 bytes")
        // Counted in UTF-8 bytes after unescaping: five "é" are ten bytes, six are twelve.
        #expect(try JSONParser.parse(String(repeating: #"\u00e9"#, count: 5).quoted, limits: ten) == .string(String(repeating: "é", count: 5)))
        #expect(parseError(String(repeating: #"\u00e9"#, count: 6).quoted, limits: ten)?.code == .limit)
        #expect(parseError(String(repeating: "é", count: 6).quoted, limits: ten)?.code == .limit)
        // Keys too.
        #expect(parseError(#"{"0123456789A":1}"#, limits: ten)?.code == .limit)
        // Unterminated and over the limit: the limit is reported.
        #expect(parseError(#""0123456789ABCDEF"#, limits: ten)?.code == .limit)
        #expect(parseError(#""0123456"#, limits: ten)?.code == .syntax)
        // Zero: only empty strings.
        #expect(try JSONParser.parse(#"["",{"":""}]"#, limits: JSONLimits(maxStringBytes: 0)) == ["", ["": ""]])
        #expect(parseError(#""a""#, limits: JSONLimits(maxStringBytes: 0))?.offset == 1)
    }

    @Test func elementCountLimit() throws {
        let three = JSONLimits(maxElements: 3)
        #expect(try JSONParser.parse("[1,2]", limits: three) == [1, 2])
        let e = try #require(parseError("[1,2,3]", limits: three))
        #expect(e.code == .limit)
        #expect(e.offset == 5)
        #expect(e.message == "more than 3 values in the document")
        // Keys are not values.
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#, limits: three) == ["a": 1, "b": 2])
        #expect(parseError(#"{"a":[],"b":{},"c":0}"#, limits: three)?.offset == 19)
        #expect(parseError("1", limits: JSONLimits(maxElements: 0))?.code == .limit)
    }

    @Test func defaults() {
        let d = JSONLimits.default
        #expect(d.maxDepth == 512)
        #expect(d.maxBytes == 64 << 20)
        #expect(d.maxStringBytes == 1 << 20)
        #expect(d.maxElements == 4_000_000)
        #expect(JSONLimits.depthCeiling == 1024)
    }
}

extension String {
    fileprivate var quoted: String { "\"" + self + "\"" }
}
