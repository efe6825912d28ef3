// `engage generate`: write the telco scenario's event log (EngageScenario's
// ScenarioGenerator) to a file or stdout.
import Engage
import EngageScenario
import Foundation

let generateUsage = """
    usage: engage generate [--users N] [--seed S] [--start TIME] [--days D] [--out FILE]
      --users N     users to simulate, 1–\(ScenarioGenerator.maxUsers) (default 10000)
      --seed S      random seed, 0–2^53−1 (default 42)
      --start TIME  first instant: RFC 3339 (2026-11-02T00:00:00+09:00) or ms since
                    the epoch (default 2026-11-02T00:00:00+09:00, a Monday in Seoul)
      --days D      length of the run, 1–\(ScenarioGenerator.maxDays) (default 7)
      --out FILE    write here instead of stdout
    """

func runGenerate(_ args: ArraySlice<String>) -> Never {
    var users = 10_000
    var seed: UInt64 = 42
    var start: Int64 = 1_793_545_200_000 // 2026-11-02T00:00:00+09:00
    var days = 7
    var outPath: String? = nil
    var rest = args
    while let arg = rest.popFirst() {
        func value() -> String {
            guard let v = rest.popFirst() else { Exit.fail("engage: \(arg) needs a value\n\(generateUsage)", status: 2) }
            return v
        }
        switch arg {
        case "--users":
            let v = value()
            guard let n = Int(v), (1...ScenarioGenerator.maxUsers).contains(n) else {
                Exit.fail("engage: --users takes a count from 1 to \(ScenarioGenerator.maxUsers), got \(v)", status: 2)
            }
            users = n
        case "--seed":
            let v = value()
            // The header stores the seed as a JSON number: keep it exact.
            guard let s = UInt64(v), s < (1 << 53) else {
                Exit.fail("engage: --seed takes an integer from 0 to 2^53−1, got \(v)", status: 2)
            }
            seed = s
        case "--start":
            let v = value()
            guard let ms = parseStart(v) else {
                Exit.fail("engage: --start takes RFC 3339 (2026-11-02T00:00:00+09:00) or ms since the epoch between 1970 and 2200, got \(v)", status: 2)
            }
            start = ms
        case "--days":
            let v = value()
            guard let d = Int(v), (1...ScenarioGenerator.maxDays).contains(d) else {
                Exit.fail("engage: --days takes a number of days from 1 to \(ScenarioGenerator.maxDays), got \(v)", status: 2)
            }
            days = d
        case "--out":
            outPath = value()
        case "-h", "--help":
            print(generateUsage)
            exit(0)
        default:
            Exit.fail("engage: generate: unexpected argument \(arg)\n\(generateUsage)", status: 2)
        }
    }
    let handle: FileHandle
    if let outPath {
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              let h = FileHandle(forWritingAtPath: outPath) else {
            Exit.fail("engage: cannot write \(outPath)", status: 2)
        }
        handle = h
    } else {
        handle = FileHandle.standardOutput
    }
    let generator = ScenarioGenerator(seed: seed, users: users, start: start, days: days)
    var failure: (any Error)? = nil
    generator.writeChunks(chunkBytes: 1 << 20) { chunk in
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: Data(chunk))
        } catch {
            failure = error
        }
    }
    if let failure { Exit.fail("engage: writing \(outPath ?? "stdout"): \(failure)") }
    if outPath != nil {
        do {
            try handle.close()
        } catch {
            Exit.fail("engage: closing \(outPath ?? ""): \(error)")
        }
    }
    exit(0)
}

/// Milliseconds since the epoch, from digits or RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`,
/// `t`/space accepted for `T`); nil when malformed or outside 1970–2200.
func parseStart(_ text: String) -> Int64? {
    var problem = ""
    guard let ms = parseInstant(text, problem: &problem), (0...7_258_118_400_000).contains(ms) else { return nil }
    return ms
}
