import Testing

@testable import Engage

/// The parser's fast paths (issue 15): strings scanned eight bytes at a time, copied
/// only from the first escape on, keys hashed from the document's bytes, and open
/// containers kept on one stack that grows. Each case puts the byte that ends a plain
/// run at every position around the 8-byte words, where an off-by-one would show.
@Suite struct JSONParserFastPathTests {
    /// `"` + `before` a's + `middle` + `after` b's + `"`.
    func quoted(_ before: Int, _ middle: [UInt8], _ after: Int) -> [UInt8] {
        [0x22] + [UInt8](repeating: 0x61, count: before) + middle + [UInt8](repeating: 0x62, count: after) + [0x22]
    }

    func text(_ before: Int, _ middle: String, _ after: Int) -> String {
        String(repeating: "a", count: before) + middle + String(repeating: "b", count: after)
    }

    @Test func plainRunsEndWhereTheSpecialByteIs() throws {
        for before in 0..<20 {
            for after in [0, 1, 7, 8, 9] {
                #expect(try JSONParser.parse(quoted(before, [], after)) == .string(text(before, "", after)))
                // An escape, a raw two-byte character, an escape after a raw character.
                #expect(try JSONParser.parse(quoted(before, Array(#"\n"#.utf8), after)) == .string(text(before, "\n", after)))
                #expect(try JSONParser.parse(quoted(before, [0xC3, 0xA9], after)) == .string(text(before, "é", after)))
                #expect(
                    try JSONParser.parse(quoted(before, [0xC3, 0xA9] + Array(#"\"\u00e9"#.utf8), after))
                        == .string(text(before, "é\"é", after)))
                // A raw DEL (0x7F) is plain ASCII, not a special byte.
                #expect(try JSONParser.parse(quoted(before, [0x7F], after)) == .string(text(before, "\u{7F}", after)))
            }
        }
    }

    @Test func errorsInsideARunNameTheirByte() {
        for before in 0..<20 {
            let control = parseError(quoted(before, [0x01], 3))
            #expect(control?.code == .syntax)
            #expect(control?.offset == 1 + before)
            #expect(control?.message == "unescaped control character U+0001 in a string (expected it escaped, e.g. \\u0001)")
            let invalid = parseError(quoted(before, [0xFF], 3))
            #expect(invalid?.code == .encoding)
            #expect(invalid?.offset == 1 + before)
            // A truncated sequence after an escape: the copy to scratch keeps the offsets.
            let truncated = parseError(Array(quoted(before, Array(#"\t"#.utf8) + [0xE2, 0x82], 0).dropLast()))
            #expect(truncated?.code == .encoding)
            #expect(truncated?.offset == 1 + before + 4)
            let unterminated = parseError(Array(quoted(before, [], 0).dropLast()))
            #expect(unterminated?.message == "unterminated string opened at byte 0: expected '\"', found end of input")
            #expect(unterminated?.offset == 1 + before)
        }
    }

    @Test func stringLimitCountsUnescapedBytesOnEveryPath() {
        let limits = JSONLimits(maxStringBytes: 10)
        // Plain, raw UTF-8 (no copy) and escaped (copied): 11 bytes each, one too many.
        for middle in [
            [UInt8](repeating: 0x61, count: 11), [0xC3, 0xA9] + [UInt8](repeating: 0x61, count: 9), Array(#"\n"#.utf8) + [UInt8](repeating: 0x61, count: 10),
        ] {
            let e = parseError(quoted(0, middle, 0), limits: limits)
            #expect(e?.code == .limit)
            #expect(e?.message == "string longer than 10 bytes")
        }
        // Ten bytes pass, however written.
        #expect(parseError(quoted(0, [0xC3, 0xA9] + [UInt8](repeating: 0x61, count: 8), 0), limits: limits) == nil)
        #expect(parseError(quoted(0, Array(#"\n"#.utf8) + [UInt8](repeating: 0x61, count: 9), 0), limits: limits) == nil)
    }

    @Test func keysHashedFromTheDocumentMatchLookups() throws {
        // Escaped, raw non-ASCII and plain keys, in a small object (scanned) and in a
        // large one (hash table): each found by the String a rule would use.
        for filler in [0, 20] {
            var members = (0..<filler).map { #""k\#($0)":\#($0)"# }
            members += [#""caf\u00e9":1"#, #""na\#u{EF}ve":2"#, #""a\"b":3"#, #""plain_key_over_15_bytes":4"#]
            let v = try JSONParser.parse("{" + members.joined(separator: ",") + "}")
            let o = try #require(v.objectValue)
            #expect(o["café"] == 1)
            #expect(o["naïve"] == 2)
            #expect(o["a\"b"] == 3)
            #expect(o["plain_key_over_15_bytes"] == 4)
            #expect(o["k0"] == (filler > 0 ? 0 : nil))
            #expect(o.count == filler + 4)
        }
    }

    @Test func duplicateKeysInLargeAndNestedObjects() throws {
        // 30 members with "k3" repeated last and an escaped spelling of "k5": one member
        // per key, the last value at the first position, inside an array of two.
        let members = (0..<30).map { #""k\#($0)":\#($0)"# } + [#""k3":"last""#, #""k\u0035":"five""#]
        let object = "{" + members.joined(separator: ",") + "}"
        let v = try JSONParser.parse("[" + object + "," + object + "]")
        for element in try #require(v.arrayValue) {
            let o = try #require(element.objectValue)
            #expect(o.count == 30)
            #expect(o.keys == (0..<30).map { "k\($0)" })
            #expect(o["k3"] == "last")
            #expect(o["k5"] == "five")
            #expect(o["k29"] == 29)
        }
    }

    @Test func duplicatesFoundAtEveryPositionAroundTheScanLimit() throws {
        // Objects of n members whose last key repeats the first (or, escaped, the one
        // before it): small ones are checked as keys arrive, large ones by the table.
        for n in 2...(JSONObject.linearLimit + 3) {
            for repeated in [0, n - 2] {
                var members = (0..<(n - 1)).map { #""k\#($0)":\#($0)"# }
                members.append(#""k\#(repeated)":"again""#)
                let o = try #require(JSONParser.parse("{" + members.joined(separator: ",") + "}").objectValue)
                #expect(o.count == n - 1)
                #expect(o.keys == (0..<(n - 1)).map { "k\($0)" })
                #expect(o["k\(repeated)"] == "again")
            }
        }
    }

    @Test func keyHashOfAWholeLastWordEqualsTheByteByByteHash() {
        // The parser hashes a key in the document reading its last word whole; every
        // length and alignment gives the hash a String's bytes give.
        let text = Array("the_quick_brown_fox_jumps_over_the_lazy_dog_0123456789".utf8)
        text.withUnsafeBytes { all in
            for start in 0..<8 {
                for n in 0...24 {
                    let key = UnsafeRawBufferPointer(rebasing: all[start..<(start + n)])
                    let expected = JSONObject.keyHash(String(decoding: key, as: UTF8.self))
                    #expect(JSONObject.keyHash(key, readable: all.count - start) == expected)
                    #expect(JSONObject.keyHash(key) == expected)
                }
            }
        }
    }

    @Test func manyMembersAndDeepNestingGrowTheStacks() throws {
        // 300 open members across nested containers (the stack starts at 64 or fewer)
        // and 100 levels (frames start at 16), every value where it was written.
        var text = ""
        for depth in 0..<100 {
            let siblings = (0..<3).map { #""s\#(depth)_\#($0)":[\#(depth),\#($0)]"# }.joined(separator: ",")
            text += "{" + siblings + #","next":["#
        }
        text += "null" + String(repeating: "]}", count: 100)
        var v = try JSONParser.parse(text)
        for depth in 0..<100 {
            let o = try #require(v.objectValue)
            #expect(o.keys == ["s\(depth)_0", "s\(depth)_1", "s\(depth)_2", "next"])
            #expect(o["s\(depth)_2"] == [.number(Double(depth)), 2])
            v = try #require(o["next"]?[0])
        }
        #expect(v == nil)
        let wide = try JSONParser.parse("[" + (0..<1000).map { "[\($0),\"\($0)\"]" }.joined(separator: ",") + "]")
        #expect(wide.arrayValue?.count == 1000)
        #expect(wide[999] == [999, "999"])
    }

    @Test func errorsWithOpenContainersLeaveNothingBehind() {
        // A failure deep inside open containers with members on the stack (the parser
        // releases them): the error is the one a fresh parse gives, each time.
        let text = #"{"a":[1,"two",{"b":"\u00e9","c":[true,{"d":"#
        for _ in 0..<3 {
            let e = parseError(text)
            #expect(e?.message == "expected a value, found end of input")
            #expect(e?.offset == text.utf8.count)
        }
    }
}
