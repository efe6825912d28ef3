/// A campaign set validated and compiled once at load, ready for decisions.
///
/// Loading checks the whole document and reports **every** problem (up to
/// ``CampaignSetOptions/maxProblems``) with its JSON path; when there is none it holds:
/// every rule compiled (audience, exclusion, trigger and exit filters, score) against
/// one shared ``SegmentTable``; every window parsed; every time zone the set names
/// loaded; and indexes of the campaigns by trigger event and by placement, so a
/// decision touches only the campaigns that can apply.
///
/// ```swift
/// let set = try CompiledCampaignSet(text: document)
/// for i in set.campaigns(forPlacement: "app_home_popup") { … set.campaigns[i] … }
/// ```
///
/// Complexity: loading is linear in the size of the document (hash maps for ids and
/// indexes; no pairwise comparison of campaigns). The value is immutable and `Sendable`:
/// one instance serves any number of concurrent decisions.
public struct CompiledCampaignSet: Sendable {
    /// Everything in one immutable object: a decision copies the set by one reference,
    /// not field by field.
    private final class Storage: Sendable {
        let set: CampaignSet
        let campaigns: [CompiledCampaign]
        let segments: SegmentTable
        let zones: [String: ZoneRules]
        let defaultZone: ZoneRules
        let warnings: [CampaignSetError]
        let warningsTruncated: Bool
        let byEvent: [String: [Int]]
        let byPlacement: [String: [Int]]
        let byID: [String: Int]
        let idRank: [Int]
        let channelCost: [Double]
        let ruleSlots: RuleSlots
        let capSpecs: CapSpecTable

        init(
            set: CampaignSet, campaigns: [CompiledCampaign], segments: SegmentTable, zones: [String: ZoneRules],
            defaultZone: ZoneRules, warnings: [CampaignSetError], warningsTruncated: Bool
        ) {
            self.set = set
            self.warnings = warnings
            self.warningsTruncated = warningsTruncated
            self.campaigns = campaigns
            self.segments = segments
            self.zones = zones
            self.defaultZone = defaultZone
            var byEvent: [String: [Int]] = [:]
            var byPlacement: [String: [Int]] = [:]
            var byID: [String: Int] = [:]
            byID.reserveCapacity(campaigns.count)
            for (i, c) in campaigns.enumerated() {
                byID[c.campaign.id] = i
                var seenEvents: [String] = []
                for t in c.triggers where !seenEvents.contains(t.event) {
                    seenEvents.append(t.event)
                    byEvent[t.event, default: []].append(i)
                }
                for p in c.campaign.placements { byPlacement[p, default: []].append(i) }
            }
            // Arbitration order: priority first, then document order.
            let order: (Int, Int) -> Bool = { a, b in
                let pa = campaigns[a].campaign.priority, pb = campaigns[b].campaign.priority
                return pa != pb ? pa > pb : a < b
            }
            self.byEvent = byEvent.mapValues { $0.sorted(by: order) }
            self.byPlacement = byPlacement.mapValues { $0.sorted(by: order) }
            self.byID = byID
            var rank = [Int](repeating: 0, count: campaigns.count)
            let byIDOrder = campaigns.indices.sorted {
                campaigns[$0].campaign.id.utf8.lexicographicallyPrecedes(campaigns[$1].campaign.id.utf8)
            }
            for (r, i) in byIDOrder.enumerated() { rank[i] = r }
            idRank = rank
            var costs = [Double](repeating: 0, count: Channel.allCases.count)
            for (ch, cost) in set.policies.channelCosts { costs[ch.ordinal] = cost }
            channelCost = costs
            ruleSlots = RuleSlots(campaigns)
            capSpecs = CapSpecTable(campaigns, set.policies)
        }
    }

    private let storage: Storage

    /// The set as validated (plain data: rules as JSON, windows parsed).
    public var set: CampaignSet { storage.set }
    /// The campaigns in document order, each with its compiled rules.
    public var campaigns: [CompiledCampaign] { storage.campaigns }
    /// The set's named segments, compiled; every campaign rule refers to these.
    public var segments: SegmentTable { storage.segments }
    /// Every zone the set names (default zone, schedules, quiet hours), by name.
    public var zones: [String: ZoneRules] { storage.zones }
    /// The set's default time zone, loaded.
    public var defaultZone: ZoneRules { storage.defaultZone }
    /// Findings that did not fail the load, in the shape of problems (path, code,
    /// message): without an `events` vocabulary, an event or property name used only
    /// once that is a near miss of another; an exclusion group only one campaign has
    /// that is a near miss of another. At most ``CampaignSetOptions/maxProblems``.
    public var warnings: [CampaignSetError] { storage.warnings }
    /// True when ``warnings`` may be incomplete: the list reached its cap, or the
    /// search for near misses reached its work bound.
    public var warningsTruncated: Bool { storage.warningsTruncated }

    var byEvent: [String: [Int]] { storage.byEvent }
    var byPlacement: [String: [Int]] { storage.byPlacement }
    var byID: [String: Int] { storage.byID }
    /// Each campaign's position in UTF-8 byte order of ids (arbitration's last key), so
    /// a decision compares integers, not strings.
    var idRank: [Int] { storage.idRank }
    /// `policies.channel_costs` by ``Channel/ordinal``.
    var channelCost: [Double] { storage.channelCost }
    /// Identical rules share a slot: a decision evaluates each once.
    var ruleSlots: RuleSlots { storage.ruleSlots }
    /// The caps each campaign and channel must pass, resolved at load.
    var capSpecs: CapSpecTable { storage.capSpecs }

    init(
        set: CampaignSet, campaigns: [CompiledCampaign], segments: SegmentTable,
        zones: [String: ZoneRules], defaultZone: ZoneRules,
        warnings: [CampaignSetError] = [], warningsTruncated: Bool = false
    ) {
        storage = Storage(
            set: set, campaigns: campaigns, segments: segments, zones: zones, defaultZone: defaultZone, warnings: warnings,
            warningsTruncated: warningsTruncated)
    }

    /// Validates and compiles a parsed campaign-set document.
    ///
    /// - Throws: ``CampaignSetLoadError`` listing every problem with its path.
    public init(json: JSON, options: CampaignSetOptions = .default) throws(CampaignSetLoadError) {
        var reader = CampaignSetReader(options: options)
        guard let compiled = reader.read(json) else {
            throw CampaignSetLoadError(problems: reader.problems, truncated: reader.truncated)
        }
        self = compiled
    }

    /// Parses (within ``CampaignSetOptions/jsonLimits``), validates and compiles a
    /// campaign-set document given as UTF-8 bytes.
    ///
    /// - Throws: ``CampaignSetLoadError``; a JSON syntax error is one problem with code
    ///   `invalid_json`, an empty path and the byte offset in its message.
    public init(bytes: [UInt8], options: CampaignSetOptions = .default) throws(CampaignSetLoadError) {
        let json: JSON
        do throws(JSONParseError) {
            json = try JSONParser.parse(bytes, limits: options.jsonLimits)
        } catch {
            throw CampaignSetLoadError(problems: [CampaignSetError(path: "", code: .invalidJSON, message: error.description)])
        }
        try self.init(json: json, options: options)
    }

    /// As ``init(bytes:options:)``, from text.
    public init(text: String, options: CampaignSetOptions = .default) throws(CampaignSetLoadError) {
        try self.init(bytes: Array(text.utf8), options: options)
    }

    /// Every problem in `json` (empty when it loads).
    public static func validate(_ json: JSON, options: CampaignSetOptions = .default) -> [CampaignSetError] {
        do throws(CampaignSetLoadError) {
            _ = try CompiledCampaignSet(json: json, options: options)
            return []
        } catch {
            return error.problems
        }
    }

    /// Indexes into ``campaigns`` of those triggered by `event`, highest priority first
    /// (ties in document order). O(1) expected.
    public func campaigns(forEvent event: String) -> [Int] { byEvent[event] ?? [] }

    /// Indexes into ``campaigns`` of those that fill `placement`, highest priority first
    /// (ties in document order). O(1) expected.
    public func campaigns(forPlacement placement: String) -> [Int] { byPlacement[placement] ?? [] }

    /// The index of the campaign with id `id`. O(1) expected.
    package func index(ofCampaign id: String) -> Int? { byID[id] }

    /// The zone for `choice`: a named zone of the set, or `userZone` (falling back to
    /// the set's default zone) for `.user`.
    package func zone(for choice: ZoneChoice, userZone: ZoneRules? = nil) -> ZoneRules {
        switch choice {
        case .user: return userZone ?? defaultZone
        case .named(let name): return zones[name] ?? defaultZone
        }
    }

    /// The event names and placements that have at least one campaign, sorted.
    public var eventNames: [String] { byEvent.keys.sorted() }
    public var placementNames: [String] { byPlacement.keys.sorted() }
}

/// One campaign with its rules compiled.
///
/// A class: decisions pass campaigns around by reference (one retain) instead of copying
/// the campaign's twenty fields for every candidate.
public final class CompiledCampaign: Sendable {
    /// The campaign as validated.
    public let campaign: Campaign
    /// Position in ``CompiledCampaignSet/campaigns``.
    public let index: Int
    public let audience: Rule?
    public let exclusion: Rule?
    /// One per trigger, in document order.
    public let triggers: [CompiledEventRule]
    /// One per conversion event (exit criterion), in document order.
    public let exit: [CompiledEventRule]
    public let score: Rule?
    /// The schedule's zone when it names one; nil when the schedule reads the user's
    /// zone or there is no schedule.
    package let scheduleZone: ZoneRules?
    /// Sum of the variants' weights (0 when there are no variants).
    package let totalVariantWeight: Int
    /// Payload templates, compiled at load: per channel, and per variant and channel
    /// with the variant's overrides merged in.
    let templates: [TemplateKey: PayloadTemplate]
    /// The bucketing keys' fixed prefixes hashed once (docs/bucketing.md): a decision
    /// adds only the user id. Nil when the salt or id contains U+0000 (never bucketed).
    package let holdoutKey: Bucketing.Murmur3?
    package let variantKey: Bucketing.Murmur3?
    /// The holdout's share in buckets, and each variant's upper bucket bound (nil when
    /// the campaign has no usable variant weights).
    package let holdoutThreshold: Int
    package let variantBounds: [Int]?
    /// The campaign's channels in document order, as plain values (the channel
    /// messages carry their payloads: walking them moves reference counts).
    let channelOrder: [Channel]
    /// ``templates`` by position: `(variant index + 1) × channels + channel ordinal`
    /// (variant index -1: the campaign's own payloads), so a decision finds a template
    /// without hashing the variant's id.
    private let templateTable: [PayloadTemplate?]

    /// The template for variant `variant` (an index into the campaign's variants; nil:
    /// none) on `channel`, falling back to the campaign's own payload for the channel.
    func template(variant: Int?, channel: Channel) -> PayloadTemplate? {
        let width = Channel.allCases.count
        if let v = variant, v >= 0, (v + 1) * width + channel.ordinal < templateTable.count,
            let t = templateTable[(v + 1) * width + channel.ordinal]
        {
            return t
        }
        return channel.ordinal < templateTable.count ? templateTable[channel.ordinal] : nil
    }

    init(
        campaign: Campaign, index: Int, audience: Rule?, exclusion: Rule?, triggers: [CompiledEventRule],
        exit: [CompiledEventRule], score: Rule?, scheduleZone: ZoneRules?, totalVariantWeight: Int,
        templates: [TemplateKey: PayloadTemplate]
    ) {
        self.campaign = campaign
        self.index = index
        self.audience = audience
        self.exclusion = exclusion
        self.triggers = triggers
        self.exit = exit
        self.score = score
        self.scheduleZone = scheduleZone
        self.totalVariantWeight = totalVariantWeight
        self.templates = templates
        holdoutKey = Bucketing.prefix(["holdout", campaign.salt, campaign.id])
        variantKey = Bucketing.prefix(["variant", campaign.salt, campaign.id])
        holdoutThreshold = Bucketing.threshold(percent: campaign.holdoutPercent)
        variantBounds = Bucketing.variantBounds(campaign.variants.map { Double($0.weight) })
        channelOrder = campaign.channels.map(\.channel)
        templateTable = ([nil] + campaign.variants.map { Optional($0.id) }).flatMap { variant in
            Channel.allCases.map { templates[TemplateKey(variant: variant, channel: $0)] }
        }
    }
}

/// An event name with its optional compiled filter (a trigger or an exit criterion).
public struct CompiledEventRule: Sendable {
    public let event: String
    /// Applied to the event's properties; nil matches every event of that name.
    public let filter: Rule?
    /// The filter as written.
    public let source: JSON?
}

/// Limits and sources for loading a campaign set.
public struct CampaignSetOptions: Sendable {
    /// Most problems listed before the rest are counted but not kept.
    public var maxProblems: Int
    /// Most campaigns in one set.
    public var maxCampaigns: Int
    /// Longest id, name, event, placement, tag or segment name, in UTF-8 bytes.
    public var maxNameBytes: Int
    /// Rule depth and size limits (see ``CompileOptions``).
    public var maxRuleDepth: Int
    public var maxRuleNodes: Int
    /// Most compile work for the whole set: rule nodes compiled (each segment once,
    /// however often it is referenced) plus the evaluation steps spent folding constant
    /// subexpressions. Bounds load time whatever the rules' shape.
    public var maxCompileWork: Int
    /// Limits on the JSON document (for the byte and text initialisers).
    public var jsonLimits: JSONLimits
    /// Where time zones are loaded from.
    public var zones: ZoneCache
    /// The zone of a set that names no `default_time_zone`; nil: UTC. ``Engine/load(json:options:)``
    /// fills in the engine's ``Engine/defaultTimeZone`` when this is nil.
    public var defaultTimeZone: String? = nil

    /// 100 problems, 100,000 campaigns, 256-byte names, rules of depth 512 and
    /// 100,000 nodes, 20,000,000 units of compile work, the default JSON limits, the
    /// shared zone cache.
    public init(
        maxProblems: Int = 100, maxCampaigns: Int = 100_000, maxNameBytes: Int = 256,
        maxRuleDepth: Int = 512, maxRuleNodes: Int = 100_000, maxCompileWork: Int = 20_000_000,
        jsonLimits: JSONLimits = .default, zones: ZoneCache = .shared
    ) {
        self.maxCompileWork = max(1, maxCompileWork)
        self.maxProblems = max(1, maxProblems)
        self.maxCampaigns = maxCampaigns
        self.maxNameBytes = maxNameBytes
        self.maxRuleDepth = maxRuleDepth
        self.maxRuleNodes = maxRuleNodes
        self.jsonLimits = jsonLimits
        self.zones = zones
    }

    public static let `default` = CampaignSetOptions()
}
