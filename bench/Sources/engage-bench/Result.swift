// One benchmark's figures, for the table and bench/results.json.
import Engage

struct BenchResult {
    let name: String
    let unit: String // "MB/s" (10^6 bytes per second), "ns/eval", "µs", ...
    let higherIsBetter: Bool
    let stats: Stats
    var detail: String = ""
    /// The bar from issue 8 for the median, when there is one.
    var target: Double? = nil
    /// A bar for the p99 as well (lower is better), when there is one.
    var p99Target: Double? = nil
    /// Further figures for bench/results.json (decisions/s, thread count, bytes...).
    var extra: [(String, JSON)] = []

    var passes: Bool? {
        guard let target else { return nil }
        let median = higherIsBetter ? stats.median >= target : stats.median <= target
        guard let p99Target else { return median }
        return median && stats.p99 <= p99Target
    }

    var json: JSON {
        var members: [(String, JSON)] = [
            ("name", .string(name)), ("unit", .string(unit)),
            ("median", .number(rounded(stats.median))), ("min", .number(rounded(stats.min))),
            ("max", .number(rounded(stats.max))), ("p99", .number(rounded(stats.p99))),
            ("samples", .number(Double(stats.samples.count))), ("detail", .string(detail)),
        ]
        members += extra
        if let target, let passes {
            members.append(("target", .number(target)))
            if let p99Target { members.append(("p99_target", .number(p99Target))) }
            members.append(("pass", .bool(passes)))
        }
        return .object(JSONObject(members))
    }

    private func rounded(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}

func format(_ x: Double) -> String {
    let r = (x * 10).rounded() / 10
    var s = String(r)
    if s.hasSuffix(".0") && r >= 1000 { s.removeLast(2) }
    return s
}

func pad(_ s: String, _ width: Int, left: Bool = false) -> String {
    let n = s.count
    guard n < width else { return s }
    let fill = String(repeating: " ", count: width - n)
    return left ? s + fill : fill + s
}

func printTable(_ results: [BenchResult]) {
    print(
        pad("benchmark", 50, left: true) + pad("median", 10) + pad("min", 10) + pad("max", 10)
            + pad("p99", 10) + "  " + pad("unit", 8, left: true) + "target")
    for r in results {
        var target = ""
        if let t = r.target, let ok = r.passes {
            target =
                (r.higherIsBetter ? "≥ " : "≤ ") + format(t)
                + (r.p99Target.map { ", p99 ≤ " + format($0) } ?? "") + (ok ? "  PASS" : "  MISS")
        }
        print(
            pad(r.name, 50, left: true) + pad(format(r.stats.median), 10) + pad(format(r.stats.min), 10)
                + pad(format(r.stats.max), 10) + pad(format(r.stats.p99), 10) + "  " + pad(r.unit, 8, left: true)
                + target)
        if !r.detail.isEmpty { print("    " + r.detail) }
    }
}
