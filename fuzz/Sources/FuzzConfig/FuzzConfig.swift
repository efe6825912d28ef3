// libFuzzer target for the engine config reader (docs/engine-config.md), as
// engage_engine_open reads it: the bytes parsed within EngineConfig.textLimits, then
// EngineConfig.read, then an engine opened with it (Engine(config:)). Input: raw config text, or a structured edit of a seed config
// (FuzzSupport's SeedSet: the first byte ≥ 0xF0).
//
// Findings: a crash, trap or sanitizer report; a timeout; an error path or message over
// 4 KiB. A config that reads is then used as a skin would: its request limits parse a
// request, and its fixed clock becomes the engine's clock for a committing decision —
// so a clock the reader accepts must also be one a decision can commit at.
import Engage
import FuzzSupport

private let seeds = SeedSet(
    texts: [
        // Valid for this build: a fuzz run mutates documents that read, field by field.
        [#"{"store": {"kind": "memory"}, "limits": {"max_request_bytes": 65536, "max_depth": 64}, "defaults": {"fixed_clock_ms": 1795150000000}}"#],
        [
            #"{"$schema": "x", "store": {"kind": "sqlite", "path": "/tmp/engage-fuzz.db", "sync": "batch", "cache_users": 1000, "cache_ttl_ms": null}, "limits": {"max_depth": 16}}"#
        ],
        [
            #"{"store": {"kind": "sqlite", "path": "state.db", "sync": "always", "cache_users": 0, "cache_ttl_ms": 86400000}, "defaults": {"fixed_clock_ms": null}}"#
        ],
        [#"{"defaults": {"fixed_clock_ms": -62167219200000}, "limits": {"max_request_bytes": 1, "max_depth": 1024}}"#],
        [#"{"limits": {"max_steps": 1, "history_retention": "1h"}, "defaults": {"time_zone": "+09:00"}}"#],
        [#"{"store": {"kind": "redis", "address": "[::1]:6379", "key_prefix": "t:", "timeout_ms": 50, "pool_size": 8, "password": "pw", "database": 1}}"#],
    ]
        + [
            "callbacks.json", "memory.json", "sqlite.json", "redis.json", "invalid-empty-time-zone.json", "invalid-max-steps-zero.json",
            "invalid-redis-without-port.json", "invalid-retention-unit.json", "invalid-sqlite-without-path.json",
            "invalid-unknown-store.json",
        ].map { [Seeds.example("config/" + $0)] })

private let engine = FuzzEngine()

/// A request that selects a message at the examples' time (so the decision commits an
/// impression at the config's clock), and an impression recorded at that clock.
private let slateRequest = Array(Seeds.example("requests/home-screen-slate.json").utf8)
private let impression = Seeds.parse(#"{"user_id": "sub-0417-2231", "type": "impression", "campaign": "ott-bundle-activation", "channel": "push"}"#)

private func checkSeeds() -> Bool {
    for doc in seeds.documents.prefix(6) {
        guard case .success = EngineConfig.read(doc[0]) else { Check.fail("a valid config seed does not read: \(doc[0])") }
    }
    return true
}
private let seedsRead = checkSeeds()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    precondition(seedsRead)
    let text = seeds.documents(data, size, count: 1)[0]
    guard let json = Check.parse(text, EngineConfig.textLimits, "config") else { return 0 }
    let config: EngineConfig
    switch EngineConfig.read(json) {
    case .failure(let problem):
        Check.error(problem)
        return 0
    case .success(let c):
        config = c
    }
    if case .sqlite(let s)? = config.store {
        guard !s.path.isEmpty, s.path.utf8.count <= 4096 else { Check.fail("accepted a store.path of \(s.path.utf8.count) bytes") }
    }
    // Opened as a skin opens it (the store in memory: no files from a fuzz run); only
    // the time zone may still refuse it, by name.
    do throws(EngineConfig.Problem) {
        var inMemory = config
        let hostStore: (any StateStore)? = config.store == .callbacks ? MemoryStore() : nil
        if hostStore == nil { inMemory.store = nil }
        _ = try Engine(config: inMemory, store: hostStore)
    } catch {
        guard error.path == "defaults.time_zone" else { Check.fail("a config that reads does not open: \(error)") }
        Check.error(error)
    }
    guard let request = Check.parse(slateRequest, config.requestLimits, "request under the config's limits") else { return 0 }
    if let clock = config.fixedClock { engine.setClock(clock) }
    engine.record(json: impression, "record at the config's fixed clock")
    engine.decide(json: request, "decide at the config's fixed clock")
    engine.forget(["sub-0417-2231"])
    return 0
}
