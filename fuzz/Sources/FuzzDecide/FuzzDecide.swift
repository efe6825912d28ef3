// libFuzzer target for the decide request (docs/decisions.md) against a loaded set:
// examples/campaigns/telco-full.json, the set the example requests are written for, in
// an in-memory engine with a fixed clock. Input: raw request text, or a structured edit
// of one of the example requests (FuzzSupport's SeedSet: the first byte ≥ 0xF0).
//
// Each input is decided as sent (commit defaults to on, so a selected message's
// impression is written through the store's conditional commit), then explained, then
// decided again (now the first commit counts against the caps). The user's state is
// erased afterwards.
//
// Findings: a crash, trap or sanitizer report; a timeout; an error path or message over
// 4 KiB; a store error (the readers accepted a value the store refuses).
import Engage
import FuzzSupport

private let seeds = SeedSet(
    texts: [
        "app-open-onboarding.json", "control-group-banner.json", "explain-agent-handoff.json",
        "home-screen-slate.json", "plan-page-view.json", "invalid-event-without-name.json",
        "invalid-k-out-of-range.json", "invalid-missing-user-id.json", "invalid-no-event-or-placement.json",
        "invalid-unknown-channel.json",
    ].map { [Seeds.example("requests/" + $0)] } + [
        // docs/decisions.md's request, committing.
        [
            #"""
            {"user_id": "u42", "time_zone": "Asia/Seoul", "now": 1795150000000,
             "event": {"name": "page_view", "properties": {"page": "/plans"}},
             "placements": ["app_home_popup"], "k": 1,
             "consent": {"marketing": {"push": true, "sms": false}, "service": true},
             "channels": ["push", "sms", "email"], "app": {"foreground": true},
             "user": {"plan": "LTE-S", "first_name": "Min"},
             "explain": false, "commit": true}
            """#
        ]
    ])

private let engine = FuzzEngine()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecide(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = seeds.documents(data, size, count: 1)[0]
    let first = engine.decide(bytes: text, "decide")
    guard let json = Check.parse(text, FuzzEngine.requestLimits, "request") else { return 0 }
    var users = first.map { [$0.userID] } ?? []
    if let user = FuzzEngine.userID(json) { users.append(user) }
    engine.explain(json: json, "explain")
    engine.decide(json: json, "decide after a commit")
    engine.forget(users.filter { !$0.isEmpty && $0.utf8.count <= 512 })
    return 0
}
