/// Rules that apply across every campaign of a set (the `policies` member).
public struct Policies: Sendable {
    /// Caps over every message of a purpose (or of all purposes when `purpose` is nil):
    /// "at most 3 marketing messages a day".
    public var globalCaps: [PurposeCap]
    /// Caps over every campaign carrying a tag.
    public var tagCaps: [TagCap]
    /// Caps over every message sent on a channel.
    public var channelCaps: [ChannelCap]
    /// Local times when messages of a purpose must not be sent on some channels.
    public var quietHours: [QuietHours]
    /// Percentage of all users (0–100) in the global control group: they get no
    /// message from any campaign, and their decisions are recorded as control.
    public var controlGroupPercent: Double
    /// Salts the global control group's assignment (docs/bucketing.md); empty by default.
    /// A new salt draws a new control group of the same size. At most 256 bytes, no U+0000.
    public var controlGroupSalt: String = ""
    /// Cost of one message per channel (WhatsApp: of one 24-hour conversation); a
    /// channel not listed costs 0.
    public var channelCosts: [Channel: Double]
    /// User ids that must never be contacted (do-not-contact list).
    public var suppression: Set<String>
    /// First day of a calendar week for `{"calendar": "week"}` caps: ISO weekday,
    /// 1 = Monday (the default) … 7 = Sunday (`"week_start": "sun"`).
    public var weekStart: Int = 1

    public init(
        globalCaps: [PurposeCap] = [], tagCaps: [TagCap] = [], channelCaps: [ChannelCap] = [],
        quietHours: [QuietHours] = [], controlGroupPercent: Double = 0,
        channelCosts: [Channel: Double] = [:], suppression: Set<String> = []
    ) {
        self.globalCaps = globalCaps
        self.tagCaps = tagCaps
        self.channelCaps = channelCaps
        self.quietHours = quietHours
        self.controlGroupPercent = controlGroupPercent
        self.channelCosts = channelCosts
        self.suppression = suppression
    }

    /// No caps, no quiet hours, no control group, free channels, nobody suppressed.
    public static let none = Policies()
}

/// `{"purpose": "marketing", "count": 3, "window": "1d"}`; no purpose: every message.
public struct PurposeCap: Sendable, Hashable {
    public var purpose: Purpose?
    public var cap: Cap
    public init(purpose: Purpose?, cap: Cap) {
        self.purpose = purpose
        self.cap = cap
    }
}

/// `{"tag": "retention", "count": 1, "window": {"calendar": "week"}}`.
public struct TagCap: Sendable, Hashable {
    public var tag: String
    public var cap: Cap
    public init(tag: String, cap: Cap) {
        self.tag = tag
        self.cap = cap
    }
}

/// `{"channel": "sms", "count": 2, "window": "7d"}`.
public struct ChannelCap: Sendable, Hashable {
    public var channel: Channel
    public var cap: Cap
    public init(channel: Channel, cap: Cap) {
        self.channel = channel
        self.cap = cap
    }
}

/// `{"purpose": "marketing", "channels": ["push", "sms"], "from": "21:00", "to": "08:00",
/// "time_zone": "user"}`: no message of that purpose on those channels while the local
/// time is inside the range. No purpose: every purpose; no channels: every channel.
public struct QuietHours: Sendable, Hashable {
    public var purpose: Purpose?
    /// Empty means every channel.
    public var channels: [Channel]
    public var hours: DailyTimeRange
    public var timeZone: ZoneChoice

    public init(purpose: Purpose?, channels: [Channel], hours: DailyTimeRange, timeZone: ZoneChoice = .user) {
        self.purpose = purpose
        self.channels = channels
        self.hours = hours
        self.timeZone = timeZone
    }

    /// Whether these quiet hours cover messages of `purpose` on `channel`.
    public func applies(to purpose: Purpose, on channel: Channel) -> Bool {
        (self.purpose == nil || self.purpose == purpose) && (channels.isEmpty || channels.contains(channel))
    }
}
