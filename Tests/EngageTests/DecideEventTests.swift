import Foundation
import Testing

@testable import Engage
@testable import EngageSQLite

// The event of a decide request is part of the user's history for that decision and is
// recorded in the decision's one store write (docs/decisions.md#the-requests-event).

/// 2026-11-20T12:00:00Z.
private let noon: Int64 = 1_795_176_000_000
private let minute: Int64 = 60_000

/// "The 3rd visit to /plans in 7 days": the nudge a page-view gateway exists for.
private let thirdVisit = #"""
    {"version": 1, "campaigns": [
      {"id": "third-visit", "purpose": "service", "status": "active",
       "triggers": [{"event": "page_view"}],
       "audience": {">=": [{"event_count": ["page_view", "7d", {"==": [{"var": "page"}, "/plans"]}]}, 3]},
       "caps": [{"count": 1, "window": "lifetime"}],
       "channels": {"in_app": {"payload": {"title": "Compare plans"}}}}
    ]}
    """#

private func view(_ page: String, at t: Int64, _ extra: String = "") -> String {
    #"{"user_id": "u1", "now": \#(t), "app": {"foreground": true}, "event": {"name": "page_view", "properties": {"page": "\#(page)"}}\#(extra)}"#
}

private func shown(_ e: Engine, _ request: String) throws -> [String] {
    try e.decide(json: JSONParser.parse(request)).messages.map(\.campaignID)
}

private func views(_ state: UserState, page: String = "/plans") -> Int {
    var n = 0
    state.forEachEvent(named: "page_view", from: .min, through: .max) { e in
        if e.properties["page"] == .string(page) { n += 1 }
        return true
    }
    return n
}

/// Counts every call, so a test can see how many writes one decision made.
private final class CountingStore: StateStore, @unchecked Sendable {
    let inner = MemoryStore()
    var commits = 0
    var records = 0
    var lastCommit: StateCommit? = nil
    func load(userID: String) throws(StateStoreError) -> UserState { try inner.load(userID: userID) }
    func record(userID: String, _ record: StateRecord) throws(StateStoreError) {
        records += 1
        try inner.record(userID: userID, record)
    }
    func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome] {
        commits += 1
        lastCommit = commit
        return try inner.commit(userID: userID, commit)
    }
    func forget(userID: String) throws(StateStoreError) { try inner.forget(userID: userID) }
    func prune(now: Int64) throws(StateStoreError) {}
}

@Suite struct DecideEventTests {
    @Test func theThirdVisitSeesThreeWithoutASeparateRecord() throws {
        let e = Engine()
        try e.load(json: JSONParser.parse(thirdVisit))
        #expect(try shown(e, view("/plans", at: noon)) == [])
        #expect(try shown(e, view("/home", at: noon + minute)) == [])
        #expect(try shown(e, view("/plans", at: noon + 2 * minute)) == [])
        #expect(try shown(e, view("/plans", at: noon + 3 * minute)) == ["third-visit"])
        let state = try e.store.load(userID: "u1")
        #expect(views(state) == 3)
        #expect(views(state, page: "/home") == 1)
        // The records counter covers the events decisions recorded.
        #expect(e.stats()["records"] == .number(4))
    }

    @Test func recordEventFalseNeitherCountsNorRecords() throws {
        let e = Engine()
        try e.load(json: JSONParser.parse(thirdVisit))
        for k in 0..<3 {
            #expect(try shown(e, view("/plans", at: noon + Int64(k) * minute, #", "record_event": false"#)) == [])
        }
        #expect(views(try e.store.load(userID: "u1")) == 0)
        // A host that records its events itself: two recorded, the third asked about
        // after it was recorded too.
        for k in 0..<3 {
            try e.record(
                json: JSONParser.parse(
                    #"{"user_id": "u1", "type": "event", "name": "page_view", "time": \#(noon + Int64(k) * minute), "properties": {"page": "/plans"}}"#))
        }
        #expect(try shown(e, view("/plans", at: noon + 3 * minute, #", "record_event": false"#)) == ["third-visit"])
        #expect(views(try e.store.load(userID: "u1")) == 3)
    }

    @Test func aDryRunCountsTheEventAndWritesNothing() throws {
        let store = CountingStore()
        let e = Engine(store: store)
        try e.load(json: JSONParser.parse(thirdVisit))
        _ = try shown(e, view("/plans", at: noon))
        _ = try shown(e, view("/plans", at: noon + minute))
        #expect(store.commits == 2)
        let before = try store.load(userID: "u1")
        // The dry run of the 3rd visit shows what the commit would, and writes nothing.
        #expect(try shown(e, view("/plans", at: noon + 2 * minute, #", "commit": false"#)) == ["third-visit"])
        #expect(store.commits == 2)
        #expect(try store.load(userID: "u1") == before)
        // The real 3rd visit: the same decision, now recorded.
        #expect(try shown(e, view("/plans", at: noon + 2 * minute)) == ["third-visit"])
        #expect(views(try store.load(userID: "u1")) == 3)
    }

    @Test func theEventAndTheImpressionAreOneWrite() throws {
        let store = CountingStore()
        let e = Engine(store: store)
        try e.load(json: JSONParser.parse(thirdVisit))
        for k in 0..<3 { _ = try shown(e, view("/plans", at: noon + Int64(k) * minute)) }
        #expect(store.commits == 3)
        #expect(store.records == 0)
        let last = try #require(store.lastCommit)
        #expect(
            last.records == [
                .behaviour(
                    HistoryEvent(
                        name: "page_view", time: noon + 2 * minute,
                        properties: .object(JSONObject([("page", .string("/plans"))]))))
            ])
        #expect(last.impressions.map(\.impression.campaignID) == ["third-visit"])
        // Nothing to write (no event, nothing shown): no write at all.
        _ = try e.decide(json: JSONParser.parse(#"{"user_id": "u1", "placements": ["none"], "now": \#(noon)}"#))
        #expect(store.commits == 3)
    }

    @Test func theCallbackStoreWritesOnceAndKeepsBoth() throws {
        let storage = MapStorage()
        let e = Engine(store: VersionedStateStore(storage))
        try e.load(json: JSONParser.parse(thirdVisit))
        for k in 0..<3 { _ = try shown(e, view("/plans", at: noon + Int64(k) * minute)) }
        #expect(storage.writes.load(ordering: .relaxed) == 3)
        let state = try e.store.load(userID: "u1")
        #expect(views(state) == 3)
        #expect(state.impressionCount(.campaign("third-visit"), in: .min..<(.max)) == 1)
    }

    @Test func theSQLiteStoreKeepsBothAcrossAReopen() throws {
        let dir = try temporaryFolder("engage-decide-event")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.db").path
        do {
            let e = Engine(store: try SQLiteStore(path: path))
            try e.load(json: JSONParser.parse(thirdVisit))
            #expect(try shown(e, view("/plans", at: noon)) == [])
            #expect(try shown(e, view("/plans", at: noon + minute)) == [])
            #expect(try shown(e, view("/plans", at: noon + 2 * minute)) == ["third-visit"])
        }
        let reopened = try SQLiteStore(path: path)
        let state = try reopened.load(userID: "u1")
        #expect(views(state) == 3)
        #expect(state.impressionCount(.campaign("third-visit"), in: .min..<(.max)) == 1)
    }

    @Test func contextsCountTheirQuestionsEvents() throws {
        let e = Engine()
        try e.load(json: JSONParser.parse(thirdVisit))
        let context = try DecisionContext(json: JSONParser.parse(#"{"user_id": "u1", "app": {"foreground": true}}"#))
        var got: [[String]] = []
        for k in 0..<3 {
            let question = try JSONParser.parse(#"{"now": \#(noon + Int64(k) * minute), "event": {"name": "page_view", "properties": {"page": "/plans"}}}"#)
            got.append(try e.decide(question, in: context).messages.map(\.campaignID))
        }
        #expect(got == [[], [], ["third-visit"]])
        #expect(views(try e.store.load(userID: "u1")) == 3)
    }

    @Test func theEventIsRecordedWhateverTheDecision() throws {
        // Nothing shown (audience false), a holdout, the control group: the page was
        // still viewed.
        let e = Engine()
        try e.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "policies": {"control_group_percent": 100}, "campaigns": [
                  {"id": "c", "purpose": "service", "status": "active", "triggers": [{"event": "page_view"}],
                   "channels": {"in_app": {"payload": {}}}}]}
                """#))
        let d = try e.decide(json: JSONParser.parse(view("/plans", at: noon)))
        #expect(d.messages.isEmpty)
        #expect(d.assignments.map(\.group) == [.control])
        #expect(views(try e.store.load(userID: "u1")) == 1)
    }

    @Test func capsCountThisDecisionsOwnMessages() throws {
        // A global cap of one service message a day and two placements: the second
        // placement's campaign is refused by the first's message, in a dry run as in a
        // commit (before, a dry run showed both).
        let set = #"""
            {"version": 1,
             "policies": {"global_caps": [{"purpose": "service", "count": 1, "window": {"calendar": "day"}}]},
             "campaigns": [
              {"id": "a", "purpose": "service", "status": "active", "priority": 2, "placements": ["top"],
               "channels": {"in_app": {"payload": {}}}},
              {"id": "b", "purpose": "service", "status": "active", "priority": 1, "placements": ["bottom"],
               "channels": {"in_app": {"payload": {}}}}]}
            """#
        for commit in [false, true] {
            let e = Engine()
            try e.load(json: JSONParser.parse(set))
            let d = try e.decide(
                json: JSONParser.parse(
                    #"{"user_id": "u1", "now": \#(noon), "app": {"foreground": true}, "placements": ["top", "bottom"], "commit": \#(commit), "explain": true}"#)
            )
            #expect(d.messages.map(\.campaignID) == ["a"], "commit \(commit)")
            let b = try #require(d.traces?.first { $0.campaignID == "b" })
            #expect(b.reason == .cap)
            #expect(b.detail.contains("with this decision's messages"))
        }
    }

    @Test func aMisspeltRecordEventIsRefused() throws {
        let e = Engine()
        try e.load(json: JSONParser.parse(thirdVisit))
        #expect(throws: DecisionError.self) {
            try e.decide(json: JSONParser.parse(view("/plans", at: noon, #", "record_events": false"#)))
        }
        #expect(throws: DecisionError(.invalidRequest, path: "record_event", "expected a boolean, found string")) {
            try e.decide(json: JSONParser.parse(view("/plans", at: noon, #", "record_event": "no""#)))
        }
    }
}

@Suite struct StateCommitTests {
    private func stores(_ dir: URL) throws -> [(String, any StateStore)] {
        [
            ("memory", MemoryStore()), ("callbacks", VersionedStateStore(MapStorage())),
            ("sqlite", try SQLiteStore(path: dir.appendingPathComponent("s.db").path)),
        ]
    }

    @Test func everyStoreAppliesACommitTheSameWay() throws {
        let dir = try temporaryFolder("engage-commit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let day = CapCheck(scope: .purpose("service"), range: noon - 86_400_000..<noon + 1, limit: 2, label: "global")
        func shown(_ c: String) -> Impression { Impression(campaignID: c, time: noon, channel: "push", purpose: "service") }
        let commit = StateCommit(
            records: [.behaviour(HistoryEvent(name: "page_view", time: noon, properties: .object(JSONObject([("page", .string("/plans"))]))))],
            impressions: [.init(shown("a"), ifWithin: [day]), .init(shown("b"), ifWithin: [day]), .init(shown("c"), ifWithin: [day])])
        for (name, store) in try stores(dir) {
            // The third impression is refused by the two before it in the same commit.
            #expect(try store.commit(userID: "u", commit) == [.committed, .committed, .capReached(index: 0, used: 2)], "\(name)")
            let state = try store.load(userID: "u")
            #expect(views(state) == 1, "\(name)")
            #expect(state.impressionCount(.purpose("service"), in: .min..<(.max)) == 2, "\(name)")
            // An empty commit writes nothing and answers nothing.
            #expect(try store.commit(userID: "u", StateCommit()) == [], "\(name)")
        }
    }

    @Test func anInvalidPartRefusesTheWholeCommit() throws {
        let dir = try temporaryFolder("engage-commit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tooLong = String(repeating: "t", count: StateLimits.maxNameBytes + 1)
        let commit = StateCommit(
            records: [.behaviour(HistoryEvent(name: "page_view", time: noon))],
            impressions: [.init(Impression(campaignID: "a", time: noon, channel: "push", purpose: "service", tags: [tooLong]), ifWithin: [])])
        for (name, store) in try stores(dir) {
            #expect(throws: StateStoreError(.invalidRecord, "impression.tags[0]: 257 bytes (at most 256)"), "\(name)") {
                try store.commit(userID: "u", commit)
            }
            #expect(try store.load(userID: "u") == UserState(), "\(name)")
        }
    }
}
