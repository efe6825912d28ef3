// `engage logic`: evaluate a JSON Logic rule (with the domain operators) against data.
import ArgumentParser
import Engage
import Foundation

struct Logic: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a JSON Logic rule against DATA (default null) and print the result as JSON.",
        discussion: """
            RULE and DATA are JSON text, - to read one of them from standard input, or \
            @FILE. On an error, prints "<kind>: <message>" to stderr and exits with \
            status 1. The options feed the domain operators (docs/targeting.md). An \
            argument that starts with - (a negative number) goes after --: \
            engage logic '{"var": ""}' -- -5.

            Examples:
              engage logic '{"==": [1, 1]}'                           # true
              engage logic '{"var": "plan"}' '{"plan": "mobile_m"}'   # "mobile_m"
              echo '{"plan": "5G-S"}' | engage logic '{"var": "plan"}' -   # "5G-S"
              engage logic @examples/logic/plan-change-nudge.json \\
                @examples/logic/users/ana.json                        # true
              engage logic '{"local_time": []}' --now 1795176000000 \\
                --tz Asia/Seoul                                       # "21:00"
            """
    )

    @Argument(help: "The rule: JSON text, - (stdin) or @FILE.")
    var rule: JSONArgument

    @Argument(help: "The data the rule reads: JSON text, - (stdin) or @FILE (default null).")
    var data: JSONArgument?

    @Option(help: ArgumentHelp("The current time, ms since the epoch.", valueName: "ms"))
    var now: Milliseconds?

    @Option(help: ArgumentHelp("The user's IANA time zone (local_time, day_of_week).", valueName: "zone"))
    var tz: String?

    @Option(help: ArgumentHelp("The user id (rollout).", valueName: "id"))
    var user: String?

    @Option(
        help: ArgumentHelp(
            "A JSON array of {\"name\",\"time\",\"properties\"} events (behaviour operators).",
            valueName: "file"),
        completion: .file())
    var history: String?

    @Option(help: ArgumentHelp("A JSON object: segment name -> rule.", valueName: "file"), completion: .file())
    var segments: String?

    @Option(help: ArgumentHelp("Refuse results longer than this many bytes as JSON.", valueName: "bytes"))
    var maxOutput: Int = 64 << 20

    func validate() throws {
        try checkOneStandardInput(files: [history, segments], arguments: [rule, data])
        guard maxOutput > 0 else { throw ValidationError("--max-output takes a positive byte count, got \(maxOutput)") }
    }

    func run() throws {
        var context = EvaluationContext()
        var options = CompileOptions()
        if let now { context.now = now.value }
        context.timeZone = tz
        context.userID = user
        if let history {
            do {
                context.history = try InMemoryHistory(json: readFile(history, what: "history"))
            } catch {
                Exit.fail("\(error.type): \(error.message) (at \(error.path))")
            }
        }
        if let segments {
            guard case .object(let defs) = readFile(segments, what: "segments") else {
                Exit.fail("engage: --segments \(segments): needs a JSON object of name -> rule")
            }
            do {
                options.segments = try SegmentTable(Dictionary(defs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }))
            } catch {
                Exit.fail("\(error.type): \(error.message) (at \(error.path))")
            }
        }
        let ruleJSON = rule.json(name: "RULE")
        let dataJSON = data?.json(name: "DATA") ?? .null
        do {
            let compiled = try Rule(compiling: ruleJSON, options: options)
            let result = try compiled.evaluate(dataJSON, context: context)
            guard let text = JSONSerializer.bytes(result, maxBytes: maxOutput) else {
                Exit.fail("Limit Exceeded: the result is longer than \(maxOutput) bytes as JSON")
            }
            print(String(decoding: text, as: UTF8.self))
        } catch {
            let location = error.path.isEmpty ? "" : " (at \(error.path))"
            Exit.fail("\(error.type): \(error.message)\(location)")
        }
    }
}
