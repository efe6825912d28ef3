// The `engage` command-line tool: parse arguments, call Engage, print.
import Engage
import Foundation

let usage = """
    usage: engage <command> [arguments]

    commands:
      logic RULE [DATA]   evaluate a JSON Logic rule against DATA (default null);
                          each argument is JSON text, or - to read it from stdin.
                          Prints the result as JSON; on error prints
                          "<kind>: <message>" to stderr and exits with status 1.
      help                show this text
    """

/// Exit statuses: 0 success, 1 the input was rejected (bad JSON, rule error), 2 usage.
enum Exit {
    static func fail(_ message: String, status: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(status)
    }
}

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

func runLogic(_ args: ArraySlice<String>) -> Never {
    guard args.count == 1 || args.count == 2 else {
        Exit.fail("usage: engage logic RULE [DATA]", status: 2)
    }
    if args.filter({ $0 == "-" }).count > 1 {
        Exit.fail("engage: only one argument can be read from stdin (-)", status: 2)
    }
    let ruleJSON = parseArgument(args[args.startIndex], name: "RULE")
    let data = args.count == 2 ? parseArgument(args[args.startIndex + 1], name: "DATA") : .null
    do {
        let rule = try Rule(compiling: ruleJSON)
        let result = try rule.evaluate(data)
        print(JSONSerializer.string(result))
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
