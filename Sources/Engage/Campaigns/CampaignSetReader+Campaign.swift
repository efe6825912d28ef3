// Reading one campaign object: every member checked, rules compiled, then the checks
// that involve several members (an entry point, variant overrides naming real channels).

extension CampaignSetReader {
    static let campaignFields = [
        "id", "name", "purpose", "priority", "status", "schedule", "triggers", "placements",
        "audience", "exclusion", "exit", "cooldown_after_dismiss", "caps", "channels", "variants",
        "holdout_percent", "tags", "score", "exclusion_group", "salt",
    ]

    /// The campaign at the current path, or nil when it has problems (all reported).
    mutating func campaign(_ v: JSON, index: Int, defaultZone: String) -> CompiledCampaign? {
        guard let o = object(v, "a campaign object") else { return nil }
        let before = problemCount
        var id: String?, name: String?, purpose: Purpose?, status: CampaignStatus?
        var priority = 0, holdout = 0.0
        var schedule: Schedule?
        var triggers: [CompiledEventRule] = [], exits: [CompiledEventRule] = []
        var placements: [String] = [], tags: [String] = []
        var audience: Rule?, exclusion: Rule?, score: Rule?
        var cooldown: RollingWindow?
        var caps: [Cap] = []
        var channels: [ChannelMessage] = []
        var variants: [Variant] = []
        var exclusionGroup: String?
        var salt = ""

        for (key, value) in o {
            at(key) { r in
                switch key {
                case "id": id = r.name(value, "a non-empty string id")
                case "name": name = r.name(value)
                case "purpose": purpose = r.choice(value, Purpose.self, "purpose")
                case "priority": priority = r.integer(value, -1_000_000_000...1_000_000_000) ?? 0
                case "status": status = r.choice(value, CampaignStatus.self, "status")
                case "schedule": schedule = r.schedule(value, defaultZone: defaultZone)
                case "triggers": triggers = r.eventRules(value, what: "trigger")
                case "placements": placements = r.names(value) ?? []
                case "audience":
                    audience = r.rule(value)
                    r.noteReferences(in: audience)
                case "exclusion":
                    exclusion = r.rule(value)
                    r.noteReferences(in: exclusion)
                case "exit": exits = r.eventRules(value, what: "conversion event")
                case "cooldown_after_dismiss": cooldown = r.rollingWindow(value)
                case "caps": caps = r.campaignCaps(value)
                case "channels": channels = r.channelMessages(value)
                case "variants": variants = r.variants(value)
                case "holdout_percent": holdout = r.percent(value) ?? 0
                case "tags":
                    tags = r.names(value) ?? []
                    r.references.addTags(tags)
                case "score":
                    score = r.scoreRule(value)
                    r.noteReferences(in: score)
                case "exclusion_group":
                    exclusionGroup = r.name(value)
                    if let g = exclusionGroup { r.noteReference(.group, g) }
                case "salt": salt = r.salt(value) ?? ""
                default: r.unknownFieldHere(key, known: Self.campaignFields)
                }
            }
        }
        if !o.contains("id") { missing("id", "a non-empty string") }
        if !o.contains("purpose") { missing("purpose", "marketing, service or transactional") }
        if !o.contains("status") { missing("status", "active, paused, draft or ended") }
        if !o.contains("channels") { missing("channels", "an object with at least one channel") }
        if !o.contains("triggers") && !o.contains("placements") {
            report(.unreachable, "a campaign needs \"triggers\" or \"placements\"; without either no request can reach it")
        }
        if o["variants"]?.arrayValue?.count == variants.count { checkOverrides(variants, channels: channels) }

        guard problemCount == before,
            let id, let purpose, let status
        else { return nil }
        let campaign = Campaign(
            id: id, name: name, purpose: purpose, priority: priority, status: status, schedule: schedule,
            triggers: triggers.map { Trigger(event: $0.event, filter: $0.source) }, placements: placements,
            audience: o["audience"], exclusion: o["exclusion"],
            exit: exits.map { ConversionEvent(event: $0.event, filter: $0.source) },
            cooldownAfterDismiss: cooldown, caps: caps, channels: channels, variants: variants,
            holdoutPercent: holdout, tags: tags, score: o["score"], exclusionGroup: exclusionGroup, salt: salt)
        var scheduleZone: ZoneRules?
        if case .named(let z)? = schedule?.timeZone { scheduleZone = zones[z] }
        guard let templates = compileTemplates(campaign) else { return nil }
        return CompiledCampaign(
            campaign: campaign, index: index, audience: audience, exclusion: exclusion,
            triggers: triggers, exit: exits, score: score, scheduleZone: scheduleZone,
            totalVariantWeight: variants.reduce(0) { $0 + $1.weight }, templates: templates)
    }

    /// `{"start", "end", "days", "hours": {"from", "to"}, "time_zone"}`.
    mutating func schedule(_ v: JSON, defaultZone: String) -> Schedule? {
        guard let o = object(v, "a schedule object") else { return nil }
        let before = problemCount
        var s = Schedule(timeZone: .named(defaultZone))
        for (key, value) in o {
            at(key) { r in
                switch key {
                case "start": s.start = r.instant(value)
                case "end": s.end = r.instant(value)
                case "days": s.days = r.weekdays(value) ?? .all
                case "hours": s.hours = r.hoursObject(value)
                case "time_zone": s.timeZone = r.zone(value, allowUser: true) ?? s.timeZone
                default: r.unknownFieldHere(key, known: ["start", "end", "days", "hours", "time_zone"])
                }
            }
        }
        if let start = s.start, let end = s.end, start >= end {
            at("end") { $0.report(.emptyRange, "schedule ends (\(end) ms) before or when it starts (\(start) ms)") }
        }
        return problemCount == before ? s : nil
    }

    mutating func weekdays(_ v: JSON) -> WeekdaySet? {
        guard let a = array(v, "an array of weekdays (\"mon\" … \"sun\")") else { return nil }
        var set = WeekdaySet()
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard case .string(let s) = e, let n = WeekdaySet.names.firstIndex(of: s) else {
                    if case .string = e {
                        r.report(.unknownValue, "unknown weekday \(Self.shown(e)) (expected \(WeekdaySet.names.joined(separator: ", ")))")
                    } else {
                        r.wrongType(e, expected: "a weekday (\"mon\" … \"sun\")")
                    }
                    return
                }
                set.insert(WeekdaySet(isoWeekday: n + 1))
            }
        }
        if a.isEmpty { report(.outOfRange, "an empty list of days: the campaign could never be shown") }
        return set
    }

    /// `{"from": "09:00", "to": "18:00"}`.
    mutating func hoursObject(_ v: JSON) -> DailyTimeRange? {
        guard let o = object(v, "an object {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}") else { return nil }
        var from: Int?, to: Int?
        for (key, value) in o {
            at(key) { r in
                switch key {
                case "from": from = r.timeOfDay(value, allowEndOfDay: false)
                case "to": to = r.timeOfDay(value, allowEndOfDay: true)
                default: r.unknownFieldHere(key, known: ["from", "to"])
                }
            }
        }
        if !o.contains("from") { missing("from", "a time of day \"HH:MM\"") }
        if !o.contains("to") { missing("to", "a time of day \"HH:MM\"") }
        return dailyRange(from: from, to: to)
    }

    /// `[{"event": "page_view", "filter": rule}]` (triggers and exit criteria).
    mutating func eventRules(_ v: JSON, what: String) -> [CompiledEventRule] {
        guard let a = array(v, "an array of {\"event\": …, \"filter\": …} objects") else { return [] }
        var out: [CompiledEventRule] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard let o = r.object(e, "a \(what) object {\"event\": …, \"filter\": …}") else { return }
                var event: String?, filter: Rule?
                for (key, value) in o {
                    r.at(key) { r in
                        switch key {
                        case "event": event = r.name(value, "an event name")
                        case "filter": filter = r.rule(value)
                        default: r.unknownFieldHere(key, known: ["event", "filter"])
                        }
                    }
                }
                if !o.contains("event") { r.missing("event", "an event name") }
                if let event {
                    r.at("event") { $0.noteReference(.event, event) }
                    r.at("filter") { $0.noteReferences(in: filter, eventScope: event) }
                    out.append(CompiledEventRule(event: event, filter: filter, source: o["filter"]))
                }
            }
        }
        return out
    }

    mutating func campaignCaps(_ v: JSON) -> [Cap] {
        guard let a = array(v, "an array of caps") else { return [] }
        var out: [Cap] = []
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard let o = r.object(e, "a cap {\"count\": …, \"window\": …}") else { return }
                if let c = r.cap(o, known: ["count", "window"]) { out.append(c) }
            }
        }
        return out
    }

    /// `{"push": {"format": "plain", "payload": {…}}, …}`.
    mutating func channelMessages(_ v: JSON) -> [ChannelMessage] {
        guard let o = object(v, "an object of channels (in_app, push, rcs, sms, whatsapp, email)") else { return [] }
        if o.isEmpty { report(.outOfRange, "a campaign needs at least one channel") }
        var out: [ChannelMessage] = []
        for (key, value) in o {
            at(key) { r in
                guard let channel = r.channel(key: key),
                    let m = r.object(value, "a channel message {\"format\": …, \"payload\": …}")
                else { return }
                var format = PayloadFormat.plain
                for (k, val) in m {
                    r.at(k) { r in
                        switch k {
                        case "format": format = r.choice(val, PayloadFormat.self, "payload format") ?? .plain
                        case "payload": break
                        default: r.unknownFieldHere(k, known: ["format", "payload"])
                        }
                    }
                }
                guard let payload = m["payload"] else {
                    r.missing("payload", "the message, any JSON value")
                    return
                }
                out.append(ChannelMessage(channel: channel, format: format, payload: payload))
            }
        }
        return out
    }

    /// `[{"id": "A", "weight": 50, "overrides": {"push": {…}}}]`.
    mutating func variants(_ v: JSON) -> [Variant] {
        guard let a = array(v, "an array of variants") else { return [] }
        guard !a.isEmpty else {
            // Weights totalling 0 are invalid, and an empty list totals 0: a campaign
            // without variants leaves the member out.
            report(.invalidWeights, "no variants, so the weights sum to 0 (omit \"variants\" for a campaign without variants)")
            return []
        }
        var out: [Variant] = []
        var seen: [String: Int] = [:]
        for (i, e) in a.enumerated() {
            at(.index(i)) { r in
                guard let o = r.object(e, "a variant {\"id\": …, \"weight\": …}") else { return }
                var id: String?, weight: Int?, overrides: [Channel: JSON] = [:]
                for (key, value) in o {
                    r.at(key) { r in
                        switch key {
                        case "id":
                            id = r.name(value, "a non-empty string id")
                            if let s = id, let first = seen[s] {
                                r.report(.duplicateID, "duplicate variant id \(Self.shown(value)) (first at variants[\(first)])")
                            } else if let s = id {
                                seen[s] = i
                            }
                        case "weight": weight = r.integer(value, 0...1_000_000, "an integer weight")
                        case "overrides":
                            guard let ov = r.object(value, "an object of per-channel payload overrides") else { return }
                            for (ck, cv) in ov {
                                if let c = r.at(ck, { $0.channel(key: ck) }) { overrides[c] = cv }
                            }
                        default: r.unknownFieldHere(key, known: ["id", "weight", "overrides"])
                        }
                    }
                }
                if !o.contains("id") { r.missing("id", "a non-empty string") }
                if !o.contains("weight") { r.missing("weight", "an integer from 0 to 1000000") }
                if let id, let weight { out.append(Variant(id: id, weight: weight, overrides: overrides)) }
            }
        }
        if out.count == a.count {
            let total = out.reduce(0) { $0 + $1.weight }
            if total == 0 {
                report(.invalidWeights, "variant weights sum to 0 (expected at least one positive weight)")
            } else if total > 1_000_000 {
                report(.invalidWeights, "variant weights sum to \(total) (expected a total of at most 1000000)")
            }
        }
        return out
    }

    /// A variant may only override the payload of a channel the campaign has.
    mutating func checkOverrides(_ variants: [Variant], channels: [ChannelMessage]) {
        guard !channels.isEmpty else { return }
        for (i, variant) in variants.enumerated() {
            for channel in Channel.allCases
            where variant.overrides[channel] != nil
                && !channels.contains(where: { $0.channel == channel })
            {
                at("variants") { r in
                    r.at(.index(i)) { r in
                        r.at("overrides") { r in
                            r.at(channel.rawValue) {
                                $0.report(.unknownChannel, "the campaign has no \(channel.rawValue) channel to override")
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which payload a template renders: a channel's, or a variant's for that channel.
struct TemplateKey: Hashable, Sendable {
    let variant: String?
    let channel: Channel
}

extension CampaignSetReader {
    /// Compiles every payload's placeholders (each channel's, and each variant's with its
    /// overrides merged in), reporting problems at the payload's path. Nil when any
    /// payload is malformed.
    mutating func compileTemplates(_ c: Campaign) -> [TemplateKey: PayloadTemplate]? {
        var out: [TemplateKey: PayloadTemplate] = [:]
        var ok = true
        for m in c.channels {
            var templateProblems: [TemplateError] = []
            let path = renderedPath("channels.\(m.channel.rawValue).payload")
            out[TemplateKey(variant: nil, channel: m.channel)] =
                PayloadTemplate.compile(m.payload, format: m.format, path: path, problems: &templateProblems)
            for (vi, v) in c.variants.enumerated() {
                guard let override = v.overrides[m.channel] else { continue }
                let merged = mergePayload(m.payload, override)
                let overridePath = renderedPath("variants[\(vi)].overrides.\(m.channel.rawValue)")
                out[TemplateKey(variant: v.id, channel: m.channel)] =
                    PayloadTemplate.compile(merged, format: m.format, path: overridePath, problems: &templateProblems)
            }
            for p in templateProblems {
                ok = false
                problemCount += 1
                if hasRoom {
                    problems.append(CampaignSetError(path: p.path, code: .invalidTemplate, message: p.message))
                } else {
                    truncated = true
                }
            }
        }
        return ok ? out : nil
    }
}

/// A variant's override merged over a channel payload: objects member by member
/// (shallow), any other override replacing the payload.
func mergePayload(_ base: JSON, _ override: JSON) -> JSON {
    guard case .object(let b) = base, case .object(let o) = override else { return override }
    return .object(JSONObject(Array(b.map { ($0.key, $0.value) }) + Array(o.map { ($0.key, $0.value) })))
}
