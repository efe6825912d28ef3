/// A delivery channel.
public enum Channel: String, Sendable, Hashable, CaseIterable {
    /// Shown inside the app, only while it is in the foreground; free.
    case inApp = "in_app"
    case push
    case rcs
    /// Paid per message.
    case sms
    /// Paid per 24-hour conversation; free while one is open.
    case whatsapp
    case email
}

extension Channel {
    /// Position in `allCases`: per-channel tables index arrays with it rather than
    /// hashing the raw value (a String) as a `Set<Channel>` or `[Channel: …]` would.
    var ordinal: Int {
        switch self {
        case .inApp: return 0
        case .push: return 1
        case .rcs: return 2
        case .sms: return 3
        case .whatsapp: return 4
        case .email: return 5
        }
    }

    /// `1 << ordinal`: a set of channels as one byte.
    var bit: UInt8 { 1 << UInt8(ordinal) }

    /// By position, not by raw value: a raw-valued enum otherwise hashes its String.
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }
}

/// How a payload's strings are escaped when placeholders are filled.
public enum PayloadFormat: String, Sendable, Hashable, CaseIterable {
    /// No escaping.
    case plain
    /// HTML text and attribute escaping.
    case html
    /// Percent-encoding for URL components.
    case url
}

/// The message a campaign sends on one channel: any JSON payload (usually an object
/// such as `{"title": …, "body": …, "deep_link": …}`) whose strings may hold `{{path}}`
/// placeholders, and the format those strings are escaped for.
public struct ChannelMessage: Sendable {
    public var channel: Channel
    public var format: PayloadFormat
    public var payload: JSON

    public init(channel: Channel, format: PayloadFormat = .plain, payload: JSON) {
        self.channel = channel
        self.format = format
        self.payload = payload
    }
}
