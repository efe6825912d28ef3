// Opening an engine with whichever store its config names. The core links no C library,
// so it cannot open the SQLite file or the Redis pool; the one opener that covers every
// store kind of this build lives here, above the store modules. The C ABI and the CLI use it.
import Engage
import EngageRedis
import EngageSQLite

extension Engine {
    /// Opens an engine as `config` describes, opening the store it names: memory (also
    /// when it names none), the SQLite file (created when missing) or a Redis server, each
    /// keeping `limits.history_retention`. Everything else is ``Engine/init(config:store:zones:maxQueuedExposures:)``.
    ///
    /// Redis is connected lazily: opening does not connect, so an engine opens while the
    /// server is still starting (a gateway and its Redis started together); the first
    /// call that needs the server connects, and fails with the store's `unavailable`
    /// error within `store.timeout_ms` while it cannot.
    ///
    /// ```swift
    /// let engine = try Engine.open(config: EngineConfig(text: #"{"store": {"kind": "sqlite", "path": "state.db"}}"#))
    /// ```
    ///
    /// - Throws: ``EngineConfig/Problem``: those of ``Engine/init(config:store:zones:maxQueuedExposures:)``
    ///   (a `callbacks` config is refused at `store.kind`: the host's store is passed to
    ///   that initialiser); at `store.path` with ``EngineConfig/Problem/store`` set when
    ///   the file cannot be opened (a missing folder, another application's database).
    public static func open(config: EngineConfig, zones: ZoneCache = .shared) throws(EngineConfig.Problem) -> Engine {
        let settings: EngineConfig.SQLite
        switch config.store {
        case .sqlite(let s)?: settings = s
        case .redis(let redis)?:
            try config.validate()
            try checkTimeZone(of: config, zones: zones)
            return try open(config, store: RedisStore(redis, policy: config.retentionPolicy), zones: zones)
        default: return try Engine(config: config, zones: zones)
        }
        try config.validate()
        try checkTimeZone(of: config, zones: zones)
        let store: SQLiteStore
        do throws(StateStoreError) {
            store = try SQLiteStore(
                path: settings.path, sync: settings.sync == .batch ? .batch : .always,
                policy: config.retentionPolicy, cacheCapacity: settings.cacheUsers,
                cacheTTL: settings.cacheTTL)
        } catch {
            throw EngineConfig.Problem("store.path", error.message, store: error)
        }
        return try open(config, store: store, zones: zones)
    }

    /// The engine over the store opened for `config`.
    private static func open(_ config: EngineConfig, store: any StateStore, zones: ZoneCache) throws(EngineConfig.Problem) -> Engine {
        var opened = config
        opened.store = nil // the store is given: the config's choice is made
        return try Engine(config: opened, store: store, zones: zones)
    }

    /// Reads a config document given as JSON text and opens an engine as it describes
    /// (``open(config:zones:)``); an empty text is the defaults.
    ///
    /// - Throws: ``EngineConfig/Problem`` naming the member, or with an empty path when
    ///   the text is not JSON.
    public static func open(configText: String, zones: ZoneCache = .shared) throws(EngineConfig.Problem) -> Engine {
        try open(config: EngineConfig(text: configText), zones: zones)
    }
}
