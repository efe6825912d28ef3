/// Why a time zone could not be loaded or a local time could not be converted.
///
/// Every malformed zone name, zoneinfo file, POSIX TZ string or invalid local date ends
/// here — never in a trap. `zone` is the IANA name involved (when there is one) and
/// `message` says what was expected and what was found, with a byte offset for file and
/// TZ-string errors.
public struct TimeZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable classification for callers that branch on the failure.
    public enum Code: String, Sendable, Hashable {
        /// The name is not a well-formed IANA zone name (empty, too long, `..`, absolute…).
        case invalidName = "invalid_name"
        /// No zoneinfo file with that name exists under the zoneinfo root.
        case unknownZone = "unknown_zone"
        /// The file exists but could not be read (permissions, not a regular file, I/O).
        case unreadable
        /// The file is larger than the configured limit.
        case tooLarge = "too_large"
        /// The file is not valid TZif (RFC 8536), or its footer TZ string is malformed.
        case malformed
        /// Valid TZif that this implementation deliberately does not handle (leap seconds).
        case unsupported
        /// A POSIX TZ string (outside a file) is malformed.
        case invalidRule = "invalid_rule"
        /// A local date/time given for conversion is not a real date or time.
        case invalidLocalTime = "invalid_local_time"
    }

    public var code: Code
    /// The zone name the error is about, or "" when none applies.
    public var zone: String
    public var message: String

    public init(_ code: Code, zone: String = "", _ message: String) {
        self.code = code
        self.zone = ErrorText.name(zone)
        self.message = ErrorText.bounded(message)
    }

    public var description: String {
        zone.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue): zone \"\(zone)\": \(message)"
    }
}
