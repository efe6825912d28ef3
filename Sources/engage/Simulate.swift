// `engage simulate` and `engage explain --events`: the scenario commands.
import Engage
import EngageScenario
import Foundation
import Synchronization

let simulateUsage = """
    usage: engage simulate --campaigns FILE [--responses FILE] [--config FILE] [--seed N]
                           [--threads N] [--json FILE|-] [--html FILE] [--log FILE] [--quiet] EVENTS
    """

let scenarioExplainUsage = """
    usage: engage explain --campaigns FILE --events LOG --user ID --at TIME
                          [--responses FILE] [--config FILE] [--seed N] [--json] [QUESTION]
    """

/// Options shared by simulate and explain --events.
struct ScenarioOptions {
    var campaigns: String? = nil
    var responses: String? = nil
    var config: String? = nil
    var seed: UInt64 = 42

    /// Takes `arg` when it is one of these options; false otherwise.
    mutating func take(_ arg: String, _ rest: inout ArraySlice<String>) -> Bool {
        switch arg {
        case "--campaigns": campaigns = takeValue(&rest, for: arg)
        case "--responses": responses = takeValue(&rest, for: arg)
        case "--config": config = takeValue(&rest, for: arg)
        case "--seed": seed = parseSeed(takeValue(&rest, for: arg))
        default: return false
        }
        return true
    }
}

func loadSimulation(_ o: ScenarioOptions, events: String) -> Simulation {
    guard let campaigns = o.campaigns else { Exit.fail("engage: --campaigns FILE is required", status: 2) }
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

func parseSeed(_ v: String) -> UInt64 {
    guard let s = UInt64(v) else { Exit.fail("engage: --seed takes a non-negative integer, got \(v)", status: 2) }
    return s
}

func writeText(_ text: String, to path: String) {
    if path == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
        return
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
        Exit.fail("engage: cannot write \(path)")
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


func runSimulate(_ args: ArraySlice<String>) -> Never {
    var options = ScenarioOptions()
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var jsonOut: String? = nil, htmlOut: String? = nil, logOut: String? = nil, quiet = false
    var positional: [String] = []
    var rest = args
    while let arg = rest.popFirst() {
        if options.take(arg, &rest) { continue }
        switch arg {
        case "--threads":
            let v = takeValue(&rest, for: arg)
            guard let n = Int(v), (1...64).contains(n) else { Exit.fail("engage: --threads takes 1…64, got \(v)", status: 2) }
            threads = n
        case "--json": jsonOut = takeValue(&rest, for: arg)
        case "--html": htmlOut = takeValue(&rest, for: arg)
        case "--log": logOut = takeValue(&rest, for: arg)
        case "--quiet": quiet = true
        default:
            if arg.hasPrefix("--") { Exit.fail("engage: unknown option \(arg)\n\(simulateUsage)", status: 2) }
            positional.append(arg)
        }
    }
    guard positional.count == 1, options.campaigns != nil else { Exit.fail(simulateUsage, status: 2) }
    let started = ContinuousClock.now
    let simulation = loadSimulation(options, events: positional[0])
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
        ("campaigns", .string(options.campaigns ?? "")), ("events", .string(positional[0])),
        ("responses", options.responses.map { .string($0) } ?? .null), ("seed", .number(Double(options.seed))),
    ])
    if let logOut { writeText(result.log.joined(separator: "\n") + (result.log.isEmpty ? "" : "\n"), to: logOut) }
    if let jsonOut { writeText(JSONSerializer.string(report, pretty: true) + "\n", to: jsonOut) }
    if let htmlOut { writeText(ReportHTML.render(report), to: htmlOut) }
    if jsonOut != "-" {
        var table = ReportTable.render(report)
        let events = simulation.lineCountForProgress
        table += "\nreplayed \(ReportTable.count(events)) lines (\(ReportTable.count(result.decisions)) decisions) in "
        table += "\(fixed(replaySeconds, 2)) s on \(threads) thread\(threads == 1 ? "" : "s"): "
        table += "\(ReportTable.count(Int(Double(events) / max(replaySeconds, 1e-9)))) events/s, "
        table += "\(ReportTable.count(Int(Double(result.decisions) / max(replaySeconds, 1e-9)))) decisions/s; "
        table += "\(fixed(totalSeconds, 2)) s with reading the log\n"
        if let htmlOut { table += "HTML report: \(htmlOut)\n" }
        FileHandle.standardOutput.write(Data(table.utf8))
    }
    exit(0)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

func fixed(_ x: Double, _ places: Int) -> String {
    String(format: "%.\(places)f", x)
}

/// `engage explain --events LOG --user ID --at TIME`: why did (or didn't) this customer
/// see each campaign at that moment, with the state the simulation had built by then.
func runScenarioExplain(_ args: ArraySlice<String>) -> Never {
    var options = ScenarioOptions()
    var events: String? = nil, user: String? = nil, at: Int64? = nil, json = false
    var positional: [String] = []
    var rest = args
    while let arg = rest.popFirst() {
        if options.take(arg, &rest) { continue }
        switch arg {
        case "--events": events = takeValue(&rest, for: arg)
        case "--user": user = takeValue(&rest, for: arg)
        case "--json": json = true
        case "--at":
            let v = takeValue(&rest, for: arg)
            var problem = ""
            guard let t = parseInstant(v, problem: &problem) else { Exit.fail("engage: --at: \(problem)", status: 2) }
            at = t
        default:
            if arg.hasPrefix("--") { Exit.fail("engage: unknown option \(arg)\n\(scenarioExplainUsage)", status: 2) }
            positional.append(arg)
        }
    }
    guard let events, let user, let at, positional.count <= 1, options.campaigns != nil else {
        Exit.fail(scenarioExplainUsage, status: 2)
    }
    let simulation = loadSimulation(options, events: events)
    var question: JSON
    if let text = positional.first {
        question = parseArgument(text, name: "QUESTION")
    } else {
        // Every placement of the set, with the app in the foreground: everything that
        // could have been shown.
        question = .object(JSONObject([
            ("placements", .array(simulation.placementNames.map { .string($0) })),
            ("app", .object(JSONObject([("foreground", .bool(true))]))),
        ]))
    }
    let decision: Decision
    do {
        decision = try simulation.explain(userID: user, at: at, question: question).decision
    } catch {
        Exit.fail("engage: \(error)")
    }
    if json {
        print(JSONSerializer.string(decision.json, pretty: true))
        exit(0)
    }
    print(ReportTable.explanation(decision, question: question))
    exit(0)
}
