/// Keeps every error text the library returns short, whatever it quotes.
///
/// Errors name what was wrong and where, and so quote the input: keys, names, values,
/// paths. A hostile document can make any of those megabytes long; echoing it back
/// would turn a rejection into a copy of the attack (and a log flood in the host). So:
///
/// - a quoted name or value longer than ``maxNameBytes`` is cut to its first
///   ``keptNameBytes`` bytes (at a character boundary), followed by an ellipsis and its
///   length: `"aaaaaaaa…(65536 bytes)"`;
/// - every path and message an error type stores is at most ``maxBytes`` bytes, cut the
///   same way (a backstop: the parts are already short).
public enum ErrorText {
    /// Longest path or message any error carries, in UTF-8 bytes (4 KiB).
    public static let maxBytes = 4096
    /// Longest name or value quoted whole in an error, in UTF-8 bytes.
    public static let maxNameBytes = 64
    /// How much of a longer name is kept.
    static let keptNameBytes = 40

    /// `text` when it is at most `limit` bytes; otherwise its first `keep` bytes and
    /// `…(N bytes)`.
    static func cut(_ text: String, limit: Int, keep: Int) -> String {
        let n = text.utf8.count
        guard n > limit else { return text }
        let utf8 = text.utf8
        var end = utf8.index(utf8.startIndex, offsetBy: keep)
        // Back up to the start of a character so the kept part stays valid UTF-8.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self) + "…(\(n) bytes)"
    }

    /// A name or value to quote in an error: whole when short, else cut with its length.
    package static func name(_ text: String) -> String {
        cut(text, limit: maxNameBytes, keep: keptNameBytes)
    }

    /// `"name"`, cut as ``name(_:)``.
    package static func quoted(_ text: String) -> String { "\"\(name(text))\"" }

    /// How a found value is shown: `"abc"`, `12`, `true`, `null`, `an array`, `an object`.
    package static func shown(_ v: JSON) -> String {
        switch v {
        case .string(let s): return quoted(s)
        case .number, .bool, .null: return v.description
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// A path or message bounded to ``maxBytes``.
    package static func bounded(_ text: String) -> String {
        cut(text, limit: maxBytes, keep: maxBytes - 64)
    }
}
