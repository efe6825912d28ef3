// `engage bench`: libengage's benchmark suite. The suite is a package apart (bench/), so
// neither the library nor this tool links benchmark code; this command finds its
// `engage-bench` executable and replaces this process with it, arguments passed through.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        Exit.fail("""
            engage bench: cannot find the benchmarks (engage-bench). Run this from a libengage \
            source tree (it builds bench/ there), or set ENGAGE_BENCH to an engage-bench executable.
            """, status: 2)
    }
    let scratch = environment["ENGAGE_BENCH_SCRATCH"].flatMap { $0.isEmpty ? nil : $0 } ?? tree.appendingPathComponent(".build-bench").path
    let swift = environment["SWIFT"].flatMap { $0.isEmpty ? nil : $0 } ?? findSwift()
    let build = [swift, "build", "--package-path", tree.appendingPathComponent("bench").path,
                 "--scratch-path", scratch, "-c", "release"]
    FileHandle.standardError.write(Data(("engage bench: " + build.joined(separator: " ") + "\n").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: swift)
    process.arguments = Array(build.dropFirst())
    process.standardOutput = FileHandle.standardError   // stdout is for the table
    do {
        try process.run()
    } catch {
        Exit.fail("engage bench: cannot run \(swift): \(error) (set SWIFT to the swift driver)", status: 2)
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

/// `swift` on PATH, else the toolchain's usual place on this project's machines.
private func findSwift() -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for folder in path.split(separator: ":") {
        let candidate = String(folder) + "/swift"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return "/opt/swift/usr/bin/swift"
}

/// Replaces this process with `path args…`; returns only by failing.
private func execBench(_ path: String, _ args: ArraySlice<String>) -> Never {
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
    execv(path, argv)
    Exit.fail("engage bench: cannot run \(path): \(String(cString: strerror(errno)))", status: 2)
}
