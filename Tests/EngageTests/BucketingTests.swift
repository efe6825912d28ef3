import Foundation
import Testing
@testable import Engage

/// Tests/vectors/bucketing.json, generated from the written spec by an independent
/// implementation (scripts/gen-bucketing-vectors.py, Python mmh3).
enum BucketingVectors {
    static func load() throws -> JSON {
        let path = SharedFixtures.projectRoot + "/Tests/vectors/bucketing.json"
        return try JSONParser.parse([UInt8](try #require(FileManager.default.contents(atPath: path))))
    }
}

@Suite struct BucketingTests {
    private func strings(_ v: JSON?) -> [String] { (v?.arrayValue ?? []).compactMap(\.stringValue) }

    @Test func keysHashesAndBucketsMatchTheVectors() throws {
        let doc = try BucketingVectors.load()
        #expect(doc["version"] == 1)
        let cases = doc["hashes"]?.arrayValue ?? []
        #expect(cases.count >= 10)
        for c in cases {
            let fields = strings(c["fields"])
            let key = try #require(Bucketing.key(fields))
            let hex = key.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            #expect(hex == c["key_hex"]?.stringValue)
            #expect(Double(Bucketing.murmur3(key)) == c["murmur3"]?.doubleValue)
            #expect(Bucketing.bucket(fields) == c["bucket"]?.intValue)
        }
    }

    @Test func holdoutControlAndVariantsMatchTheVectors() throws {
        let doc = try BucketingVectors.load()
        for c in doc["holdout"]?.arrayValue ?? [] {
            let got = Bucketing.inHoldout(campaignID: c["campaign"]?.stringValue ?? "", salt: c["salt"]?.stringValue ?? "",
                                          percent: c["percent"]?.doubleValue ?? -1, userID: c["user"]?.stringValue ?? "")
            #expect(got == c["in"]?.boolValue, "holdout \(c)")
        }
        for c in doc["control"]?.arrayValue ?? [] {
            let got = Bucketing.inControl(salt: c["salt"]?.stringValue ?? "", percent: c["percent"]?.doubleValue ?? -1,
                                          userID: c["user"]?.stringValue ?? "")
            #expect(got == c["in"]?.boolValue, "control \(c)")
        }
        let variants = doc["variants"]?.arrayValue ?? []
        #expect(variants.count >= 40)
        for c in variants {
            let weights = (c["weights"]?.arrayValue ?? []).compactMap(\.doubleValue)
            let got = Bucketing.variant(campaignID: c["campaign"]?.stringValue ?? "", salt: c["salt"]?.stringValue ?? "",
                                        weights: weights, userID: c["user"]?.stringValue ?? "")
            #expect(got == c["variant"]?.intValue, "variant \(c)")
        }
    }

    @Test func boundariesAndBadInput() {
        #expect(Bucketing.threshold(percent: 0) == 0)
        #expect(Bucketing.threshold(percent: 12.5) == 1250)
        #expect(Bucketing.threshold(percent: 33.33) == 3333)
        #expect(Bucketing.threshold(percent: 100) == 10_000)
        #expect(Bucketing.threshold(percent: .nan) == 0)
        #expect(Bucketing.threshold(percent: -5) == 0)
        #expect(Bucketing.threshold(percent: .infinity) == 0)
        #expect(Bucketing.bucket(["a\u{0}b"]) == nil)
        #expect(!Bucketing.inRollout(salt: "s", percent: 100, userID: "bad\u{0}id"))
        #expect(Bucketing.variant(campaignID: "c", salt: "", weights: [], userID: "u") == nil)
        #expect(Bucketing.variant(campaignID: "c", salt: "", weights: [0, 0], userID: "u") == nil)
        #expect(Bucketing.variant(campaignID: "c", salt: "", weights: [1, -1], userID: "u") == nil)
        #expect(Bucketing.variant(campaignID: "c", salt: "", weights: [.infinity], userID: "u") == nil)
        // Zero-weight variants are never chosen.
        for i in 0..<500 {
            #expect(Bucketing.variant(campaignID: "c", salt: "", weights: [0, 1, 0], userID: "u\(i)") == 1)
        }
    }

    @Test func assignmentsAreEvenAndIndependent() {
        // 50/50 variants over 20,000 users land near 10,000 each, and holdout
        // membership is independent of the variant.
        var counts = [0, 0]
        var heldOutPerVariant = [0, 0]
        for i in 0..<20_000 {
            let user = "user-\(i)"
            let v = Bucketing.variant(campaignID: "plan-nudge", salt: "", weights: [50, 50], userID: user) ?? -1
            guard v >= 0 else { continue }
            counts[v] += 1
            if Bucketing.inHoldout(campaignID: "plan-nudge", salt: "", percent: 10, userID: user) { heldOutPerVariant[v] += 1 }
        }
        #expect(counts.allSatisfy { $0 > 9_600 && $0 < 10_400 }, "\(counts)")
        #expect(heldOutPerVariant.allSatisfy { $0 > 850 && $0 < 1_150 }, "\(heldOutPerVariant)")
    }
}
