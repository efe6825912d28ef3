/// Walks a campaign-set document once, building the typed model and the compiled rules
/// together and recording **every** problem (up to a cap) with its JSON path.
///
/// The path is a stack of components rendered to text only when a problem is reported,
/// so a valid set of 10,000 campaigns builds no path strings. Each `read…` helper
/// reports at the current path and returns nil for a bad value; callers push a
/// component (``at(_:_:)``) before reading a member.
struct CampaignSetReader {
    enum Component {
        case key(String)
        case index(Int)
    }

    let options: CampaignSetOptions
    /// Rule compile options, with the set's segment table once it is built.
    var compileOptions: CompileOptions
    /// What the set's rules may still spend on compiling (``CampaignSetOptions/maxCompileWork``).
    var compileWork: CompileWork
    /// Every zone the set names, loaded.
    var zones: [String: ZoneRules] = [:]
    var problems: [CampaignSetError] = []
    var truncated = false
    /// Problems found, including those past the cap that were not kept.
    var problemCount = 0
    /// Messages (with their paths and suggestions) built: at most the cap, whatever the
    /// number of problems — the work past the cap is a count (a test hook).
    private(set) var messagesBuilt = 0
    /// Findings that do not fail the load (see ``CompiledCampaignSet/warnings``), capped
    /// like ``problems``.
    var warnings: [CampaignSetError] = []
    var warningsTruncated = false
    /// Names the set refers to, checked once the whole document is read.
    var references = ReferenceLedger()
    var path: [Component] = []

    init(options: CampaignSetOptions) {
        self.options = options
        compileOptions = CompileOptions(
            maxDepth: options.maxRuleDepth, maxNodes: options.maxRuleNodes,
            zones: options.zones)
        compileWork = CompileWork(limit: options.maxCompileWork)
        path.reserveCapacity(8)
    }

    // MARK: - Paths and problems

    /// Runs `body` with `component` pushed on the path.
    @inline(__always)
    mutating func at<T>(_ component: Component, _ body: (inout CampaignSetReader) -> T) -> T {
        path.append(component)
        defer { path.removeLast() }
        return body(&self)
    }

    mutating func at<T>(_ key: String, _ body: (inout CampaignSetReader) -> T) -> T {
        at(.key(key), body)
    }

    /// The current path as text, with `suffix` (a rule's own path) appended.
    func renderedPath(_ suffix: String = "") -> String {
        var s = ""
        for c in path {
            switch c {
            case .key(let k):
                let shown = ErrorText.name(k)
                s += s.isEmpty ? shown : "." + shown
            case .index(let i): s += "[\(i)]"
            }
        }
        if suffix.isEmpty { return s }
        if s.isEmpty { return suffix }
        return suffix.utf8.first == UInt8(ascii: "[") ? s + suffix : s + "." + suffix
    }

    var hasRoom: Bool { problems.count < options.maxProblems }

    /// Records a problem at the current path. Past ``CampaignSetOptions/maxProblems`` it
    /// is only counted: neither its message nor its path is built, so rejecting a
    /// document with a million bad members costs a count per member, not a message.
    mutating func report(_ code: CampaignSetError.Code, _ message: @autoclosure () -> String, suffix: @autoclosure () -> String = "") {
        problemCount += 1
        guard hasRoom else {
            truncated = true
            return
        }
        messagesBuilt += 1
        problems.append(CampaignSetError(path: renderedPath(suffix()), code: code, message: message()))
    }

    // MARK: - Shapes

    /// `"abc"`, `12`, `true`, `null`, or "an array"/"an object": how a found value is shown.
    static func shown(_ v: JSON) -> String { ErrorText.shown(v) }

    mutating func wrongType(_ v: JSON, expected: String) {
        report(.wrongType, "expected \(expected), found \(Self.shown(v))")
    }

    mutating func object(_ v: JSON, _ expected: String = "an object") -> JSONObject? {
        if case .object(let o) = v { return o }
        wrongType(v, expected: expected)
        return nil
    }

    mutating func array(_ v: JSON, _ expected: String = "an array") -> [JSON]? {
        if case .array(let a) = v { return a }
        wrongType(v, expected: expected)
        return nil
    }

    /// A string of 1…`maxNameBytes` bytes (ids, names, events, placements, tags).
    mutating func name(_ v: JSON, _ what: String = "a non-empty string") -> String? {
        guard case .string(let s) = v else {
            wrongType(v, expected: what)
            return nil
        }
        let n = s.utf8.count
        if n == 0 {
            report(.outOfRange, "expected \(what), found \"\"")
            return nil
        }
        let limit = options.maxNameBytes
        if n > limit {
            report(.outOfRange, "string of \(n) bytes is longer than the limit of \(limit)")
            return nil
        }
        return s
    }

    /// A bucketing salt: 0…`maxNameBytes` bytes without U+0000. The bucketing key joins
    /// its fields with 0x00 bytes, so a salt holding one could bucket nobody: every user
    /// would silently fall out of the holdout, variants or control group it salts.
    mutating func salt(_ v: JSON) -> String? {
        guard case .string(let s) = v else {
            wrongType(v, expected: "a string (the bucketing salt)")
            return nil
        }
        let n = s.utf8.count, limit = options.maxNameBytes
        if n > limit {
            report(.outOfRange, "salt of \(n) bytes is longer than the limit of \(limit)")
            return nil
        }
        if let at = s.utf8.firstIndex(of: 0) {
            let offset = s.utf8.distance(from: s.utf8.startIndex, to: at)
            report(.outOfRange, "a salt must not contain U+0000 (found at byte \(offset)): bucketing keys join their fields with 0x00")
            return nil
        }
        return s
    }

    mutating func string(_ v: JSON) -> String? {
        if case .string(let s) = v { return s }
        wrongType(v, expected: "a string")
        return nil
    }

    mutating func integer(_ v: JSON, _ range: ClosedRange<Int>, _ what: String = "an integer") -> Int? {
        guard case .number(let d) = v, let i = v.intValue, Double(i) == d else {
            wrongType(v, expected: what)
            return nil
        }
        guard range.contains(i) else {
            report(.outOfRange, "\(i) is out of range (expected \(range.lowerBound) to \(range.upperBound))")
            return nil
        }
        return i
    }

    mutating func percent(_ v: JSON) -> Double? {
        guard case .number(let d) = v else {
            wrongType(v, expected: "a percentage (a number from 0 to 100)")
            return nil
        }
        guard d >= 0, d <= 100 else {
            report(.outOfRange, "percentage \(v) is out of range (expected 0 to 100)")
            return nil
        }
        return d
    }

    mutating func bool(_ v: JSON) -> Bool? {
        if case .bool(let b) = v { return b }
        wrongType(v, expected: "true or false")
        return nil
    }

    /// One of an enumeration's raw values: `unknown purpose "promo" (expected marketing, …)`.
    mutating func choice<E: RawRepresentable & CaseIterable>(
        _ v: JSON, _ type: E.Type, _ what: String,
        code: CampaignSetError.Code = .unknownValue
    ) -> E?
    where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let s) = v else {
            wrongType(v, expected: "a \(what) (\(allowed))")
            return nil
        }
        guard let e = E(rawValue: s) else {
            report(code, "unknown \(what) \(Self.shown(v)) (expected \(allowed))")
            return nil
        }
        return e
    }

    mutating func channel(_ v: JSON) -> Channel? {
        choice(v, Channel.self, "channel", code: .unknownChannel)
    }

    /// A channel named by an object key (`channels.fax`).
    mutating func channel(key: String) -> Channel? {
        channel(.string(key))
    }

    /// A list of unique names (tags, placements).
    mutating func names(_ v: JSON) -> [String]? {
        guard let a = array(v, "an array of strings") else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            if let s = at(.index(i), { $0.name(e) }), !out.contains(s) { out.append(s) }
        }
        return out
    }

    // MARK: - Members

    /// Reports member `key` of the object at the current path as an unknown field, with
    /// a suggestion when one of the `known` names is a likely typo of it.
    mutating func unknownField(_ key: String, known: [String]) {
        at(.key(key)) { $0.unknownFieldHere(key, known: known) }
    }

    /// As ``unknownField(_:known:)`` when the path already ends at `key`.
    mutating func unknownFieldHere(_ key: String, known: [String]) {
        guard hasRoom else { return report(.unknownField, "") }
        var message = "unknown field \(Self.shown(.string(key)))"
        if let guess = Self.closest(to: key, in: known) { message += " (did you mean \"\(guess)\"?)" }
        report(.unknownField, message)
    }

    mutating func missing(_ field: String, _ expected: String) {
        report(.missingField, "missing required field \"\(field)\" (\(expected))")
    }

    /// The known name within edit distance 2 of `key` (the nearest, the first of equals;
    /// nil if none; never `key` itself). Long keys (over 64 bytes) are skipped.
    static func closest(to key: String, in known: [String]) -> String? {
        var unlimited = Int.max
        return closest(to: key, in: known, work: &unlimited)
    }

    /// As ``closest(to:in:)``, spending at most `work`: one unit per name looked at plus
    /// one per cell of edit-distance table filled. Nil once `work` runs out, so a search
    /// over 100,000 campaign ids costs a bounded amount however many names are unknown.
    static func closest(to key: String, in known: [String], work: inout Int) -> String? {
        let k = Array(key.utf8)
        guard k.count <= 64 else { return nil }
        var best: (String, Int)?
        for name in known {
            guard work > 0 else { return nil }
            work -= 1
            let n = name.utf8.count
            // More than 2 bytes apart in length is more than 2 edits apart.
            guard abs(n - k.count) <= 2, name != key else { continue }
            work -= (k.count + 1) * (n + 1)
            let d = editDistance(k, Array(name.utf8))
            if d <= 2, d < (best?.1 ?? Int.max) { best = (name, d) }
        }
        return best?.0
    }

    /// Levenshtein distance of two byte strings.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
