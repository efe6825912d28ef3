/// A state change as JSON, as hosts send it to ``Engine/record(json:)``:
///
/// ```json
/// {"user_id": "u42", "type": "dismissal", "campaign": "plan-nudge", "time": 1795176000000}
/// {"user_id": "u42", "type": "event", "name": "page_view", "time": 1795176000000, "properties": {"page": "/plans"}}
/// {"user_id": "u42", "type": "impression", "campaign": "plan-nudge", "channel": "push"}
/// ```
///
/// `type` is `impression`, `click`, `dismissal`, `conversion`, `event` (behaviour) or
/// `conversation` (the user opened a conversation on `channel`, e.g. WhatsApp). `time`
/// defaults to the engine's clock. An impression's purpose and tags default to its
/// campaign's in the loaded set.
public struct RecordRequest: Sendable {
    /// The user the record is about.
    public var userID: String
    /// The change to apply.
    public var record: StateRecord

    /// Reads a record; `now` fills a missing time and `set` a missing purpose/tags.
    public init(json: JSON, now: Int64, set: CompiledCampaignSet? = nil) throws(DecisionError) {
        guard case .object(let o) = json else {
            throw DecisionError(.invalidRequest, path: "", "a record is a JSON object, found \(json.typeName)")
        }
        func string(_ key: String) throws(DecisionError) -> String {
            guard case .string(let s)? = o[key] else {
                throw DecisionError(.invalidRequest, path: key, "expected a non-empty string of at most 256 bytes")
            }
            try DecisionRequest.checkName(s, path: key)
            return s
        }
        func channel(_ key: String) throws(DecisionError) -> String {
            let name = try string(key)
            guard Channel(rawValue: name) != nil else {
                throw DecisionError(
                    .invalidRequest, path: key,
                    "unknown channel \"\(name.prefix(32))\" (expected \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return name
        }
        let type = try string("type")
        let allowed: Set<String>
        switch type {
        case "impression": allowed = ["user_id", "type", "time", "campaign", "channel", "purpose", "tags"]
        case "click", "dismissal", "conversion": allowed = ["user_id", "type", "time", "campaign"]
        case "event": allowed = ["user_id", "type", "time", "name", "properties"]
        case "conversation": allowed = ["user_id", "type", "time", "channel"]
        default:
            throw DecisionError(
                .invalidRequest, path: "type",
                "unknown record type \"\(type.prefix(32))\" (expected impression, click, dismissal, conversion, event, conversation)")
        }
        for key in o.keys where !allowed.contains(key) {
            throw DecisionError(.invalidRequest, path: ErrorText.name(key), "unknown field for a \(type) record")
        }
        userID = try string("user_id")
        let time: Int64
        switch o["time"] {
        case nil, .null?: time = now
        case let v?:
            guard let ms = Instant.milliseconds(v) else {
                throw DecisionError(.invalidRequest, path: "time", "\(Instant.expected), found \(ErrorText.shown(v))")
            }
            time = ms
        }
        switch type {
        case "impression":
            let id = try string("campaign")
            let channelName = try channel("channel")
            let campaign = set?.campaign(id: id)
            var purpose = campaign?.purpose.rawValue ?? "marketing"
            if o["purpose"] != nil {
                let p = try string("purpose")
                guard Purpose(rawValue: p) != nil else {
                    throw DecisionError(.invalidRequest, path: "purpose", "unknown purpose \"\(p.prefix(32))\" (expected marketing, service, transactional)")
                }
                purpose = p
            }
            var tags = campaign?.tags ?? []
            if let t = o["tags"] {
                guard case .array(let a) = t else {
                    throw DecisionError(.invalidRequest, path: "tags", "expected an array of tags, found \(t.typeName)")
                }
                tags = []
                for (i, v) in a.enumerated() {
                    guard case .string(let tag) = v else {
                        throw DecisionError(.invalidRequest, path: "tags[\(i)]", "expected a tag, found \(v.typeName)")
                    }
                    try DecisionRequest.checkName(tag, path: "tags[\(i)]")
                    tags.append(tag)
                }
            }
            record = .impression(Impression(campaignID: id, time: time, channel: channelName, purpose: purpose, tags: tags))
        case "click": record = .click(campaignID: try string("campaign"), time: time)
        case "dismissal": record = .dismissal(campaignID: try string("campaign"), time: time)
        case "conversion": record = .conversion(campaignID: try string("campaign"), time: time)
        case "event":
            let properties = o["properties"] ?? .null
            guard properties.isNull || properties.objectValue != nil else {
                throw DecisionError(.invalidRequest, path: "properties", "expected an object, found \(properties.typeName)")
            }
            record = .behaviour(HistoryEvent(name: try string("name"), time: time, properties: properties))
        default: record = .conversation(channel: try channel("channel"), time: time)
        }
    }
}

extension CompiledCampaignSet {
    /// The campaign with `id`, if the set has one.
    public func campaign(id: String) -> Campaign? {
        byID[id].flatMap { $0 < campaigns.count ? campaigns[$0].campaign : nil }
    }
}

extension Engine {
    /// Records a state change given as JSON (see ``RecordRequest``).
    public func record(json: JSON) throws(DecisionError) {
        let r = try RecordRequest(json: json, now: clock(), set: campaignSet)
        do throws(StateStoreError) {
            try record(userID: r.userID, r.record)
        } catch {
            throw DecisionError(error.code == .invalidRecord ? .invalidRequest : .store, path: "", "\(error)")
        }
    }
}
