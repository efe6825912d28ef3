import Foundation
import Testing

@testable import Engage

/// Runs the parser over Nicolas Seriot's JSONTestSuite in `../shared/conformance/jsontestsuite`
/// (read in place; `$ENGAGE_SHARED` overrides the shared folder).
///
/// - `test_parsing`: every `y_` file accepted, every `n_` file rejected, every `i_` file
///   parsed without crashing — and, where libengage documents a choice, that choice.
/// - `test_transform`: the values libengage documents for duplicate keys, lone
///   surrogates and numbers.
///
/// Each file is parsed twice: from an exact-size buffer, and as the prefix of a larger
/// buffer whose extra bytes would change the outcome if the parser read past the count.
@Suite struct JSONTestSuiteTests {
    static let base = "conformance/jsontestsuite/"

    static func files(in folder: String) throws -> [String] {
        let path = SharedFixtures.sharedRoot + "/" + base + folder
        let names = try FileManager.default.contentsOfDirectory(atPath: path)
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        try SharedFixtures.bytes(base + folder + "/" + name)
    }

    /// Parses `bytes` as the first `bytes.count` bytes of a buffer followed by junk that
    /// would turn an accepted document into a rejected one (and vice versa for some
    /// truncated ones), so any read past the count shows up as a different outcome.
    static func parseWithTrailingJunk(_ bytes: [UInt8]) -> Result<JSON, JSONParseError> {
        let junk = Array(#"]}"0\u0000 ,1e5 true"#.utf8) + [0xFF, 0x00]
        let padded = bytes + junk
        return padded.withUnsafeBytes { raw in
            let prefix = UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count])
            do throws(JSONParseError) {
                return .success(try JSONParser.parse(prefix))
            } catch {
                return .failure(error)
            }
        }
    }

    static func parse(_ bytes: [UInt8]) -> Result<JSON, JSONParseError> {
        do throws(JSONParseError) {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(error)
        }
    }

    /// What libengage does with the files the suite leaves to the implementation.
    /// `.accept(value)` asserts the parsed value; `.reject(code)` the error category.
    enum Expected {
        case accept(JSON?)
        case reject(JSONParseError.Code)
    }

    static let implementationDefined: [String: Expected] = [
        // Underflow becomes zero; overflow is an error; big integers are approximated.
        "i_number_double_huge_neg_exp.json": .accept([0]),
        "i_number_real_underflow.json": .accept([0]),
        "i_number_huge_exp.json": .reject(.numberRange),
        "i_number_neg_int_huge_exp.json": .reject(.numberRange),
        "i_number_pos_double_huge_exp.json": .reject(.numberRange),
        "i_number_real_neg_overflow.json": .reject(.numberRange),
        "i_number_real_pos_overflow.json": .reject(.numberRange),
        "i_number_too_big_neg_int.json": .accept([.number(-123123123123123123123123123123.0)]),
        "i_number_too_big_pos_int.json": .accept([.number(100000000000000000000.0)]),
        "i_number_very_big_negative_int.json": .accept(nil),
        // Lone surrogate escapes become U+FFFD; a valid escape after one is kept.
        "i_object_key_lone_2nd_surrogate.json": .accept(["\u{FFFD}": 0]),
        "i_string_1st_surrogate_but_2nd_missing.json": .accept(["\u{FFFD}"]),
        "i_string_1st_valid_surrogate_2nd_invalid.json": .accept(["\u{FFFD}\u{1234}"]),
        "i_string_incomplete_surrogate_and_escape_valid.json": .accept(["\u{FFFD}\n"]),
        "i_string_incomplete_surrogate_pair.json": .accept(["\u{FFFD}a"]),
        "i_string_incomplete_surrogates_escape_valid.json": .accept(["\u{FFFD}\u{FFFD}\n"]),
        "i_string_invalid_lonely_surrogate.json": .accept(["\u{FFFD}"]),
        "i_string_invalid_surrogate.json": .accept(["\u{FFFD}abc"]),
        "i_string_inverted_surrogates_U+1D11E.json": .accept(["\u{FFFD}\u{FFFD}"]),
        "i_string_lone_second_surrogate.json": .accept(["\u{FFFD}"]),
        // Invalid UTF-8 inside a string is an encoding error.
        "i_string_UTF-8_invalid_sequence.json": .reject(.encoding),
        "i_string_UTF8_surrogate_U+D800.json": .reject(.encoding),
        "i_string_invalid_utf-8.json": .reject(.encoding),
        "i_string_iso_latin_1.json": .reject(.encoding),
        "i_string_lone_utf8_continuation_byte.json": .reject(.encoding),
        "i_string_not_in_unicode_range.json": .reject(.encoding),
        "i_string_overlong_sequence_2_bytes.json": .reject(.encoding),
        "i_string_overlong_sequence_6_bytes.json": .reject(.encoding),
        "i_string_overlong_sequence_6_bytes_null.json": .reject(.encoding),
        "i_string_truncated-utf-8.json": .reject(.encoding),
        // Only UTF-8 is accepted; UTF-16 starts with a byte that begins no value.
        "i_string_UTF-16LE_with_BOM.json": .reject(.syntax),
        "i_string_utf16BE_no_BOM.json": .reject(.syntax),
        "i_string_utf16LE_no_BOM.json": .reject(.syntax),
        // 500 levels is within the default depth of 512; a UTF-8 BOM is skipped.
        "i_structure_500_nested_arrays.json": .accept(nil),
        "i_structure_UTF-8_BOM_empty_object.json": .accept(.object(JSONObject())),
    ]

    @Test func testParsing() throws {
        let names = try Self.files(in: "test_parsing")
        #expect(names.count == 318, "expected 318 files in test_parsing, found \(names.count)")
        var accepted: [String: Int] = [:]
        var rejected: [String: Int] = [:]
        var failures: [String] = []
        for name in names {
            let prefix = String(name.prefix(2))
            let bytes = try Self.bytes("test_parsing", name)
            let result = Self.parse(bytes)
            let padded = Self.parseWithTrailingJunk(bytes)
            switch (result, padded) {
            case (.success(let a), .success(let b)) where a == b: break
            case (.failure(let a), .failure(let b)) where a == b: break
            default: failures.append("\(name): outcome changes when bytes follow the given length")
            }
            switch result {
            case .success(let value):
                accepted[prefix, default: 0] += 1
                if prefix == "n_" { failures.append("\(name): accepted, should be rejected: \(value)") }
                // Whatever is accepted re-serializes to text that parses back equal.
                let text = JSONSerializer.bytes(value)
                if (try? JSONParser.parse(text)) != value {
                    failures.append("\(name): serializer round trip differs")
                }
            case .failure(let error):
                rejected[prefix, default: 0] += 1
                if prefix == "y_" { failures.append("\(name): rejected, should be accepted: \(error)") }
                if error.offset < 0 || error.offset > bytes.count {
                    failures.append("\(name): error offset \(error.offset) outside 0...\(bytes.count)")
                }
            }
            if prefix == "i_" {
                switch (Self.implementationDefined[name], result) {
                case (nil, _):
                    failures.append("\(name): no documented expectation")
                case (.accept(let expected)?, .success(let value)):
                    if let expected, expected != value {
                        failures.append("\(name): expected \(expected), got \(value)")
                    }
                case (.reject(let code)?, .failure(let error)):
                    if error.code != code { failures.append("\(name): expected \(code) error, got \(error.code): \(error)") }
                case (.accept?, .failure(let error)):
                    failures.append("\(name): expected acceptance, got \(error)")
                case (.reject(let code)?, .success(let value)):
                    failures.append("\(name): expected \(code) error, got \(value)")
                }
            }
        }
        print("JSONTestSuite test_parsing (\(names.count) files):")
        for prefix in ["y_", "n_", "i_"] {
            print("  \(prefix): \(accepted[prefix, default: 0]) accepted, \(rejected[prefix, default: 0]) rejected")
        }
        for f in failures { print("  FAIL \(f)") }
        #expect(failures.isEmpty, "\(failures.count) JSONTestSuite files misbehaved")
        #expect(accepted["y_", default: 0] == 95)
        #expect(rejected["n_", default: 0] == 188)
        #expect(
            accepted["y_", default: 0] + rejected["n_", default: 0] + accepted["i_", default: 0]
                + rejected["i_", default: 0] == names.count)
    }

    @Test func testTransform() throws {
        let expected: [String: Expected] = [
            // Numbers are doubles: integers beyond 2^53 round to the nearest double.
            "number_-9223372036854775808.json": .accept([.number(-9223372036854775808.0)]),
            "number_-9223372036854775809.json": .accept([.number(-9223372036854775808.0)]),
            "number_1.0.json": .accept([1]),
            "number_1.000000000000000005.json": .accept([1]),
            "number_1000000000000000.json": .accept([1_000_000_000_000_000]),
            "number_10000000000000000999.json": .accept([.number(10000000000000000999.0)]),
            "number_1e-999.json": .accept([0]),
            "number_1e6.json": .accept([1_000_000]),
            "number_9223372036854775807.json": .accept([.number(9223372036854775807.0)]),
            "number_9223372036854775808.json": .accept([.number(9223372036854775808.0)]),
            // Keys are compared as bytes: NFC and NFD spellings are different keys.
            "object_key_nfc_nfd.json": .accept(nil),
            "object_key_nfd_nfc.json": .accept(nil),
            // Duplicate keys: last value wins, at the first key's position.
            "object_same_key_different_values.json": .accept(["a": 2]),
            "object_same_key_same_value.json": .accept(["a": 1]),
            "object_same_key_unclear_values.json": .accept(["a": .number(-0.0)]),
            // Lone surrogate escapes become U+FFFD; raw surrogate bytes are invalid UTF-8.
            "string_1_escaped_invalid_codepoint.json": .accept(["\u{FFFD}"]),
            "string_2_escaped_invalid_codepoints.json": .accept(["\u{FFFD}\u{FFFD}"]),
            "string_3_escaped_invalid_codepoints.json": .accept(["\u{FFFD}\u{FFFD}\u{FFFD}"]),
            "string_1_invalid_codepoint.json": .reject(.encoding),
            "string_2_invalid_codepoints.json": .reject(.encoding),
            "string_3_invalid_codepoints.json": .reject(.encoding),
            "string_with_escaped_NULL.json": .accept(["A\u{0}B"]),
        ]
        let names = try Self.files(in: "test_transform")
        #expect(names.count == expected.count)
        for name in names {
            let result = Self.parse(try Self.bytes("test_transform", name))
            switch (expected[name], result) {
            case (nil, _):
                Issue.record("\(name): no documented expectation")
            case (.accept(let value)?, .success(let actual)):
                if let value { #expect(actual == value, "\(name)") }
            case (.reject(let code)?, .failure(let error)):
                #expect(error.code == code, "\(name): \(error)")
            case (_, let other):
                Issue.record("\(name): unexpected outcome \(other)")
            }
        }

        // Details `==` cannot show: member order, the sign of zero, key bytes.
        let unclear = Self.parse(try Self.bytes("test_transform", "object_same_key_unclear_values.json"))
        if case .success(.object(let o)) = unclear {
            #expect(o.count == 1)
            #expect(o["a"]?.doubleValue?.sign == .minus, "last value (-0) wins")
        } else {
            Issue.record("object_same_key_unclear_values.json not parsed as an object")
        }
        let nfc = Self.parse(try Self.bytes("test_transform", "object_key_nfc_nfd.json"))
        if case .success(.object(let o)) = nfc {
            #expect(o.count == 2)
            #expect(o.keys.map { Array($0.utf8) } == [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
            #expect(o.values == ["NFC", "NFD"])
        } else {
            Issue.record("object_key_nfc_nfd.json not parsed as an object")
        }
    }
}
