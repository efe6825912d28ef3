// The document root and the `policies` object. Members are read in dependency order —
// versions, default zone, events, segments (rules need them), policies, campaigns —
// whatever their order in the document; references between them are checked last.

extension CampaignSetReader {
    static let rootFields = [
        "$schema", "version", "bucketing_version", "default_time_zone", "events",
        "segments", "policies", "campaigns",
    ]
    static let policyFields = [
        "global_caps", "tag_caps", "channel_caps", "quiet_hours", "control_group_percent",
        "control_group_salt", "channel_costs", "suppression", "week_start",
    ]

    /// Reads the whole document. Returns nil when there were problems (see ``problems``).
    mutating func read(_ root: JSON) -> CompiledCampaignSet? {
        guard let o = object(root, "a campaign set object") else { return nil }
        for key in o.keys where !Self.rootFields.contains(key) { unknownField(key, known: Self.rootFields) }

        var version = 1
        if let v = o["version"] {
            version = at("version") { r in
                guard let n = r.integer(v, Int.min...Int.max) else { return 1 }
                if !CampaignSet.supportedVersions.contains(n) {
                    r.report(.unsupportedVersion, "format version \(n) is not supported (expected 1)")
                }
                return n
            }
        } else {
            missing("version", "1")
        }
        var bucketing = 1
        if let v = o["bucketing_version"] {
            bucketing = at("bucketing_version") { r in
                guard let n = r.integer(v, Int.min...Int.max) else { return 1 }
                if !CampaignSet.supportedBucketingVersions.contains(n) {
                    r.report(.unsupportedVersion, "bucketing version \(n) is not supported (expected 1)")
                }
                return n
            }
        }
        var defaultZone = options.defaultTimeZone ?? "UTC"
        if let v = o["default_time_zone"] {
            if case .named(let z)? = at("default_time_zone", { $0.zone(v, allowUser: false) }) { defaultZone = z }
        } else {
            _ = loadZone(defaultZone)
        }
        var events: [String: [String]]?
        if let v = o["events"] { events = at("events") { $0.eventVocabulary(v) } }
        var segmentObject = JSONObject()
        if let v = o["segments"] {
            segmentObject = at("segments") { $0.object(v, "an object of named rules") } ?? JSONObject()
            buildSegments(segmentObject)
            noteSegmentReferences()
        }
        var policies = Policies.none
        if let v = o["policies"] { policies = at("policies") { $0.policies(v) } }

        var compiled: [CompiledCampaign] = []
        if let v = o["campaigns"] {
            compiled = at("campaigns") { $0.campaigns(v, defaultZone: defaultZone) }
        } else {
            missing("campaigns", "an array of campaigns")
        }
        checkReferences()
        guard problemCount == 0 else { return nil }
        let set = CampaignSet(
            version: version, bucketingVersion: bucketing, defaultTimeZone: defaultZone,
            events: events, segments: segmentObject, policies: policies,
            campaigns: compiled.map(\.campaign))
        options.zones.preload(zones.keys)
        return CompiledCampaignSet(
            set: set, campaigns: compiled, segments: compileOptions.segments,
            zones: zones, defaultZone: zones[defaultZone] ?? .utc,
            warnings: warnings, warningsTruncated: warningsTruncated)
    }

    private mutating func buildSegments(_ definitions: JSONObject) {
        var table: [String: JSON] = [:]
        table.reserveCapacity(definitions.count)
        let limit = options.maxNameBytes
        for (name, rule) in definitions {
            if name.isEmpty || name.utf8.count > limit {
                // Not compiled: a reference to it is then an unknown segment.
                at(.key("segments")) { $0.at(name) { $0.report(.outOfRange, "a segment name is 1 to \(limit) bytes, found \(name.utf8.count)") } }
                continue
            }
            table[name] = rule
        }
        // The table reports paths from the root already (`segments.a.and[1]`).
        let (segments, errors) = SegmentTable.build(table, options: compileOptions, work: &compileWork)
        for e in errors { report(Self.code(for: e), e.message, suffix: e.path) }
        compileOptions.segments = segments
    }

    private mutating func campaigns(_ v: JSON, defaultZone: String) -> [CompiledCampaign] {
        guard let a = array(v, "an array of campaigns") else { return [] }
        let limit = options.maxCampaigns
        guard a.count <= limit else {
            report(.limitExceeded, "\(a.count) campaigns, over the limit of \(limit)")
            return []
        }
        references.campaignsRead = true
        var out: [CompiledCampaign] = []
        out.reserveCapacity(a.count)
        var firstIndex: [String: Int] = [:]
        firstIndex.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                if let c = r.campaign(e, index: out.count, defaultZone: defaultZone) { out.append(c) }
                // Duplicates are checked on the raw id so a campaign with other problems
                // still claims its id.
                if case .string(let id)? = e["id"] {
                    r.references.addCampaignID(id)
                    if let first = firstIndex[id] {
                        r.at("id") { $0.report(.duplicateID, "duplicate campaign id \(Self.shown(.string(id))) (first at campaigns[\(first)])") }
                    } else {
                        firstIndex[id] = i
                    }
                }
            }
        }
        return out
    }

    // MARK: - Policies

    mutating func policies(_ v: JSON) -> Policies {
        var p = Policies.none
        guard let o = object(v, "a policies object") else { return p }
        for (key, value) in o {
            at(key) { r in
                switch key {
                case "global_caps":
                    p.globalCaps = r.scopedCaps(value, scopeKey: "purpose", required: false) { r, v in
                        r.choice(v, Purpose.self, "purpose")
                    }.map { PurposeCap(purpose: $0.0, cap: $0.1) }
                case "tag_caps":
                    p.tagCaps = r.scopedCaps(value, scopeKey: "tag", required: true) { r, v in
                        let tag = r.name(v, "a tag")
                        if let tag { r.noteReference(.tag, tag) }
                        return tag
                    }
                    .compactMap { s, cap in s.map { TagCap(tag: $0, cap: cap) } }
                case "channel_caps":
                    p.channelCaps = r.scopedCaps(value, scopeKey: "channel", required: true) { r, v in r.channel(v) }
                        .compactMap { s, cap in s.map { ChannelCap(channel: $0, cap: cap) } }
                case "quiet_hours": p.quietHours = r.quietHoursList(value)
                case "control_group_percent": p.controlGroupPercent = r.percent(value) ?? 0
                case "control_group_salt": p.controlGroupSalt = r.salt(value) ?? ""
                case "channel_costs": p.channelCosts = r.channelCosts(value)
                case "suppression":
                    guard let a = r.array(value, "an array of user ids") else { return }
                    p.suppression.reserveCapacity(a.count)
                    for (i, e) in a.enumerated() {
                        if let id = r.at(.index(i), { $0.name(e, "a user id") }) { p.suppression.insert(id) }
                    }
                case "week_start":
                    guard case .string(let day) = value, let n = WeekdaySet.names.firstIndex(of: day) else {
                        if case .string = value {
                            r.report(.unknownValue, "unknown weekday \(Self.shown(value)) (expected \(WeekdaySet.names.joined(separator: ", ")))")
                        } else {
                            r.wrongType(value, expected: "a weekday (\"mon\" … \"sun\")")
                        }
                        return
                    }
                    p.weekStart = n + 1
                default: r.unknownFieldHere(key, known: Self.policyFields)
                }
            }
        }
        return p
    }

    /// An array of caps each carrying one scope member (`purpose`, `tag` or `channel`).
    private mutating func scopedCaps<S>(
        _ v: JSON, scopeKey: String, required: Bool,
        scope: (inout CampaignSetReader, JSON) -> S?
    ) -> [(S?, Cap)] {
        guard let a = array(v, "an array of caps") else { return [] }
        var out: [(S?, Cap)] = []
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard let o = r.object(e, "a cap {\"\(scopeKey)\": …, \"count\": …, \"window\": …}") else { return }
                var value: S?
                let cap = r.cap(o, known: [scopeKey, "count", "window"]) { r, key, v in
                    guard key == scopeKey else { return false }
                    value = r.at(key) { scope(&$0, v) }
                    return true
                }
                if required && !o.contains(scopeKey) { r.missing(scopeKey, "the cap's \(scopeKey)") }
                if let cap, value != nil || !o.contains(scopeKey) { out.append((value, cap)) }
            }
        }
        return out
    }

    private mutating func quietHoursList(_ v: JSON) -> [QuietHours] {
        guard let a = array(v, "an array of quiet hours") else { return [] }
        var out: [QuietHours] = []
        let known = ["purpose", "channels", "from", "to", "time_zone"]
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard let o = r.object(e, "quiet hours {\"from\": …, \"to\": …}") else { return }
                var purpose: Purpose?, channels: [Channel] = [], from: Int?, to: Int?
                var zone: ZoneChoice? = .user
                for (key, value) in o {
                    r.at(key) { r in
                        switch key {
                        case "purpose": purpose = r.choice(value, Purpose.self, "purpose")
                        case "channels":
                            guard let list = r.array(value, "an array of channels") else { return }
                            for (j, c) in list.enumerated() {
                                if let ch = r.at(.index(j), { $0.channel(c) }), !channels.contains(ch) { channels.append(ch) }
                            }
                        case "from": from = r.timeOfDay(value, allowEndOfDay: false)
                        case "to": to = r.timeOfDay(value, allowEndOfDay: true)
                        case "time_zone": zone = r.zone(value, allowUser: true)
                        default: r.unknownFieldHere(key, known: known)
                        }
                    }
                }
                if !o.contains("from") { r.missing("from", "a time of day \"HH:MM\"") }
                if !o.contains("to") { r.missing("to", "a time of day \"HH:MM\"") }
                if let range = r.dailyRange(from: from, to: to), let zone {
                    out.append(QuietHours(purpose: purpose, channels: channels, hours: range, timeZone: zone))
                }
            }
        }
        return out
    }

    private mutating func channelCosts(_ v: JSON) -> [Channel: Double] {
        guard let o = object(v, "an object of costs by channel") else { return [:] }
        var out: [Channel: Double] = [:]
        for (key, value) in o {
            at(key) { r in
                guard let c = r.channel(key: key) else { return }
                guard case .number(let d) = value else {
                    r.wrongType(value, expected: "a cost (a number ≥ 0)")
                    return
                }
                guard d >= 0 else {
                    r.report(.outOfRange, "cost \(value) is negative (expected a number ≥ 0)")
                    return
                }
                out[c] = d
            }
        }
        return out
    }
}
