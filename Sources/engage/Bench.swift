// `engage bench`: libengage's benchmark suite. The suite is a package apart (bench/), so
// neither the library nor this tool links benchmark code; this command finds its
// `engage-bench` executable and replaces this process with it, its options passed on.
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run libengage's benchmark suite (bench/, a release build) and print its table.",
        discussion: """
            The suite is not part of the installed tool: it runs engage-bench from \
            $ENGAGE_BENCH, else beside this executable, else builds it (swift build -c \
            release, a few minutes the first time) in the libengage source tree that \
            holds this executable or the working directory — which needs the source \
            tree and the Swift toolchain (swift on PATH, or $SWIFT). Without any of \
            them it says so and exits 2. Workloads and targets: bench/README.md.

            Examples:
              engage bench --quick
              engage bench --only logic,decide --json results.json
              ENGAGE_BENCH=/path/to/engage-bench engage bench --only load
            """
    )

    @Flag(help: "Fewer, shorter samples (about 20 s instead of 2 minutes).")
    var quick = false

    @Option(
        help: ArgumentHelp(
            """
            Run only these workloads, comma-separated (json, logic, decide, decide-history, \
            memory, memory-history, decide-commit, load, reject, record, store).
            """, valueName: "name[,name...]"))
    var only: [String] = []

    @Option(help: ArgumentHelp("Write the figures as JSON here.", valueName: "file"), completion: .file(extensions: ["json"]))
    var json: String?

    func run() throws {
        var args: [String] = []
        if quick { args.append("--quick") }
        for list in only { args += ["--only", list] }
        if let json { args += ["--json", json] }
        runBench(args[...])
    }
}

/// Runs `engage-bench` with `args`, found in this order:
/// 1. `$ENGAGE_BENCH`, a path to the executable;
/// 2. `engage-bench` beside this executable;
/// 3. built from the source tree holding this executable or the working directory (the
///    folder with `Package.swift` and `bench/Package.swift`): `swift build --package-path
///    bench -c release` into `$ENGAGE_BENCH_SCRATCH`, default `<tree>/.build-bench`
///    (the scratch folder `make bench` uses), with `$SWIFT` or the `swift` on `PATH`.
/// Fails with status 2 and says what to do when none of them is there.
func runBench(_ args: ArraySlice<String>) -> Never {
    let environment = ProcessInfo.processInfo.environment
    let files = FileManager.default

    if let path = environment["ENGAGE_BENCH"], !path.isEmpty {
        guard files.isExecutableFile(atPath: path) else {
            Exit.fail("engage bench: ENGAGE_BENCH=\(path) is not an executable file", status: 2)
        }
        execBench(path, args)
    }

    let executableFolder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
    if let beside = executableFolder?.appendingPathComponent("engage-bench").path, files.isExecutableFile(atPath: beside) {
        execBench(beside, args)
    }

    let starts = [executableFolder, URL(fileURLWithPath: files.currentDirectoryPath)].compactMap { $0 }
    guard let tree = starts.lazy.compactMap(sourceTree(containing:)).first else {
        Exit.fail(
            """
            engage bench: the benchmark suite is not installed with engage. It needs one of:
              - ENGAGE_BENCH=/path/to/engage-bench (built by `make bench` in a libengage clone:
                .build-bench/release/engage-bench), or
              - an engage-bench executable beside this one (\(executableFolder?.path ?? "its folder")), or
              - to be run inside a libengage source tree (it then builds bench/ there with the
                Swift toolchain); no libengage source tree holds \(Set(starts.map(\.path)).sorted().joined(separator: " or ")).
            """, status: 2)
    }
    let scratch = environment["ENGAGE_BENCH_SCRATCH"].flatMap { $0.isEmpty ? nil : $0 } ?? tree.appendingPathComponent(".build-bench").path
    let swift: String
    if let given = environment["SWIFT"], !given.isEmpty {
        guard files.isExecutableFile(atPath: given) else {
            Exit.fail("engage bench: SWIFT=\(given) is not an executable file (it should be the swift driver)", status: 2)
        }
        swift = given
    } else if let found = findSwift() {
        swift = found
    } else {
        Exit.fail(
            """
            engage bench: building the benchmarks in \(tree.path) needs the Swift toolchain, and there is \
            no swift on PATH: add its usr/bin to PATH, set SWIFT=/path/to/swift, or set \
            ENGAGE_BENCH to an engage-bench built elsewhere.
            """, status: 2)
    }
    let build = [
        swift, "build", "--package-path", tree.appendingPathComponent("bench").path,
        "--scratch-path", scratch, "-c", "release",
    ]
    FileHandle.standardError.write(Data(("engage bench: " + build.joined(separator: " ") + "\n").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: swift)
    process.arguments = Array(build.dropFirst())
    process.standardOutput = FileHandle.standardError // stdout is for the table
    do {
        try process.run()
    } catch {
        Exit.fail("engage bench: cannot run \(swift): \(error.localizedDescription) (set SWIFT to the swift driver)", status: 2)
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        Exit.fail("engage bench: building the benchmarks failed (status \(process.terminationStatus))", status: 2)
    }
    execBench(scratch + "/release/engage-bench", args)
}

/// The nearest folder at or above `start` that holds libengage's sources and bench/.
private func sourceTree(containing start: URL) -> URL? {
    var folder = start.standardizedFileURL
    while true {
        let bench = folder.appendingPathComponent("bench/Package.swift").path
        let engine = folder.appendingPathComponent("Sources/Engage/Engine.swift").path
        if FileManager.default.fileExists(atPath: bench) && FileManager.default.fileExists(atPath: engine) {
            return folder
        }
        let parent = folder.deletingLastPathComponent()
        if parent.path == folder.path { return nil }
        folder = parent
    }
}

/// `swift` on PATH, else the toolchain's usual place on this project's machines; nil
/// when neither is there.
private func findSwift() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = path.split(separator: ":").map { String($0) + "/swift" } + ["/opt/swift/usr/bin/swift"]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// Replaces this process with `path args…`; returns only by failing.
private func execBench(_ path: String, _ args: ArraySlice<String>) -> Never {
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    execv(path, argv)
    Exit.fail("engage bench: cannot run \(path): \(String(cString: strerror(errno)))", status: 2)
}
