/// What the domain operators read besides the data: the user, the clock, the user's
/// time zone and behaviour history.
public struct EvaluationContext: Sendable {
    /// The current time, in milliseconds since the Unix epoch (UTC).
    public var now: Int64
    /// The user the rule is evaluated for (rollout bucketing).
    public var userID: String?
    /// The user's IANA time zone name (e.g. `Asia/Seoul`); UTC when nil.
    public var timeZone: String?
    /// The user's behaviour history; behaviour operators see no events when nil.
    public var history: (any EventHistory)?

    public init(now: Int64 = 0, userID: String? = nil, timeZone: String? = nil,
                history: (any EventHistory)? = nil) {
        self.now = now
        self.userID = userID
        self.timeZone = timeZone
        self.history = history
    }

    /// No user, the epoch, UTC and no history.
    public static let empty = EvaluationContext()
}
