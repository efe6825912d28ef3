// Opening an engine from an engine config (docs/engine-config.md): the one place that
// turns the document's limits, defaults and store choice into an engine. The C ABI, the
// CLI and Swift hosts all come through here (EngageStores' `Engine.open(config:)` opens
// the SQLite file or the Redis pool first, then calls this).

extension Engine {
    /// Opens an engine as `config` describes: its limits (`max_steps` for every rule
    /// evaluation, `max_request_bytes` and `max_depth` for ``decide(bytes:limits:)``),
    /// its default time zone and clock, and its store.
    ///
    /// The store: `store` when given — the host's own (a `callbacks` config, or one that
    /// names no store) or one opened for the config (EngageStores); otherwise a
    /// ``MemoryStore`` keeping ``EngineConfig/historyRetention``. A config naming the
    /// `sqlite` or `redis` store needs it opened: `import EngageStores` and use
    /// `Engine.open(config:)`, which calls this.
    ///
    /// - Parameters:
    ///   - config: the engine config.
    ///   - store: the store to use instead of one the core opens (see above). Its own
    ///     ``RetentionPolicy`` applies; pass ``EngineConfig/retentionPolicy`` to it.
    ///   - zones: zone rules (default: the system zoneinfo).
    ///   - maxQueuedExposures: exposure records kept until drained (see
    ///     ``init(store:zones:maxQueuedExposures:clock:)``).
    /// - Throws: ``EngineConfig/Problem``: at the member for a value set outside its
    ///   range (``EngineConfig/validate()``); at `defaults.time_zone` for a zone that does
    ///   not load; at `store.kind` for a `sqlite` or `redis` config without a store, a `callbacks`
    ///   config without one, or a `memory`, `sqlite` or `redis` config given a store as well.
    public convenience init(
        config: EngineConfig, store: (any StateStore)? = nil, zones: ZoneCache = .shared,
        maxQueuedExposures: Int = 100_000
    ) throws(EngineConfig.Problem) {
        try config.validate()
        try Self.checkTimeZone(of: config, zones: zones)
        let chosen: any StateStore
        switch (config.store, store) {
        case (nil, let given?), (.callbacks?, let given?):
            chosen = given
        case (nil, nil), (.memory?, nil):
            chosen = MemoryStore(policy: config.retentionPolicy)
        case (.callbacks?, nil):
            throw EngineConfig.Problem(
                "store.kind", "the callbacks store is the host's own: open the engine with it (Engine(config:store:), engage_engine_open_with_store)")
        case (.sqlite?, nil), (.redis?, nil):
            throw EngineConfig.Problem(
                "store.kind", "the \(config.store?.name ?? "") store is opened by EngageStores: Engine.open(config:) (the C ABI and the CLI use it)")
        case (let named?, _?):
            throw EngineConfig.Problem(
                "store.kind", "the config names the \(named.name) store, and the engine was given a store of its own (name no store, or callbacks)")
        }
        let clock: @Sendable () -> Int64
        if let fixed = config.fixedClock { clock = { fixed } } else { clock = SystemClock.milliseconds }
        self.init(
            store: chosen, zones: zones, maxQueuedExposures: maxQueuedExposures, clock: clock,
            evaluationLimits: config.evaluationLimits, requestLimits: config.requestLimits,
            defaultTimeZone: config.timeZone)
    }

    /// Loads `config`'s default zone, or names `defaults.time_zone` with why it does not
    /// load. Openers call it before they create anything (a state file).
    package static func checkTimeZone(of config: EngineConfig, zones: ZoneCache) throws(EngineConfig.Problem) {
        do throws(TimeZoneError) {
            _ = try zones.zone(named: config.timeZone)
        } catch {
            throw EngineConfig.Problem("defaults.time_zone", "\(ErrorText.quoted(config.timeZone)) cannot be used: \(error.message)")
        }
    }
}
