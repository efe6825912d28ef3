/// A question to the engine: which message for this user, now, for this event or these
/// placements?
///
/// Parsed from JSON (see docs/decisions.md):
///
/// ```json
/// {"user_id": "u42", "time_zone": "Asia/Seoul",
///  "event": {"name": "page_view", "properties": {"page": "/plans"}},
///  "placements": ["app_home_popup"], "k": 1,
///  "consent": {"marketing": {"push": true, "sms": false}, "service": true},
///  "channels": ["push", "sms", "email"], "app": {"foreground": true},
///  "user": {"plan": "5G-M", "age_band": "25-34"}, "explain": true}
/// ```
///
/// The whole request is the data rules and message placeholders read
/// (`{"var": "user.plan"}`, `{{user.first_name}}`).
public struct DecisionRequest: Sendable {
    /// The user asking: 1–256 bytes, no NUL.
    public var userID: String
    /// Milliseconds since the epoch; the engine's clock when nil.
    public var now: Int64?
    /// The user's IANA zone; the campaign set's default when nil.
    public var timeZone: String?
    /// The event that happened, if any.
    public var eventName: String?
    /// The event's properties (an object, or null): what trigger filters read.
    public var eventProperties: JSON
    /// The placements asked for, each at most once.
    public var placements: [String]
    /// Messages wanted per placement (top-k), 1…100.
    public var k: Int
    /// Channels the user can be reached on besides in-app. Nil means every channel.
    public var reachable: Set<Channel>? {
        get { reachableMask.map { mask in Set(Channel.allCases.filter { mask & $0.bit != 0 }) } }
        set { reachableMask = newValue.map { $0.reduce(0) { $0 | $1.bit } } }
    }
    /// ``reachable`` as one bit per ``Channel/ordinal`` (nil: every channel): what a
    /// decision reads, with no set built or hashed.
    package var reachableMask: UInt8?
    /// Whether the app is in the foreground (in-app messages need it).
    public var foreground: Bool
    /// Consent as sent: `{"marketing": true | false | {"push": true, ...}, ...}`.
    public var consent: JSON
    /// Whether to record the chosen impressions (and the event, see ``recordEvent``)
    /// atomically with the decision. False is a dry run: the same decision, nothing
    /// written.
    public var commit: Bool
    /// Whether the request's event is part of the user's history: counted by the
    /// behaviour aggregates of this decision (the 3rd visit sees 3) and, with
    /// ``commit``, recorded in the same store write as the decision's impressions.
    /// False (`"record_event": false`) for hosts that record events themselves: the
    /// event only triggers campaigns and feeds trigger filters.
    public var recordEvent: Bool
    /// Whether to return every campaign's trace.
    public var explain: Bool
    /// With `explain`: whether traces carry their detail text (default true). False
    /// keeps reason codes and cap scopes, and details only for the channel and
    /// quiet-hours steps — for tools that tally reasons over many decisions (the
    /// simulator), at a fraction of the cost. Not a JSON member; `package`, not API.
    package var explainDetails: Bool = true
    /// The request as sent: what rules and placeholders read.
    public var data: JSON

    /// Reads a request, naming the path of every problem.
    public init(json: JSON) throws(DecisionError) {
        guard case .object(let o) = json else {
            throw DecisionError(.invalidRequest, path: "", "a request is a JSON object, found \(json.typeName)")
        }
        try self.init(members: { o[$0] }, data: json)
    }

    /// Reads a request from its members (`members(key)` is the value of a top-level
    /// key, nil when absent); `data` is what rules and placeholders read.
    init(members o: (String) -> JSON?, data json: JSON) throws(DecisionError) {
        userID = ""
        eventProperties = .null
        placements = []
        k = 1
        foreground = false
        consent = .null
        commit = true
        recordEvent = true
        explain = false
        data = json
        try read(o, only: nil)
        try Self.checkNearMisses(json)
    }

    /// This request with `question`'s members read over it: `members` is the merged
    /// lookup (the question's member, else this request's), `data` the merged document.
    /// Only the members the question sends are read again — this request's were checked
    /// when it was read — with the checks, errors and their order of a whole read.
    /// `placementsUnread`: this request's placements were a stand-in (a context without
    /// a question), so they are read whatever the question sends.
    func merging(
        _ question: JSONObject, members o: (String) -> JSON?, data json: JSON, placementsUnread: Bool
    ) throws(DecisionError) -> DecisionRequest {
        var merged = self
        merged.data = json
        try merged.read(o) { key in
            key == "placements" ? placementsUnread || question["placement"] != nil || question["placements"] != nil : question[key] != nil
        }
        for (key, _) in question { try Self.checkNearMiss(key) }
        return merged
    }

    /// Reads the members `only` names (nil: all), in the order a whole read checks them;
    /// `placement` and `placements` are read together, under the name `placements`.
    private mutating func read(_ o: (String) -> JSON?, only: ((String) -> Bool)?) throws(DecisionError) {
        func wants(_ key: String) -> Bool { only?(key) ?? true }
        func string(_ key: String, required: Bool = false) throws(DecisionError) -> String? {
            switch o(key) {
            case nil, .null?:
                if required { throw DecisionError(.invalidRequest, path: key, "required") }
                return nil
            case .string(let s)?:
                try Self.checkName(s, path: key)
                return s
            case let v?:
                throw DecisionError(.invalidRequest, path: key, "expected a string, found \(v.typeName)")
            }
        }
        if wants("user_id") { userID = try string("user_id", required: true) ?? "" }
        if wants("time_zone") { timeZone = try string("time_zone") }
        if wants("now") { try readNow(o("now")) }
        if wants("event") { try readEvent(o("event")) }
        if wants("placements") {
            try readPlacements(string("placement"), o("placements"))
            if eventName == nil && placements.isEmpty {
                throw DecisionError(.invalidRequest, path: "", "a request names an event or at least one placement")
            }
        } else if wants("event"), eventName == nil && placements.isEmpty {
            throw DecisionError(.invalidRequest, path: "", "a request names an event or at least one placement")
        }
        if wants("k") { try readK(o("k")) }
        if wants("channels") { try readChannels(o("channels")) }
        if wants("app") { try readApp(o("app")) }
        if wants("consent") { try readConsent(o("consent")) }
        func flag(_ key: String, _ fallback: Bool) throws(DecisionError) -> Bool {
            switch o(key) {
            case nil, .null?: return fallback
            case .bool(let b)?: return b
            case let v?: throw DecisionError(.invalidRequest, path: key, "expected a boolean, found \(v.typeName)")
            }
        }
        if wants("commit") { commit = try flag("commit", true) }
        if wants("record_event") { recordEvent = try flag("record_event", true) }
        if wants("explain") { explain = try flag("explain", false) }
    }

    private mutating func readNow(_ value: JSON?) throws(DecisionError) {
        switch value {
        case nil, .null?: now = nil
        case let v?:
            guard let ms = Instant.milliseconds(v) else {
                throw DecisionError(.invalidRequest, path: "now", "\(Instant.expected), found \(ErrorText.shown(v))")
            }
            now = ms
        }
    }

    private mutating func readEvent(_ value: JSON?) throws(DecisionError) {
        eventName = nil
        eventProperties = .null
        if let event = value, !event.isNull {
            guard case .object(let e) = event else {
                throw DecisionError(.invalidRequest, path: "event", "expected {\"name\": string, \"properties\": object}, found \(ErrorText.shown(event))")
            }
            guard case .string(let name)? = e["name"] else {
                throw DecisionError(
                    .invalidRequest, path: "event.name",
                    e["name"].map { "expected the event's name (a string), found \(ErrorText.shown($0))" } ?? "required: the event's name (a string)")
            }
            try Self.checkName(name, path: "event.name")
            eventName = name
            switch e["properties"] {
            case nil, .null?: eventProperties = .null
            case .object?: eventProperties = e["properties"] ?? .null
            case let v?: throw DecisionError(.invalidRequest, path: "event.properties", "expected an object, found \(v.typeName)")
            }
        }
    }

    private mutating func readPlacements(_ single: String?, _ value: JSON?) throws(DecisionError) {
        var placements: [String] = []
        if let p = single { placements.append(p) }
        switch value {
        case nil, .null?: break
        case .array(let a)?:
            for (i, v) in a.enumerated() {
                guard case .string(let s) = v else {
                    throw DecisionError(.invalidRequest, path: "placements[\(i)]", "expected a placement name, found \(v.typeName)")
                }
                try Self.checkName(s, path: "placements[\(i)]")
                if !placements.contains(s) { placements.append(s) }
            }
            if placements.count > 64 { throw DecisionError(.invalidRequest, path: "placements", "at most 64 placements") }
        case let v?: throw DecisionError(.invalidRequest, path: "placements", "expected an array, found \(v.typeName)")
        }
        self.placements = placements
    }

    private mutating func readK(_ value: JSON?) throws(DecisionError) {
        switch value {
        case nil, .null?: k = 1
        case .number(let d)? where d >= 1 && d <= 100 && d.rounded(.towardZero) == d: k = Int(d)
        case let v?: throw DecisionError(.invalidRequest, path: "k", "expected an integer from 1 to 100, found \(describe(v))")
        }
    }

    private mutating func readChannels(_ value: JSON?) throws(DecisionError) {
        switch value {
        case nil, .null?: reachableMask = nil
        case .array(let a)?:
            var mask: UInt8 = 0
            for (i, v) in a.enumerated() {
                guard case .string(let s) = v, let c = Channel(rawValue: s) else {
                    throw DecisionError(
                        .invalidRequest, path: "channels[\(i)]",
                        "unknown channel \(describe(v)) (expected \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                mask |= c.bit
            }
            reachableMask = mask
        case let v?: throw DecisionError(.invalidRequest, path: "channels", "expected an array, found \(v.typeName)")
        }
    }

    private mutating func readApp(_ value: JSON?) throws(DecisionError) {
        switch value?["foreground"] {
        case nil, .null?: foreground = false
        case .bool(let b)?: foreground = b
        case let v?: throw DecisionError(.invalidRequest, path: "app.foreground", "expected a boolean, found \(v.typeName)")
        }
    }

    private mutating func readConsent(_ value: JSON?) throws(DecisionError) {
        consent = value ?? .null
        if !consent.isNull, consent.objectValue == nil {
            throw DecisionError(.invalidRequest, path: "consent", "expected an object, found \(consent.typeName)")
        }
    }

    /// Ids and names: 1–256 UTF-8 bytes, no NUL (which bucketing keys cannot carry).
    static func checkName(_ s: String, path: String) throws(DecisionError) {
        if s.isEmpty { throw DecisionError(.invalidRequest, path: path, "must not be empty") }
        if s.utf8.count > 256 || s.utf8.contains(0) {
            throw DecisionError(.invalidRequest, path: path, "must be at most 256 bytes without NUL")
        }
    }

    /// Whether the user consented to `purpose` on `channel` (nil: on some channel —
    /// the purpose-level check before channels are resolved). docs/decisions.md:
    ///
    /// - `"purpose": true | false` — every channel yes or no.
    /// - `"purpose": {"push": true, "sms": false, …}` — per channel: **marketing** only
    ///   on the channels set `true`; **service** and **transactional** on every channel
    ///   not set `false`.
    /// - absent (or any other value) — marketing no, service and transactional yes.
    func consents(_ purpose: Purpose, _ channel: Channel?) -> Bool {
        let optIn = purpose == .marketing
        switch consent[purpose.rawValue] {
        case .bool(let b)?: return b
        case .object(let perChannel)?:
            func allowed(_ c: Channel) -> Bool {
                switch perChannel[c.rawValue] {
                case .bool(let b)?: return b
                default: return !optIn
                }
            }
            guard let channel else { return Channel.allCases.contains(where: allowed) }
            return allowed(channel)
        default: return !optIn
        }
    }
}

/// A request the engine cannot answer, with the path of the bad field.
public struct DecisionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable error categories.
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case invalidJSON = "invalid_json"
        case noCampaignSet = "no_campaign_set"
        case store
    }

    /// The category.
    public let code: Code
    /// Where in the request (`channels[0]`); empty for the whole request.
    public let path: String
    /// What was wrong, and what was expected.
    public let message: String
    /// For `.store`: the store's error, whose code tells an unreachable store
    /// (`unavailable`: the decision fails closed instead) from damaged data.
    public internal(set) var storeError: StateStoreError? = nil

    /// An error at `path`.
    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = ErrorText.bounded(path)
        self.message = ErrorText.bounded(message)
    }

    public var description: String { path.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue): \(path): \(message)" }
}
