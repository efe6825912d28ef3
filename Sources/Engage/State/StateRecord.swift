// What a store is told: the records that change a user's state, the limits every
// store enforces on them, and the retention policy that bounds what is kept.

/// One impression: a message shown (or sent) to a user. Holdout and control
/// assignments show nothing and are never recorded as impressions.
public struct Impression: Sendable, Hashable {
    /// The campaign shown.
    public var campaignID: String
    /// When it was shown, in milliseconds since the Unix epoch (UTC).
    public var time: Int64
    /// The channel it went out on (`in_app`, `push`, `rcs`, `sms`, `whatsapp`, `email`).
    /// One cap ledger counts every channel; the channel only adds a per-channel ledger.
    public var channel: String
    /// The campaign's purpose (`marketing`, `service`, `transactional`): the scope of
    /// global caps.
    public var purpose: String
    /// The campaign's tags (cap groups). At most ``StateLimits/maxTagsPerImpression``.
    public var tags: [String]

    public init(campaignID: String, time: Int64, channel: String, purpose: String, tags: [String] = []) {
        self.campaignID = campaignID
        self.time = time
        self.channel = channel
        self.purpose = purpose
        self.tags = tags
    }

    /// Every cap scope this impression counts in: its campaign, channel, purpose and
    /// each (distinct) tag. The engine's and the stores' (`package`, not API).
    package var scopes: [CapScope] {
        var result: [CapScope] = [.campaign(campaignID), .channel(channel), .purpose(purpose)]
        for tag in tags where !result.contains(.tag(tag)) { result.append(.tag(tag)) }
        return result
    }
}

/// A change to a user's state.
public enum StateRecord: Sendable, Equatable {
    /// A message was shown. Counts in every cap ledger it belongs to (see ``Impression/scopes``).
    case impression(Impression)
    /// The user clicked (tapped, opened) a campaign's message. Does not count toward caps.
    case click(campaignID: String, time: Int64)
    /// The user dismissed a campaign's message. Starts the campaign's cooldown; does not
    /// count toward caps (the impression that was dismissed already counted).
    case dismissal(campaignID: String, time: Int64)
    /// The user converted on a campaign (its exit criterion was met).
    case conversion(campaignID: String, time: Int64)
    /// A behaviour event (page view, app open, cart add) for the targeting operators.
    case behaviour(HistoryEvent)
    /// A conversation on `channel` was opened by the user (e.g. an inbound WhatsApp
    /// message), making business messages on it free for ``ConversationWindow/length``.
    case conversation(channel: String, time: Int64)

    /// When the recorded thing happened (milliseconds since the epoch).
    public var time: Int64 {
        switch self {
        case .impression(let i): return i.time
        case .click(_, let t), .dismissal(_, let t), .conversion(_, let t), .conversation(_, let t): return t
        case .behaviour(let e): return e.time
        }
    }

    /// The record's kind as written in JSON and in errors.
    public var kind: String {
        switch self {
        case .impression: return "impression"
        case .click: return "click"
        case .dismissal: return "dismiss"
        case .conversion: return "conversion"
        case .behaviour: return "behaviour"
        case .conversation: return "conversation"
        }
    }
}

/// Limits every store enforces on what it is given, so that no input can make a store
/// trap or grow without bound. Violations are ``StateStoreError`` with code `invalid_record`.
public enum StateLimits {
    /// Longest user id, in UTF-8 bytes.
    public static let maxUserIDBytes = 512
    /// Longest campaign id, channel, purpose, tag or event name, in UTF-8 bytes.
    public static let maxNameBytes = 256
    /// Most tags one impression may carry.
    public static let maxTagsPerImpression = 32
    /// Record times accepted: ``Instant/range`` (years 0000 to 9999), the one range of
    /// instants the library accepts anywhere; hour and day numbers fit 32 bits and
    /// window arithmetic cannot overflow.
    public static let times: ClosedRange<Int64> = Instant.range
    /// Most properties of a behaviour event that are kept (the rest are dropped).
    public static let maxEventProperties = 16
}

/// How much history a store keeps per user. Every store honours the same policy so that
/// the same records give the same cap counts and behaviour aggregates everywhere.
public struct RetentionPolicy: Sendable, Hashable {
    /// How long impressions and behaviour events are kept, in milliseconds (default 35
    /// days: a calendar month plus slack). Cap windows and behaviour windows longer than
    /// this see only what is retained. Lifetime impression totals are never pruned.
    public var retention: Int64
    /// Exact impression times kept per cap scope (default 16). Older impressions are
    /// folded into hourly counts. A cap whose limit is at most this is decided exactly.
    public var exactImpressions: Int
    /// Most cap scopes (campaigns, tags, channels, purposes) kept per user (default 256);
    /// beyond it the scope whose last impression is oldest is dropped.
    public var maxScopes: Int
    /// Most behaviour series (an event name with one combination of non-numeric
    /// properties) kept per user (default 64); beyond it the least recently seen goes.
    public var maxBehaviourSeries: Int
    /// Most campaigns with click / dismissal / conversion activity kept per user
    /// (default 256); beyond it the least recently active goes.
    public var maxCampaigns: Int

    public static let `default` = RetentionPolicy()

    public init(
        retention: Int64 = 35 * 86_400_000, exactImpressions: Int = 16, maxScopes: Int = 256,
        maxBehaviourSeries: Int = 64, maxCampaigns: Int = 256
    ) {
        self.retention = min(max(retention, 3_600_000), 3650 * 86_400_000)
        self.exactImpressions = min(max(exactImpressions, 1), 1024)
        self.maxScopes = min(max(maxScopes, 1), 65_536)
        self.maxBehaviourSeries = min(max(maxBehaviourSeries, 1), 65_536)
        self.maxCampaigns = min(max(maxCampaigns, 1), 65_536)
    }

    /// The oldest time kept when the newest known time is `newest`. For the stores
    /// (`package`, not API).
    package func cutoff(newest: Int64) -> Int64 { newest - retention } // both bounded: no overflow
}
