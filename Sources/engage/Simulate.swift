// `engage simulate` (and what `engage explain --events` shares with it): replay an event
// log through a campaign set and report.
import ArgumentParser
import Engage
import EngageScenario
import Foundation
import Synchronization

/// What simulate and explain --events replay: the campaign set, the response model, the
/// engine config (limits and time zone only) and the seed.
struct ScenarioOptions {
    static let defaultSeed: UInt64 = 42

    var campaigns: String
    var responses: String?
    var config: String?
    var seed: UInt64
}

func loadSimulation(_ o: ScenarioOptions, events: String) -> Simulation {
    let campaigns = o.campaigns
    let config = readConfig(o.config)
    if let path = o.config, let store = config.store, store != .memory {
        FileHandle.standardError.write(Data("engage: \(path): the replay is into a fresh in-memory store; the \(store.name) store is not opened\n".utf8))
    }
    let setBytes = readBytes(campaigns, what: "campaign set")
    var model = ResponseModel.none
    if let path = o.responses {
        do {
            model = try ResponseModel(json: readFile(path, what: "responses"))
        } catch {
            Exit.fail("\(path): \(error)")
        }
    }
    let lines: [LogLine]
    do {
        lines = try EventLog.parse(readBytes(events, what: "events"))
    } catch {
        Exit.fail("\(events): \(error)")
    }
    do {
        return try Simulation(campaigns: setBytes, lines: lines, responses: model, seed: o.seed, config: config)
    } catch {
        Exit.fail("\(campaigns): \(error)")
    }
}

/// A progress bar on a terminal, a plain line per tenth otherwise.
final class Progress: Sendable {
    let total: Int
    let tty: Bool
    let quiet: Bool
    private let shown = Mutex(-1)

    init(total: Int, quiet: Bool) {
        self.total = max(1, total)
        self.tty = isatty(2) != 0
        self.quiet = quiet
    }

    func update(_ done: Int) {
        guard !quiet else { return }
        let percent = min(100, done * 100 / total)
        let step = tty ? percent : percent / 10 * 10
        let changed = shown.withLock { last -> Bool in
            guard step > last, tty || step > 0 else { return false }
            last = step
            return true
        }
        guard changed else { return }
        if tty {
            let width = 30
            let filled = width * percent / 100
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            FileHandle.standardError.write(Data("\rsimulating [\(bar)] \(percent)% of \(ReportTable.count(total)) lines".utf8))
            if percent == 100 { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            FileHandle.standardError.write(Data("simulate: \(step)% (\(ReportTable.count(min(done, total))) of \(ReportTable.count(total)) lines)\n".utf8))
        }
    }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay an event log (engage generate) through a campaign set and report.",
        discussion: """
            Per campaign and variant: reach, impressions, caps hit, consent and quiet-hours \
            blocks, holdouts, conversions and uplift; the channel mix and its cost (shown \
            with the precision the channel costs have). A table on stdout; --json, --html \
            and --log write the report, a self-contained HTML page and a JSON-lines log of \
            every message, assignment and response. With --config the replay uses the \
            config's limits and default time zone, always in a fresh in-memory store. \
            Progress goes to stderr (a bar on a terminal; --quiet: none).

            Examples:
              engage generate --users 1000 --seed 42 --out week.jsonl
              engage simulate --campaigns examples/telco/campaigns.json \\
                --responses examples/telco/responses.json --html report.html week.jsonl
              engage simulate --campaigns examples/telco/campaigns.json --quiet \\
                --json - week.jsonl > report.json
            """
    )

    @Option(help: ArgumentHelp("The campaign set (JSON).", valueName: "file"), completion: .file(extensions: ["json"]))
    var campaigns: String

    @Option(
        help: ArgumentHelp(
            "The response model: who clicks, converts, dismisses (examples/telco/responses.json).",
            valueName: "file"),
        completion: .file(extensions: ["json"]))
    var responses: String?

    @Option(
        help: ArgumentHelp(
            "An engine config: its limits and default time zone (docs/engine-config.md).",
            valueName: "file"),
        completion: .file(extensions: ["json"]))
    var config: String?

    @Option(help: ArgumentHelp("The random seed of the responses.", valueName: "n"))
    var seed: UInt64 = ScenarioOptions.defaultSeed

    @Option(help: ArgumentHelp("Threads replaying users, 1…64 (default: one per processor).", valueName: "n"))
    var threads: Int?

    @Option(
        help: ArgumentHelp("Write the report as JSON here (- for stdout, instead of the table).", valueName: "file"),
        completion: .file(extensions: ["json"]))
    var json: String?

    @Option(
        help: ArgumentHelp("Write the report as a self-contained HTML page here.", valueName: "file"),
        completion: .file(extensions: ["html"]))
    var html: String?

    @Option(
        help: ArgumentHelp("Write every message, assignment and response here, as JSON lines.", valueName: "file"),
        completion: .file(extensions: ["jsonl"]))
    var log: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Argument(
        help: ArgumentHelp("The event log (engage generate), or - for stdin.", valueName: "events"),
        completion: .file(extensions: ["jsonl"]))
    var events: String

    func validate() throws {
        if let threads, !(1...64).contains(threads) { throw ValidationError("--threads takes 1…64, got \(threads)") }
        try checkOneStandardInput(files: [campaigns, responses, config, events])
    }

    func run() throws {
        let threads = self.threads ?? ProcessInfo.processInfo.activeProcessorCount
        let options = ScenarioOptions(campaigns: campaigns, responses: responses, config: config, seed: seed)
        let jsonOut = json, htmlOut = html, logOut = log
        let started = ContinuousClock.now
        let simulation = loadSimulation(options, events: events)
        let loaded = ContinuousClock.now
        let progress = Progress(total: simulation.lineCountForProgress, quiet: quiet)
        let result: SimulationResult
        do {
            result = try simulation.run(threads: threads, log: logOut != nil, progress: { progress.update($0) })
        } catch {
            Exit.fail("engage: \(error)")
        }
        let finished = ContinuousClock.now
        let replaySeconds = seconds(finished - loaded)
        let totalSeconds = seconds(finished - started)
        let report = result.report(inputs: [
            ("campaigns", .string(options.campaigns)), ("events", .string(events)),
            ("responses", options.responses.map { .string($0) } ?? .null), ("seed", .number(Double(options.seed))),
        ])
        if let logOut { writeText(result.log.joined(separator: "\n") + (result.log.isEmpty ? "" : "\n"), to: logOut) }
        if let jsonOut { writeText(JSONSerializer.string(report, pretty: true) + "\n", to: jsonOut) }
        if let htmlOut { writeText(ReportHTML.render(report), to: htmlOut) }
        if jsonOut != "-" {
            var table = ReportTable.render(report)
            let lines = simulation.lineCountForProgress
            table += "\nreplayed \(ReportTable.count(lines)) lines (\(ReportTable.count(result.decisions)) decisions) in "
            table += "\(fixed(replaySeconds, 2)) s on \(threads) thread\(threads == 1 ? "" : "s"): "
            table += "\(ReportTable.count(Int(Double(lines) / max(replaySeconds, 1e-9)))) events/s, "
            table += "\(ReportTable.count(Int(Double(result.decisions) / max(replaySeconds, 1e-9)))) decisions/s; "
            table += "\(fixed(totalSeconds, 2)) s with reading the log\n"
            if let htmlOut { table += "HTML report: \(htmlOut)\n" }
            FileHandle.standardOutput.write(Data(table.utf8))
        }
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fixed(_ x: Double, _ places: Int) -> String {
    String(format: "%.\(places)f", x)
}
