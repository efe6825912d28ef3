import Synchronization

/// Loads time zones by IANA name and keeps them for the life of the process (or of the
/// cache), shared by every thread.
///
/// Zones are meant to be loaded when a campaign set is loaded (``preload(_:)``), so a
/// decision finds them with ``zone(named:)`` by reading an immutable snapshot published
/// through an atomic pointer: no lock and no allocation on that path. A name the snapshot
/// does not hold takes the slow path — a `Mutex`-protected table, then the file system —
/// and is published to the snapshot for later lookups.
///
/// Names resolve as follows: `UTC`, `GMT`, `Z` and ISO offsets (`+09:00`, `-0530`,
/// `+09`) are built-in fixed zones; anything else must be a zone or link name of the
/// IANA database (the list compiled into the library, ``ZoneName/iana``) and is read
/// from `root/<name>` as TZif. A file that is not an IANA name — `localtime`,
/// `posixrules`, `right/…`, `posix/…` — is refused even when the host has it: it means
/// whatever the host was configured with, and the same campaign set must decide the
/// same on every host. Failures for names that
/// are well formed but unknown are remembered (up to `maxRememberedFailures`) so a flood
/// of requests naming a missing zone does not become a flood of file opens.
public final class ZoneCache: Sendable {
    /// The system zoneinfo directory, used by ``shared``.
    public static let defaultRoot = "/usr/share/zoneinfo"
    /// Largest zoneinfo file read (real ones are under 4 KiB; 64-bit "fat" ones under 10).
    public static let defaultMaxFileBytes = 256 * 1024

    /// A process-wide cache over ``defaultRoot``.
    public static let shared = ZoneCache()

    /// Directory holding TZif files named by zone (no trailing slash needed).
    public let root: String
    /// Files larger than this are rejected with `tooLarge`.
    public let maxFileBytes: Int
    /// How many distinct failing names are remembered.
    public let maxRememberedFailures: Int

    private struct State {
        var zones: [String: ZoneRules] = [:]
        var failures: [String: TimeZoneError] = [:]
        /// Every snapshot ever published, kept alive so a reader holding the pointer it
        /// loaded can never see it freed. Republishing doubles in size past 16 zones, so
        /// the total retained is O(number of zones).
        var published: [Snapshot] = []
    }

    final class Snapshot: Sendable {
        let zones: [String: ZoneRules]
        init(_ zones: [String: ZoneRules]) { self.zones = zones }
    }

    private let state: Mutex<State>
    private let current: Atomic<Unmanaged<Snapshot>>

    /// - Parameters:
    ///   - root: the zoneinfo directory (default ``defaultRoot``).
    ///   - maxFileBytes: the file-size limit (default ``defaultMaxFileBytes``).
    ///   - maxRememberedFailures: bound on the negative cache (default 1,024).
    public init(
        root: String = ZoneCache.defaultRoot, maxFileBytes: Int = ZoneCache.defaultMaxFileBytes,
        maxRememberedFailures: Int = 1_024
    ) {
        self.root = root.hasSuffix("/") || root.isEmpty ? root : root + "/"
        self.maxFileBytes = max(0, maxFileBytes)
        self.maxRememberedFailures = max(0, maxRememberedFailures)
        let empty = Snapshot([:])
        var initial = State()
        initial.published.append(empty)
        state = Mutex(initial)
        current = Atomic(Unmanaged.passUnretained(empty))
    }

    /// The zone named `name`, loading it on first use.
    ///
    /// Thread-safe. Lock-free when the zone is in the published snapshot (after
    /// ``preload(_:)`` or an earlier load); otherwise takes a lock and may read a file.
    /// - Throws: ``TimeZoneError`` — `invalidName`, `unknownZone`, `unreadable`,
    ///   `tooLarge`, `malformed` or `unsupported`.
    public func zone(named name: String) throws(TimeZoneError) -> ZoneRules {
        if let hit = snapshotZone(named: name) { return hit }
        return try load(name)
    }

    /// The zone if it has already been loaded, without reading files or throwing.
    /// Lock-free when the zone is in the published snapshot; otherwise takes the lock once.
    public func cachedZone(named name: String) -> ZoneRules? {
        if let hit = snapshotZone(named: name) { return hit }
        return state.withLock { $0.zones[name] }
    }

    @inline(__always)
    private func snapshotZone(named name: String) -> ZoneRules? {
        // The snapshot is kept alive by `state.published` for the cache's lifetime.
        current.load(ordering: .acquiring)._withUnsafeGuaranteedRef { $0.zones[name] }
    }

    /// Loads every name (e.g. all zones a campaign set mentions) and publishes them
    /// together. Returns the failures, one per failing name, in input order.
    @discardableResult
    public func preload(_ names: some Sequence<String>) -> [TimeZoneError] {
        var errors: [TimeZoneError] = []
        for name in names {
            do throws(TimeZoneError) { _ = try zone(named: name) } catch { errors.append(error) }
        }
        state.withLock { publish(&$0, force: true) }
        return errors
    }

    /// An immutable copy of every zone loaded so far.
    public var loadedZones: [String: ZoneRules] {
        state.withLock { $0.zones }
    }

    // MARK: - Slow path

    private func load(_ name: String) throws(TimeZoneError) -> ZoneRules {
        let known: Result<ZoneRules, TimeZoneError>? = state.withLock { s in
            if let z = s.zones[name] { return .success(z) }
            if let e = s.failures[name] { return .failure(e) }
            return nil
        }
        if let known { return try known.get() }
        // Read and parse outside the lock; if two threads race, the first insert wins.
        let result = Result { () throws(TimeZoneError) -> ZoneRules in
            if ZoneName.fixedOffset(name) == nil { try ZoneName.checkIANA(name) }
            return try Self.read(name, root: root, maxFileBytes: maxFileBytes)
        }
        return try state.withLock { s throws(TimeZoneError) -> ZoneRules in
            switch result {
            case .success(let zone):
                if let existing = s.zones[name] { return existing }
                s.zones[name] = zone
                publish(&s, force: false)
                return zone
            case .failure(let error):
                // Only remember names that could become valid lookups again (bounded).
                if error.code != .invalidName, s.failures.count < maxRememberedFailures {
                    s.failures[name] = error
                }
                throw error
            }
        }
    }

    private func publish(_ s: inout State, force: Bool) {
        let published = current.load(ordering: .relaxed)._withUnsafeGuaranteedRef { $0.zones.count }
        guard s.zones.count != published else { return }
        guard force || s.zones.count <= 16 || s.zones.count >= 2 * published else { return }
        let snapshot = Snapshot(s.zones)
        s.published.append(snapshot)
        current.store(Unmanaged.passUnretained(snapshot), ordering: .releasing)
    }

    /// Builds the zone for `name` without caching: a built-in fixed zone or a TZif file.
    static func read(_ name: String, root: String, maxFileBytes: Int) throws(TimeZoneError) -> ZoneRules {
        if let offset = ZoneName.fixedOffset(name) {
            return try ZoneRules(fixedOffset: offset, identifier: name)
        }
        try ZoneName.validate(name)
        switch ZoneFileReader.contents(atPath: root + name, maxBytes: maxFileBytes) {
        case .success(let bytes):
            return try ZoneRules(tzif: bytes, identifier: name)
        case .failure(.notFound):
            throw TimeZoneError(.unknownZone, zone: name, "no such zone in \(root)")
        case .failure(.tooLarge):
            throw TimeZoneError(.tooLarge, zone: name, "zoneinfo file larger than \(maxFileBytes) bytes")
        case .failure(.unreadable(let why)):
            throw TimeZoneError(.unreadable, zone: name, why)
        }
    }
}
