/// One campaign of a campaign set, as validated: every field typed, every window parsed,
/// every rule kept as its JSON source (the compiled form is in ``CompiledCampaign``).
///
/// The JSON format is documented field by field in `docs/campaigns.md` and described by
/// `schema/campaign-set.schema.json`.
public struct Campaign: Sendable {
    /// Unique within the set; also the bucketing input for variants and holdout.
    public var id: String
    /// A label for people (defaults to the id).
    public var name: String
    /// What the message is for; decides which consent and global caps apply.
    public var purpose: Purpose
    /// Higher wins arbitration (default 0).
    public var priority: Int
    /// Only `active` campaigns are eligible.
    public var status: CampaignStatus
    /// When the campaign may be shown; nil means always.
    public var schedule: Schedule?
    /// Events that make the campaign a candidate, each with an optional filter rule.
    public var triggers: [Trigger]
    /// Placements (named slots in an app or page) the campaign may fill.
    public var placements: [String]
    /// The user must match this rule (nil: everyone).
    public var audience: JSON?
    /// A user matching this rule is excluded (nil: nobody).
    public var exclusion: JSON?
    /// Conversion events: once the user has done one (matching its filter), the
    /// campaign stops for them.
    public var exit: [ConversionEvent]
    /// After the user dismisses the campaign, it is not shown again for this long.
    public var cooldownAfterDismiss: RollingWindow?
    /// Frequency caps on this campaign (all channels counted together).
    public var caps: [Cap]
    /// The channels it may be sent on, each with its message, in document order.
    public var channels: [ChannelMessage]
    /// Weighted variants (empty: the channel messages as written).
    public var variants: [Variant]
    /// Percentage of users (0–100) held out: recorded, never messaged.
    public var holdoutPercent: Double
    /// Salts the holdout and variant assignment (docs/bucketing.md); empty by default.
    /// A new salt reshuffles which users this campaign holds out and which variant each
    /// gets, without touching any other campaign. At most 256 bytes, no U+0000.
    public var salt: String
    /// Groups for tag caps.
    public var tags: [String]
    /// A rule returning a number that breaks priority ties (higher wins); nil: none.
    public var score: JSON?
    /// Campaigns sharing a group appear at most once in one decision's slate.
    public var exclusionGroup: String?

    public init(
        id: String, name: String? = nil, purpose: Purpose, priority: Int = 0,
        status: CampaignStatus = .active, schedule: Schedule? = nil,
        triggers: [Trigger] = [], placements: [String] = [], audience: JSON? = nil,
        exclusion: JSON? = nil, exit: [ConversionEvent] = [],
        cooldownAfterDismiss: RollingWindow? = nil, caps: [Cap] = [],
        channels: [ChannelMessage] = [], variants: [Variant] = [],
        holdoutPercent: Double = 0, tags: [String] = [], score: JSON? = nil,
        exclusionGroup: String? = nil, salt: String = ""
    ) {
        self.id = id
        self.name = name ?? id
        self.purpose = purpose
        self.priority = priority
        self.status = status
        self.schedule = schedule
        self.triggers = triggers
        self.placements = placements
        self.audience = audience
        self.exclusion = exclusion
        self.exit = exit
        self.cooldownAfterDismiss = cooldownAfterDismiss
        self.caps = caps
        self.channels = channels
        self.variants = variants
        self.holdoutPercent = holdoutPercent
        self.tags = tags
        self.score = score
        self.exclusionGroup = exclusionGroup
        self.salt = salt
    }

    /// The message for `channel`, if the campaign has that channel.
    public func message(for channel: Channel) -> ChannelMessage? {
        channels.first { $0.channel == channel }
    }
}

/// Why a message is sent; consent, global caps and quiet hours are per purpose.
public enum Purpose: String, Sendable, Hashable, CaseIterable {
    case marketing
    case service
    case transactional
}

/// The lifecycle state of a campaign; only `active` campaigns are eligible.
public enum CampaignStatus: String, Sendable, Hashable, CaseIterable {
    case active
    case paused
    case draft
    case ended
}

/// An event that makes a campaign a candidate: `{"event": "page_view", "filter": rule}`.
/// The filter reads the event's properties (the request's event object).
public struct Trigger: Sendable {
    public var event: String
    public var filter: JSON?

    public init(event: String, filter: JSON? = nil) {
        self.event = event
        self.filter = filter
    }
}

/// A conversion event that ends a campaign for the user (exit criterion):
/// `{"event": "plan_changed", "filter": rule}`.
public struct ConversionEvent: Sendable {
    public var event: String
    public var filter: JSON?

    public init(event: String, filter: JSON? = nil) {
        self.event = event
        self.filter = filter
    }
}

/// A weighted variant. A user is assigned one variant with probability
/// `weight / total weight` (see the bucketing documentation).
public struct Variant: Sendable {
    /// Unique within the campaign.
    public var id: String
    /// Relative weight, 0…1,000,000; 0 switches the variant off.
    public var weight: Int
    /// Per-channel payload overrides. An object override is merged over the channel's
    /// payload member by member (shallow); any other value replaces it.
    public var overrides: [Channel: JSON]

    public init(id: String, weight: Int, overrides: [Channel: JSON] = [:]) {
        self.id = id
        self.weight = weight
        self.overrides = overrides
    }
}
