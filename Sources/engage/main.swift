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
      help                show this text
    """

/// Exit statuses: 0 success, 1 the input was rejected (bad JSON, rule error), 2 usage.
enum Exit {
    static func fail(_ message: String, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
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
        func value() -> String {
            guard let v = rest.popFirst() else { Exit.fail("engage: \(arg) needs a value", status: 2) }
            return v
        }
        switch arg {
        case "--now":
            let v = value()
            guard let ms = Int64(v) else { Exit.fail("engage: --now takes milliseconds since the epoch, got \(v)", status: 2) }
            context.now = ms
        case "--max-output":
            let v = value()
            guard let n = Int(v), n > 0 else { Exit.fail("engage: --max-output takes a byte count, got \(v)", status: 2) }
            maxOutputBytes = n
        case "--tz": context.timeZone = value()
        case "--user": context.userID = value()
        case "--history":
            do {
                context.history = try InMemoryHistory(json: readFile(value(), what: "history"))
            } catch {
                Exit.fail("\(error.type): \(error.message) (at \(error.path))")
            }
        case "--segments":
            guard case .object(let defs) = readFile(value(), what: "segments") else {
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

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "logic"?:
    runLogic(arguments.dropFirst())
case "help"?, "-h"?, "--help"?:
    print(usage)
case let other?:
    Exit.fail("engage: unknown command \"\(other)\"\n\(usage)", status: 2)
case nil:
    Exit.fail(usage, status: 2)
}
