/// Why a campaign was or was not chosen: one stable code per pipeline step, in the
/// pipeline's order. Codes are part of the API (explanations, metrics, exposure
/// records); new ones may be added, existing ones never change meaning.
public enum ReasonCode: String, Sendable, CaseIterable, Hashable {
    /// Status is not `active`.
    case status
    /// Outside the campaign's start/end, days or hours.
    case schedule
    /// Neither the request's event nor its placements match the campaign.
    case trigger
    /// The user is on the suppression (do-not-contact) list.
    case suppressed
    /// No consent for the campaign's purpose (unknown marketing consent means no).
    case consent
    /// The audience rule is false.
    case audience
    /// The exclusion rule is true.
    case exclusion
    /// The user already converted (an exit criterion was met).
    case exit
    /// Within the cooldown after the user dismissed the campaign.
    case cooldown
    /// A campaign, tag or global cap is used up.
    case cap
    /// Every channel left is in quiet hours.
    case quietHours = "quiet_hours"
    /// No channel the user is reachable and consented on (or all channel-capped).
    case channel
    /// A placeholder has no value and no default.
    case personalisation
    /// A rule failed to evaluate (NaN, thrown, limit): the campaign is skipped.
    case ruleError = "rule_error"
    /// Eligible, but another campaign won the slot.
    case arbitration
    /// Another decision took the last impression a cap allowed (decide-and-commit).
    case capRace = "cap_race"
    /// In the campaign's holdout: recorded, nothing shown.
    case holdout
    /// In the global control group: recorded, nothing shown.
    case control
    /// Chosen.
    case selected
    /// The store could not serve the decision (down, timing out, its breaker open): no
    /// campaign was considered and nothing is shown or committed (fail closed).
    case storeUnavailable = "store_unavailable"
}

extension ReasonCode {
    /// Position in `allCases`: counters index arrays with it instead of hashing the
    /// code's string (which a dictionary keyed by a String-backed enum would do).
    var ordinal: Int {
        switch self {
        case .status: return 0
        case .schedule: return 1
        case .trigger: return 2
        case .suppressed: return 3
        case .consent: return 4
        case .audience: return 5
        case .exclusion: return 6
        case .exit: return 7
        case .cooldown: return 8
        case .cap: return 9
        case .quietHours: return 10
        case .channel: return 11
        case .personalisation: return 12
        case .ruleError: return 13
        case .arbitration: return 14
        case .capRace: return 15
        case .holdout: return 16
        case .control: return 17
        case .selected: return 18
        case .storeUnavailable: return 19
        }
    }
}

/// Counts per reason code.
struct ReasonTally: Sendable {
    private(set) var counts = [Int](repeating: 0, count: ReasonCode.allCases.count)

    subscript(_ reason: ReasonCode) -> Int {
        get { counts[reason.ordinal] }
        set { counts[reason.ordinal] = newValue }
    }

    mutating func add(_ other: ReasonTally) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
    }
}

/// One campaign's path through the pipeline, for explanations: the step where it
/// stopped and the values involved (`cap campaign/1d: 1 of 1 used`).
public struct CampaignTrace: Sendable, Equatable {
    /// The campaign traced.
    public var campaignID: String
    /// The step where it stopped (or `.selected`).
    public var reason: ReasonCode
    /// The values involved, e.g. `cap campaign/1d: 1 of 1 used`.
    public var detail: String
    /// For `.cap`: the scope of the cap that was full (campaign, tag, purpose, all).
    public var capScope: CapScope?

    /// A trace.
    public init(campaignID: String, reason: ReasonCode, detail: String, capScope: CapScope? = nil) {
        self.campaignID = campaignID
        self.reason = reason
        self.detail = detail
        self.capScope = capScope
    }

    var json: JSON {
        .object(
            JSONObject([
                ("campaign", .string(campaignID)), ("reason", .string(reason.rawValue)),
                ("detail", .string(detail)),
            ]))
    }
}
