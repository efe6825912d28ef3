// What a structure-aware mutation puts in place of a value: JSON *text*, not values, so
// the numbers reach the parser as written (a `JSON.number` could not hold 2^63 + 1 or
// 1e-400 as text) and a fragment may be anything, valid JSON or not.

enum Replacements {
    /// Numeric extremes and boundaries, as literals: the integer/double edges, the range
    /// of instants (docs/time.md), 32-bit edges, underflow and overflow, negative zero,
    /// fractions where integers are expected.
    static let numbers: [String] = [
        "9223372036854775808", "-9223372036854775808", "9223372036854775807", "-9223372036854775807",
        "9223372036854775809", "-9223372036854775809", "9223372036854775806", "18446744073709551616",
        "18446744073709551615", "9007199254740992", "9007199254740993", "-9007199254740993",
        "9007199254740991", "-9007199254740991", "1e308", "-1e308", "1.7976931348623157e308",
        "-1.7976931348623157e308", "1e-400", "-1e-400", "5e-324", "-0", "-0.0", "0.5", "-0.5",
        "0", "1", "-1", "2", "100", "101", "255", "256", "65536", "2147483647", "2147483648",
        "-2147483648", "-2147483649", "4294967296", "1e15", "1e16", "1e19", "1e20", "1e300",
        "253402300799999", "253402300800000", "-62167219200000", "-62167219200001",
        "1795150000000", "86400000", "3.5", "0.1", "99.999", "1E2", "1e+2", "0e0", "1e400",
        "123456789012345678901234567890", "0.000000000000000000000000000001",
        "9223372036854775.807", "604800000", "31536000000000",
    ]

    /// Strings that look like numbers, times, durations, zones, templates and the
    /// documents' own enumerations — already JSON text.
    static let strings: [String] = [
        #""NaN""#, #""Infinity""#, #""-Infinity""#, #""nan""#, #""-9223372036854775808""#,
        #""9223372036854775807""#, #""1e308""#, #""""#, #"" ""#, #""0""#, #""-1""#, #""null""#,
        #""true""#, #""localtime""#, #""UTC""#, #""Etc/GMT+14""#, #""Etc/GMT-15""#,
        #""posixrules""#, #""posix/Asia/Seoul""#, #""right/UTC""#, #""../../../etc/passwd""#,
        #""/etc/localtime""#, #""Asia/Seoul""#, #""US/Pacific""#, #""EST5EDT""#, #""Factory""#,
        #""asia/seoul""#, #""Asia/Seoul ""#, #""9999-12-31T23:59:59Z""#,
        #""9999-12-31T23:59:59.999-23:59""#, #""0000-01-01T00:00:00+23:59""#,
        #""10000-01-01T00:00:00Z""#, #""0000-01-01T00:00:00Z""#, #""2026-02-30T00:00:00Z""#,
        #""2026-01-01T00:00:00.1234567890123+09:00""#, #""2026-01-01T24:00:00Z""#,
        #""2026-01-01T23:59:60Z""#, #""2026-01-01t00:00:00z""#, #""1d""#, #""0d""#, #""-1d""#,
        #""9223372036854775807d""#, #""9223372036854775807m""#, #""99999999999999999999w""#,
        #""1.5h""#, #""7dd""#, #""1e3d""#, #""24:00""#, #""23:59""#, #""25:00""#, #""00:00""#,
        #""9:5""#, #""-1:00""#, #""\u0000""#, #""a\u0000b""#, #""\ud800""#, #""é""#,
        #""{{user.first_name}}""#, #""{{""#, #""}}""#, #""{{ a | b | c }}""#,
        #""{{user.x | default: \"y\"}}""#, #""{{user.x | truncate: 9223372036854775807}}""#,
        #""{{user.x | truncate: -1}}""#, #""{{#each user}}{{/each}}""#, #""marketing""#,
        #""transactional""#, #""service""#, #""push""#, #""sms""#, #""in_app""#, #""email""#,
        #""whatsapp""#, #""rcs""#, #""fax""#, #""memory""#, #""sqlite""#, #""callbacks""#,
        #""redis""#, #""always""#, #""batch""#, #""impression""#, #""click""#, #""dismissal""#,
        #""conversion""#, #""event""#, #""conversation""#, #""active""#, #""paused""#,
        #""draft""#, #""day""#, #""week""#, #""month""#, #""user""#, #""mon""#, #""sun""#,
        #""page_view""#, #""app_open""#, #""app_home_popup""#, #""app_home_banner""#,
        #""plan-change-nudge""#, #""adults""#, #""%s%n%x""#, #""html""#, #""text""#,
    ]

    /// Values of the wrong type, empty containers, and small values of the documents'
    /// own shapes (a rule, a cap, a window) to land where something else is expected.
    static let wrongTypes: [String] = [
        "null", "true", "false", "0", #""""#, "[]", "{}", "[null]", #"{"":null}"#, "[[]]", "[{}]",
        #""x""#, "[1,2,3]", #"["a","a"]"#, #"{"var":"user.plan"}"#, #"{"segment":"adults"}"#,
        #"{"segment":"no_such_segment"}"#, #"{"count":1,"window":"1d"}"#,
        #"{"calendar":"week"}"#, #"{"from":"21:00","to":"08:00"}"#,
        #"{"some":[{"var":"user.list"},{"segment":"adults"}]}"#,
        #"{"event_count":["page_view","9223372036854775807d"]}"#,
        #"{"name":"page_view","properties":{}}"#, #"{"marketing":true}"#,
        #"{"a":1,"a":2}"#, #"{"kind":"memory"}"#,
    ]

    /// Escaped string pieces that long strings and keys repeat: one- to four-byte
    /// characters, escapes, NUL, a lone surrogate, template and path syntax.
    static let pieces: [String] = [
        "a", "é", "😀", "\\u0000", "\\\"", "\\\\", "\\ud800", "0", " ", "/", ".", "{{", "|", "\\n", "k",
    ]

    /// Lengths at the edges of the limits (64-byte names, 256-byte ids, 4 KiB texts).
    static let lengths: [Int] = [
        0, 1, 63, 64, 65, 255, 256, 257, 1023, 1024, 4095, 4096, 4097, 65_535, 65_536,
    ]
}
