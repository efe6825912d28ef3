/// What the domain operators read besides the data: the user, the clock, the user's
/// time zone and behaviour history.
public struct EvaluationContext: Sendable {
    /// The current time, in milliseconds since the Unix epoch (UTC).
    public var now: Int64
    /// The user the rule is evaluated for (rollout bucketing).
    public var userID: String?
    /// The user's IANA time zone name (e.g. `Asia/Seoul`).
    public var timeZone: String?

    public init(now: Int64 = 0, userID: String? = nil, timeZone: String? = nil) {
        self.now = now
        self.userID = userID
        self.timeZone = timeZone
    }

    /// No user, the epoch, no time zone and no history.
    public static let empty = EvaluationContext()
}
