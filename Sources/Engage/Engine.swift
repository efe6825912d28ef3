import Synchronization

/// The decision engine: load a campaign set, then ask which message a user should get
/// now — or none — and record what happened.
///
/// ```swift
/// let engine = Engine()
/// try engine.load(json: campaignSet)
/// let decision = try engine.decide(DecisionRequest(json: request))
/// ```
///
/// One engine is shared by many threads. `load` compiles the new set off to the side
/// and swaps it in atomically; a decision keeps the set it started with, and reads it
/// without taking a lock (``SnapshotCell``). Decisions
/// that commit impressions do so through the store's atomic conditional commit, so
/// concurrent decisions for one user never exceed a cap.
public final class Engine: Sendable {
    /// Where user state lives.
    public let store: any StateStore
    /// Time-zone rules for users' zones.
    public let zones: ZoneCache
    let clock: @Sendable () -> Int64
    /// The current set; decisions read it without a lock.
    let loaded = SnapshotCell<CompiledCampaignSet>()
    let exposures: ExposureLog
    let metrics = EngineMetrics()

    /// - Parameters:
    ///   - store: user state (default: in memory).
    ///   - zones: zone rules (default: the system zoneinfo).
    ///   - maxQueuedExposures: exposure records kept until drained; older ones are
    ///     dropped (and counted in ``stats()``) beyond this.
    ///   - clock: milliseconds since the epoch; tests inject a fixed clock.
    public init(store: any StateStore = MemoryStore(), zones: ZoneCache = .shared,
                maxQueuedExposures: Int = 100_000,
                clock: @escaping @Sendable () -> Int64 = SystemClock.milliseconds) {
        self.store = store
        self.zones = zones
        self.clock = clock
        self.exposures = ExposureLog(capacity: maxQueuedExposures)
    }

    // MARK: - Campaign sets

    /// Validates and compiles `json`, then replaces the current set atomically.
    ///
    /// - Returns: the set now loaded; its ``CompiledCampaignSet/warnings`` list what
    ///   did not fail the load (the set as loaded, even if another load replaces it
    ///   before the caller looks).
    /// - Throws: ``CampaignSetLoadError`` listing every problem with its path; the
    ///   current set stays in place.
    @discardableResult
    public func load(json: JSON, options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        let compiled = try CompiledCampaignSet(json: json, options: options)
        _ = zones.preload(compiled.zones.keys)
        loaded.store(compiled)
        return compiled
    }

    /// Loads a campaign set from JSON text; as ``load(json:options:)``.
    @discardableResult
    public func load(bytes: [UInt8], options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        let compiled = try CompiledCampaignSet(bytes: bytes, options: options)
        _ = zones.preload(compiled.zones.keys)
        loaded.store(compiled)
        return compiled
    }

    /// The set decisions currently use.
    public var campaignSet: CompiledCampaignSet? { loaded.load() }

    // MARK: - State

    /// Records a click, dismissal, conversion, behaviour event or impression.
    public func record(userID: String, _ record: StateRecord) throws(StateStoreError) {
        try store.record(userID: userID, record)
        metrics.recorded()
    }

    /// Erases everything about `userID`: state in the store and queued exposures.
    public func forget(userID: String) throws(StateStoreError) {
        try store.forget(userID: userID)
        exposures.forget(userID: userID)
    }

    /// Everything the store holds about `userID`, as JSON (``UserState/exported``):
    /// for data-access requests and for seeing why a cap was hit.
    public func export(userID: String) throws(StateStoreError) -> JSON {
        guard case .object(let o) = try store.load(userID: userID).exported else { return .null }
        return .object(JSONObject([("user_id", JSON.string(userID))] + o.map { ($0.key, $0.value) }))
    }

    // MARK: - Exposures and metrics

    /// Removes and returns up to `max` queued exposure records (oldest first).
    public func drainExposures(max: Int = .max) -> [JSON] { exposures.drain(max: max) }

    /// Counters: decisions, per reason code, latency histogram, exposures.
    public func stats() -> JSON { metrics.json(droppedExposures: exposures.dropped, queuedExposures: exposures.count) }
}

/// The wall clock, in milliseconds since the Unix epoch.
public enum SystemClock {
    @Sendable public static func milliseconds() -> Int64 { _wallClockMilliseconds() }
}
