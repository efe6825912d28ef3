// libFuzzer target for records (Engine.record(json:), docs/state.md): impressions,
// clicks, dismissals, conversions, behaviour events and conversations, against
// examples/campaigns/telco-full.json in an in-memory engine with a fixed clock. Input:
// raw record text, or a structured edit of one of the example records (FuzzSupport's
// SeedSet: the first byte ≥ 0xF0).
//
// After the record, the same user asks for a decision — explained, committing, for
// every placement and the record's event — so the recorded state is read back by caps,
// cooldowns, exits and behaviour rules; again at the record's own time when it has one;
// then the user's state is exported and erased.
//
// Findings: a crash, trap or sanitizer report; a timeout; an error path or message over
// 4 KiB; a store error in a decision (a record the reader accepted that the store then
// refuses to build on).
import Engage
import FuzzSupport

private let seeds = SeedSet(
    texts: [
        "click.json", "conversation.json", "conversion.json", "dismissal.json", "event.json", "impression.json",
        "invalid-impression-without-channel.json", "invalid-missing-user-id.json", "invalid-time-as-string.json",
        "invalid-unknown-type.json",
    ].map { [Seeds.example("records/" + $0)] } + [
        [#"{"user_id": "sub-0733-8810", "type": "event", "name": "support_contact", "time": 1795149000000, "properties": {"channel": "phone"}}"#],
        [#"{"user_id": "sub-0102-5567", "type": "event", "name": "add_to_cart", "properties": {"item_type": "plan"}}"#],
    ])

private let engine = FuzzEngine()

private let profile: JSON = Seeds.parse(
    #"""
    {"first_name": "Min", "age": 52, "plan": "LTE-S", "tenure_months": 26, "plan_locked": false,
     "contract_days_left": 12, "support_preference": "agent", "plan_includes_ott": true, "ott_linked": false,
     "ott_provider": "streamflix", "activated_at": 1795000000000}
    """#)

/// A request for `user` that reaches every campaign of the set it can.
private func request(user: String, event: String, now: JSON?) -> JSON {
    var members: [(String, JSON)] = [
        ("user_id", .string(user)), ("event", ["name": .string(event), "properties": ["page": "/plans"]]),
        ("placements", ["app_home_popup", "app_home_banner"]), ("explain", true),
        ("consent", ["marketing": true, "service": true, "transactional": true]),
        ("app", ["foreground": true]), ("user", profile), ("scores", ["churn": 0.9, "plan_propensity": 0.7]),
        ("offer", ["plan": "5G Standard", "value": 12]),
    ]
    if let now { members.append(("now", now)) }
    return .object(JSONObject(members))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecord(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = seeds.documents(data, size, count: 1)[0]
    guard let json = Check.parse(text, FuzzEngine.requestLimits, "record") else { return 0 }
    engine.record(json: json, "record")
    guard let user = FuzzEngine.userID(json) else { return 0 }
    var event = "page_view"
    if case .string(let name)? = json["name"] { event = name }
    engine.decide(json: request(user: user, event: event, now: nil), "decide after the record")
    if let time = json["time"], case .number = time {
        engine.decide(json: request(user: user, event: event, now: time), "decide at the record's time")
    }
    if !user.isEmpty, user.utf8.count <= 512 { engine.forget([user]) }
    return 0
}
