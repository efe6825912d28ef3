import Foundation
import Synchronization
import Testing

@testable import Engage

/// 2026-11-20T12:00:00Z, a Friday: 21:00 in Seoul.
private let friNoonUTC: Int64 = 1_795_176_000_000
private let hour: Int64 = 3_600_000

private func engine(_ set: String, now: Int64 = friNoonUTC, store: any StateStore = MemoryStore()) throws -> Engine {
    let e = Engine(store: store, clock: { now })
    try e.load(json: JSONParser.parse(set))
    return e
}

private func request(_ text: String) throws -> DecisionRequest {
    try DecisionRequest(json: JSONParser.parse(text))
}

private func trace(_ d: Decision, _ id: String) -> CampaignTrace? {
    d.traces?.first { $0.campaignID == id }
}

/// One campaign per pipeline step, each built to stop at that step.
private let pipelineSet = #"""
    {"version": 1, "default_time_zone": "UTC",
     "policies": {"suppression": ["blocked-user"],
                  "quiet_hours": [{"purpose": "marketing", "channels": ["sms"], "from": "11:00", "to": "13:00", "time_zone": "user"}],
                  "channel_costs": {"sms": 0.02, "email": 0.001, "push": 0}},
     "campaigns": [
      {"id": "paused", "purpose": "service", "status": "paused", "placements": ["home"], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "future", "purpose": "service", "status": "active", "schedule": {"start": 1900000000000}, "placements": ["home"], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "other-slot", "purpose": "service", "status": "active", "placements": ["banner"], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "marketing-no-consent", "purpose": "marketing", "status": "active", "placements": ["home"], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "audience-miss", "purpose": "service", "status": "active", "placements": ["home"], "audience": {"==": [{"var": "user.plan"}, "5G-XL"]}, "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "excluded", "purpose": "service", "status": "active", "placements": ["home"], "exclusion": {"var": "user.vip"}, "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "converted", "purpose": "service", "status": "active", "placements": ["home"], "exit": [{"event": "plan_changed"}], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "cooling", "purpose": "service", "status": "active", "placements": ["home"], "cooldown_after_dismiss": "3d", "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "capped", "purpose": "service", "status": "active", "placements": ["home"], "caps": [{"count": 1, "window": "1d"}], "channels": {"push": {"payload": {"t": "x"}}}},
      {"id": "quiet-sms", "purpose": "marketing", "status": "active", "placements": ["home"], "channels": {"sms": {"payload": {"t": "x"}}}},
      {"id": "unreachable", "purpose": "service", "status": "active", "placements": ["home"], "channels": {"rcs": {"payload": {"t": "x"}}}},
      {"id": "winner", "purpose": "service", "priority": 10, "status": "active", "placements": ["home"],
       "channels": {"sms": {"payload": {"t": "sms"}}, "email": {"payload": {"t": "mail"}}, "in_app": {"payload": {"t": "app"}}}},
      {"id": "runner-up", "purpose": "service", "priority": 5, "status": "active", "placements": ["home"], "channels": {"push": {"payload": {"t": "x"}}}}
     ]}
    """#

@Suite struct EnginePipelineTests {
    @Test func everyStepHasItsReasonCode() throws {
        let store = MemoryStore()
        let e = try engine(pipelineSet, store: store)
        try e.record(userID: "u1", .behaviour(HistoryEvent(name: "plan_changed", time: friNoonUTC - hour)))
        try e.record(userID: "u1", .dismissal(campaignID: "cooling", time: friNoonUTC - hour))
        try e.record(userID: "u1", .impression(Impression(campaignID: "capped", time: friNoonUTC - hour, channel: "push", purpose: "service")))
        let d = try e.decide(
            request(
                #"""
                {"user_id": "u1", "placements": ["home"], "explain": true, "commit": false,
                 "consent": {"marketing": {"sms": true}}, "channels": ["push", "sms", "email"],
                 "user": {"plan": "LTE-S", "vip": true}}
                """#))
        let expected: [(String, ReasonCode)] = [
            ("paused", .status), ("future", .schedule), ("other-slot", .trigger),
            ("marketing-no-consent", .channel), ("audience-miss", .audience), ("excluded", .exclusion),
            ("converted", .exit), ("cooling", .cooldown), ("capped", .cap), ("quiet-sms", .quietHours),
            ("unreachable", .channel), ("winner", .selected), ("runner-up", .arbitration),
        ]
        for (id, reason) in expected {
            #expect(trace(d, id)?.reason == reason, "\(id): \(trace(d, id).map { "\($0.reason): \($0.detail)" } ?? "no trace")")
        }
        #expect(trace(d, "capped")?.detail == "cap campaign/1d: 1 of 1 used")
        // Instants in details are local ISO 8601 in the user's zone (UTC here), not ms.
        #expect(trace(d, "future")?.detail == "starts at 2030-03-17T17:46:40+00:00")
        #expect(trace(d, "cooling")?.detail == "dismissed at 2026-11-20T11:00:00+00:00; cooldown 3d until 2026-11-23T11:00:00+00:00")
        #expect(trace(d, "quiet-sms")?.detail.contains("quiet hours marketing/sms") == true)
        #expect(d.messages.count == 1)
        // The cheapest reachable channel: in-app needs the foreground; email beats SMS.
        let m = try #require(d.messages.first)
        #expect(m.campaignID == "winner" && m.channel == .email && m.cost == 0.001)
        #expect(m.payload == ["t": "mail"])
        #expect(m.skippedChannels.contains { $0.channel == .inApp && $0.reason == "app not in the foreground" })
        #expect(m.skippedChannels.contains { $0.channel == .sms })
    }

    @Test func consentSuppressionAndForeground() throws {
        let e = try engine(pipelineSet)
        // Unknown marketing consent means no.
        var d = try e.decide(request(#"{"user_id": "u2", "placements": ["home"], "explain": true, "commit": false}"#))
        #expect(trace(d, "marketing-no-consent")?.reason == .consent)
        #expect(d.messages.first?.channel == .email || d.messages.first?.channel == .push || d.messages.first?.campaignID == "winner")
        d = try e.decide(request(#"{"user_id": "blocked-user", "placements": ["home"], "explain": true, "commit": false}"#))
        #expect(trace(d, "winner")?.reason == .suppressed)
        #expect(d.messages.isEmpty)
        d = try e.decide(request(#"{"user_id": "u3", "placements": ["home"], "app": {"foreground": true}, "commit": false}"#))
        #expect(d.messages.first?.channel == .inApp)
        #expect(d.messages.first?.cost == 0)
    }

    @Test func commitCountsTowardCapsAndExposuresAreQueued() throws {
        let e = try engine(
            #"""
            {"version": 1, "campaigns": [
              {"id": "once", "purpose": "service", "status": "active", "placements": ["p"], "caps": [{"count": 1, "window": {"calendar": "day"}}],
               "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#)
        let r = try request(#"{"user_id": "u", "placements": ["p"]}"#)
        #expect(try e.decide(r).messages.count == 1)
        #expect(try e.decide(r).messages.isEmpty)
        let exposures = e.drainExposures()
        #expect(exposures.count == 1)
        #expect(exposures.first?["campaign"] == "once")
        #expect(exposures.first?["group"] == "treatment")
        #expect(e.drainExposures().isEmpty)
        let stats = e.stats()
        #expect(stats["decisions"] == 2)
        #expect(stats["reasons"]?["cap"] == 1)
        #expect(stats["reasons"]?["selected"] == 1)
    }

    @Test func holdoutAndControlGetRecordsAndNoMessage() throws {
        let e = try engine(
            #"""
            {"version": 1, "campaigns": [
              {"id": "held", "purpose": "service", "status": "active", "placements": ["p"], "holdout_percent": 100,
               "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#)
        let d = try e.decide(request(#"{"user_id": "u", "placements": ["p"]}"#))
        #expect(d.messages.isEmpty)
        #expect(d.assignments.first?.group == .holdout)
        #expect(e.drainExposures().first?["group"] == "holdout")
        let c = try engine(
            #"""
            {"version": 1, "policies": {"control_group_percent": 100}, "campaigns": [
              {"id": "c", "purpose": "service", "status": "active", "placements": ["p"], "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#)
        let dc = try c.decide(request(#"{"user_id": "u", "placements": ["p"]}"#))
        #expect(dc.messages.isEmpty && dc.assignments.first?.group == .control)
    }

    @Test func badRequestsNameThePath() throws {
        let e = try engine(pipelineSet)
        let cases: [(String, String)] = [
            (#"[]"#, ""), (#"{"placements": ["home"]}"#, "user_id"),
            (#"{"user_id": "u", "placements": ["home"], "k": 0}"#, "k"),
            (#"{"user_id": "u", "placements": ["home"], "channels": ["fax"]}"#, "channels[0]"),
            (#"{"user_id": "u", "placements": [1]}"#, "placements[0]"),
            (#"{"user_id": "u"}"#, ""),
            (#"{"user_id": "u", "placements": ["home"], "time_zone": "Mars/Base"}"#, "time_zone"),
        ]
        for (text, path) in cases {
            do {
                _ = try e.decide(request(text))
                Issue.record("accepted \(text)")
            } catch let error as DecisionError {
                #expect(error.path == path, "\(text): \(error)")
            }
        }
        #expect(throws: DecisionError.self) { try Engine().decide(request(#"{"user_id": "u", "placements": ["p"]}"#)) }
        #expect(throws: DecisionError.self) { try e.decide(bytes: Array("{".utf8)) }
    }

    @Test func forgetErasesStateAndQueuedExposures() throws {
        let e = try engine(
            #"""
            {"version": 1, "campaigns": [
              {"id": "once", "purpose": "service", "status": "active", "placements": ["p"], "caps": [{"count": 1, "window": "lifetime"}],
               "channels": {"push": {"payload": {"t": "x"}}}}]}
            """#)
        let r = try request(#"{"user_id": "gone", "placements": ["p"]}"#)
        #expect(try e.decide(r).messages.count == 1)
        #expect(try e.decide(r).messages.isEmpty)
        try e.forget(userID: "gone")
        #expect(e.drainExposures().isEmpty)
        #expect(try e.store.load(userID: "gone").isEmpty)
        #expect(try e.decide(r).messages.count == 1)
    }
}

@Suite struct EngineConcurrencyTests {
    /// 16 threads deciding for one user at once, cap 3: never more than 3 impressions.
    @Test func capsHoldUnderContention() throws {
        for round in 0..<200 {
            let e = try engine(
                #"""
                {"version": 1, "campaigns": [
                  {"id": "c", "purpose": "service", "status": "active", "placements": ["p"], "caps": [{"count": 3, "window": "1d"}],
                   "channels": {"push": {"payload": {"t": "x"}}}}]}
                """#)
            let r = try request(#"{"user_id": "hot", "placements": ["p"]}"#)
            let shown = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: 16) { _ in
                if let d = try? e.decide(r), !d.messages.isEmpty { shown.withLock { $0 += 1 } }
            }
            let n = shown.withLock { $0 }
            #expect(n == 3, "round \(round): \(n) messages shown with a cap of 3")
            #expect(try e.store.load(userID: "hot").impressionCount(.campaign("c"), in: Int64.min..<Int64.max) == 3)
        }
    }

    /// Reloading the set while decisions run: every decision sees a whole set.
    @Test func hotReloadUnderLoad() throws {
        let a =
            #"{"version": 1, "campaigns": [{"id": "a", "purpose": "service", "status": "active", "placements": ["p"], "channels": {"push": {"payload": {"v": "a"}}}}]}"#
        let b =
            #"{"version": 1, "campaigns": [{"id": "b", "purpose": "service", "status": "active", "placements": ["p"], "channels": {"push": {"payload": {"v": "b"}}}}]}"#
        let e = try engine(a)
        let setA = try JSONParser.parse(a), setB = try JSONParser.parse(b)
        let r = try request(#"{"user_id": "u", "placements": ["p"], "commit": false}"#)
        let bad = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for i in 0..<300 {
                if worker == 0 {
                    try? e.load(json: i % 2 == 0 ? setB : setA)
                } else if let d = try? e.decide(r) {
                    guard let m = d.messages.first, m.payload["v"]?.stringValue == m.campaignID else {
                        bad.withLock { $0 += 1 }
                        continue
                    }
                }
            }
        }
        #expect(bad.withLock { $0 } == 0)
    }
}
