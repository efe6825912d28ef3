import Foundation

@testable import Engage
@testable import EngageRedis
@testable import EngageSQLite

/// Every store kind the conformance suite runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// ``MemoryStore``.
    case memory
    /// ``SQLiteStore`` on a file in a temporary folder.
    case sqlite
    /// ``VersionedStateStore`` over ``MapStorage``: what host callbacks go through.
    case callbacks
    /// ``RedisStore`` on a real `redis-server` started for the test.
    case redis

    var description: String { rawValue }
}

/// One store of a kind, with what it needs (a folder, a server), removed when it goes.
final class StoreUnderTest: @unchecked Sendable {
    let kind: StoreKind
    let store: any StateStore
    private(set) var server: RedisServer?
    private var folder: URL?
    private var map: MapStorage?
    private var sqlite: SQLiteStore?

    /// `cached`: whether the SQLite store keeps its cache (off where a test changes the
    /// file behind the store's back).
    init(_ kind: StoreKind, policy: RetentionPolicy = .default, cached: Bool = true) throws {
        self.kind = kind
        switch kind {
        case .memory:
            store = MemoryStore(policy: policy)
        case .sqlite:
            let dir = try temporaryFolder("engage-conformance")
            folder = dir
            let s = try SQLiteStore(
                path: dir.appendingPathComponent("state.db").path, sync: .batch, policy: policy,
                cacheCapacity: cached ? 100_000 : 0)
            sqlite = s
            store = s
        case .callbacks:
            let m = MapStorage()
            map = m
            store = VersionedStateStore(m, policy: policy)
        case .redis:
            let s = try RedisServer()
            server = s
            store = RedisStore(s.settings(), policy: policy)
        }
    }

    deinit {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// Replaces `userID`'s stored value with bytes that are not a state; false for the
    /// memory store, which holds values, not bytes.
    func damage(_ userID: String) throws -> Bool {
        let garbage = "not a libengage state"
        switch kind {
        case .memory:
            return false
        case .sqlite:
            try sqlite?.withWriteConnection { db throws(StateStoreError) in
                let update = try db.prepare("UPDATE users SET state = ?1 WHERE user_id = ?2")
                try update.bind(1, Array(garbage.utf8))
                try update.bind(2, userID)
                _ = try update.step()
            }
        case .callbacks:
            map?.values.withLock { $0[userID] = (Array(garbage.utf8), ($0[userID]?.1 ?? 0) + 1) }
        case .redis:
            try server?.cli(["HSET", "engage:{\(userID)}", "s", garbage])
        }
        return true
    }
}

/// The store error `body` throws, or nil.
func storeError(_ body: () throws(StateStoreError) -> Void) -> StateStoreError? {
    do throws(StateStoreError) {
        try body()
        return nil
    } catch {
        return error
    }
}
