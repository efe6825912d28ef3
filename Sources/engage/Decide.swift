// `engage decide` and `engage explain`: one decision for a request, with the campaign
// set, an optional engine config and a replayed state.
import ArgumentParser
import Engage
import Foundation

/// The options of a decision from the command line (decide, and explain without --events).
struct DecisionOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The campaign set (JSON; - for stdin).", valueName: "file"),
        completion: .file(extensions: ["json"]))
    var campaigns: String

    @Option(
        help: ArgumentHelp(
            """
            An engine config (docs/engine-config.md): its store (memory, an SQLite file kept \
            between runs, Redis), limits and defaults.
            """, valueName: "file"), completion: .file(extensions: ["json"]))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "A JSON array of records (impressions, dismissals, events) replayed first.",
            valueName: "file"),
        completion: .file(extensions: ["json"]))
    var state: String?

    @Option(
        help: ArgumentHelp(
            "The decision's time, ms since the epoch (replaces the config's clock).",
            valueName: "ms"))
    var now: Milliseconds?

    @Flag(help: "Print the decision on one line.")
    var compact = false
}

/// Decides for `request` as `options` say and prints the decision as JSON.
func decide(_ options: DecisionOptions, request: JSONArgument, explain: Bool) -> Never {
    var config = readConfig(options.config)
    if let now = options.now { config.fixedClock = now.value }
    let engine = openEngine(config, path: options.config)
    do {
        try engine.load(bytes: readBytes(options.campaigns, what: "campaign set"))
    } catch {
        for problem in error.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
        exit(1)
    }
    if let statePath = options.state {
        guard case .array(let records) = readFile(statePath, what: "state") else {
            Exit.fail("engage: --state \(statePath): needs a JSON array of records")
        }
        for (i, r) in records.enumerated() {
            do {
                try engine.record(json: r)
            } catch {
                Exit.fail("Invalid Record: state[\(i)]\(error.path.isEmpty ? "" : ".\(error.path)"): \(error.message)")
            }
        }
    }
    let json = request.json(name: "REQUEST", limits: engine.requestLimits)
    do {
        var parsed = try DecisionRequest(json: json)
        if explain { parsed.explain = true }
        let decision = try engine.decide(parsed)
        print(JSONSerializer.string(decision.json, pretty: !options.compact))
        // Failed closed: still a decision (status 0, as ENGAGE_OK from C), said on stderr.
        if let why = decision.storeUnavailable {
            FileHandle.standardError.write(Data("engage: the store is unavailable; the decision failed closed: \(why)\n".utf8))
        }
        exit(0)
    } catch {
        Exit.fail("Invalid Request: \(error)")
    }
}

struct Decide: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide for a request and print the decision as JSON.",
        discussion: """
            REQUEST is JSON text, - for standard input, or @FILE (docs/decisions.md). \
            Without --config the state is in memory and forgotten when the command ends; \
            an SQLite config keeps it between runs. A decision the store could not serve \
            fails closed: no message, exit 0, the reason on stderr.

            Examples:
              engage decide --campaigns examples/campaigns/telco-full.json \\
                @examples/requests/plan-page-view.json
              engage decide --campaigns examples/campaigns/telco-full.json --compact \\
                --now 1795150000000 '{"user_id": "u1", "placements": ["app_home_banner"]}'
              engage decide --campaigns examples/campaigns/telco-full.json \\
                --config examples/config/memory.json \\
                - < examples/requests/home-screen-slate.json
            """
    )

    @OptionGroup var options: DecisionOptions

    @Argument(help: ArgumentHelp("The request: JSON text, - (stdin) or @FILE.", valueName: "request"))
    var request: JSONArgument

    func validate() throws {
        try checkOneStandardInput(files: [options.campaigns, options.config, options.state], arguments: [request])
    }

    func run() throws {
        decide(options, request: request, explain: false)
    }
}
