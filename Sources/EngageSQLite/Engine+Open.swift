// Opening an engine with whichever store its config names. The core cannot open the
// SQLite file (this module links libsqlite3 and depends on the core), so the one opener
// that covers every store kind of this build lives here; the C ABI and the CLI use it.
import Engage

extension Engine {
    /// Opens an engine as `config` describes, opening the store it names: memory (also
    /// when it names none) or the SQLite file (created when missing), each keeping
    /// `limits.history_retention`. Everything else is ``Engine/init(config:store:zones:maxQueuedExposures:)``.
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
        guard case .sqlite(let settings)? = config.store else { return try Engine(config: config, zones: zones) }
        try config.validate()
        try checkTimeZone(of: config, zones: zones)
        let store: SQLiteStore
        do throws(StateStoreError) {
            store = try SQLiteStore(path: settings.path, sync: settings.sync == .batch ? .batch : .always,
                                    policy: config.retentionPolicy, cacheCapacity: settings.cacheUsers,
                                    cacheTTL: settings.cacheTTL)
        } catch {
            throw EngineConfig.Problem("store.path", error.message, store: error)
        }
        var opened = config
        opened.store = nil   // the store is given: the config's choice is made
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
