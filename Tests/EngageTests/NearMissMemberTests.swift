import Testing

@testable import Engage

// Issue 14, point 5: a misspelt reserved member was read as data — `"consnet"` quietly
// meant "no marketing consent". One edit away from a reserved member is an error.

private func error(_ text: String) -> DecisionError? {
    do {
        _ = try DecisionRequest(json: JSONParser.parse(text))
        return nil
    } catch {
        return error as? DecisionError
    }
}

@Suite struct NearMissMemberTests {
    @Test func nearMissesAreRefusedWithTheMemberMeant() throws {
        let cases: [(String, String)] = [
            ("consnet", "consent"), ("Consent", "consent"), ("consen", "consent"), ("timezone", "time_zone"),
            ("time_zon", "time_zone"), ("placemnets", "placements"), ("placment", "placement"), ("userId", "user_id"),
            ("user-id", "user_id"), ("channel", "channels"), ("chanels", "channels"), ("K", "k"), ("nwo", "now"),
            ("explian", "explain"), ("comit", "commit"), ("evnet", "event"), ("events", "event"), ("apps", "app"),
        ]
        for (key, meant) in cases {
            let e = try #require(error(#"{"user_id": "u", "placement": "home", "\#(key)": {"marketing": true}}"#), "\(key)")
            #expect(e.code == .invalidRequest && e.path == key, "\(key): \(e)")
            #expect(e.message.contains("did you mean \"\(meant)\""), "\(key): \(e.message)")
        }
    }

    @Test func dataMembersFarFromReservedOnesAreData() throws {
        for key in [
            "user", "offer", "scores", "plan", "cart", "x", "id", "tz", "ap", "page", "segment", "context",
            "account", "cohort", "device", "locale", "referrer", "session",
        ] {
            #expect(error(#"{"user_id": "u", "placement": "home", "\#(key)": 1}"#) == nil, "\(key)")
        }
        #expect(DecisionRequest.nearMiss("user_id") == nil)
        #expect(DecisionRequest.nearMiss(String(repeating: "c", count: 100)) == nil)
    }

    @Test func contextsAndQuestionsAreCheckedToo() throws {
        #expect(throws: DecisionError.self) { try DecisionContext(json: JSONParser.parse(#"{"user_id": "u", "consnet": {}}"#)) }
        let ctx = try DecisionContext(json: JSONParser.parse(#"{"user_id": "u", "consent": {"service": true}}"#))
        #expect(throws: DecisionError.self) { try ctx.request(JSONParser.parse(#"{"placemnets": ["home"]}"#)) }
        _ = try ctx.request(JSONParser.parse(#"{"placements": ["home"]}"#))
    }

    @Test func oneEditIsTheOptimalStringAlignmentDistance() {
        /// The textbook table, as the reference for the linear check.
        func osa(_ a: [UInt8], _ b: [UInt8]) -> Int {
            var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0...a.count { d[i][0] = i }
            for j in 0...b.count { d[0][j] = j }
            for i in stride(from: 1, through: a.count, by: 1) {
                for j in stride(from: 1, through: b.count, by: 1) {
                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                    d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
                }
            }
            return min(d[a.count][b.count], 2)
        }
        var rng = SeededGenerator(seed: 14)
        let alphabet = Array("abc_".utf8)
        for _ in 0..<20_000 {
            let a = (0..<Int.random(in: 0...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
            var b = a
            // Mostly near a: zero to two random edits.
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b.insert(alphabet.randomElement(using: &rng) ?? 0, at: Int.random(in: 0...b.count, using: &rng))
                case 1 where !b.isEmpty: b.remove(at: Int.random(in: 0..<b.count, using: &rng))
                case 2 where !b.isEmpty: b[Int.random(in: 0..<b.count, using: &rng)] = alphabet.randomElement(using: &rng) ?? 0
                case 3 where b.count > 1:
                    let k = Int.random(in: 0..<(b.count - 1), using: &rng)
                    b.swapAt(k, k + 1)
                default: break
                }
            }
            let got = a.withUnsafeBytes { x in b.withUnsafeBytes { y in DecisionRequest.editsWithinOne(x, y) } }
            #expect(got == osa(a, b), "\(String(decoding: a, as: UTF8.self)) / \(String(decoding: b, as: UTF8.self))")
        }
    }

    /// `nearMiss` (a length filter, then a prefix scan per member) answers as the plain
    /// scan of every reserved member with the edit distance does, for keys one or two
    /// edits from each reserved member (letters of both cases, `_`, `-`, digits, punctuation).
    @Test func nearMissAnswersAsAScanOfEveryMember() {
        func reference(_ key: String) -> String? {
            let lowered = key.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            guard lowered.count <= 16, !DecisionRequest.reservedMembers.contains(key) else { return nil }
            for reserved in DecisionRequest.reservedMembers {
                let d = lowered.withUnsafeBytes { x in Array(reserved.utf8).withUnsafeBytes { y in DecisionRequest.editsWithinOne(x, y) } }
                if d == 0 || (d == 1 && lowered.count >= 3) { return reserved }
            }
            return nil
        }
        var rng = SeededGenerator(seed: 15)
        let alphabet = Array("aeiouxyzAEKX_-1!?".utf8)
        var flagged = 0
        for _ in 0..<20_000 {
            var b = Array((DecisionRequest.reservedMembers.randomElement(using: &rng) ?? "k").utf8)
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                let c = alphabet.randomElement(using: &rng) ?? 0x61
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: b.insert(c, at: Int.random(in: 0...b.count, using: &rng))
                case 1 where b.count > 1: b.remove(at: Int.random(in: 0..<b.count, using: &rng))
                case 2 where !b.isEmpty: b[Int.random(in: 0..<b.count, using: &rng)] = c
                case 3 where b.count > 1:
                    let k = Int.random(in: 0..<(b.count - 1), using: &rng)
                    b.swapAt(k, k + 1)
                default: break
                }
            }
            let key = String(decoding: b, as: UTF8.self)
            let expected = reference(key)
            #expect(DecisionRequest.nearMiss(key) == expected, "\(key)")
            if expected != nil { flagged += 1 }
        }
        #expect(flagged > 5_000)
    }
}
