import Foundation
import Synchronization
import Testing

@testable import Engage

// A store that cannot serve a decision makes it fail closed (no message, reason
// store_unavailable, counted in stats); damaged data stays an error the host sees.

private let now: Int64 = 1_795_176_000_000

/// MapStorage that fails reads or writes with a chosen code while told to.
private final class FailingStorage: VersionedStorage {
    let inner = MapStorage()
    let failRead = Mutex<StateStoreError.Code?>(nil)
    let failWrite = Mutex<StateStoreError.Code?>(nil)

    func read(userID: String) throws(StateStoreError) -> (bytes: [UInt8], version: UInt64)? {
        if let code = failRead.withLock({ $0 }) { throw StateStoreError(code, "test store: read of \(userID) failed") }
        return try inner.read(userID: userID)
    }

    func write(userID: String, _ bytes: [UInt8], expected: UInt64) throws(StateStoreError) -> Bool {
        if let code = failWrite.withLock({ $0 }) { throw StateStoreError(code, "test store: write of \(userID) failed") }
        return try inner.write(userID: userID, bytes, expected: expected)
    }

    func erase(userID: String) throws(StateStoreError) { try inner.erase(userID: userID) }
}

@Suite struct StoreUnavailableTests {
    private func engine() throws -> (Engine, FailingStorage) {
        let storage = FailingStorage()
        let e = Engine(store: VersionedStateStore(storage), clock: { now })
        try e.load(
            json: JSONParser.parse(
                #"""
                {"version": 1, "campaigns": [
                  {"id": "a", "purpose": "service", "status": "active", "priority": 2, "placements": ["home"],
                   "caps": [{"count": 1, "window": "1d"}], "channels": {"push": {"payload": 1}}},
                  {"id": "b", "purpose": "service", "status": "active", "priority": 1, "placements": ["home"],
                   "channels": {"push": {"payload": 2}}}]}
                """#))
        return (e, storage)
    }

    private func request(explain: Bool = false) throws -> DecisionRequest {
        try DecisionRequest(json: JSONParser.parse(#"{"user_id": "u", "placements": ["home"], "event": {"name": "view"}, "explain": \#(explain)}"#))
    }

    private func stat(_ e: Engine, _ name: String) -> Double? {
        guard case .object(let o) = e.stats(), case .number(let n)? = o[name] else { return nil }
        return n
    }

    @Test func anUnavailableLoadFailsClosed() throws {
        let (e, storage) = try engine()
        storage.failRead.withLock { $0 = .unavailable }
        for explain in [false, true] {
            let d = try e.decide(request(explain: explain))
            #expect(d.messages.isEmpty && d.assignments.isEmpty)
            #expect(d.storeUnavailable == "test store: read of u failed")
            #expect(d.jsonBytes == JSONSerializer.bytes(d.json))
            let text = String(decoding: d.jsonBytes, as: UTF8.self)
            #expect(text.contains(#","store":"unavailable","store_error":"test store: read of u failed""#), "\(text)")
            if explain {
                #expect(d.traces?.map(\.campaignID) == ["a", "b"])
                #expect(d.traces?.allSatisfy { $0.reason == .storeUnavailable } == true)
            } else {
                #expect(d.traces == nil)
            }
        }
        #expect(stat(e, "store_unavailable") == 2 && stat(e, "decisions") == 2 && stat(e, "failed_requests") == 0)
        guard case .object(let stats) = e.stats(), case .object(let reasons)? = stats["reasons"] else {
            Issue.record("no reasons in stats"); return
        }
        #expect(reasons["store_unavailable"] == .number(2))
        // Back up: the cap of 1 still holds, nothing was written while it was down.
        storage.failRead.withLock { $0 = nil }
        #expect(try e.decide(request()).messages.map(\.campaignID) == ["a"])
        #expect(try e.decide(request()).messages.map(\.campaignID) == ["b"])
        #expect(try e.store.load(userID: "u").aggregate(named: "view", from: 0, through: now, sumOf: nil).count == 2)
    }

    @Test func anUnavailableCommitFailsClosedAndWritesNothing() throws {
        let (e, storage) = try engine()
        storage.failWrite.withLock { $0 = .unavailable }
        let d = try e.decide(request())
        #expect(d.messages.isEmpty && d.storeUnavailable?.contains("write of u") == true)
        #expect(e.drainExposures().isEmpty)
        #expect(try storage.inner.read(userID: "u") == nil ? true : false)
        storage.failWrite.withLock { $0 = nil }
        #expect(try e.decide(request()).messages.map(\.campaignID) == ["a"])
    }

    /// Damaged data and refused records are not a passing outage: the host sees the error.
    @Test func damagedDataIsStillAnError() throws {
        let (e, storage) = try engine()
        let r = try request()
        for code in [StateStoreError.Code.io, .invalidRecord] {
            storage.failRead.withLock { $0 = code }
            do throws(DecisionError) {
                _ = try e.decide(r)
                Issue.record("decided with a \(code) store error")
            } catch {
                #expect(error.code == .store && error.storeError?.code == code, "\(error)")
                #expect(error.message == "\(code.rawValue): test store: read of u failed")
            }
        }
        #expect(stat(e, "store_unavailable") == 0 && stat(e, "failed_requests") == 2)
    }
}
