// `engage explain`: a decision with every campaign's trace — for a request (as decide
// does), or for a user of an event log replayed up to a moment (--events).
import ArgumentParser
import Engage
import EngageScenario
import Foundation

struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explain a decision: every campaign with the step where it dropped out and the values.",
        usage: """
            engage explain --campaigns <file> [--config <file>] [--state <file>]
                           [--now <ms>] [--compact] <request>
            engage explain --campaigns <file> --events <log> --user <id>
                           --at <time> [--responses <file>] [--config <file>]
                           [--seed <n>] [--json] [<question>]
            """,
        discussion: """
            With a REQUEST (JSON text, - or @FILE): decides as `engage decide` does, with \
            the explanation, and prints the decision as JSON.

            With --events: replays the user's log up to --at as `engage simulate` would \
            (a fresh in-memory store; the config's limits and time zone), then explains \
            a decision at that moment as a table (--json: the decision). QUESTION \
            defaults to every placement of the set with the app in the foreground.

            Times in the explanation (a schedule's start or end, a dismissal) are local \
            ISO 8601 in the user's time zone, e.g. "starts at 2026-12-01T09:00:00+09:00".

            Examples:
              engage explain --campaigns examples/campaigns/telco-full.json \\
                @examples/requests/explain-agent-handoff.json
              engage generate --users 1000 --out week.jsonl
              engage explain --campaigns examples/telco/campaigns.json \\
                --events week.jsonl --user u000017 --at 2026-11-07T08:33:49+09:00 \\
                '{"placements": ["outbound"]}'
            """
    )

    @OptionGroup var options: DecisionOptions

    @Option(
        help: ArgumentHelp("An event log (engage generate) to replay up to --at.", valueName: "log"),
        completion: .file(extensions: ["jsonl"]))
    var events: String?

    @Option(help: ArgumentHelp("With --events: the user to explain.", valueName: "id"))
    var user: String?

    @Option(
        help: ArgumentHelp("With --events: the moment, RFC 3339 or ms since the epoch.", valueName: "time"),
        transform: { text in
            var problem = ""
            guard let ms = parseInstant(text, problem: &problem) else { throw ValidationError("--at: \(problem)") }
            return ms
        })
    var at: Int64?

    @Option(
        help: ArgumentHelp("With --events: the response model (examples/telco/responses.json).", valueName: "file"),
        completion: .file(extensions: ["json"]))
    var responses: String?

    @Option(help: ArgumentHelp("With --events: the replay's random seed (default 42).", valueName: "n"))
    var seed: UInt64?

    @Flag(help: "With --events: print the decision as JSON instead of a table.")
    var json = false

    @Argument(
        help: ArgumentHelp(
            "The request (or with --events, the question): JSON text, - (stdin) or @FILE.",
            valueName: "request"))
    var request: JSONArgument?

    func validate() throws {
        if events == nil {
            for (set, name) in [
                (user != nil, "--user"), (at != nil, "--at"), (responses != nil, "--responses"),
                (seed != nil, "--seed"), (json, "--json"),
            ] where set {
                throw ValidationError("\(name) needs --events (explain a replayed user); without it, explain decides for a REQUEST")
            }
            guard request != nil else { throw ValidationError("Missing expected argument '<request>' (or --events LOG --user ID --at TIME)") }
        } else {
            for (set, name) in [(options.state != nil, "--state"), (options.now != nil, "--now"), (options.compact, "--compact")] where set {
                throw ValidationError("\(name) cannot be used with --events (the replay builds the state; --at is the time)")
            }
            guard user != nil else { throw ValidationError("--events needs --user ID") }
            guard at != nil else { throw ValidationError("--events needs --at TIME") }
        }
        try checkOneStandardInput(
            files: [options.campaigns, options.config, options.state, events, responses],
            arguments: [request])
    }

    func run() throws {
        guard let events, let user, let at else {
            guard let request else { throw ValidationError("Missing expected argument '<request>'") }
            decide(options, request: request, explain: true)
        }
        let scenario = ScenarioOptions(
            campaigns: options.campaigns, responses: responses, config: options.config,
            seed: seed ?? ScenarioOptions.defaultSeed)
        let simulation = loadSimulation(scenario, events: events)
        let question: JSON
        if let request {
            question = request.json(name: "QUESTION")
        } else {
            // Every placement of the set, with the app in the foreground: everything that
            // could have been shown.
            question = .object(
                JSONObject([
                    ("placements", .array(simulation.placementNames.map { .string($0) })),
                    ("app", .object(JSONObject([("foreground", .bool(true))]))),
                ]))
        }
        let explained: (decision: Decision, profile: JSONObject?, timeZone: String)
        do {
            explained = try simulation.explain(userID: user, at: at, question: question)
        } catch {
            Exit.fail("engage: \(error)")
        }
        if json {
            print(JSONSerializer.string(explained.decision.json, pretty: true))
        } else {
            print(ReportTable.explanation(explained.decision, question: question, timeZone: explained.timeZone))
        }
    }
}
