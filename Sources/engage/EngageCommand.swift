// The `engage` command-line tool: parse arguments (swift-argument-parser), call Engage,
// print. One file per command; what they read and write is in Input.swift.
import ArgumentParser
import CEngageHeader

@main
struct EngageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engage",
        abstract: "libengage's command-line tool: check campaign sets, decide, explain, replay a scenario.",
        discussion: """
            JSON arguments (RULE, DATA, REQUEST, QUESTION) are JSON text, - to read \
            standard input, or @FILE to read a file. Times in explanations are local \
            ISO 8601 in the user's time zone.

            Exit status: 0 success; 1 the input was rejected (invalid JSON, a campaign set \
            or rule error, a config member that cannot be used); 2 a file cannot be read \
            or written (the message names the path and the system's reason); 64 the \
            command line is wrong.

            Shell completion: engage --generate-completion-script bash (or zsh, fish).

            Examples:
              engage validate examples/campaigns/telco-full.json
              engage decide --campaigns examples/campaigns/telco-full.json \\
                @examples/requests/plan-page-view.json
              engage help decide
            """,
        version: "engage \(ENGAGE_VERSION) (libengage)",
        subcommands: [
            Validate.self, Decide.self, Explain.self, Logic.self, Generate.self, Simulate.self, Bench.self,
        ]
    )
}
