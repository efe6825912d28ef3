import Testing

@testable import Engage

// The cursor writes what the serializer writes, through a kilobyte chunk: texts that fill
// the chunk, cross it or are longer than it must come out whole and in order.

@Suite struct JSONTextCursorTests {
    private func written(_ write: (inout JSONTextCursor) -> Void) -> String {
        var out: [UInt8] = Array("x".utf8)
        JSONSerializer.writeChunked(into: &out, write)
        return String(decoding: out, as: UTF8.self)
    }

    private static let strings = [
        "", "plain", "q\"b\\s", "\n\r\t\u{8}\u{c}\u{0}\u{1f}", "é😀", String(repeating: "ab\"", count: 700),
        String(repeating: "z", count: 3000),
        // Escapes at the end of a word, in a later word, in the tail after whole words;
        // plain bytes beside the escaped ones (0x7F, 0x20–0x2F, UTF-8 at 0x80 and over).
        "0123456789abcde\"", "01234567\\", "0123456789abcdefghijklm\u{1f}", "0123456\u{0}89", "\u{7f}~!#$%&'()*+,-./[]^_`{|}",
        "ÿ\u{80}\u{ff}é€😀abcdefgh\u{19}",
    ]
    private static let numbers: [Double] = [
        0, -0.0, 1, -1, 9_007_199_254_740_992, -9_007_199_254_740_992, 9_007_199_254_740_994, 0.1, -2.2250738585072014e-308,
        1e300, .infinity, .nan,
    ]

    @Test func stringsNumbersAndValuesAsTheSerializerWritesThem() {
        for s in Self.strings {
            #expect(written { $0.string(s) } == "x" + JSONSerializer.string(.string(s)))
        }
        for d in Self.numbers {
            #expect(written { $0.number(d) } == "x" + JSONSerializer.string(.number(d)), "\(d)")
        }
        let value: JSON = .object(
            JSONObject([
                ("s", .array(Self.strings.map(JSON.string))), ("n", .array(Self.numbers.map(JSON.number))),
                ("k\"", .object(JSONObject([("t", .bool(true)), ("f", .bool(false)), ("z", .null), ("e", .array([]))]))),
            ]))
        #expect(written { $0.value(value) } == "x" + JSONSerializer.string(value))
    }

    @Test func piecesAcrossAndBeyondTheChunk() {
        // Pieces of many lengths (some longer than the chunk) land at many offsets of
        // it, across its end, over a thousand times.
        var expected = "x"
        let text = written { w in
            for shift in 0..<(JSONTextCursor.chunkBytes + 8) {
                w.literal(#"{"k":"#)
                w.number(Double(shift) * -1_234_567)
                w.literal(",")
                w.string(Self.strings[shift % Self.strings.count])
                w.literal("}")
            }
        }
        for shift in 0..<(JSONTextCursor.chunkBytes + 8) {
            expected += #"{"k":"# + JSONSerializer.string(.number(Double(shift) * -1_234_567)) + ","
            expected += JSONSerializer.string(.string(Self.strings[shift % Self.strings.count])) + "}"
        }
        #expect(text == expected)
    }
}
