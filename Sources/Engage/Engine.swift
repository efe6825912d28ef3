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
/// Opened from an engine config (docs/engine-config.md), as the C ABI and the CLI's
/// `--config` open it:
///
/// ```swift
/// let engine = try Engine(config: EngineConfig(text: configText))   // memory or a given store
/// import EngageStores
/// let engine = try Engine.open(config: EngineConfig(text: configText)) // also SQLite or Redis
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
    /// Bounds on each rule evaluation (`limits.max_steps`): a rule that needs more is
    /// skipped with `rule_error`.
    public let evaluationLimits: EvaluationLimits
    /// Bounds on a request or record given as text (`limits.max_request_bytes`,
    /// `limits.max_depth`): what ``decide(bytes:limits:)`` parses with by default.
    public let requestLimits: JSONLimits
    /// The zone a campaign set that names no `default_time_zone` gets when it is loaded
    /// (`defaults.time_zone`): it is then the zone of requests that give none and of
    /// schedules that name none.
    public let defaultTimeZone: String
    /// The current set; decisions read it without a lock.
    let loaded = SnapshotCell<CompiledCampaignSet>()
    let exposures: ExposureLog
    let metrics = EngineMetrics()
    /// One drain at a time: the store's erasures are applied and the log drained as one
    /// step, so no drain returns a record another drain has just learnt was erased.
    private let draining = Mutex(())

    /// An engine with the default limits and UTC as its default zone; to open one from
    /// an engine config, see ``init(config:store:zones:maxQueuedExposures:)``.
    ///
    /// - Parameters:
    ///   - store: user state (default: in memory).
    ///   - zones: zone rules (default: the system zoneinfo).
    ///   - maxQueuedExposures: exposure records kept until drained; older ones are
    ///     dropped (and counted in ``stats()``) beyond this.
    ///   - clock: milliseconds since the epoch; tests inject a fixed clock.
    public convenience init(
        store: any StateStore = MemoryStore(), zones: ZoneCache = .shared,
        maxQueuedExposures: Int = 100_000,
        clock: @escaping @Sendable () -> Int64 = SystemClock.milliseconds
    ) {
        self.init(
            store: store, zones: zones, maxQueuedExposures: maxQueuedExposures, clock: clock,
            evaluationLimits: .default, requestLimits: EngineConfig().requestLimits, defaultTimeZone: "UTC")
    }

    /// `defaultTimeZone` must load from `zones` (``init(config:store:zones:maxQueuedExposures:)`` checks it).
    init(
        store: any StateStore, zones: ZoneCache, maxQueuedExposures: Int,
        clock: @escaping @Sendable () -> Int64, evaluationLimits: EvaluationLimits,
        requestLimits: JSONLimits, defaultTimeZone: String
    ) {
        self.store = store
        self.zones = zones
        self.clock = clock
        self.evaluationLimits = evaluationLimits
        self.requestLimits = requestLimits
        self.defaultTimeZone = defaultTimeZone
        self.exposures = ExposureLog(capacity: maxQueuedExposures)
    }

    // MARK: - Campaign sets

    /// Validates and compiles `json`, then replaces the current set atomically. A set
    /// that names no `default_time_zone` gets the engine's ``defaultTimeZone`` (unless
    /// `options` name one).
    ///
    /// - Returns: the set now loaded; its ``CompiledCampaignSet/warnings`` list what
    ///   did not fail the load (the set as loaded, even if another load replaces it
    ///   before the caller looks).
    /// - Throws: ``CampaignSetLoadError`` listing every problem with its path; the
    ///   current set stays in place.
    @discardableResult
    public func load(json: JSON, options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        let compiled = try CompiledCampaignSet(json: json, options: withDefaultZone(options))
        _ = zones.preload(compiled.zones.keys)
        loaded.store(compiled)
        return compiled
    }

    /// Loads a campaign set from JSON text as UTF-8 bytes; as ``load(json:options:)``.
    /// Text that is not JSON is one problem with code `invalid_json`, an empty path and
    /// the byte offset in its message; the current set stays in place.
    @discardableResult
    public func load(_ bytes: [UInt8], options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        let compiled = try CompiledCampaignSet(bytes: bytes, options: withDefaultZone(options))
        _ = zones.preload(compiled.zones.keys)
        loaded.store(compiled)
        return compiled
    }

    /// Loads a campaign set from JSON text (`try engine.load(String(decoding: data, as:
    /// UTF8.self))`); as the bytes overload above.
    @discardableResult
    public func load(_ text: String, options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        try load(Array(text.utf8), options: options)
    }

    /// As the unlabelled bytes overload (the spelling of earlier releases).
    @discardableResult
    public func load(bytes: [UInt8], options: CampaignSetOptions = .default) throws(CampaignSetLoadError) -> CompiledCampaignSet {
        try load(bytes, options: options)
    }

    /// `options` with the engine's ``defaultTimeZone`` unless they name a zone.
    private func withDefaultZone(_ options: CampaignSetOptions) -> CampaignSetOptions {
        guard options.defaultTimeZone == nil else { return options }
        var o = options
        o.defaultTimeZone = defaultTimeZone
        return o
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
    ///
    /// First asks the store which users other engines sharing it erased since the last
    /// drain (``StateStore/erasures()``: a Redis store reads its erasure stream) and drops
    /// their queued records; when the store lost track, every queued record. When the
    /// store cannot answer (Redis unreachable), nothing is returned and the records stay
    /// queued (bounded: the oldest go beyond the capacity) until a drain can ask it —
    /// counted in ``stats()`` as `erasure_checks_failed`.
    public func drainExposures(max: Int = .max) -> [JSON] {
        let drained = drainExposureText(max: max)
        // The log wrote this text with JSONSerializer's escaping, so it parses; no size
        // limit, as the records hold what requests within their own limits carried. Were
        // it ever not an array, the drain answers none rather than stopping the host.
        let limits = JSONLimits(maxDepth: 64, maxBytes: .max, maxStringBytes: .max, maxElements: .max)
        guard case .array(let records)? = try? JSONParser.parse(drained.text, limits: limits) else { return [] }
        return records
    }

    /// ``drainExposures(max:)`` as the JSON text of the array (`[]` when nothing is
    /// returned), copied from the queue without a value tree, and the number of records
    /// it holds. Hook for the C layer (`engage_drain_exposures`) and the scenario.
    package func drainExposureText(max: Int = .max) -> (text: [UInt8], count: Int) {
        draining.withLock { _ in
            do throws(StateStoreError) {
                let erased = try store.erasures()
                let dropped = erased.complete ? exposures.forget(userIDs: Set(erased.userIDs)) : exposures.forgetAll()
                metrics.erasuresChecked(users: erased.userIDs.count, exposures: dropped, gap: !erased.complete)
            } catch {
                metrics.erasureCheckFailed()
                return (Array("[]".utf8), 0)
            }
            return exposures.drain(max: max)
        }
    }

    /// Counters: decisions, per reason code, latency histogram, exposures; and, when the
    /// store reports any (``StateStore/statistics``), the store's own under `store`.
    public func stats() -> JSON {
        let counters = metrics.json(droppedExposures: exposures.dropped, queuedExposures: exposures.count)
        guard let health = store.statistics, case .object(let members) = counters else { return counters }
        return .object(JSONObject(members.map { ($0.key, $0.value) } + [("store", health)]))
    }
}

/// The wall clock, in milliseconds since the Unix epoch.
public enum SystemClock {
    @Sendable public static func milliseconds() -> Int64 { _wallClockMilliseconds() }
}
