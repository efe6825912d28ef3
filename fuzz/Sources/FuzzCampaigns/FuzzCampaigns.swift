// libFuzzer target for the campaign-set reader and compiler (docs/campaigns.md):
// Engine.load(bytes:) with the default options. Input: raw campaign-set text, or a
// structured edit of one of the example sets (FuzzSupport's SeedSet: the first byte
// ≥ 0xF0) — a set that loads, changed in one to four fields.
//
// Findings: a crash, trap or sanitizer report; a timeout (exponential compile work);
// a refusal with no problem or more than `maxProblems` listed; any problem's path or
// message over 4 KiB. A set that loads is then used: a committing, explained decision
// for each of its first events and placements, so schedules, windows, zones, templates
// and caps the reader accepted are also evaluated — at the fixed clock and at the
// earliest and latest instants a request may name.
import Engage
import FuzzSupport

private let seeds = SeedSet(
    texts: [
        "campaigns/telco-full.json", "telco/campaigns.json", "go-gateway/campaigns.json", "campaigns/invalid.json",
    ].map { [Seeds.example($0)] })

private let engine = FuzzEngine(campaigns: nil)

/// Everything a rule or template in the examples reads, with consent for every purpose.
private let user: JSON = Seeds.parse(
    #"""
    {"first_name": "Min", "age": 34, "plan": "LTE-S", "tenure_months": 26, "plan_locked": false,
     "contract_days_left": 12, "support_preference": "agent", "plan_includes_ott": true, "ott_linked": false,
     "ott_provider": "streamflix", "activated_at": 1795000000000}
    """#)

private func request(event: String?, placement: String?, now: Int64? = nil) -> JSON {
    var members: [(String, JSON)] = [
        ("user_id", "fuzz-campaigns"), ("explain", true),
        ("consent", ["marketing": true, "service": true, "transactional": true]),
        ("app", ["foreground": true]), ("user", user), ("scores", ["churn": 0.8, "plan_propensity": 0.7]),
        ("offer", ["plan": "5G Standard", "value": 12]),
    ]
    if let event { members.append(("event", ["name": .string(event), "properties": ["page": "/plans"]])) }
    if let placement { members.append(("placements", [.string(placement)])) }
    if let now { members.append(("now", .number(Double(now)))) }
    return .object(JSONObject(members))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCampaigns(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = seeds.documents(data, size, count: 1)[0]
    do throws(CampaignSetLoadError) {
        try engine.engine.load(bytes: text)
    } catch {
        Check.error(error, maxProblems: CampaignSetOptions.default.maxProblems)
        _ = error.description
        return 0
    }
    guard let set = engine.engine.campaignSet else { Check.fail("a set loaded but the engine has none") }
    let events = set.eventNames.prefix(3), placements = set.placementNames.prefix(3)
    for e in events { engine.decide(json: request(event: e, placement: nil), "decide for event \(e.prefix(40))") }
    for p in placements { engine.decide(json: request(event: nil, placement: p), "decide for placement \(p.prefix(40))") }
    // At the edges of the instants a request may name (0000-01-01, 9999-12-31), too: windows, calendars and
    // schedules computed there must neither trap nor fail the commit.
    for now: Int64? in [nil, -62_167_219_200_000, 253_402_300_799_999] {
        engine.decide(
            json: request(event: events.first, placement: placements.first, now: now),
            "decide for an event and a placement at \(now.map(String.init) ?? "the fixed clock")")
    }
    engine.forget(["fuzz-campaigns"])
    return 0
}
