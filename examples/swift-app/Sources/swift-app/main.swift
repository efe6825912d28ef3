// Loads the telco campaign set, decides for a user who looked at the plans page three
// times, records a dismissal, and shows that the cooldown now holds the campaign back.
import Engage
import Foundation

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../..").standardized
let setURL = root.appendingPathComponent("examples/campaigns/telco-full.json")
let now: Int64 = 1_795_150_000_000 // Thu 2026-11-19 13:46 in Seoul

do {
    let engine = Engine(clock: { now })
    try engine.load(bytes: [UInt8](try Data(contentsOf: setURL)))

    for hoursAgo in [30, 20, 10] as [Int64] {
        try engine.record(
            userID: "u42",
            .behaviour(
                HistoryEvent(
                    name: "page_view", time: now - hoursAgo * 3_600_000, properties: ["page": "/plans"])))
    }
    let request = try DecisionRequest(
        json: JSONParser.parse(
            #"""
            {"user_id": "u42", "time_zone": "Asia/Seoul",
             "event": {"name": "page_view", "properties": {"page": "/plans"}},
             "placements": ["app_home_popup"], "consent": {"marketing": true}, "app": {"foreground": true},
             "user": {"age": 30, "plan": "LTE-S", "tenure_months": 12, "first_name": "Min"},
             "offer": {"plan": "5G-M", "value": 3}, "scores": {"plan_propensity": 0.5}}
            """#))
    let first = try engine.decide(request)
    guard let message = first.messages.first else {
        print("swift-app: FAIL — expected a message, got \(first.json)")
        exit(1)
    }
    print("decided: \(message.campaignID) on \(message.channel.rawValue): \(message.payload)")

    try engine.record(userID: "u42", .dismissal(campaignID: message.campaignID, time: now + 60_000))
    var again = request
    again.now = now + 120_000
    again.explain = true
    let second = try engine.decide(again)
    let trace = second.traces?.first { $0.campaignID == message.campaignID }
    print("after a dismissal: \(trace.map { "\($0.reason.rawValue) — \($0.detail)" } ?? "no trace")")
    guard trace?.reason == .cooldown else {
        print("swift-app: FAIL — expected the cooldown to hold \(message.campaignID) back")
        exit(1)
    }
    print("exposures queued: \(engine.drainExposures().count)")
    print("swift-app: ok")
} catch {
    print("swift-app: FAIL — \(error)")
    exit(1)
}
