/// Deterministic assignment of users to buckets — for variants, holdouts, the global
/// control group and percentage rollouts — specified at the byte level so every host
/// and binding assigns the same user the same way (docs/bucketing.md). The engine's
/// own (`package`, not API): decisions carry the assignments it makes.
///
/// Version 1:
/// - **key**: the UTF-8 bytes of the fields, joined by a single 0x00 byte. A field
///   containing U+0000 cannot be bucketed (the key would be ambiguous).
/// - **hash**: MurmurHash3 x86 32-bit of the key, seed 0.
/// - **bucket**: `(hash × 10000) >> 32`, in `0..<10000` — a multiply-shift range
///   mapping, not a modulo (every bucket gets 429,496 or 429,497 of the 2^32 hashes).
/// - **percent**: `threshold = floor(percent × 100 + 0.5)` clamped to `0...10000`; a
///   user is in when `bucket < threshold` (so percentages resolve to 0.01%).
/// - **fields by purpose**: rollout `["rollout", salt, user]`; holdout
///   `["holdout", salt, campaign, user]`; global control `["control", salt, user]`;
///   variant `["variant", salt, campaign, user]` — separate purposes keep the
///   assignments independent of each other.
/// - **variant**: with weights `w`, bound `i` is `floor(Σ_{j≤i} w_j / Σw × 10000 + 0.5)`
///   (the last bound is 10000); the variant is the first whose bound exceeds the bucket.
///
/// The campaign set carries `bucketing_version`; a future version is a new function
/// here, never a silent change to this one. Vectors: Tests/vectors/bucketing.json.
package enum Bucketing {
    /// The versions this library implements.
    package static let supportedVersions: ClosedRange<Int> = 1...1
    /// Buckets per assignment.
    package static let bucketCount = 10_000

    /// MurmurHash3 x86_32 of `bytes` with `seed`.
    package static func murmur3(_ bytes: some Collection<UInt8>, seed: UInt32 = 0) -> UInt32 {
        var m = Murmur3(seed: seed)
        for b in bytes { m.add(b) }
        return m.hash
    }

    /// MurmurHash3 x86_32 fed a byte at a time: a key's fixed prefix (purpose, salt,
    /// campaign) is hashed once at load and each decision adds only the user id.
    package struct Murmur3: Sendable {
        private var h: UInt32
        private var block: UInt32 = 0
        private var n = 0

        package init(seed: UInt32 = 0) { h = seed }

        @inline(__always)
        package mutating func add(_ b: UInt8) {
            block |= UInt32(b) << (8 * UInt32(n & 3))
            n &+= 1
            if n & 3 == 0 {
                h ^= Self.mix(block)
                h = (h << 13) | (h >> 19)
                h = h &* 5 &+ 0xE654_6B64
                block = 0
            }
        }

        /// Adds `field`'s UTF-8 bytes; false (and nothing added) when it contains U+0000.
        package mutating func add(field: String) -> Bool {
            var copy = self
            for b in field.utf8 {
                if b == 0 { return false }
                copy.add(b)
            }
            self = copy
            return true
        }

        @inline(__always)
        private static func mix(_ block: UInt32) -> UInt32 {
            var k = block &* 0xCC9E_2D51
            k = (k << 15) | (k >> 17)
            return k &* 0x1B87_3593
        }

        /// The hash of the bytes added so far.
        package var hash: UInt32 {
            var h = self.h
            if n & 3 != 0 { h ^= Self.mix(block) }
            h ^= UInt32(truncatingIfNeeded: n)
            h ^= h >> 16
            h = h &* 0x85EB_CA6B
            h ^= h >> 13
            h = h &* 0xC2B2_AE35
            h ^= h >> 16
            return h
        }
    }

    /// The hash state of `fields` joined by 0x00 and followed by the 0x00 that precedes
    /// the user id, or nil when a field contains U+0000.
    package static func prefix(_ fields: [String]) -> Murmur3? {
        var m = Murmur3()
        for f in fields {
            guard m.add(field: f) else { return nil }
            m.add(0)
        }
        return m
    }

    /// The bucket of `prefix` followed by `userID`, or nil when the id contains U+0000.
    package static func bucket(_ prefix: Murmur3, userID: String) -> Int? {
        var m = prefix
        guard m.add(field: userID) else { return nil }
        return Int((UInt64(m.hash) &* UInt64(bucketCount)) >> 32)
    }

    /// The key bytes of `fields`, or nil when a field contains U+0000.
    static func key(_ fields: [String]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(fields.reduce(fields.count) { $0 + $1.utf8.count })
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(0) }
            for b in f.utf8 {
                if b == 0 { return nil }
                out.append(b)
            }
        }
        return out
    }

    /// The bucket of `fields` in `0..<10000`, or nil when a field contains U+0000.
    package static func bucket(_ fields: [String]) -> Int? {
        guard let k = key(fields) else { return nil }
        return Int((UInt64(murmur3(k)) &* UInt64(bucketCount)) >> 32)
    }

    /// The number of buckets a percentage covers (0.01% resolution).
    package static func threshold(percent: Double) -> Int {
        guard percent.isFinite, percent > 0 else { return 0 }
        guard percent < 100 else { return bucketCount }
        return min(bucketCount, max(0, Int((percent * 100 + 0.5).rounded(.down))))
    }

    /// Whether `fields` fall in the first `percent` of buckets.
    package static func isIn(_ fields: [String], percent: Double) -> Bool {
        guard let b = bucket(fields) else { return false }
        return b < threshold(percent: percent)
    }

    /// Whether `userID` is in a `percent` rollout salted with `salt`.
    package static func inRollout(salt: String, percent: Double, userID: String) -> Bool {
        isIn(["rollout", salt, userID], percent: percent)
    }

    /// Whether `userID` is in campaign `campaignID`'s holdout of `percent`.
    package static func inHoldout(campaignID: String, salt: String, percent: Double, userID: String) -> Bool {
        isIn(["holdout", salt, campaignID, userID], percent: percent)
    }

    /// Whether `userID` is in the global control group of `percent`.
    package static func inControl(salt: String, percent: Double, userID: String) -> Bool {
        isIn(["control", salt, userID], percent: percent)
    }

    /// The index of the variant `userID` gets among `weights` (non-negative, positive
    /// sum), or nil when the weights are unusable or the ids contain U+0000.
    package static func variant(campaignID: String, salt: String, weights: [Double], userID: String) -> Int? {
        guard let bounds = variantBounds(weights), let b = bucket(["variant", salt, campaignID, userID]) else { return nil }
        return variant(bucket: b, bounds: bounds)
    }

    /// Each variant's upper bucket bound for `weights` (the last is 10000), or nil when
    /// the weights are unusable (empty, negative, not finite, zero sum).
    package static func variantBounds(_ weights: [Double]) -> [Int]? {
        guard !weights.isEmpty, weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        let total = weights.reduce(0, +)
        guard total > 0, total.isFinite else { return nil }
        var cumulative = 0.0
        return weights.indices.map { i in
            cumulative += weights[i]
            return i == weights.count - 1 ? bucketCount : Int((cumulative / total * Double(bucketCount) + 0.5).rounded(.down))
        }
    }

    /// The first variant whose bound exceeds `bucket`.
    package static func variant(bucket b: Int, bounds: [Int]) -> Int {
        bounds.firstIndex { b < $0 } ?? bounds.count - 1
    }
}
