import Foundation
import Testing

@testable import Engage

/// SplitMix64: a small seeded generator, so a failing case can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct JSONSerializerTests {
    static func text(_ value: JSON, pretty: Bool = false) -> String { JSONSerializer.string(value, pretty: pretty) }

    // MARK: - Numbers

    @Test func integersUpTo2To53AreExact() throws {
        let limit: Int64 = 1 << 53
        var fixed: [Int64] = [
            0, 1, -1, 9, 10, -10, 1_000_000, limit, -limit, limit - 1, -(limit - 1),
            4_294_967_296, -2_147_483_648,
        ]
        var rng = SeededGenerator(seed: 0x5EED_0001)
        for _ in 0..<3000 { fixed.append(Int64.random(in: -limit...limit, using: &rng)) }
        for _ in 0..<300 { fixed.append(Int64.random(in: -1000...1000, using: &rng)) }
        for i in fixed {
            let s = Self.text(.number(Double(i)))
            #expect(s == String(i))
            let back = try JSONParser.parse(s)
            #expect(back == .number(Double(i)))
            #expect(back.intValue == Int(i))
        }
        // Beyond 2^53 an integer literal becomes the nearest double (ties to even).
        #expect(try JSONParser.parse("9007199254740993") == .number(9_007_199_254_740_992))
        #expect(try JSONParser.parse("-9007199254740995") == .number(-9_007_199_254_740_996))
    }

    @Test func knownShortestForms() throws {
        let cases: [(Double, String)] = [
            (0.1, "0.1"), (-2.5, "-2.5"), (123.456, "123.456"), (1.0 / 3.0, "0.3333333333333333"),
            (0.1 + 0.2, "0.30000000000000004"), (100, "100"), (-0.0, "0"), (1e-7, "1e-07"),
            (0.0001, "0.0001"), (1e21, "1e+21"), (5e-324, "5e-324"),
            (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
            (Double.leastNormalMagnitude, "2.2250738585072014e-308"),
            (9_007_199_254_740_994, "9.007199254740994e+15"), (2.5e-5, "2.5e-05"),
        ]
        for (d, expected) in cases {
            #expect(Self.text(.number(d)) == expected, "\(d)")
            #expect(try JSONParser.parse(expected) == .number(d), "\(expected)")
        }
        // Never a non-number: values cannot hold infinities, but if one is built by hand
        // the output stays valid JSON.
        #expect(Self.text([.number(.infinity), .number(-.infinity), .number(.nan)]) == "[null,null,null]")
    }

    /// The significant digits of a number's text (`-1.2300e+05` → 3 after trimming zeros).
    static func significantDigits(_ text: String) -> Int {
        let mantissa = text.split(whereSeparator: { $0 == "e" || $0 == "E" }).first.map(String.init) ?? text
        var digits = mantissa.filter(\.isNumber)
        while digits.hasPrefix("0") { digits.removeFirst() }
        while digits.hasSuffix("0") { digits.removeLast() }
        return max(1, digits.count)
    }

    @Test func randomDoublesRoundTripBitIdenticalInShortestForm() throws {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        var values: [Double] = []
        while values.count < 3000 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite, d != 0 { values.append(d) }
        }
        for _ in 0..<1000 { values.append(Double.random(in: -1e6...1e6, using: &rng)) }
        for _ in 0..<500 { values.append(Double(Int.random(in: -999_999...999_999, using: &rng)) / 1000) }
        for _ in 0..<500 { values.append(Double.random(in: 0..<1, using: &rng) * 1e-300) } // subnormals
        var failures: [String] = []
        for d in values {
            let text = Self.text(.number(d))
            guard case .number(let back) = try JSONParser.parse(text) else {
                failures.append("\(text) did not parse as a number")
                continue
            }
            if back.bitPattern != d.bitPattern {
                failures.append("\(d.bitPattern): \(text) read back as \(back)")
                continue
            }
            // Shortest: the nearest text with one significant digit fewer reads back differently.
            let n = Self.significantDigits(text)
            if n > 1 {
                let shorter = String(format: "%.\(n - 2)e", d)
                if Double(shorter) == d { failures.append("\(text) is not shortest: \(shorter) reads back the same") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        #expect(values.count == 5000)
    }

    // MARK: - Strings

    @Test func escapesControlCharactersQuotesAndBackslashes() throws {
        var raw = ""
        for c in 0..<0x20 { raw.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        raw += "\"\\/\u{7F}é\u{2028}😀"
        let expected =
            #""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000B\f\r\u000E\u000F"#
            + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F"#
            + #"\"\\/"# + "\u{7F}é\u{2028}😀\""
        #expect(Self.text(.string(raw)) == expected)
        #expect(try JSONParser.parse(expected) == .string(raw))
        // Keys are escaped the same way; plain text is copied unchanged.
        #expect(Self.text(["a\"b\\c\n": "plain text"]) == #"{"a\"b\\c\n":"plain text"}"#)
        #expect(Self.text(["", "\u{0}"]) == #"["","\u0000"]"#)
    }

    // MARK: - Structure

    @Test func compactOutputKeepsMemberOrder() throws {
        let text = #"{"z":1,"a":[true,false,null,{}],"m":{"y":[],"b":"s"}}"#
        let v = try JSONParser.parse(text)
        #expect(Self.text(v) == text)
        #expect(v.description == text)
        #expect(JSONSerializer.bytes(v) == Array(text.utf8))
        var out = Array("prefix:".utf8)
        JSONSerializer.write([1, 2], into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "prefix:[1,2]")
    }

    @Test func prettyOutput() throws {
        let v: JSON = ["name": "x", "list": [1, [], ["k": nil]], "empty": [:]]
        let expected = """
            {
              "name": "x",
              "list": [
                1,
                [],
                {
                  "k": null
                }
              ],
              "empty": {}
            }
            """
        #expect(Self.text(v, pretty: true) == expected)
        #expect(Self.text(7, pretty: true) == "7")
        #expect(Self.text([], pretty: true) == "[]")
    }

    @Test func prettyAndCompactOutputParseBackEqual() throws {
        let text = #"""
            {"campaigns":[{"id":"plan-nudge","priority":10,"weights":[0.25,0.75,1e-9],
             "audience":{"and":[{">=":[{"var":"visits.plans"},3]},{"in":[{"var":"plan"},["basic","plus"]]}]},
             "message":{"title":"Caf\u00e9 \"deal\"","body":"line1\nline2\t\u0001","emoji":"\ud83d\ude00"}}],
             "limits":{"depth":512,"ratio":-0.5,"big":123456789012345678901234567890,"tiny":5e-324},
             "empty":{"a":[],"o":{}},"nulls":[null,true,false]}
            """#
        let v = try JSONParser.parse(text)
        for pretty in [false, true] {
            let out = JSONSerializer.bytes(v, pretty: pretty)
            let back = try JSONParser.parse(out)
            #expect(back == v)
            #expect(JSONSerializer.bytes(back, pretty: pretty) == out, "serialization is stable")
        }
        #expect(Self.text(v["limits"]?["big"] ?? nil) == "1.2345678901234568e+29")
    }

    @Test func boundedOutputStopsEarly() throws {
        let value: JSON = ["a": [1, 2, 3], "b": "text"]
        let full = JSONSerializer.bytes(value)
        #expect(JSONSerializer.bytes(value, maxBytes: full.count) == full)
        #expect(JSONSerializer.bytes(value, maxBytes: full.count - 1) == nil)
        #expect(JSONSerializer.bytes(value, pretty: true, maxBytes: 1 << 20) == JSONSerializer.bytes(value, pretty: true))
        // 10,000 references to one 10,000-element array: 10^8 elements as text.
        let inner = JSON.array(Array(repeating: 7, count: 10_000))
        let shared = JSON.array(Array(repeating: inner, count: 10_000))
        #expect(JSONSerializer.bytes(shared, maxBytes: 1 << 20) == nil)
        #expect(JSONSerializer.bytes(shared, pretty: true, maxBytes: 1 << 20) == nil)
    }
}
