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
    let range: ClosedRange<Int64> = 0...7_258_118_400_000
    if let ms = Int64(text) { return range.contains(ms) ? ms : nil }
    let b = Array(text.utf8)
    func number(_ from: Int, _ count: Int) -> Int? {
        guard from + count <= b.count else { return nil }
        var v = 0
        for c in b[from..<(from + count)] {
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
    guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, [0x54, 0x74, 0x20].contains(b[10]), b[13] == 0x3A, b[16] == 0x3A,
          let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
          let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
          hour < 24, minute < 60, second < 60 else { return nil }
    var i = 19
    var millis = 0
    if b[i] == 0x2E {
        i += 1
        var digits = 0
        while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
            if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
            digits += 1
            i += 1
        }
        guard digits > 0 else { return nil }
        for _ in digits..<max(digits, 3) { millis *= 10 }
    }
    guard i < b.count else { return nil }
    var offset = 0
    if b[i] == 0x5A || b[i] == 0x7A {
        guard i + 1 == b.count else { return nil }
    } else {
        guard b[i] == 0x2B || b[i] == 0x2D, i + 6 == b.count, b[i + 3] == 0x3A,
              let oh = number(i + 1, 2), let om = number(i + 4, 2), oh < 24, om < 60 else { return nil }
        offset = (oh * 3_600 + om * 60) * (b[i] == 0x2D ? -1 : 1)
    }
    let local = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    guard local.isValid, let zone = try? ZoneRules(fixedOffset: Int32(offset)),
          let seconds = try? zone.utcInstant(forLocal: local) else { return nil }
    let ms = seconds * 1_000 + Int64(millis)
    return range.contains(ms) ? ms : nil
}
