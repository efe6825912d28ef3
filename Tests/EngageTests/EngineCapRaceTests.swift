import Testing

@testable import Engage

/// A store whose reads lag behind its writes — what a decision sees when another
/// decision (another thread, process or gateway) commits between its read and its
/// commit. Commits still re-check against the real state.
private final class StaleReadStore: StateStore {
    let real = MemoryStore()
    func load(userID: String) throws(StateStoreError) -> UserState { UserState() }
    func record(userID: String, _ record: StateRecord) throws(StateStoreError) { try real.record(userID: userID, record) }
    func commit(userID: String, _ commit: StateCommit) throws(StateStoreError) -> [CommitOutcome] {
        try real.commit(userID: userID, commit)
    }
    func forget(userID: String) throws(StateStoreError) { try real.forget(userID: userID) }
    func prune(now: Int64) throws(StateStoreError) { try real.prune(now: now) }
}

@Suite struct EngineCapRaceTests {
    @Test func aLostCommitIsTracedAndTheNextCampaignIsTried() throws {
        let store = StaleReadStore()
        let e = Engine(store: store, clock: { 1_795_176_000_000 })
        try e.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [
                  {"id": "first", "purpose": "service", "status": "active", "priority": 2, "placements": ["p"],
                   "caps": [{"count": 1, "window": "1d"}], "channels": {"push": {"payload": {"t": 1}}}},
                  {"id": "second", "purpose": "service", "status": "active", "priority": 1, "placements": ["p"],
                   "channels": {"push": {"payload": {"t": 2}}}}]}
                """#))
        let r = try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["p"], "explain": true}"#))
        #expect(try e.decide(r).messages.first?.campaignID == "first")
        // The stale read says the cap is free; the commit finds it taken.
        let d = try e.decide(r)
        #expect(d.messages.first?.campaignID == "second")
        let t = d.traces?.first { $0.campaignID == "first" }
        #expect(t?.reason == .capRace)
        #expect(t?.detail == "cap campaign/1d: 1 of 1 used by a concurrent decision")
        #expect(try store.real.load(userID: "u").impressionCount(.campaign("first"), in: Int64.min..<Int64.max) == 1)
    }
}
