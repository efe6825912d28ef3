// reject: how long refusing a hostile campaign set takes — 16 MiB of one object with
// about 1.3 million distinct unknown keys. Past the reported-problems cap a problem is
// only counted, so rejecting is a JSON parse and one lookup per key (issue 13: it took
// 2.5–4 s when a message and an edit distance were built for every key).
import Engage

enum RejectBench {
    static func run(loads: Int) throws -> [BenchResult] {
        var text = #"{"version": 1, "campaigns": []"#
        var keys = 0
        while text.utf8.count < (16 << 20) - 16 {
            text += #","k\#(keys)":0"#
            keys += 1
        }
        text += "}"
        let bytes = Array(text.utf8)
        let clock = ContinuousClock()
        var millis: [Double] = [], parse: [Double] = []
        for _ in 0..<loads {
            let engine = Engine(clock: { EngineBench.now })
            let start = clock.now
            let refusal: CampaignSetLoadError?
            do throws(CampaignSetLoadError) {
                try engine.load(bytes: bytes)
                refusal = nil
            } catch {
                refusal = error
            }
            millis.append((clock.now - start).nanoseconds / 1e6)
            guard let refusal, refusal.truncated, refusal.problems.count == CampaignSetOptions.default.maxProblems else {
                throw BenchError("reject: the set of unknown keys was not refused with a truncated list of problems")
            }
            let p = clock.now
            blackHole(try JSONParser.parse(bytes))
            parse.append((clock.now - p).nanoseconds / 1e6)
        }
        return [
            BenchResult(
                name: "reject, 16 MiB of unknown keys", unit: "ms", higherIsBetter: false, stats: Stats(millis),
                detail: "\(keys) distinct unknown keys in one object; of which JSON parse \(format(Stats(parse).median)) ms (median); \(loads) rejections",
                target: 1000,
                extra: [("keys", .number(Double(keys))), ("json_bytes", .number(Double(bytes.count)))])
        ]
    }
}
