// Near-miss members: a request is open — every member it does not reserve is data that
// rules and placeholders read — so a misspelt reserved member (`"consnet": {…}`) would be
// silently taken as data and mean "no consent". A top-level member one edit away from a
// reserved one is refused instead, with the member it was probably meant to be.

extension DecisionRequest {
    /// The top-level members the request format reserves.
    static let reservedMembers = [
        "user_id", "time_zone", "now", "event", "placement", "placements", "k",
        "channels", "app", "consent", "commit", "record_event", "explain",
    ]

    /// The reserved member `key` is a near miss of, or nil: `key` is not reserved itself
    /// and either equals a reserved member but for ASCII case (`Consent`, `K`), or is at
    /// least 3 bytes and one edit from one — a letter inserted, deleted, replaced, or two
    /// neighbours swapped (`consnet`, `placemnt`, `timezone`, `channel`).
    ///
    /// Cost: the key's bytes copied once (at most 16, on the stack), then per reserved
    /// member of a length within one, a common-prefix scan and one comparison of the
    /// rest — no allocation, no distance table; a request's keys are checked once per
    /// decision.
    static func nearMiss(_ key: String) -> String? {
        let n = key.utf8.count
        guard n <= 16 else { return nil }
        var x = (
            0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8,
            0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8, 0 as UInt8
        )
        return withUnsafeMutableBytes(of: &x) { buffer -> String? in
            let count = fill(buffer, key)
            let lowered = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            var best: String? = nil
            for reserved in reservedMembers {
                let m = reserved.utf8.count
                guard m >= n - 1, m <= n + 1 else { continue }
                if reserved == key { return nil }
                guard best == nil else { continue }
                let d = reserved.utf8.withContiguousStorageIfAvailable { editsWithinOne(lowered, UnsafeRawBufferPointer($0)) } ?? 2
                if d == 0 || (d == 1 && n >= 3) { best = reserved }
            }
            return best
        }
    }

    /// 0 when `a` and `b` are equal, 1 when one edit apart — a byte inserted, deleted,
    /// replaced, or two neighbours swapped (the optimal-string-alignment distance) —
    /// else 2. After the common prefix, each kind of edit leaves one way for the rests
    /// to match, so one comparison per kind decides it.
    static func editsWithinOne(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = a.count, m = b.count
        var i = 0
        while i < n, i < m, a[i] == b[i] { i += 1 }
        func same(_ p: Int, _ q: Int) -> Bool {
            // a[p...] == b[q...], of equal lengths by the callers' arithmetic.
            var (p, q) = (p, q)
            while p < n, q < m {
                if a[p] != b[q] { return false }
                p += 1
                q += 1
            }
            return p == n && q == m
        }
        if n == m {
            if i == n { return 0 }
            if same(i + 1, i + 1) { return 1 }
            if i + 1 < n, a[i] == b[i + 1], a[i + 1] == b[i], same(i + 2, i + 2) { return 1 }
            return 2
        }
        if n == m + 1 { return same(i + 1, i) ? 1 : 2 }
        if m == n + 1 { return same(i, i + 1) ? 1 : 2 }
        return 2
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
        for (key, _) in o { try checkNearMiss(key) }
    }

    /// Refuses `key` when it is a near miss of a reserved member.
    static func checkNearMiss(_ key: String) throws(DecisionError) {
        if let meant = nearMiss(key) {
            throw DecisionError(
                .invalidRequest, path: ErrorText.name(key),
                "unknown request member \(ErrorText.quoted(key)) (did you mean \"\(meant)\"? Members this close to a reserved one are refused rather than read as data: rename or nest the data, e.g. under \"user\")"
            )
        }
    }
}
