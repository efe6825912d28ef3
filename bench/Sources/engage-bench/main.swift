// engage-bench: libengage's benchmarks (release build; run through `make bench`).
//
//   engage-bench [--json PATH] [--quick] [--only NAME]
//
// Medians over repeated samples on a monotonic clock, with min/max/p99; a table on
// stdout and the same figures as JSON in PATH.
import Engage
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `message` to stderr (fd 2; the C `stderr` global is not concurrency-safe).
func printError(_ message: String) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

var jsonPath: String? = nil
var quick = false
var only: String? = nil
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--json": jsonPath = args.popFirst()
    case "--quick": quick = true
    case "--only": only = args.popFirst()
    case "-h", "--help":
        print("usage: engage-bench [--json PATH] [--quick] [--only json|logic|decide|memory|store]")
        exit(0)
    default:
        printError("engage-bench: unknown argument \(arg)")
        exit(2)
    }
}

#if DEBUG
print("warning: this is a debug build; figures are meaningless (use `make bench`)")
#endif

let samples = quick ? 7 : 31
let sampleNanoseconds = quick ? 5e6 : 2e7
var results: [BenchResult] = []
do {
    if only == nil || only == "json" {
        results += try JSONBench.run(samples: samples, sampleNanoseconds: sampleNanoseconds)
    }
    if only == nil || only == "logic" {
        results += try LogicBench.run(batches: quick ? 51 : 501)
    }
    if only == nil || only == "decide" {
        results += try EngineBench.run(samples: quick ? 5 : 21)
    }
    if only == nil || only == "memory" {
        results += try EngineBench.memory(users: quick ? 5_000 : 100_000)
    }
    if only == nil || only == "store" {
        results += try StoreBench.run(quick: quick)
    }
} catch {
    printError("engage-bench: \(error)")
    exit(1)
}

print("engage-bench: \(samples) samples per figure (logic: batches of 1,000 evaluations); MB = 10^6 bytes")
printTable(results)

/// The results of an earlier run in `path`, for `--only`: a partial run adds its
/// figures to the file (replacing those of the same name) rather than dropping the rest.
func earlierResults(_ path: String) -> [JSON] {
    guard let f = fopen(path, "rb") else { return [] }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return (try? JSONParser.parse(bytes))?["results"]?.arrayValue ?? []
}

if let jsonPath {
    let names = Set(results.map(\.name))
    let kept = only == nil ? [] : earlierResults(jsonPath).filter { !names.contains($0["name"]?.stringValue ?? "") }
    let doc: JSON = .object(JSONObject([
        ("tool", "engage-bench"),
        ("samples", .number(Double(samples))),
        ("results", .array(kept + results.map(\.json))),
    ]))
    let bytes = JSONSerializer.bytes(doc, pretty: true) + [0x0A]
    guard let file = fopen(jsonPath, "wb") else {
        printError("engage-bench: cannot write \(jsonPath)")
        exit(1)
    }
    let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    fclose(file)
    guard written == bytes.count else {
        printError("engage-bench: short write to \(jsonPath)")
        exit(1)
    }
    print("wrote \(jsonPath)")
}

let misses = results.filter { $0.passes == false }.map(\.name)
if !misses.isEmpty { print("targets missed: \(misses.joined(separator: ", "))") }
