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
    public var userID: String
    public var record: StateRecord

    /// Reads a record; `now` fills a missing time and `set` a missing purpose/tags.
    public init(json: JSON, now: Int64, set: CompiledCampaignSet? = nil) throws(DecisionError) {
        guard case .object(let o) = json else {
            throw DecisionError(.invalidRequest, path: "", "a record is a JSON object, found \(json.typeName)")
        }
        func string(_ key: String) throws(DecisionError) -> String {
            guard case .string(let s)? = o[key], !s.isEmpty, s.utf8.count <= 256 else {
                throw DecisionError(.invalidRequest, path: key, "expected a non-empty string of at most 256 bytes")
            }
            return s
        }
        userID = try string("user_id")
        let time: Int64
        switch o["time"] {
        case nil, .null?: time = now
        case .number(let d)? where d.rounded(.towardZero) == d && abs(d) < 9e15: time = Int64(d)
        case let v?: throw DecisionError(.invalidRequest, path: "time", "expected milliseconds since the epoch, found \(describe(v))")
        }
        let type = try string("type")
        switch type {
        case "impression":
            let id = try string("campaign")
            let channelName = try string("channel")
            guard Channel(rawValue: channelName) != nil else {
                throw DecisionError(.invalidRequest, path: "channel", "unknown channel \"\(channelName)\"")
            }
            let campaign = set?.campaign(id: id)
            var purpose = campaign?.purpose.rawValue ?? "marketing"
            if case .string(let p)? = o["purpose"] { purpose = p }
            var tags = campaign?.tags ?? []
            if case .array(let a)? = o["tags"] { tags = a.compactMap(\.stringValue) }
            record = .impression(Impression(campaignID: id, time: time, channel: channelName, purpose: purpose, tags: tags))
        case "click": record = .click(campaignID: try string("campaign"), time: time)
        case "dismissal": record = .dismissal(campaignID: try string("campaign"), time: time)
        case "conversion": record = .conversion(campaignID: try string("campaign"), time: time)
        case "event":
            record = .behaviour(HistoryEvent(name: try string("name"), time: time, properties: o["properties"] ?? .null))
        case "conversation": record = .conversation(channel: try string("channel"), time: time)
        default:
            throw DecisionError(.invalidRequest, path: "type",
                                "unknown record type \"\(type.prefix(32))\" (expected impression, click, dismissal, conversion, event, conversation)")
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
