/// Everything the engine knows about one user, as a value: what a store's `load`
/// returns and what the decision pipeline reads (caps, cooldowns, exit criteria, the
/// WhatsApp conversation window, and — through ``EventHistory`` — the behaviour
/// operators).
///
/// Memory is bounded by a ``RetentionPolicy``: per cap scope, the last few impression
/// times exactly and older ones as hourly counts; behaviour as hourly aggregates; every
/// collection capped in length. Behaviour and impression ledgers are packed into a byte
/// buffer each (``BehaviourLog``, ``ImpressionLedgers``; docs/state.md, "How a user is
/// held in memory") and read in place; the other collections are small arrays searched
/// linearly, which for the few entries a user has is both smaller and faster than a
/// dictionary.
///
/// Applying records (``apply(_:policy:)``) is deterministic, so a store that keeps a
/// cache (SQLite) or replays a log gets the same state as the in-memory store.
public struct UserState: Sendable, Equatable {
    /// Clicks, dismissals and conversions per campaign (impressions are in ``ledgers``).
    public internal(set) var campaigns: [CampaignActivity] = []
    /// Impression ledgers, one per cap scope the user has been shown something in,
    /// packed (``ImpressionLedgers``).
    var ledgerLog = ImpressionLedgers()
    /// Behaviour events as hourly aggregates, packed (``BehaviourLog``).
    var behaviourLog = BehaviourLog()
    /// The behaviour series unpacked (for the encoding, the export and tests).
    var behaviour: [BehaviourSeries] { behaviourLog.all }
    /// The latest user-opened or paid conversation per channel.
    public internal(set) var conversations: [ConversationWindow] = []
    /// The newest record time seen: the clock retention is measured against, so pruning
    /// never depends on the host's clock.
    public internal(set) var newest: Int64 = .min

    public init() {}

    /// True when nothing is known about the user.
    public var isEmpty: Bool {
        campaigns.isEmpty && ledgerLog.isEmpty && behaviourLog.isEmpty && conversations.isEmpty
    }

    /// True when nothing is left that any decision could read: no retained history and
    /// no lifetime impression total. A store may drop such a user. For the stores
    /// (`package`, not API).
    package var isPrunable: Bool {
        isEmpty
            || (campaigns.isEmpty && behaviourLog.isEmpty && conversations.isEmpty
                && ledgerLog.all.allSatisfy { $0.isIdle && $0.total == 0 })
    }

    /// The user's activity on a campaign, or nil.
    public func activity(for campaignID: String) -> CampaignActivity? {
        campaigns.first { $0.campaignID == campaignID }
    }

    /// Impression ledgers, one per cap scope the user has been shown something in
    /// (unpacked: for the export and tests, not a hot path).
    public var ledgers: [ImpressionLedger] { ledgerLog.all }

    /// The impression ledger of a scope, or nil when nothing was shown in it.
    public func ledger(for scope: CapScope) -> ImpressionLedger? {
        ledgerLog.ledger(for: scope)
    }

    /// Impressions in `scope` with a time in `range` (for ``CapScope/all``, the sum over
    /// the purpose ledgers).
    public func impressionCount(_ scope: CapScope, in range: Range<Int64>) -> Int {
        let scopes = ledgerLog.scopes
        guard scope == .all else { return scopes.firstIndex(of: scope).map { ledgerLog.count($0, in: range) } ?? 0 }
        var n = 0
        for (i, s) in scopes.enumerated() {
            if case .purpose = s { n += ledgerLog.count(i, in: range) }
        }
        return n
    }

    /// The first cap in `checks` that is already full, as its index and used count;
    /// nil when every one allows another impression.
    public func firstFullCap(_ checks: [CapCheck]) -> (index: Int, used: Int)? {
        for (i, check) in checks.enumerated() {
            let used = impressionCount(check.scope, in: check.range)
            if used >= check.limit { return (i, used) }
        }
        return nil
    }

    /// True when a conversation on `channel` is open at `time` (opened within the last
    /// ``ConversationWindow/length``, start inclusive, end exclusive).
    public func isConversationOpen(channel: String, at time: Int64) -> Bool {
        guard let c = conversations.first(where: { $0.channel == channel }) else { return false }
        return c.contains(time)
    }

    // MARK: Applying records

    /// Applies a record that has passed ``validate(_:)``, then prunes what the policy no
    /// longer keeps. Complexity: O(entries touched) — old entries sit at the front of
    /// their arrays, so pruning is O(1) when nothing expires.
    public mutating func apply(_ record: StateRecord, policy: RetentionPolicy = .default) {
        newest = max(newest, record.time)
        switch record {
        case .impression(let impression):
            for scope in impression.scopes {
                addImpression(scope, impression.time, policy)
            }
            // A business message on a closed channel opens a paid conversation.
            if !isConversationOpen(channel: impression.channel, at: impression.time) {
                openConversation(impression.channel, impression.time)
            }
        case .click(let id, let t):
            updateCampaign(id, policy) { $0.clicks.note(t) }
        case .dismissal(let id, let t):
            updateCampaign(id, policy) { $0.dismissals.note(t) }
        case .conversion(let id, let t):
            updateCampaign(id, policy) { $0.conversions.note(t) }
        case .behaviour(let event):
            behaviourLog.add(event, maxSeries: policy.maxBehaviourSeries)
        case .conversation(let channel, let t):
            openConversation(channel, t)
        }
        prune(policy: policy)
    }

    /// Drops what is older than the policy's retention, measured from ``newest`` (or
    /// from `now` when given and later).
    public mutating func prune(policy: RetentionPolicy = .default, now: Int64? = nil) {
        let reference = max(newest, now.map { min(max($0, StateLimits.times.lowerBound), StateLimits.times.upperBound) } ?? .min)
        guard reference != .min else { return }
        let cutoff = policy.cutoff(newest: reference)
        // Each collection is changed only when something in it expired: a state shared
        // with a store (copy-on-write) is then not copied for nothing.
        // A scope with nothing retained is kept only while its lifetime total can matter:
        // campaign ledgers (lifetime caps); other scopes go.
        ledgerLog.prune(before: cutoff, keepIdle: Self.isCampaign)
        behaviourLog.prune(before: cutoff)
        if conversations.contains(where: { $0.opened &+ ConversationWindow.length < cutoff }) {
            conversations.removeAll { $0.opened &+ ConversationWindow.length < cutoff }
        }
    }

    private static func isCampaign(_ scope: CapScope) -> Bool {
        if case .campaign = scope { return true }
        return false
    }

    private mutating func addImpression(_ scope: CapScope, _ time: Int64, _ policy: RetentionPolicy) {
        ledgerLog.add(scope, time, capacity: policy.exactImpressions, maxScopes: policy.maxScopes)
    }

    private mutating func updateCampaign(_ id: String, _ policy: RetentionPolicy, _ body: (inout CampaignActivity) -> Void) {
        if let i = campaigns.firstIndex(where: { $0.campaignID == id }) {
            body(&campaigns[i])
            return
        }
        if campaigns.count >= policy.maxCampaigns,
            let victim = campaigns.indices.min(by: { campaigns[$0].lastActivity < campaigns[$1].lastActivity })
        {
            campaigns.remove(at: victim)
        }
        var activity = CampaignActivity(campaignID: id)
        body(&activity)
        campaigns.append(activity)
    }

    private mutating func openConversation(_ channel: String, _ time: Int64) {
        if let i = conversations.firstIndex(where: { $0.channel == channel }) {
            // Keep the latest opening; a late, older record does not move it back.
            if time > conversations[i].opened { conversations[i].opened = time }
        } else {
            conversations.append(ConversationWindow(channel: channel, opened: time))
        }
    }

    // MARK: Validation

    /// Checks a user id and a record against ``StateLimits``; every store calls this
    /// before it changes anything. The error names the offending field.
    public static func validate(userID: String, _ record: StateRecord? = nil) throws(StateStoreError) {
        try check(userID, "userID", max: StateLimits.maxUserIDBytes, allowEmpty: false)
        guard let record else { return }
        let kind = record.kind
        guard StateLimits.times.contains(record.time) else {
            throw StateStoreError(
                .invalidRecord, "\(kind).time: \(record.time) is outside the supported range (\(Instant.earliest) to \(Instant.latest): years 0000 to 9999)")
        }
        switch record {
        case .impression(let i):
            try check(i.campaignID, "impression.campaignID")
            try check(i.channel, "impression.channel")
            try check(i.purpose, "impression.purpose")
            guard i.tags.count <= StateLimits.maxTagsPerImpression else {
                throw StateStoreError(.invalidRecord, "impression.tags: \(i.tags.count) tags (at most \(StateLimits.maxTagsPerImpression))")
            }
            for (n, tag) in i.tags.enumerated() { try check(tag, "impression.tags[\(n)]") }
        case .click(let id, _), .dismissal(let id, _), .conversion(let id, _):
            try check(id, "\(kind).campaignID")
        case .behaviour(let e):
            try check(e.name, "behaviour.name")
        case .conversation(let channel, _):
            try check(channel, "conversation.channel")
        }
    }

    private static func check(
        _ s: String, _ field: String, max: Int = StateLimits.maxNameBytes,
        allowEmpty: Bool = false
    ) throws(StateStoreError) {
        let n = s.utf8.count
        if n == 0, !allowEmpty { throw StateStoreError(.invalidRecord, "\(field): must not be empty") }
        if n > max { throw StateStoreError(.invalidRecord, "\(field): \(n) bytes (at most \(max))") }
    }
}

/// A user's clicks, dismissals and conversions on one campaign.
public struct CampaignActivity: Sendable, Hashable {
    public let campaignID: String
    public internal(set) var clicks = Tally()
    public internal(set) var dismissals = Tally()
    public internal(set) var conversions = Tally()

    init(campaignID: String) { self.campaignID = campaignID }

    /// The last dismissal's time: what the cooldown after dismiss measures from.
    public var lastDismissal: Int64? { dismissals.last }
    /// True once the user converted: the campaign's exit.
    public var hasConverted: Bool { conversions.count > 0 }

    var lastActivity: Int64 {
        max(clicks.last ?? .min, dismissals.last ?? .min, conversions.last ?? .min)
    }

    /// A count and the latest time, in 12 bytes.
    public struct Tally: Sendable, Hashable {
        public internal(set) var count: UInt32 = 0
        var _last: Int64 = .min
        /// The latest time, or nil when the count is zero.
        public var last: Int64? { count == 0 ? nil : _last }

        mutating func note(_ time: Int64) {
            count = count &+ 1 == 0 ? .max : count &+ 1
            _last = max(_last, time)
        }
    }
}

/// A conversation on a channel that makes business messages free while open (WhatsApp's
/// 24-hour window).
public struct ConversationWindow: Sendable, Hashable {
    /// How long a conversation stays open: 24 hours.
    public static let length: Int64 = 86_400_000
    public let channel: String
    /// When it was opened (ms since the epoch).
    public internal(set) var opened: Int64

    /// True when `time` is in `opened ..< opened + length`.
    public func contains(_ time: Int64) -> Bool { time >= opened && time - opened < Self.length }
}
