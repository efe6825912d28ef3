// Timing: a monotonic clock, repeated samples, order statistics.

/// Keeps `value` alive so the optimizer cannot drop the work that produced it.
@inline(never) @_optimize(none)
func blackHole<T>(_ value: T) {}

extension Duration {
    /// The duration in nanoseconds.
    var nanoseconds: Double {
        let (s, atto) = components
        return Double(s) * 1e9 + Double(atto) / 1e9
    }
}

/// Order statistics of a set of samples (each already in the reported unit).
struct Stats {
    let samples: [Double] // sorted ascending
    init(_ values: [Double]) { samples = values.sorted() }

    var min: Double { samples.first ?? .nan }
    var max: Double { samples.last ?? .nan }
    var median: Double { quantile(0.5) }
    var p99: Double { quantile(0.99) }

    /// Nearest-rank quantile.
    func quantile(_ q: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let rank = Int((q * Double(samples.count)).rounded(.up)) - 1
        return samples[Swift.max(0, Swift.min(samples.count - 1, rank))]
    }
}

/// Runs `body` in samples of `iterations` calls, after calibrating `iterations` so one
/// sample lasts about `sampleNanoseconds`; returns the nanoseconds per call of each sample.
func nanosecondsPerCall(
    samples: Int, sampleNanoseconds: Double,
    _ body: () throws -> Void
) rethrows -> [Double] {
    let clock = ContinuousClock()
    // Warm up (caches, lazy initialisation) and calibrate.
    var iterations = 1
    while true {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        let elapsed = (clock.now - start).nanoseconds
        if elapsed >= sampleNanoseconds / 4 || iterations >= 1 << 24 {
            let perCall = elapsed / Double(iterations)
            iterations = Swift.max(1, Int(sampleNanoseconds / Swift.max(perCall, 0.1)))
            break
        }
        iterations *= 4
    }
    var result: [Double] = []
    result.reserveCapacity(samples)
    for _ in 0..<samples {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        result.append((clock.now - start).nanoseconds / Double(iterations))
    }
    return result
}
