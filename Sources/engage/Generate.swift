// `engage generate`: write the telco scenario's event log (EngageScenario's
// ScenarioGenerator) to a file or stdout.
import ArgumentParser
import Engage
import EngageScenario
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded week of a telco's customers as a JSON-lines event log.",
        discussion: """
            Profiles, page views with dwell, app sessions, cart adds, plan changes, account \
            links, support contacts, and the CRM's scheduled outbound runs \
            (examples/telco/README.md). The same seed gives the same bytes.

            Examples:
              engage generate --users 10000 --seed 42 --out week.jsonl
              engage generate --users 100 --days 1 --start 2026-12-01T00:00:00+01:00 \\
                --out day.jsonl
            """
    )

    @Option(help: ArgumentHelp("Users to simulate, 1–\(ScenarioGenerator.maxUsers).", valueName: "n"))
    var users = 10_000

    @Option(help: ArgumentHelp("The random seed, 0–2^53−1.", valueName: "s"))
    var seed: UInt64 = 42

    @Option(
        help: ArgumentHelp(
            """
            The first instant: RFC 3339 (2026-11-02T00:00:00+09:00) or ms since the epoch \
            (default 2026-11-02T00:00:00+09:00, a Monday in Seoul).
            """, valueName: "time"),
        transform: { text in
            guard let ms = parseStart(text) else {
                throw ValidationError("--start takes RFC 3339 (2026-11-02T00:00:00+09:00) or ms since the epoch between 1970 and 2200, got \(text)")
            }
            return ms
        })
    var start: Int64 = 1_793_545_200_000

    @Option(help: ArgumentHelp("The length of the run in days, 1–\(ScenarioGenerator.maxDays).", valueName: "d"))
    var days = 7

    @Option(help: ArgumentHelp("Write here instead of stdout.", valueName: "file"), completion: .file(extensions: ["jsonl"]))
    var out: String?

    func validate() throws {
        guard (1...ScenarioGenerator.maxUsers).contains(users) else {
            throw ValidationError("--users takes a count from 1 to \(ScenarioGenerator.maxUsers), got \(users)")
        }
        // The header stores the seed as a JSON number: keep it exact.
        guard seed < (1 << 53) else { throw ValidationError("--seed takes an integer from 0 to 2^53−1, got \(seed)") }
        guard (1...ScenarioGenerator.maxDays).contains(days) else {
            throw ValidationError("--days takes a number of days from 1 to \(ScenarioGenerator.maxDays), got \(days)")
        }
    }

    func run() throws {
        let output = OutputFile(out)
        let generator = ScenarioGenerator(seed: seed, users: users, start: start, days: days)
        generator.writeChunks(chunkBytes: 1 << 20) { output.append($0) }
        output.finish()
    }
}

/// Milliseconds since the epoch, from digits or RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`,
/// `t`/space accepted for `T`); nil when malformed or outside 1970–2200.
func parseStart(_ text: String) -> Int64? {
    var problem = ""
    guard let ms = parseInstant(text, problem: &problem), (0...7_258_118_400_000).contains(ms) else { return nil }
    return ms
}
