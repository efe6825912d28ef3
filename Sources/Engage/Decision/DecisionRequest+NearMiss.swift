// Near-miss members: a request is open — every member it does not reserve is data that
// rules and placeholders read — so a misspelt reserved member (`"consnet": {…}`) would be
// silently taken as data and mean "no consent". A top-level member one edit away from a
// reserved one is refused instead, with the member it was probably meant to be.

extension DecisionRequest {
    /// The top-level members the request format reserves.
    static let reservedMembers = ["user_id", "time_zone", "now", "event", "placement", "placements", "k",
                                  "channels", "app", "consent", "commit", "record_event", "explain"]

    /// The reserved member `key` is a near miss of, or nil: `key` is not reserved itself
    /// and either equals a reserved member but for ASCII case (`Consent`, `K`), or is at
    /// least 3 bytes and one edit from one — a letter inserted, deleted, replaced, or two
    /// neighbours swapped (`consnet`, `placemnt`, `timezone`, `channel`).
    ///
    /// Cost: a length filter, then an edit distance over at most 13 bytes per candidate,
    /// with no allocation; a request's keys are checked once per decision.
    static func nearMiss(_ key: String) -> String? {
        let n = key.utf8.count
        guard n <= 16 else { return nil }
        for reserved in reservedMembers where reserved.utf8.count >= n - 1 && reserved.utf8.count <= n + 1 {
            if reserved == key { return nil }
        }
        var best: String? = nil
        for reserved in reservedMembers {
            let m = reserved.utf8.count
            guard m >= n - 1, m <= n + 1 else { continue }
            let d = distance(key, reserved)
            if d == 0 || (d == 1 && n >= 3) { best = reserved; break }
        }
        return best
    }

    /// Optimal-string-alignment distance between `a` and `b`, ASCII letters compared
    /// without case, capped at 2 (enough to tell 0, 1 and "more").
    private static func distance(_ a: String, _ b: String) -> Int {
        var x = (0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8,
                 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8)
        var y = x
        let n = withUnsafeMutableBytes(of: &x) { fill($0, a) }
        let m = withUnsafeMutableBytes(of: &y) { fill($0, b) }
        return withUnsafeBytes(of: x) { s in
            withUnsafeBytes(of: y) { t in
                // Three rows of at most 18 entries, on the stack.
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * 18) { rows in
                    var prev2 = 0, prev = 18, cur = 36
                    for j in 0...m { rows[prev + j] = j }
                    for i in 1...max(n, 1) where n > 0 {
                        rows[cur] = i
                        for j in stride(from: 1, through: m, by: 1) {
                            let cost = s[i - 1] == t[j - 1] ? 0 : 1
                            var v = min(rows[prev + j] + 1, rows[cur + j - 1] + 1, rows[prev + j - 1] + cost)
                            if i > 1, j > 1, s[i - 1] == t[j - 2], s[i - 2] == t[j - 1] { v = min(v, rows[prev2 + j - 2] + 1) }
                            rows[cur + j] = v
                        }
                        (prev2, prev, cur) = (prev, cur, prev2)
                    }
                    return min(rows[prev + m], 2)
                }
            }
        }
    }

    /// Copies `text`'s bytes, ASCII letters lowercased, into `buffer`; the count copied.
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer, _ text: String) -> Int {
        var i = 0
        for c in text.utf8 where i < buffer.count {
            buffer[i] = c >= 0x41 && c <= 0x5A ? c | 0x20 : c
            i += 1
        }
        return i
    }

    /// Refuses the first member of `data` (the request as sent) that is a near miss of
    /// a reserved member.
    static func checkNearMisses(_ data: JSON) throws(DecisionError) {
        guard case .object(let o) = data else { return }
        for key in o.keys {
            if let meant = nearMiss(key) {
                throw DecisionError(.invalidRequest, path: ErrorText.name(key),
                                    "unknown request member \(ErrorText.quoted(key)) (did you mean \"\(meant)\"? Members this close to a reserved one are refused rather than read as data: rename or nest the data, e.g. under \"user\")")
            }
        }
    }
}
