/// One problem found while loading a campaign set: where it is, what kind it is, and
/// what was expected and found.
///
/// ```
/// campaigns[3].caps[0].window: unknown unit "dd" in window "7dd" (expected s, m, h, d, w)
/// ```
///
/// ``path`` is a JSON path from the document root: members by name joined with `.`,
/// array elements as `[i]` (`campaigns[2].audience.and[1]`); the empty string is the
/// document itself. For a bad rule, the rule's own path (see ``LogicError/path``) follows
/// the field's path. ``code`` is stable: hosts and tools may branch on it; the message
/// is for people and may be reworded.
public struct CampaignSetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable problem categories.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The bytes are not valid JSON (or exceed a JSON limit); path is empty and the
        /// message gives the byte offset.
        case invalidJSON = "invalid_json"
        /// `version` (or `bucketing_version`) is not one this library reads.
        case unsupportedVersion = "unsupported_version"
        /// A required member is absent (the path is the object that lacks it).
        case missingField = "missing_field"
        /// A member this format does not define: a typo such as `prority` is never
        /// silently ignored.
        case unknownField = "unknown_field"
        /// A value of the wrong JSON type (a string where an integer belongs).
        case wrongType = "wrong_type"
        /// A string outside its set of allowed values (`purpose`, `status`, a weekday…).
        case unknownValue = "unknown_value"
        /// A channel name other than in_app, push, rcs, sms, whatsapp, email.
        case unknownChannel = "unknown_channel"
        /// A number outside its range (percentages, counts, priorities), or a string or
        /// list longer than its limit.
        case outOfRange = "out_of_range"
        /// Two campaigns (or two variants of one campaign) share an id.
        case duplicateID = "duplicate_id"
        /// Variant weights that cannot be used: none positive, or a total over the limit.
        case invalidWeights = "invalid_weights"
        /// A rolling window that does not parse (`7dd`, `0h`, `x`).
        case invalidWindow = "invalid_window"
        /// A message payload whose placeholders do not parse (`{{user.name`).
        case invalidTemplate = "invalid_template"
        /// A timestamp or a local time of day that does not parse or does not exist.
        case invalidTime = "invalid_time"
        /// A range whose start is not before its end (schedule, hours).
        case emptyRange = "empty_range"
        /// A time zone that cannot be loaded (unknown, malformed name, unreadable file).
        case unknownZone = "unknown_zone"
        /// A rule names an operator that does not exist.
        case unknownOperator = "unknown_operator"
        /// Any other rule compile error: bad arguments, an unknown or cyclic segment.
        case invalidRule = "invalid_rule"
        /// A size limit (rule depth or nodes, campaign count) was exceeded.
        case limitExceeded = "limit_exceeded"
        /// A campaign that no request could ever reach (no trigger and no placement).
        case unreachable
        /// A name that refers to something the set does not have: a campaign id in
        /// `impressions`/`last_impression`, a tag in `policies.tag_caps`; as a warning,
        /// an exclusion group no other campaign shares that is a near miss of one.
        case unknownReference = "unknown_reference"
        /// An event name (trigger, exit, behaviour operator) not in the set's `events`
        /// vocabulary; as a warning without a vocabulary, a near miss used only once.
        case unknownEvent = "unknown_event"
        /// A property an event does not have in the set's `events` vocabulary (read by a
        /// filter, summed by `event_sum`); as a warning, a near miss used only once.
        case unknownProperty = "unknown_property"
    }

    /// Where: a JSON path from the document root (`campaigns[3].caps[0].window`).
    public let path: String
    /// The category.
    public let code: Code
    /// What was expected and what was found.
    public let message: String

    public init(path: String, code: Code, message: String) {
        self.path = ErrorText.bounded(path)
        self.code = code
        self.message = ErrorText.bounded(message)
    }

    /// `campaigns[3].priority: expected an integer, found "high" [wrong_type]`.
    public var description: String {
        path.isEmpty ? "\(message) [\(code.rawValue)]" : "\(path): \(message) [\(code.rawValue)]"
    }
}

/// A campaign set was rejected: every problem found (in document order within each
/// section), up to ``CampaignSetOptions/maxProblems``.
public struct CampaignSetLoadError: Error, Sendable, CustomStringConvertible {
    /// The problems, never empty.
    public let problems: [CampaignSetError]
    /// True when more problems were found than are listed.
    public let truncated: Bool

    public init(problems: [CampaignSetError], truncated: Bool = false) {
        self.problems = problems
        self.truncated = truncated
    }

    /// One line per problem, with a first line giving the count.
    public var description: String {
        let count = truncated ? "more than \(problems.count)" : "\(problems.count)"
        var lines = ["invalid campaign set (\(count) problem\(problems.count == 1 && !truncated ? "" : "s")):"]
        lines.append(contentsOf: problems.map { "  " + $0.description })
        if truncated { lines.append("  … further problems not listed") }
        return lines.joined(separator: "\n")
    }
}
