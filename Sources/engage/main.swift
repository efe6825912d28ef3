// The `engage` command-line tool: parse arguments, call Engage, print.
import Engage
import Foundation

let usage = """
    usage: engage <command> [arguments]

    commands:
      logic RULE [DATA] [options]
                          evaluate a JSON Logic rule against DATA (default null);
                          RULE and DATA are JSON text, or - to read one from stdin.
                          Prints the result as JSON; on error prints
                          "<kind>: <message>" to stderr and exits with status 1.
                          options (for the domain operators, docs/targeting.md):
                            --now MS          current time, ms since the epoch
                            --tz ZONE         the user's IANA time zone
                            --user ID         the user id (rollout)
                            --history FILE    JSON array of {"name","time","properties"}
                            --segments FILE   JSON object: segment name -> rule
                            --max-output N    refuse results longer than N bytes
                                              as JSON (default 64 MiB)
      validate FILE       check a campaign set; lists every problem with its path
                          (exit 1), or "ok" and any warnings (exit 0)
      decide --campaigns FILE [--config FILE] [--state FILE] [--now MS] [--compact]
             [REQUEST|-]
                          decide for a request (JSON text, or - for stdin) and
                          print the decision; --state replays a JSON array of
                          records (impressions, dismissals, events) first;
                          --config opens the engine as an engine config describes
                          (docs/engine-config.md): its store (memory or an SQLite
                          file kept between runs), limits and defaults. --now
                          replaces the config's clock
      explain ...         like decide, with every campaign's trace
      explain --campaigns FILE --events LOG --user ID --at TIME [--responses FILE]
              [--config FILE] [--seed N] [--json] [QUESTION]
                          replay the user's log up to TIME (as simulate would), then
                          explain a decision at TIME: every campaign with the step
                          where it dropped out and the values. QUESTION defaults to
                          every placement of the set with the app in the foreground
      generate [--users N] [--seed S] [--start TIME] [--days D] [--out FILE]
                          a seeded week of a telco's customers as a JSON-lines event
                          log (examples/telco/README.md): profiles, page views with
                          dwell, app sessions, cart adds, plan changes, account links,
                          support contacts, and the CRM's scheduled outbound runs
      simulate --campaigns FILE [--responses FILE] [--config FILE] [--seed N]
               [--threads N] [--json FILE|-] [--html FILE] [--log FILE] [--quiet]
               EVENTS
                          replay an event log (engage generate) through a campaign
                          set: per campaign and variant reach, impressions, caps hit,
                          consent and quiet-hours blocks, holdouts, conversions and
                          uplift, channel mix and cost; a table on stdout, JSON,
                          a self-contained HTML report, a JSON-lines log of every
                          message, assignment and response. With --config (and
                          in explain --events) the replay uses the config's limits
                          and default time zone, always in a fresh in-memory store
      bench [--quick] [--only NAME[,NAME...]] [--json FILE]
                          run the benchmark suite (bench/, release build): logic,
                          decide, decide-commit, load, memory, record (bench/README.md);
                          runs engage-bench from $ENGAGE_BENCH, beside this tool, or
                          built from the source tree it is run in
      help                show this text
    """

/// Exit statuses: 0 success, 1 the input was rejected (bad JSON, rule error, a config
/// member that cannot be used), 2 usage (including a file that cannot be read).
enum Exit {
    static func fail(_ message: String, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}

/// The value following option `arg`; a usage error when there is none.
func takeValue(_ rest: inout ArraySlice<String>, for arg: String) -> String {
    guard let v = rest.popFirst() else { Exit.fail("engage: \(arg) needs a value", status: 2) }
    return v
}

/// Results longer than this as JSON text are refused rather than printed: values can
/// share subvalues, so a small result in memory can be enormous as text.
let defaultMaxOutputBytes = 64 << 20

/// The bytes of an argument: the text itself, or stdin for "-".
func argumentBytes(_ arg: String, name: String) -> [UInt8] {
    guard arg == "-" else { return Array(arg.utf8) }
    return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
}

func parseArgument(_ arg: String, name: String) -> JSON {
    do {
        return try JSONParser.parse(argumentBytes(arg, name: name))
    } catch {
        Exit.fail("Invalid JSON: \(name): \(error)")
    }
}

func readFile(_ path: String, what: String) -> JSON {
    guard let data = FileManager.default.contents(atPath: path) else {
        Exit.fail("engage: cannot read \(what) file \(path)", status: 2)
    }
    do {
        return try JSONParser.parse([UInt8](data))
    } catch {
        Exit.fail("Invalid JSON: \(path): \(error)")
    }
}

func runLogic(_ args: ArraySlice<String>) -> Never {
    var positional: [String] = []
    var context = EvaluationContext()
    var options = CompileOptions()
    var maxOutputBytes = defaultMaxOutputBytes
    var rest = args
    while let arg = rest.popFirst() {
        switch arg {
        case "--now":
            let v = takeValue(&rest, for: arg)
            guard let ms = Int64(v), Instant.range.contains(ms) else { Exit.fail("engage: --now takes milliseconds since the epoch from \(Instant.earliest) to \(Instant.latest) (years 0000 to 9999), got \(v)", status: 2) }
            context.now = ms
        case "--max-output":
            let v = takeValue(&rest, for: arg)
            guard let n = Int(v), n > 0 else { Exit.fail("engage: --max-output takes a byte count, got \(v)", status: 2) }
            maxOutputBytes = n
        case "--tz": context.timeZone = takeValue(&rest, for: arg)
        case "--user": context.userID = takeValue(&rest, for: arg)
        case "--history":
            do {
                context.history = try InMemoryHistory(json: readFile(takeValue(&rest, for: arg), what: "history"))
            } catch {
                Exit.fail("\(error.type): \(error.message) (at \(error.path))")
            }
        case "--segments":
            guard case .object(let defs) = readFile(takeValue(&rest, for: arg), what: "segments") else {
                Exit.fail("engage: --segments needs a JSON object of name -> rule", status: 2)
            }
            do {
                options.segments = try SegmentTable(Dictionary(defs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }))
            } catch {
                Exit.fail("\(error.type): \(error.message) (at \(error.path))")
            }
        default:
            if arg.hasPrefix("--") { Exit.fail("engage: unknown option \(arg)", status: 2) }
            positional.append(arg)
        }
    }
    guard positional.count == 1 || positional.count == 2 else {
        Exit.fail("usage: engage logic RULE [DATA] [--now MS] [--tz ZONE] [--user ID] [--history FILE] [--segments FILE]", status: 2)
    }
    if positional.filter({ $0 == "-" }).count > 1 {
        Exit.fail("engage: only one argument can be read from stdin (-)", status: 2)
    }
    let ruleJSON = parseArgument(positional[0], name: "RULE")
    let data = positional.count == 2 ? parseArgument(positional[1], name: "DATA") : .null
    do {
        let rule = try Rule(compiling: ruleJSON, options: options)
        let result = try rule.evaluate(data, context: context)
        guard let text = JSONSerializer.bytes(result, maxBytes: maxOutputBytes) else {
            Exit.fail("Limit Exceeded: the result is longer than \(maxOutputBytes) bytes as JSON")
        }
        print(String(decoding: text, as: UTF8.self))
        exit(0)
    } catch {
        let location = error.path.isEmpty ? "" : " (at \(error.path))"
        Exit.fail("\(error.type): \(error.message)\(location)")
    }
}

func readBytes(_ path: String, what: String) -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    guard let data = FileManager.default.contents(atPath: path) else {
        Exit.fail("engage: cannot read \(what) file \(path)", status: 2)
    }
    return [UInt8](data)
}

func runValidate(_ args: ArraySlice<String>) -> Never {
    guard args.count == 1, let path = args.first else { Exit.fail("usage: engage validate FILE", status: 2) }
    do {
        let set = try CompiledCampaignSet(bytes: readBytes(path, what: "campaign set"))
        print("ok: \(set.campaigns.count) campaigns, \(set.segments.names.count) segments")
        // Warnings do not fail validation: they are likely mistakes, not certain ones.
        if !set.warnings.isEmpty {
            print("warnings:")
            for w in set.warnings { print("  \(w)") }
            if set.warningsTruncated { print("  (more warnings not listed)") }
        }
        exit(0)
    } catch {
        for problem in error.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
        if error.truncated { FileHandle.standardError.write(Data("(more problems not listed)\n".utf8)) }
        exit(1)
    }
}

func runDecide(_ args: ArraySlice<String>, explain: Bool) -> Never {
    var campaigns: String? = nil, statePath: String? = nil, configPath: String? = nil, now: Int64? = nil, compact = false
    var positional: [String] = []
    var rest = args
    while let arg = rest.popFirst() {
        switch arg {
        case "--campaigns": campaigns = takeValue(&rest, for: arg)
        case "--state": statePath = takeValue(&rest, for: arg)
        case "--config": configPath = takeValue(&rest, for: arg)
        case "--compact": compact = true
        case "--now":
            let v = takeValue(&rest, for: arg)
            guard let ms = Int64(v), Instant.range.contains(ms) else { Exit.fail("engage: --now takes milliseconds since the epoch from \(Instant.earliest) to \(Instant.latest) (years 0000 to 9999), got \(v)", status: 2) }
            now = ms
        default:
            if arg.hasPrefix("--") { Exit.fail("engage: unknown option \(arg)", status: 2) }
            positional.append(arg)
        }
    }
    guard let campaigns, positional.count == 1 else {
        Exit.fail("usage: engage \(explain ? "explain" : "decide") --campaigns FILE [--config FILE] [--state FILE] [--now MS] REQUEST|-", status: 2)
    }
    var config = readConfig(configPath)
    if let now { config.fixedClock = now }
    let engine = openEngine(config, path: configPath)
    do {
        try engine.load(bytes: readBytes(campaigns, what: "campaign set"))
    } catch {
        for problem in error.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
        exit(1)
    }
    if let statePath {
        guard case .array(let records) = readFile(statePath, what: "state") else {
            Exit.fail("engage: --state needs a JSON array of records", status: 2)
        }
        for (i, r) in records.enumerated() {
            do {
                try engine.record(json: r)
            } catch {
                Exit.fail("Invalid Record: state[\(i)]\(error.path.isEmpty ? "" : ".\(error.path)"): \(error.message)")
            }
        }
    }
    let text = positional[0] == "-" ? [UInt8](FileHandle.standardInput.readDataToEndOfFile()) : Array(positional[0].utf8)
    do {
        let json = try JSONParser.parse(text, limits: engine.requestLimits)
        var request = try DecisionRequest(json: json)
        if explain { request.explain = true }
        let decision = try engine.decide(request)
        print(JSONSerializer.string(decision.json, pretty: !compact))
        // Failed closed: still a decision (status 0, as ENGAGE_OK from C), said on stderr.
        if let why = decision.storeUnavailable {
            FileHandle.standardError.write(Data("engage: the store is unavailable; the decision failed closed: \(why)\n".utf8))
        }
        exit(0)
    } catch let error as JSONParseError {
        Exit.fail("Invalid JSON: REQUEST: \(error)")
    } catch let error as DecisionError {
        Exit.fail("Invalid Request: \(error)")
    } catch {
        Exit.fail("engage: \(error)")
    }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "logic"?:
    runLogic(arguments.dropFirst())
case "validate"?:
    runValidate(arguments.dropFirst())
case "decide"?:
    runDecide(arguments.dropFirst(), explain: false)
case "explain"?:
    if arguments.contains("--events") {
        runScenarioExplain(arguments.dropFirst())
    }
    runDecide(arguments.dropFirst(), explain: true)
case "simulate"?:
    runSimulate(arguments.dropFirst())
case "generate"?:
    runGenerate(arguments.dropFirst())
case "bench"?: runBench(arguments.dropFirst())
case "help"?, "-h"?, "--help"?:
    print(usage)
case let other?:
    Exit.fail("engage: unknown command \"\(other)\"\n\(usage)", status: 2)
case nil:
    Exit.fail(usage, status: 2)
}
