// JSON parse and serialize throughput on a ~1 KB request and a ~1 MB user history.
import Engage

enum JSONBench {
    static func run(samples: Int, sampleNanoseconds: Double) throws -> [BenchResult] {
        let documents: [(String, [UInt8])] = [
            ("1 KB request", Documents.request()),
            ("1 MB user, a week of events", Documents.userWithHistory(size: 1 << 20)),
        ]
        var results: [BenchResult] = []
        for (label, bytes) in documents {
            let value = try JSONParser.parse(bytes)
            let megabytes = Double(bytes.count) / 1e6
            let events = value["events"]?.arrayValue.map { ", \($0.count) events" } ?? ""

            let parse = try nanosecondsPerCall(samples: samples, sampleNanoseconds: sampleNanoseconds) {
                blackHole(try JSONParser.parse(bytes))
            }
            results.append(
                BenchResult(
                    name: "json parse, \(label)", unit: "MB/s", higherIsBetter: true,
                    stats: Stats(parse.map { megabytes / ($0 / 1e9) }),
                    detail: "\(bytes.count) bytes\(events); \(format(Stats(parse).median / 1000)) µs per parse (median)"))

            let output = JSONSerializer.bytes(value)
            let outMegabytes = Double(output.count) / 1e6
            let serialize = nanosecondsPerCall(samples: samples, sampleNanoseconds: sampleNanoseconds) {
                blackHole(JSONSerializer.bytes(value))
            }
            results.append(
                BenchResult(
                    name: "json serialize, \(label)", unit: "MB/s", higherIsBetter: true,
                    stats: Stats(serialize.map { outMegabytes / ($0 / 1e9) }),
                    detail: "\(output.count) bytes out; \(format(Stats(serialize).median / 1000)) µs per document (median)"))
        }
        return results
    }
}
