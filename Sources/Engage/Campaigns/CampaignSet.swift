/// A campaign set as validated: the format version, the bucketing version, named
/// segments, global policies and the campaigns, in document order.
///
/// A set is read and checked with ``CompiledCampaignSet/init(json:options:)``, which
/// also compiles it; this type is the plain data, ``CompiledCampaignSet/set``.
///
/// ```json
/// {"version": 1, "bucketing_version": 1, "default_time_zone": "Asia/Seoul",
///  "segments": {"adults": {">=": [{"var": "user.age"}, 18]}},
///  "policies": {"global_caps": [{"purpose": "marketing", "count": 3, "window": "1d"}]},
///  "campaigns": [{"id": "welcome", "purpose": "service", "status": "active",
///                 "placements": ["home"], "channels": {"in_app": {"payload": {"title": "Hi"}}}}]}
/// ```
public struct CampaignSet: Sendable {
    /// The format versions this library reads.
    public static let supportedVersions: ClosedRange<Int> = 1...1
    /// The bucketing (variant/holdout hash) versions this library implements.
    public static let supportedBucketingVersions: ClosedRange<Int> = 1...1

    /// Format version (`"version": 1`).
    public var version: Int
    /// Version of the assignment hash. Carried in the set so that a future hash can
    /// never silently reassign users: absent means 1, now and in every later release.
    public var bucketingVersion: Int
    /// The zone used where the user's zone is unknown, and by schedules that name none.
    public var defaultTimeZone: String
    /// The event vocabulary (`"events"`): each event name with its property names. When
    /// present, every constant event and property name the set uses must be in it;
    /// nil when the set has none.
    public var events: [String: [String]]?
    /// Named rules, referenced from any rule as `{"segment": "name"}`, in document order.
    public var segments: JSONObject
    public var policies: Policies
    public var campaigns: [Campaign]

    public init(
        version: Int = 1, bucketingVersion: Int = 1, defaultTimeZone: String = "UTC",
        events: [String: [String]]? = nil, segments: JSONObject = JSONObject(), policies: Policies = .none,
        campaigns: [Campaign] = []
    ) {
        self.version = version
        self.bucketingVersion = bucketingVersion
        self.defaultTimeZone = defaultTimeZone
        self.events = events
        self.segments = segments
        self.policies = policies
        self.campaigns = campaigns
    }
}
