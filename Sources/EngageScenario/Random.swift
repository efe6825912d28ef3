// The scenario's random numbers: xoshiro256** seeded through SplitMix64, and the few
// distributions the generator draws from.
//
// Everything here is bit-for-bit reproducible for a seed on any machine and toolchain:
// integers use only wrapping arithmetic; doubles use only IEEE-754 basic operations
// (+ − × ÷ and square root, all correctly rounded) and exact bit manipulation. That is
// why `log` and `exp` are computed here rather than taken from the platform's libm,
// whose last bits differ between implementations, and why nothing calls the standard
// library's `random(in:using:)`, whose algorithm is not promised to stay the same.

/// A seeded pseudo-random generator (xoshiro256**, period 2^256 − 1).
///
/// Not cryptographic. ``init(seed:stream:)`` gives independent streams — one per
/// simulated user — so a user's draws depend only on the seed and the user's index,
/// never on how many numbers other users consumed.
package struct ScenarioRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose 256-bit state is expanded from `seed` with SplitMix64.
    package init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
        // SplitMix64 never yields four zero words in a row, but the all-zero state is
        // xoshiro's one fixed point, so rule it out explicitly.
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The generator for stream `stream` (e.g. a user's index) under `seed`: the pair is
    /// hashed through two SplitMix64 rounds, so neighbouring streams start far apart.
    package init(seed: UInt64, stream: UInt64) {
        var outer = SplitMix64(state: seed)
        let key = outer.next()
        var inner = SplitMix64(state: key ^ (stream &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: inner.next() ^ stream)
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    // MARK: - Uniform

    /// A double uniformly in [0, 1), on the grid of multiples of 2^-53.
    package mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A double uniformly in [lower, upper).
    package mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// An integer uniformly in `range`, without modulo bias (Lemire's multiply-and-reject).
    package mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) } // the whole Int64 range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold { product = next().multipliedFullWidth(by: span) }
        }
        return Int(truncatingIfNeeded: Int64(range.lowerBound) &+ Int64(bitPattern: product.high))
    }

    /// An `Int64` uniformly in `range` (e.g. a millisecond within a window).
    package mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
        Int64(int(in: Int(range.lowerBound)...Int(range.upperBound)))
    }

    /// `true` with probability `p` (p ≤ 0 never, p ≥ 1 always).
    package mutating func chance(_ p: Double) -> Bool {
        uniform() < p
    }

    // MARK: - Distributions

    /// A Poisson count with mean `mean` (Knuth's product method for small means, a rounded
    /// normal beyond 30). Non-positive or non-finite means give 0.
    package mutating func poisson(mean: Double) -> Int {
        guard mean > 0, mean.isFinite else { return 0 }
        if mean > 30 { return max(0, Int(normal(mean: mean, sd: mean.squareRoot()).rounded())) }
        let limit = DeterministicMath.exp(-mean)
        var product = uniform()
        var k = 0
        while product > limit, k < 1_000 {
            product *= uniform()
            k += 1
        }
        return k
    }

    /// An exponential variate with mean `mean`.
    package mutating func exponential(mean: Double) -> Double {
        -mean * DeterministicMath.log(1 - uniform()) // 1 − u is in (0, 1]: log is finite
    }

    /// A normal variate (Marsaglia's polar method: needs log and square root only).
    package mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        var tries = 0
        while tries < 64 {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            tries += 1
            guard s > 0, s < 1 else { continue }
            return mean + sd * u * (-2 * DeterministicMath.log(s) / s).squareRoot()
        }
        return mean // unreachable in practice: each try succeeds with probability π/4
    }

    /// A log-normal variate: `median × e^(σ·Z)`.
    package mutating func lognormal(median: Double, sigma: Double) -> Double {
        median * DeterministicMath.exp(sigma * normal())
    }

    /// An index drawn from `table`'s weights.
    package mutating func pick(_ table: WeightedTable) -> Int {
        table.index(at: uniform())
    }

    /// An element of `items`, uniformly; nil when empty.
    package mutating func element<T>(of items: [T]) -> T? {
        items.isEmpty ? nil : items[int(in: 0...(items.count - 1))]
    }
}

/// Non-negative weights resolved once into cumulative form; draws are a linear scan,
/// which beats a binary search at the handful of entries the scenario uses.
package struct WeightedTable: Sendable {
    private let cumulative: [Double]

    /// Negative or non-finite weights count as 0; an all-zero table always picks 0.
    package init(_ weights: [Double]) {
        var running = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(weights.count)
        for w in weights {
            running += (w.isFinite && w > 0) ? w : 0
            cumulative.append(running)
        }
        self.cumulative = cumulative
    }

    /// The number of entries.
    package var count: Int { cumulative.count }

    /// The index whose cumulative share covers `u` ∈ [0, 1).
    func index(at u: Double) -> Int {
        guard let total = cumulative.last, total > 0 else { return 0 }
        let target = u * total
        for (i, c) in cumulative.enumerated() where target < c { return i }
        return cumulative.count - 1
    }
}

/// SplitMix64 (Steele, Lea and Flood): used only to expand seeds.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `log` and `exp` from basic operations only, so their results — and every variate
/// built on them — are identical on every platform. Accurate to a few ulps, which is
/// far more than a simulation needs.
package enum DeterministicMath {
    static let ln2 = 0.693_147_180_559_945_3
    static let sqrt2 = 1.414_213_562_373_095_1

    /// The natural logarithm; −∞ for 0, NaN for negative or NaN input, +∞ for +∞.
    package static func log(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? -.infinity : .nan }
        guard x.isFinite else { return x }
        // x = m·2^e with m in [√½, √2); then log m = 2·atanh(s) with s = (m−1)/(m+1),
        // |s| ≤ 0.172, whose odd series converges to double precision by s^23.
        var e = Double(Int(x.exponent))
        var m = x.significand
        if m > sqrt2 {
            m *= 0.5
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var series = 1.0 / 23
        var k = 21.0
        while k >= 1 {
            series = series * s2 + 1 / k
            k -= 2
        }
        return e * ln2 + 2 * s * series
    }

    /// e^x; 0 below −745, +∞ above 709.
    package static func exp(_ x: Double) -> Double {
        guard !x.isNaN else { return x }
        if x > 709.7 { return .infinity }
        if x < -745 { return 0 }
        // x = k·ln2 + r with |r| ≤ ln2/2; e^r by its Taylor series (to r^14), then × 2^k.
        let k = (x / ln2).rounded()
        let r = (x - k * 0.693_147_180_369_123_8) - k * 1.908_214_929_270_587_7e-10
        var term = 1.0
        var sum = 1.0
        var n = 1.0
        while n <= 14 {
            term *= r / n
            sum += term
            n += 1
        }
        return scale(sum, by: Int(k))
    }

    /// `value · 2^power` by exact exponent steps (each step is a multiply by a power of
    /// two, exact unless the result leaves the normal range).
    private static func scale(_ value: Double, by power: Int) -> Double {
        var v = value
        var p = power
        while p > 1000 {
            v *= 0x1p1000
            p -= 1000
        }
        while p < -1000 {
            v *= 0x1p-1000
            p += 1000
        }
        return v * Double(sign: .plus, exponent: p, significand: 1)
    }
}
