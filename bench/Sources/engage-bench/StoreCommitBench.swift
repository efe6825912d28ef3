// Decisions that commit, per store (issue 16, point 8): decisions/s from 1 and 8 threads
// and round trips per committed decision, Redis beside SQLite and memory in one run.
// Redis is a redis-server this benchmark starts (a temporary folder, 127.0.0.1, a free
// port, AOF fsynced on every write) and stops.
import Engage
import EngageRedis
import EngageSQLite
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

enum StoreCommitBench {
    static let now = EngineBench.now
    static let serverPath = "/usr/bin/redis-server"
    static let clientPath = "/usr/bin/redis-cli"

    struct Figure {
        let store: String
        let threads: Int
        let decisions: Int
        let shown: Int
        let seconds: Double
        let micros: Stats
        /// Round trips to the Redis server per decision; nil for in-process stores.
        let roundTrips: Double?
        var perSecond: Double { Double(decisions) / seconds }
    }

    /// Every store with 1 and 8 threads, each for `seconds` of decisions on fresh users.
    static func run(quick: Bool) throws -> [BenchResult] {
        let seconds = quick ? 0.5 : 2.0
        let users = 1_000
        let setJSON = try EngineBench.campaignSet(count: 100)
        let requests = try (0..<users).map { i -> DecisionRequest in
            var r = try DecisionRequest(json: JSONParser.parse(Array(EngineBench.request(i).utf8)))
            r.commit = true
            return r
        }
        let folder = try StoreBench.TempFolder()
        defer { folder.cleanUp() }
        var figures: [Figure] = []
        var redisNote: String? = nil

        for threads in [1, 8] {
            figures.append(try measure("memory", MemoryStore(), threads, requests, setJSON, seconds, commands: nil))
            let path = folder.file("commit-\(threads)")
            let sqlite = try SQLiteStore(path: path, sync: .always, clock: StoreBench.advancingClock())
            figures.append(try measure("sqlite always", sqlite, threads, requests, setJSON, seconds, commands: nil))
            folder.remove(path)
        }
        if access(serverPath, X_OK) != 0 || access(clientPath, X_OK) != 0 {
            redisNote = "redis: not measured: \(serverPath) or \(clientPath) not found (make deps installs redis-server)"
        } else {
            let server = try RedisProcess()
            defer { server.stop() }
            for threads in [1, 8] {
                var settings = EngineConfig.Redis(address: .tcp(host: "127.0.0.1", port: server.port))
                settings.timeoutMS = 2_000
                settings.keyPrefix = "bench-\(threads):"
                settings.poolSize = 16
                let store = RedisStore(settings)
                figures.append(
                    try measure("redis always", store, threads, requests, setJSON, seconds) {
                        try server.roundTrips()
                    })
            }
        }

        print(
            "store commit: decisions with commit (100 campaigns, 1 KB requests, \(users) users new to the store, "
                + "\(format(seconds)) s per row; redis-server and SQLite fsync every commit)")
        print(
            pad("store", 16, left: true) + pad("threads", 8) + pad("decisions/s", 13) + pad("p50 µs", 10) + pad("p99 µs", 10)
                + pad("decisions", 11) + pad("shown", 8) + pad("round trips/decision", 22))
        for f in figures {
            print(
                pad(f.store, 16, left: true) + pad(String(f.threads), 8) + pad(format(f.perSecond.rounded()), 13)
                    + pad(format(f.micros.median), 10) + pad(format(f.micros.p99), 10) + pad(String(f.decisions), 11)
                    + pad(String(f.shown), 8) + pad(f.roundTrips.map { format(($0 * 100).rounded() / 100) } ?? "in-process", 22))
        }
        if let redisNote { print(redisNote) }
        print("")

        var results = figures.map { f in
            BenchResult(
                name: "store commit, \(f.store), \(f.threads) thread\(f.threads == 1 ? "" : "s")", unit: "dec/s",
                higherIsBetter: true, stats: Stats([f.perSecond.rounded()]),
                detail: "p50 \(format(f.micros.median)) µs, p99 \(format(f.micros.p99)) µs; \(f.decisions) decisions, "
                    + "\(f.shown) showed a message; "
                    + (f.roundTrips.map { "\(format(($0 * 100).rounded() / 100)) round trips per committed decision" } ?? "in-process"),
                extra: [("round_trips", f.roundTrips.map { .number(($0 * 100).rounded() / 100) } ?? .null)])
        }
        if let redisNote {
            results.append(
                BenchResult(
                    name: "store commit, redis", unit: "dec/s", higherIsBetter: true, stats: Stats([0]),
                    detail: redisNote))
        }
        return results
    }

    /// `threads` threads deciding with commit on one engine over `store` for `seconds`:
    /// thread t walks users t, t + threads, ... in turn. `commands` reads how many round
    /// trips the server has served.
    static func measure(
        _ name: String, _ store: any StateStore, _ threads: Int, _ requests: [DecisionRequest],
        _ setJSON: JSON, _ seconds: Double, commands: (() throws -> Int)?
    ) throws -> Figure {
        let engine = Engine(store: store, clock: { now })
        try engine.load(json: setJSON)
        // One decision first: connects, loads the scripts, opens the file.
        blackHole(try engine.decide(requests[requests.count - 1]))
        let before = try commands?()
        let failure = Mutex<String?>(nil)
        let micros = Mutex<[Double]>([])
        let shown = Atomic<Int>(0)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .nanoseconds(Int64(seconds * 1e9))
        runThreads(threads) { t in
            var mine: [Double] = []
            var n = 0
            var i = t
            while clock.now < deadline {
                let t0 = clock.now
                do throws(DecisionError) {
                    let d = try engine.decide(requests[i % (requests.count - 1)])
                    if let why = d.storeUnavailable {
                        failure.withLock { $0 = $0 ?? "failed closed: \(why)" }
                        break
                    }
                    if !d.messages.isEmpty { n += 1 }
                } catch {
                    failure.withLock { $0 = $0 ?? "\(error)" }
                    break
                }
                mine.append((clock.now - t0).nanoseconds / 1000)
                i += threads
            }
            shown.add(n, ordering: .relaxed)
            micros.withLock { $0 += mine }
        }
        let elapsed = (clock.now - start).nanoseconds / 1e9
        if let f = failure.withLock({ $0 }) { throw BenchError("store commit (\(name), \(threads) threads): \(f)") }
        let samples = micros.withLock { $0 }
        let trips = try commands.map { read in Double(try read() - (before ?? 0)) / Double(max(1, samples.count)) }
        return Figure(
            store: name, threads: threads, decisions: samples.count, shown: shown.load(ordering: .relaxed),
            seconds: elapsed, micros: Stats(samples), roundTrips: trips)
    }

    /// A redis-server for the benchmark, as the tests start theirs: a temporary folder,
    /// 127.0.0.1 on a free port, `appendonly yes`, `appendfsync always`, no snapshots,
    /// `noeviction`. Stopped (SIGTERM, then waited for) and its folder removed by `stop`.
    final class RedisProcess {
        let port: Int
        let folder: String
        private var pid: pid_t = 0

        init() throws {
            var template = Array("/tmp/engage-bench-redis-XXXXXX".utf8CString)
            guard let p = mkdtemp(&template) else { throw BenchError("cannot create a folder under /tmp") }
            folder = String(cString: p)
            port = try Self.freePort()
            pid = try spawn(
                serverPath,
                [
                    "--port", "\(port)", "--bind", "127.0.0.1", "--dir", folder, "--appendonly", "yes",
                    "--appendfsync", "always", "--save", "", "--daemonize", "no",
                    "--logfile", folder + "/redis.log", "--maxmemory-policy", "noeviction",
                ], output: nil)
            for _ in 0..<500 {
                if (try? cli(["PING"]))?.hasPrefix("PONG") == true { return }
                usleep(20_000)
            }
            stop()
            throw BenchError("redis-server on 127.0.0.1:\(port) did not answer PING within 10 s")
        }

        func stop() {
            guard pid > 0 else { return }
            kill(pid, SIGTERM)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            pid = 0
            if let rm = try? spawn("/bin/rm", ["-rf", folder], output: nil) {
                var s: Int32 = 0
                waitpid(rm, &s, 0)
            }
        }

        /// Commands clients sent so far (one round trip each: the store pipelines
        /// nothing), from `INFO commandstats`: every command's calls except those the
        /// store's scripts make inside the server (counted there too, but no round trip)
        /// and `INFO` itself.
        func roundTrips() throws -> Int {
            let insideScripts: Set<Substring> = ["hget", "exists", "hset", "persist", "pexpireat", "xrevrange", "xread", "xadd", "info"]
            var total = 0
            var seen = false
            for line in try cli(["INFO", "commandstats"]).split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let fields = line[line.index(after: colon)...]
                guard fields.hasPrefix("calls="), let n = Int(fields.dropFirst(6).prefix { $0.isNumber }) else { continue }
                seen = true
                if !insideScripts.contains(line[line.index(line.startIndex, offsetBy: 8)..<colon]) { total += n }
            }
            guard seen else { throw BenchError("redis-cli INFO commandstats: no cmdstat_ lines") }
            return total
        }

        /// `redis-cli` against this server; its standard output.
        func cli(_ arguments: [String]) throws -> String {
            let out = folder + "/cli.out"
            let child = try spawn(clientPath, ["-h", "127.0.0.1", "-p", "\(port)"] + arguments, output: out)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            return String(decoding: readFileBytes(out) ?? [], as: UTF8.self)
        }

        /// A TCP port nothing listens on now (bound to 0, read back, released).
        static func freePort() throws -> Int {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError("socket: errno \(errno)") }
            defer { close(fd) }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
            }
            guard bound else { throw BenchError("bind: errno \(errno)") }
            return Int(UInt16(bigEndian: addr.sin_port))
        }
    }
}

/// Starts `path` with `arguments`, standard output to the file `output` (or /dev/null),
/// standard error to /dev/null; its pid.
func spawn(_ path: String, _ arguments: [String], output: String?) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
    guard rc == 0 else { throw BenchError("cannot start \(path): error \(rc)") }
    return pid
}
