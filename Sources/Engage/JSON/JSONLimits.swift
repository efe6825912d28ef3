/// Bounds on what the JSON parser accepts. Input beyond a limit is an error that names
/// the limit and the byte offset — never a stack overflow, a trap or an unbounded
/// allocation.
///
/// The defaults suit campaign sets of tens of thousands of campaigns and request
/// contexts of any realistic size; hosts tighten them for per-request input.
public struct JSONLimits: Sendable, Equatable {
    /// The deepest nesting any caller may configure. The parser itself does not
    /// recurse, but values are released, compared and serialized recursively, so depth
    /// is capped to keep those within a 512 KiB thread stack (the smallest a host is
    /// likely to call us on), as ``CompileOptions/depthCeiling`` does for rules.
    public static let depthCeiling = 1024

    /// Maximum nesting of arrays and objects (a scalar at top level has depth 0,
    /// `[[1]]` depth 2). Values above ``depthCeiling`` are treated as the ceiling.
    public var maxDepth: Int
    /// Maximum size of the whole document, in bytes.
    public var maxBytes: Int
    /// Maximum size of one string (key or value) after unescaping, in UTF-8 bytes.
    public var maxStringBytes: Int
    /// Maximum number of values in the document (every scalar, array and object counts
    /// one; keys do not).
    public var maxElements: Int

    /// Depth 512, 64 MiB, 1 MiB strings, 4,000,000 values.
    public init(
        maxDepth: Int = 512, maxBytes: Int = 64 << 20,
        maxStringBytes: Int = 1 << 20, maxElements: Int = 4_000_000
    ) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.maxStringBytes = maxStringBytes
        self.maxElements = maxElements
    }

    /// The defaults.
    public static let `default` = JSONLimits()

    /// ``maxDepth`` clamped to `0...depthCeiling`.
    var effectiveDepth: Int { max(0, min(maxDepth, JSONLimits.depthCeiling)) }
}

/// Why a JSON text was rejected, and where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, by category.
    public enum Code: String, Sendable {
        /// The text breaks RFC 8259's grammar.
        case syntax
        /// The text is not valid UTF-8.
        case encoding
        /// A number literal overflows a double.
        case numberRange = "number_range"
        /// A configured limit (depth, size, string length, element count) was exceeded.
        case limit
    }

    /// The category.
    public let code: Code
    /// Zero-based byte offset in the input where the problem was found.
    public let offset: Int
    /// What was expected and what was found, e.g. `expected ',' or ']' after an array
    /// element, found '}'`.
    public let message: String

    public init(_ code: Code, offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = ErrorText.bounded(message)
    }

    /// `invalid JSON at byte 17: expected ...`.
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}
