// engage-bench: libengage's benchmarks (release build; run through `make bench` or
// `engage bench`).
//
//   engage-bench [--json PATH] [--quick] [--only NAME[,NAME...]]
//
// Workloads (issue 8): logic, decide, decide-commit, load, memory, record; also json
// (parse and serialize) and store (record plus the SQLite store's decisions and file
// size, then store-commit: decisions with commit on memory, SQLite and a Redis it starts). Medians over repeated samples on a monotonic clock, with min/max/p99; a table
// on stdout and the same figures as JSON in PATH.
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

/// Every workload `--only` accepts, in the order a full run runs them.
let workloads = [
    "json", "logic", "decide", "decide-history", "memory", "memory-history", "decide-commit", "load", "reject",
    "record", "store", "store-commit",
]
let usage =
    "usage: engage-bench [--json PATH] [--quick] [--only NAME[,NAME...]]\n"
    + "  NAME: " + workloads.joined(separator: ", ")
    + " (record: the store's records/s only; store-commit: decisions with commit on memory, SQLite and Redis only; store: all of it)"

var jsonPath: String? = nil
var quick = false
var only: Set<String>? = nil
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--json": jsonPath = args.popFirst()
    case "--quick": quick = true
    case "--only":
        guard let list = args.popFirst() else {
            printError("engage-bench: --only needs a name\n" + usage)
            exit(2)
        }
        let names = list.split(separator: ",").map { String($0).trimmingSpaces }
        if let unknown = names.first(where: { !workloads.contains($0) }) {
            printError("engage-bench: unknown workload \(unknown)\n" + usage)
            exit(2)
        }
        only = (only ?? []).union(names)
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        printError("engage-bench: unknown argument \(arg)\n" + usage)
        exit(2)
    }
}

@MainActor func selected(_ name: String) -> Bool { only?.contains(name) ?? true }

#if DEBUG
print("warning: this is a debug build; figures are meaningless (use `make bench`)")
#endif

let samples = quick ? 7 : 31
let sampleNanoseconds = quick ? 5e6 : 2e7
let started = ContinuousClock.now
var results: [BenchResult] = []
do {
    if selected("json") {
        results += try JSONBench.run(samples: samples, sampleNanoseconds: sampleNanoseconds)
    }
    if selected("logic") {
        results += try LogicBench.run(batches: quick ? 51 : 501)
    }
    if selected("decide") {
        results += try EngineBench.run(rounds: quick ? 5 : 21)
    }
    if selected("decide-history") {
        results += try HistoryBench.run(rounds: quick ? 3 : 11, users: quick ? 100 : 300)
    }
    // Before decide-commit and load: what they free could otherwise hide these users.
    if selected("memory") {
        results += try EngineBench.memory(users: quick ? 5_000 : 100_000)
    }
    if selected("memory-history") {
        results += try HistoryBench.memory(users: quick ? 2_000 : 20_000)
    }
    if selected("decide-commit") {
        results += try DecideCommitBench.run(users: quick ? 2_000 : 10_000, passes: quick ? 2 : 3)
    }
    if selected("load") {
        results += try LoadBench.run(campaigns: 10_000, loads: quick ? 3 : 5)
    }
    if selected("reject") {
        results += try RejectBench.run(loads: quick ? 3 : 5)
    }
    if selected("store") {
        results += try StoreBench.run(quick: quick)
    } else if selected("record") {
        results += try StoreBench.run(quick: quick, recordsOnly: true)
    }
    if selected("store") || selected("store-commit") {
        results += try StoreCommitBench.run(quick: quick)
    }
} catch {
    printError("engage-bench: \(error)")
    exit(1)
}

print(
    "engage-bench: \(format(((ContinuousClock.now - started).nanoseconds / 1e8).rounded() / 10)) s; json: \(samples) samples per figure; "
        + "logic: batches of 1,000 evaluations; decide, decide-commit: each decision timed alone; MB = 10^6 bytes")
printTable(results)

/// The results of an earlier run in `path`, for `--only`: a partial run adds its
/// figures to the file (replacing those of the same name) rather than dropping the rest.
func earlierResults(_ path: String) -> [JSON] {
    guard let bytes = readFileBytes(path) else { return [] }
    return (try? JSONParser.parse(bytes))?["results"]?.arrayValue ?? []
}

if let jsonPath {
    let names = Set(results.map(\.name))
    let kept = only == nil ? [] : earlierResults(jsonPath).filter { !names.contains($0["name"]?.stringValue ?? "") }
    let doc: JSON = .object(
        JSONObject([
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
let met = results.filter { $0.passes == true }.count
print("targets: \(met) met, \(misses.count) missed" + (misses.isEmpty ? "" : ": " + misses.joined(separator: "; ")))

extension String {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}
