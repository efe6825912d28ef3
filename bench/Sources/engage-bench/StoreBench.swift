// The durable store (issue 6): records/s per sync mode and thread count, decisions with
// the SQLite store beside the memory store, and the file's size per user.
import Engage
import EngageSQLite
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

enum StoreBench {
    static let now = EngineBench.now
    static let day = EngineBench.day

    /// The stores' clock: the benchmark's `now`, advancing in real time (so the cache's
    /// 1 s TTL and retention behave as in production, and a week of history stays inside
    /// the window).
    static func advancingClock() -> @Sendable () -> Int64 {
        let start = ContinuousClock.now
        return { now + Int64((ContinuousClock.now - start).nanoseconds / 1e6) }
    }

    /// A temporary folder under /tmp, removed (with everything in it) by `cleanUp`;
    /// with ENGAGE_BENCH_KEEP_FILES set, `remove` and `cleanUp` leave the files to inspect.
    final class TempFolder {
        let path: String
        private var files: [String] = []

        init() throws {
            var template = Array("/tmp/engage-bench-store-XXXXXX".utf8CString)
            guard let p = mkdtemp(&template) else { throw BenchError("cannot create a folder under /tmp") }
            path = String(cString: p)
        }

        /// A new database path in the folder (its -wal and -shm go with it).
        func file(_ name: String) -> String {
            let f = path + "/" + name + ".db"
            files.append(f)
            return f
        }

        func remove(_ db: String) {
            if getenv("ENGAGE_BENCH_KEEP_FILES") != nil { return }
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(db + suffix) }
        }

        func cleanUp() {
            if getenv("ENGAGE_BENCH_KEEP_FILES") != nil { return print("store: files kept in \(path)") }
            for f in files { remove(f) }
            rmdir(path)
        }
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    static func copyFile(_ from: String, to: String) throws {
        let src = open(from, O_RDONLY)
        guard src >= 0 else { throw BenchError("cannot read \(from)") }
        defer { close(src) }
        let dst = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard dst >= 0 else { throw BenchError("cannot write \(to)") }
        defer { close(dst) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buf.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
            if n < 0 { throw BenchError("read \(from) failed") }
            if n == 0 { break }
            let w = buf.withUnsafeBytes { write(dst, $0.baseAddress, n) }
            if w != n { throw BenchError("short write to \(to)") }
        }
    }

    // MARK: Histories

    /// The decide benchmark's week (84 page views over 4 pages with dwell, 7 app opens,
    /// 7 impressions), as records.
    static func decideWeek() -> [StateRecord] {
        var records: [StateRecord] = []
        for d in 0..<7 {
            let base = now - Int64(7 - d) * day
            for v in 0..<12 {
                let page = ["/plans", "/home", "/bundles", "/support"][(v + d) % 4]
                records.append(
                    .behaviour(
                        HistoryEvent(
                            name: "page_view", time: base + Int64(8 + v / 2) * 3_600_000 + Int64(v) * 60_000,
                            properties: ["page": .string(page), "dwell_s": .number(Double(10 + v))])))
            }
            records.append(.behaviour(HistoryEvent(name: "app_open", time: base + 8 * 3_600_000)))
            records.append(
                .impression(
                    Impression(
                        campaignID: "plan-change-nudge-\(d % 5)", time: base + 9 * 3_600_000,
                        channel: d % 2 == 0 ? "in_app" : "push", purpose: "marketing", tags: ["plans"])))
        }
        return records
    }

    /// A realistic week for user `u` (the file-size figure): on 4–7 active days, 1–3
    /// sessions of an app open and 2–6 page views (6 pages, dwell); 1–3 impressions in the
    /// week; a click on one of them for one user in three. About 60 records.
    static func realisticWeek(_ u: Int) -> [StateRecord] {
        var rng = SplitMix64(seed: 0xE6A6_0000 &+ UInt64(u))
        let pages = ["/home", "/plans", "/plans/5g-m", "/bundles", "/account/invoices", "/support"]
        var records: [StateRecord] = []
        let activeDays = 4 + rng.below(4)
        for d in 0..<activeDays {
            let base = now - Int64(7 - d) * day
            for s in 0..<(1 + rng.below(3)) {
                let t0 = base + Int64(7 + s * 5 + rng.below(4)) * 3_600_000 + Int64(rng.below(3_600_000))
                records.append(.behaviour(HistoryEvent(name: "app_open", time: t0)))
                for v in 0..<(2 + rng.below(5)) {
                    records.append(
                        .behaviour(
                            HistoryEvent(
                                name: "page_view", time: t0 + Int64(v + 1) * 45_000,
                                properties: ["page": .string(rng.pick(pages)), "dwell_s": .number(Double(3 + rng.below(120)))])))
                }
            }
        }
        let impressions = 1 + rng.below(3)
        for i in 0..<impressions {
            let t = now - Int64(6 - i * 2) * day + 12 * 3_600_000
            let campaign = "offer-\(rng.below(20))"
            records.append(
                .impression(
                    Impression(
                        campaignID: campaign, time: t, channel: i % 2 == 0 ? "in_app" : "push",
                        purpose: "marketing", tags: ["plans"])))
            if i == 0 && u % 3 == 0 { records.append(.click(campaignID: campaign, time: t + 20_000)) }
        }
        return records.sorted { $0.time < $1.time }
    }

    /// Writes `week(u)` for every user in `users` into `store` from `threads` threads
    /// (user u on thread u % threads); returns the records written.
    @discardableResult
    static func populate(
        _ store: any StateStore, users: Range<Int>, prefix: String, threads: Int,
        week: @escaping @Sendable (Int) -> [StateRecord]
    ) throws -> Int {
        let failure = Mutex<String?>(nil)
        let written = Atomic<Int>(0)
        runThreads(threads) { t in
            var n = 0
            for u in users where u % threads == t {
                for r in week(u) {
                    do throws(StateStoreError) { try store.record(userID: "\(prefix)\(u)", r) } catch {
                        failure.withLock { $0 = $0 ?? error.message }
                        return
                    }
                    n += 1
                }
            }
            written.add(n, ordering: .relaxed)
        }
        if let f = failure.withLock({ $0 }) { throw BenchError("populate: \(f)") }
        return written.load(ordering: .relaxed)
    }

    // MARK: Run

    struct RecordsFigure {
        let store: String
        let threads: Int
        let perSecond: Double
        let records: Int
        let seconds: Double
    }

    struct DecideFigure {
        let label: String
        let commit: Bool
        let stats: Stats // µs per decision
        let perSecond: Double // decisions / time spent deciding
        let shown: Int // decisions that showed (and, committing, wrote) a message
    }

    /// The whole store benchmark, or with `recordsOnly` just part 1 (`--only record`).
    static func run(quick: Bool, recordsOnly: Bool = false) throws -> [BenchResult] {
        let folder = try TempFolder()
        defer { folder.cleanUp() }
        let runStart = ContinuousClock.now

        // The users of parts 1 and 2: "user-0..<users", the decide benchmark's week
        // each, written once into a template file that each measurement copies.
        let users = quick ? 400 : 1_000
        let template = folder.file("template")
        do {
            let store = try SQLiteStore(path: template, sync: .batch, clock: advancingClock())
            try populate(store, users: 0..<users, prefix: "user-", threads: 8) { _ in decideWeek() }
            try store.forget(userID: "bench-none") // checkpoints the WAL into the file
        }
        let populated = (ContinuousClock.now - runStart).nanoseconds / 1e9

        let records = try recordsPerSecond(
            folder: folder, template: template, users: users,
            seconds: quick ? 0.5 : 2, maxRecords: quick ? 50_000 : 400_000)
        let decide = recordsOnly ? [] : try decisions(folder: folder, template: template, users: users, quick: quick)
        let size = recordsOnly ? nil : try fileSize(folder: folder, users: 100_000, budget: quick ? 4 : 45)
        let total = (ContinuousClock.now - runStart).nanoseconds / 1e9

        // The table.
        print("store: records/s (each thread records the next event of its own \(users / 8) users, who have a week of history)")
        print(pad("store", 22, left: true) + pad("1 thread", 12) + pad("8 threads", 12) + pad("8 / 1", 8))
        for name in ["memory", "sqlite always", "sqlite batch"] {
            let one = records.first { $0.store == name && $0.threads == 1 }!.perSecond
            let eight = records.first { $0.store == name && $0.threads == 8 }!.perSecond
            print(
                pad(name, 22, left: true) + pad(format(one.rounded()), 12) + pad(format(eight.rounded()), 12)
                    + pad(format((eight / one * 100).rounded() / 100), 8))
        }
        if !decide.isEmpty {
            print("store: decisions (100 campaigns, \(users) users with a week of history, 1 KB requests, 1 thread)")
            print(
                pad("store", 22, left: true) + pad("commit", 8) + pad("decisions/s", 13) + pad("p50 µs", 10)
                    + pad("p99 µs", 10) + pad("decisions", 11) + pad("shown", 8))
            for f in decide {
                print(
                    pad(f.label, 22, left: true) + pad(f.commit ? "true" : "false", 8) + pad(format(f.perSecond.rounded()), 13)
                        + pad(format(f.stats.median), 10) + pad(format(f.stats.p99), 10)
                        + pad(String(f.stats.samples.count), 11) + pad(String(f.shown), 8))
            }
        }
        if let size {
            let perUser = Double(size.bytes) / Double(size.users)
            print(
                "store: file size, sync batch, 8 threads, checkpointed: \(size.users) users in \(format((size.seconds * 10).rounded() / 10)) s (\(size.records) records, ~\(size.records / size.users) each), "
                    + "\(size.bytes) bytes = \(format((perUser).rounded())) bytes/user (encoded state \(format(size.stateBytes.rounded())) bytes/user)"
                    + "; per 100,000 users ≈ \(format((perUser * 100_000 / 1e5).rounded() / 10)) MB"
                    + (size.users == 100_000 ? "" : " (extrapolated from \(size.users))"))
        }
        print("store: \(format((total * 10).rounded() / 10)) s in all (template of \(users) users: \(format((populated * 10).rounded() / 10)) s)")
        print("")

        // The results (table and JSON).
        var results: [BenchResult] = []
        for r in records {
            results.append(
                BenchResult(
                    name: "record, \(r.store), \(r.threads) thread\(r.threads == 1 ? "" : "s")",
                    unit: "rec/s", higherIsBetter: true, stats: Stats([r.perSecond.rounded()]),
                    detail: "\(r.records) records in \(format((r.seconds * 100).rounded() / 100)) s"))
        }
        for f in decide {
            results.append(
                BenchResult(
                    name: "store decide, \(f.label), commit \(f.commit)", unit: "µs", higherIsBetter: false,
                    stats: f.stats,
                    detail: "\(format(f.perSecond.rounded())) decisions/s; \(f.stats.samples.count) decisions, \(f.shown) showed a message"))
        }
        if let size {
            let perUser = Double(size.bytes) / Double(size.users)
            results.append(
                BenchResult(
                    name: "store file bytes per user, a week of history", unit: "bytes", higherIsBetter: false,
                    stats: Stats([perUser]),
                    detail: "sqlite, sync batch, checkpointed; \(size.users) users, \(size.records) records; "
                        + "\(format((perUser * 100_000 / 1e5).rounded() / 10)) MB per 100,000 users"
                        + (size.users == 100_000 ? "" : " (extrapolated)")))
        }
        return results
    }

    // MARK: 1. Records per second

    static func recordsPerSecond(
        folder: TempFolder, template: String, users: Int,
        seconds: Double, maxRecords: Int
    ) throws -> [RecordsFigure] {
        let week = decideWeek()
        var figures: [RecordsFigure] = []
        // Memory first (reference), then each sync mode with 1 and 8 threads; every
        // SQLite measurement on a fresh copy of the template.
        for name in ["memory", "sqlite always", "sqlite batch"] {
            for threads in [1, 8] {
                let store: any StateStore
                var path: String? = nil
                if name == "memory" {
                    let m = MemoryStore()
                    try populate(m, users: 0..<users, prefix: "user-", threads: 2) { _ in week }
                    store = m
                } else {
                    let p = folder.file("records-\(name.split(separator: " ")[1])-\(threads)")
                    try copyFile(template, to: p)
                    store = try SQLiteStore(path: p, sync: name == "sqlite always" ? .always : .batch, clock: advancingClock())
                    path = p
                }
                // Thread t owns users t, t + 8, ...: it records the next event of the
                // next of its users (the week's events in turn, now).
                let perThread = maxRecords / threads
                let failure = Mutex<String?>(nil)
                let done = Atomic<Int>(0)
                let clock = ContinuousClock()
                let start = clock.now
                let deadline = start + .nanoseconds(Int64(seconds * 1e9))
                runThreads(threads) { t in
                    let mine = Array(stride(from: t, to: users, by: 8)).map { "user-\($0)" }
                    var n = 0
                    while n < perThread && clock.now < deadline {
                        let user = mine[n % mine.count]
                        let record = week[(n / mine.count) % week.count].at(now + Int64(n % 1_000))
                        do throws(StateStoreError) { try store.record(userID: user, record) } catch {
                            failure.withLock { $0 = $0 ?? error.message }
                            break
                        }
                        n += 1
                    }
                    done.add(n, ordering: .relaxed)
                }
                let elapsed = (clock.now - start).nanoseconds / 1e9
                if let f = failure.withLock({ $0 }) { throw BenchError("records (\(name), \(threads) threads): \(f)") }
                let n = done.load(ordering: .relaxed)
                figures.append(RecordsFigure(store: name, threads: threads, perSecond: Double(n) / elapsed, records: n, seconds: elapsed))
                if let path { folder.remove(path) }
            }
        }
        return figures
    }

    // MARK: 2. Decisions

    static func decisions(folder: TempFolder, template: String, users: Int, quick: Bool) throws -> [DecideFigure] {
        let setJSON = try EngineBench.campaignSet(count: 100)
        let week = decideWeek()
        let memory = MemoryStore()
        try populate(memory, users: 0..<users, prefix: "user-", threads: 2) { _ in week }
        let alwaysPath = folder.file("decide-always")
        let batchPath = folder.file("decide-batch")
        try copyFile(template, to: alwaysPath)
        try copyFile(template, to: batchPath)
        // Default cache (100,000 users, 1 s TTL): a user's requests here are more than
        // 1 s apart, so nearly every decision reads the user from the file, as a
        // production user's would.
        let stores: [(String, any StateStore)] = [
            ("memory", memory),
            ("sqlite always", try SQLiteStore(path: alwaysPath, sync: .always, clock: advancingClock())),
            ("sqlite batch", try SQLiteStore(path: batchPath, sync: .batch, clock: advancingClock())),
        ]
        let engines = try stores.map { name, store in
            let e = Engine(store: store, clock: { now })
            try e.load(json: setJSON)
            return (name, e)
        }
        let requests = try (0..<users).map { try DecisionRequest(json: JSONParser.parse(Array(EngineBench.request($0).utf8))) }
        // Warm-up: 200 decisions, commit false, on every engine.
        for (_, e) in engines { for r in requests.prefix(200) { blackHole(try e.decide(r)) } }

        // Configurations: commit false on memory and one SQLite store (nothing is
        // written, so the sync mode does not matter), commit true on all three. Each
        // round runs a slice of decisions of every configuration, in an order that
        // rotates; commit true walks through the users once, so every committing
        // decision is a user's first of the run (caps not yet full: it writes).
        struct Config {
            let label: String
            let engine: Engine
            let commit: Bool
            var cursor = 0
            var micros: [Double] = []
            var seconds = 0.0
            var shown = 0
        }
        var configs = [
            Config(label: "memory", engine: engines[0].1, commit: false),
            Config(label: "sqlite", engine: engines[1].1, commit: false),
            Config(label: "memory", engine: engines[0].1, commit: true),
            Config(label: "sqlite always", engine: engines[1].1, commit: true),
            Config(label: "sqlite batch", engine: engines[2].1, commit: true),
        ]
        let rounds = quick ? 4 : 10
        let readSlice = (quick ? 2 : 3) * users / rounds
        let commitSlice = users / rounds
        let clock = ContinuousClock()
        for round in 0..<rounds {
            for k in 0..<configs.count {
                var c = configs[(round + k) % configs.count]
                let count = c.commit ? commitSlice : readSlice
                for _ in 0..<count {
                    var r = requests[c.cursor % users]
                    r.commit = c.commit
                    c.cursor += 1
                    let t0 = clock.now
                    let d = try c.engine.decide(r)
                    let dt = (clock.now - t0).nanoseconds
                    c.micros.append(dt / 1000)
                    c.seconds += dt / 1e9
                    if !d.messages.isEmpty { c.shown += 1 }
                }
                configs[(round + k) % configs.count] = c
            }
        }
        return configs.map {
            DecideFigure(
                label: $0.label, commit: $0.commit, stats: Stats($0.micros),
                perSecond: Double($0.micros.count) / $0.seconds, shown: $0.shown)
        }
    }

    // MARK: 3. File size

    /// Writes users in chunks of 500 until `users` are written or `budget` seconds have
    /// passed (then the figure is extrapolated from the users written).
    static func fileSize(folder: TempFolder, users: Int, budget: Double) throws -> (users: Int, records: Int, bytes: Int, stateBytes: Double, seconds: Double) {
        let path = folder.file("size")
        let store = try SQLiteStore(path: path, sync: .batch, clock: advancingClock())
        let clock = ContinuousClock()
        let start = clock.now
        var written = 0
        var records = 0
        while written < users && (clock.now - start).nanoseconds / 1e9 < budget {
            let chunk = min(500, users - written)
            records += try populate(store, users: written..<(written + chunk), prefix: "u-", threads: 8) { realisticWeek($0) }
            written += chunk
        }
        let seconds = (clock.now - start).nanoseconds / 1e9
        // Erasing a user that is not there checkpoints the WAL into the file and
        // truncates it.
        try store.forget(userID: "bench-none")
        let bytes = fileSize(path) + fileSize(path + "-wal")
        var state = 0
        for u in 0..<written { state += try store.load(userID: "u-\(u)").encoded().count }
        folder.remove(path)
        return (written, records, bytes, Double(state) / Double(written), seconds)
    }
}

extension StateRecord {
    /// The same record at `time`.
    func at(_ time: Int64) -> StateRecord {
        switch self {
        case .impression(var i): i.time = time; return .impression(i)
        case .click(let c, _): return .click(campaignID: c, time: time)
        case .dismissal(let c, _): return .dismissal(campaignID: c, time: time)
        case .conversion(let c, _): return .conversion(campaignID: c, time: time)
        case .behaviour(let e): return .behaviour(HistoryEvent(name: e.name, time: time, properties: e.properties))
        case .conversation(let c, _): return .conversation(channel: c, time: time)
        }
    }
}
