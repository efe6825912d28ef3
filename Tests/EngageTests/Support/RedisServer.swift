import Engage
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` for one test: on a free 127.0.0.1 port (and a Unix socket) with
/// a temporary `--dir`, AOF on and fsynced on every write, no RDB snapshots. Killed
/// (SIGKILL, as a crash) and restarted from its AOF by ``kill()`` / ``start()``; killed
/// and its folder removed when the value goes.
///
/// `make test` installs `redis-server` (APT_PACKAGES); without it the test fails, saying so.
final class RedisServer: @unchecked Sendable {
    static let executable = "/usr/bin/redis-server"
    static let client = "/usr/bin/redis-cli"

    let folder: URL
    let port: Int
    var socket: String { folder.appendingPathComponent("redis.sock").path }
    private let extra: [String]
    private var process: Process?

    /// `extra`: more `redis-server` options (`["--requirepass", "secret"]`).
    init(_ extra: [String] = []) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw Failure("\(Self.executable) not found: install redis-server (make deps)")
        }
        folder = try temporaryFolder("engage-redis")
        port = try Self.freePort()
        self.extra = extra
        try start()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Settings for a store on this server (TCP unless `unix`).
    func settings(unix: Bool = false, timeoutMS: Int = 200, prefix: String = "engage:") -> EngineConfig.Redis {
        var s = EngineConfig.Redis(address: unix ? .unix(path: socket) : .tcp(host: "127.0.0.1", port: port))
        s.timeoutMS = timeoutMS
        s.keyPrefix = prefix
        return s
    }

    /// Starts the server (again: from the AOF in the same folder) and waits for PING —
    /// or, `whileLoading`, for any answer, `LOADING` included (a server still reading
    /// its AOF).
    func start(whileLoading: Bool = false) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments =
            [
                "--port", "\(port)", "--bind", "127.0.0.1", "--dir", folder.path,
                "--unixsocket", socket, "--unixsocketperm", "700",
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--logfile", folder.appendingPathComponent("redis.log").path,
                "--maxmemory-policy", "noeviction",
            ] + extra
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let pong = try? cli(["PING"]), pong.contains("PONG") || pong.contains("NOAUTH") || (whileLoading && pong.contains("LOADING")) {
                return
            }
            guard p.isRunning else { break }
            usleep(10_000)
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        throw Failure("redis-server on port \(port) did not answer PING: \(log.suffix(500))")
    }

    /// SIGKILL, as a crash, and waits for the process to end.
    func kill() {
        guard let p = process else { return }
        process = nil
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// Sends `signal` (SIGSTOP, SIGCONT) to the server.
    func signal(_ signal: Int32) {
        if let p = process { Glibc.kill(p.processIdentifier, signal) }
    }

    /// `redis-cli` with `arguments` against this server; its standard output.
    @discardableResult
    func cli(_ arguments: [String], auth: String? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.client)
        p.arguments = ["-h", "127.0.0.1", "-p", "\(port)"] + (auth.map { ["-a", $0, "--no-auth-warning"] } ?? []) + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A TCP port nothing listens on now (bound to 0, read back, released).
    static func freePort() throws -> Int {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure("socket: \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure("bind: \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
