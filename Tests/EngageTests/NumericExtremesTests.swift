import Foundation
import Testing

@testable import Engage

// Issue 13, point 8: every scalar of every document the library reads — engine configs,
// campaign sets, decide requests, records, contexts and the questions asked in them —
// replaced in turn by the numeric extremes (±2^63, 2^63-1, -2^63-1, ±(2^53+1), ±1e308,
// 1e-400, -0, 0.5, -1, 0, 2^31, 2^32) and by the numbers-as-text a careless host sends
// ("NaN", "Infinity", "-9223372036854775808"). Strings and booleans get them too: a number where text was expected is a
// classic trap. For each case: no trap (a trap ends the test process — that is the
// failure), and the call either succeeds or throws its typed error with every text
// ≤ `ErrorText.maxBytes` and a path that names the field that was changed. Where a
// reader accepts the value, what follows runs too: a loaded set decides the example
// requests, an accepted record is followed by a committing decision for its user.
//
// Deterministic: the documents are the repository's examples, read in place, and the
// substitutions are a fixed list. ENGAGE_NUMERIC_TRACE=1 prints each case before it
// runs and its outcome after (with --no-parallel, a trap's last line names the case).

/// The values each scalar is replaced with, as JSON text.
private let literals: [String] = [
    "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "9007199254740993", "-9007199254740993", "1e308", "-1e308", "1e-400", "-0", "0.5", "-1", "0",
    "4294967296", "2147483648", #""NaN""#, #""Infinity""#, #""-9223372036854775808""#,
]

/// One substitution: the value the parser makes of one or more of the ``literals``.
/// Literals it maps to the same value are one case — 2^63-1 and 2^63 are both the
/// double 2^63, 1e-400 is 0 — since a reader sees only the value; `label` names them
/// all.
private struct Extreme: Sendable {
    let label: String
    let value: JSON
}

private let extremes: [Extreme] = {
    var out: [(literals: [String], key: String, value: JSON)] = []
    for literal in literals {
        guard let value = try? JSONParser.parse(literal) else { continue } // checked by `literalsParse`
        let key: String
        switch value {
        case .number(let d): key = "n\(d.bitPattern)" // keeps -0 apart from 0
        default: key = "\(value)"
        }
        if let i = out.firstIndex(where: { $0.key == key }) {
            out[i].literals.append(literal)
        } else {
            out.append(([literal], key, value))
        }
    }
    return out.map { Extreme(label: $0.literals.joined(separator: " = "), value: $0.value) }
}()

/// The time the engines run at: the `--now` of the example decisions.
private let now: Int64 = 1_795_150_000_000

// MARK: - Documents

/// One step from a value into one of its members (by position) or elements.
private enum Step {
    case member(Int)
    case element(Int)
}

/// A document and its scalars, each with its path as the readers render it
/// (`campaigns[0].caps[0].count`, `defaults.fixed_clock_ms`, `now`).
private struct Document {
    let name: String
    let json: JSON
    /// Every scalar's path, in document order.
    let fields: [String]
    private let steps: [[Step]]

    init(_ name: String, _ json: JSON) {
        self.name = name
        self.json = json
        var fields: [String] = []
        var steps: [[Step]] = []
        var stack: [Step] = []
        Self.walk(json, "", &stack, &fields, &steps)
        self.fields = fields
        self.steps = steps
    }

    private static func walk(
        _ v: JSON, _ path: String, _ stack: inout [Step],
        _ fields: inout [String], _ steps: inout [[Step]]
    ) {
        switch v {
        case .array(let a):
            for (i, e) in a.enumerated() {
                stack.append(.element(i))
                walk(e, path + "[\(i)]", &stack, &fields, &steps)
                stack.removeLast()
            }
        case .object(let o):
            for (i, (k, e)) in o.enumerated() {
                stack.append(.member(i))
                walk(e, path.isEmpty ? k : path + "." + k, &stack, &fields, &steps)
                stack.removeLast()
            }
        default:
            fields.append(path)
            steps.append(stack)
        }
    }

    /// The document with scalar number `target` replaced by `value`.
    func replacing(_ target: Int, with value: JSON) -> JSON {
        Self.replace(json, steps[target][...], value)
    }

    private static func replace(_ v: JSON, _ steps: ArraySlice<Step>, _ value: JSON) -> JSON {
        guard let step = steps.first else { return value }
        switch (v, step) {
        case (.array(var a), .element(let i)) where a.indices.contains(i):
            a[i] = replace(a[i], steps.dropFirst(), value)
            return .array(a)
        case (.object(let o), .member(let i)) where o.values.indices.contains(i):
            var values = o.values
            values[i] = replace(values[i], steps.dropFirst(), value)
            return .object(JSONObject(keys: o.keys, values: values))
        default:
            return v
        }
    }

    /// Every (field index, field path, extreme) case.
    var cases: [(index: Int, field: String, value: Extreme)] {
        var out: [(Int, String, Extreme)] = []
        for (i, field) in fields.enumerated() {
            for e in extremes { out.append((i, field, e)) }
        }
        return out
    }
}

private enum Files {
    static let root = SharedFixtures.projectRoot

    static func json(_ relative: String) throws -> JSON {
        guard let data = FileManager.default.contents(atPath: root + "/" + relative) else {
            throw SharedFixtures.FixtureError.missing(root + "/" + relative)
        }
        return try JSONParser.parse([UInt8](data))
    }

    /// The valid examples of a folder (`invalid-*` left out), as documents.
    static func examples(_ folder: String) throws -> [Document] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/examples/" + folder)
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("invalid") }.sorted()
            .map { Document("examples/\(folder)/\($0)", try json("examples/\(folder)/\($0)")) }
    }

    static let campaignSets = ["examples/campaigns/telco-full.json", "examples/telco/campaigns.json"]
}

/// `json` (an object) with member `key` set to `value` (added when absent) or removed (nil).
private func setting(_ json: JSON, _ key: String, _ value: JSON?) -> JSON {
    guard case .object(let o) = json else { return json }
    var pairs = o.filter { $0.key != key }.map { ($0.key, $0.value) }
    if let value {
        if let i = o.keys.firstIndex(of: key) { pairs.insert((key, value), at: i) } else { pairs.append((key, value)) }
    }
    return .object(JSONObject(pairs))
}

/// `json` without the member at dotted `path` (object keys only).
private func removing(_ json: JSON, _ path: Substring) -> JSON {
    guard let dot = path.firstIndex(of: ".") else { return setting(json, String(path), nil) }
    let head = String(path[..<dot])
    guard let inner = json[head] else { return json }
    return setting(json, head, removing(inner, path[path.index(after: dot)...]))
}

// MARK: - Checking one case

/// What a reader did with one case.
private struct Outcome {
    /// Each error's (path, message); empty when the call succeeded.
    var errors: [(path: String, message: String)] = []
    /// What went wrong after the reader accepted the value (a later call failed).
    var after: [String] = []
    /// Every error is a reference elsewhere that no longer resolves: the value was a
    /// campaign id, a tag, or an event or property of the `events` vocabulary that
    /// other members name (`impressions`, `tag_caps`, triggers, filters).
    var onlyDanglingReferences = false
}

/// Collects what the cases of one test found; reported once, at its end.
private final class Findings {
    let kind: String
    var cases = 0
    var refused = 0
    var lines: [String] = []

    init(_ kind: String) { self.kind = kind }

    /// Checks one case's outcome: every text short, a refusal naming `field` (when
    /// `nameRequired`), nothing failing after an acceptance.
    func check(_ doc: String, _ field: String, _ value: Extreme, _ outcome: Outcome, nameRequired: Bool = true) {
        cases += 1
        let at = "\(doc)|\(field)|\(value.label)"
        if tracing {
            let result = outcome.errors.first.map { "\($0.path.prefix(100)): \($0.message.prefix(100))" } ?? "accepted"
            FileHandle.standardError.write(Data("numeric-extremes: \(at) → \(result)\n".utf8))
        }
        for e in outcome.errors where e.path.utf8.count > ErrorText.maxBytes || e.message.utf8.count > ErrorText.maxBytes {
            lines.append("\(at): error text too long (path \(e.path.utf8.count) B, message \(e.message.utf8.count) B)")
        }
        if !outcome.errors.isEmpty {
            refused += 1
            if nameRequired, !outcome.onlyDanglingReferences, !outcome.errors.contains(where: { names($0.path, field) }) {
                let shown = outcome.errors.prefix(3).map { "\($0.path.prefix(120)): \($0.message.prefix(160))" }
                lines.append("\(at): the error does not name the field — \(shown.joined(separator: " | "))")
            }
        }
        for a in outcome.after { lines.append("\(at): accepted, then \(a)") }
    }

    func report() {
        if tracing { print("numeric-extremes: \(kind): \(cases) cases, \(refused) refused, \(lines.count) findings") }
        #expect(cases > 0, "\(kind): no cases ran")
        if !lines.isEmpty {
            let shown = lines.prefix(200).joined(separator: "\n")
            Issue.record("\(kind): \(lines.count) finding(s) in \(cases) cases\n\(shown)")
        }
    }
}

/// Whether an error at `path` names `field`: the field itself or something inside it.
private func names(_ path: String, _ field: String) -> Bool {
    path == field || path.hasPrefix(field + ".") || path.hasPrefix(field + "[")
}

private let tracing = ProcessInfo.processInfo.environment["ENGAGE_NUMERIC_TRACE"] == "1"

/// With ENGAGE_NUMERIC_TRACE=1, names the case about to run (the last line before a trap).
private func trace(_ doc: String, _ field: String, _ value: Extreme) {
    guard tracing else { return }
    FileHandle.standardError.write(Data("numeric-extremes: \(doc)|\(field)|\(value.label)\n".utf8))
}

/// Fresh user ids, so no case sees another's state.
private final class UserIDs {
    private var next = 0
    private let prefix: String
    init(_ prefix: String) { self.prefix = prefix }
    func fresh() -> JSON {
        next += 1
        return .string("nx-\(prefix)-\(next)")
    }
}

/// `json` with a fresh `user_id`, unless the case is about `user_id` itself.
private func withFreshUser(_ json: JSON, _ field: String, _ users: UserIDs) -> JSON {
    field == "user_id" ? json : setting(json, "user_id", users.fresh())
}

// MARK: - The suite

@Suite struct NumericExtremesTests {
    static func engine(_ setPath: String) throws -> Engine {
        let engine = Engine(clock: { now })
        try engine.load(json: try Files.json(setPath))
        return engine
    }

    /// Every literal parses, and only the pairs that collapse to one double do.
    @Test func literalsParse() throws {
        for literal in literals { _ = try JSONParser.parse(literal) }
        #expect(extremes.count == 15, "\(extremes.map(\.label))")
        #expect(try JSONParser.parse("1e-400") == .number(0))
        #expect(try JSONParser.parse("-0").doubleValue?.sign == .minus)
    }

    // MARK: Engine configs

    /// Each example config; the same with the members it refuses removed (so every
    /// member left is read, and a refusal can only come from the changed value: only
    /// those must name the field); one that sets every member the reader knows.
    @Test func engineConfigs() throws {
        let findings = Findings("engine configs")
        var docs: [(Document, strict: Bool)] = []
        for doc in try Files.examples("config") {
            docs.append((doc, false))
            var json = doc.json
            var removed: [String] = []
            while case .failure(let p) = EngineConfig.read(json), !p.path.isEmpty, removed.count < 16 {
                removed.append(p.path)
                var next = removing(json, p.path[...])
                if next == json, let dot = p.path.lastIndex(of: ".") { // a required member: drop its parent
                    next = removing(json, p.path[..<dot])
                }
                json = next
            }
            guard case .success = EngineConfig.read(json) else {
                Issue.record("\(doc.name): not readable even without \(removed)")
                continue
            }
            docs.append((Document(doc.name + " (read members only)", json), true))
        }
        let every = try JSONParser.parse(
            #"""
            {"store": {"kind": "sqlite", "path": "/tmp/engage-numeric-extremes.db", "sync": "batch",
                       "cache_users": 1000, "cache_ttl_ms": 500},
             "limits": {"max_request_bytes": 65536, "max_depth": 64, "max_steps": 50000, "history_retention": "35d"},
             "defaults": {"time_zone": "Asia/Seoul", "fixed_clock_ms": 1795150000000}}
            """#)
        #expect(throws: Never.self) { try EngineConfig.read(every).get() }
        docs.append((Document("every config member", every), true))

        for (doc, strict) in docs {
            for c in doc.cases {
                trace(doc.name, c.field, c.value)
                var outcome = Outcome()
                if case .failure(let p) = EngineConfig.read(doc.replacing(c.index, with: c.value.value)) {
                    outcome.errors = [(p.path, p.message)]
                }
                findings.check(doc.name, c.field, c.value, outcome, nameRequired: strict)
            }
        }
        findings.report()
    }

    // MARK: Campaign sets

    /// Each set with one scalar changed, loaded (compiled) into an engine; a set that
    /// loads decides every example request (a fresh user each, committing). Split in
    /// two parts per set (alternate fields) to use two cores.
    @Test(arguments: Files.campaignSets, 0..<2) func campaignSets(_ path: String, part: Int) throws {
        let findings = Findings("\(path) part \(part)")
        let doc = Document(path, try Files.json(path))
        let requests = try Files.examples("requests").map(\.json)
        let users = UserIDs("set-\(part)")
        let engine = Engine(clock: { now })
        try engine.load(json: doc.json)
        for c in doc.cases where c.index % 2 == part {
            trace(doc.name, c.field, c.value)
            var outcome = Outcome()
            do throws(CampaignSetLoadError) {
                try engine.load(json: doc.replacing(c.index, with: c.value.value))
                for request in requests {
                    do throws(DecisionError) {
                        _ = try engine.decide(json: setting(request, "user_id", users.fresh()))
                    } catch {
                        let question = request["placements"] ?? request["placement"] ?? request["event"] ?? .null
                        outcome.after.append("deciding \(question) failed: \(error)")
                    }
                }
            } catch {
                outcome.errors = error.problems.map { ($0.path, $0.message) }
                outcome.onlyDanglingReferences = error.problems.allSatisfy {
                    [.unknownReference, .unknownEvent, .unknownProperty].contains($0.code)
                }
            }
            findings.check(doc.name, c.field, c.value, outcome)
        }
        findings.report()
    }

    // MARK: Requests

    /// Each example request decided against both telco sets (commit as the request
    /// says: on by default), then explained when it reads.
    @Test func requests() throws {
        let findings = Findings("requests")
        let engines = try Files.campaignSets.map { try Self.engine($0) }
        let users = UserIDs("req")
        for doc in try Files.examples("requests") {
            for c in doc.cases {
                trace(doc.name, c.field, c.value)
                let mutated = doc.replacing(c.index, with: c.value.value)
                for engine in engines {
                    let json = withFreshUser(mutated, c.field, users)
                    var outcome = Outcome()
                    do throws(DecisionError) {
                        _ = try engine.decide(json: json)
                        _ = try engine.explain(DecisionRequest(json: json))
                    } catch {
                        outcome.errors = [(error.path, error.message)]
                    }
                    findings.check(doc.name, c.field, c.value, outcome)
                }
            }
        }
        findings.report()
    }

    // MARK: Records

    /// Each example record for a fresh user; when accepted, a committing decision for
    /// that user on every placement and the page_view event.
    @Test func records() throws {
        let findings = Findings("records")
        let engine = try Self.engine(Files.campaignSets[0])
        let placements = JSON.array((engine.campaignSet?.placementNames ?? []).map { .string($0) })
        let users = UserIDs("rec")
        for doc in try Files.examples("records") {
            for c in doc.cases {
                trace(doc.name, c.field, c.value)
                let json = withFreshUser(doc.replacing(c.index, with: c.value.value), c.field, users)
                var outcome = Outcome()
                do throws(DecisionError) {
                    try engine.record(json: json)
                } catch {
                    outcome.errors = [(error.path, error.message)]
                }
                if outcome.errors.isEmpty, let user = json["user_id"] {
                    let question: JSON = [
                        "user_id": user, "event": ["name": "page_view", "properties": ["page": "/plans"]],
                        "placements": placements, "k": 3,
                    ]
                    do throws(DecisionError) {
                        _ = try engine.decide(json: question)
                    } catch {
                        outcome.after.append("deciding for the user failed: \(error)")
                    }
                }
                findings.check(doc.name, c.field, c.value, outcome)
            }
        }
        findings.report()
    }

    // MARK: Contexts

    /// Each example request split into a context (without `placement`, `placements`,
    /// `event`) and a question (those members): the context's scalars changed with the
    /// question as sent, then the question's in the context as sent.
    @Test func contexts() throws {
        let findings = Findings("contexts")
        let engine = try Self.engine(Files.campaignSets[0])
        let users = UserIDs("ctx")
        let questionKeys = ["placement", "placements", "event"]
        for request in try Files.examples("requests") {
            guard case .object(let o) = request.json else { continue }
            var context = request.json
            for key in questionKeys { context = setting(context, key, nil) }
            let question = JSON.object(JSONObject(o.filter { questionKeys.contains($0.key) }.map { ($0.key, $0.value) }))
            let contextDoc = Document(request.name + " as a context", context)
            let questionDoc = Document(request.name + " as a question", question)

            for c in contextDoc.cases {
                trace(contextDoc.name, c.field, c.value)
                let json = withFreshUser(contextDoc.replacing(c.index, with: c.value.value), c.field, users)
                var outcome = Outcome()
                do throws(DecisionError) {
                    _ = try engine.decide(question, in: DecisionContext(json: json))
                } catch {
                    outcome.errors = [(error.path, error.message)]
                }
                findings.check(contextDoc.name, c.field, c.value, outcome)
            }
            for c in questionDoc.cases {
                trace(questionDoc.name, c.field, c.value)
                var outcome = Outcome()
                do throws(DecisionError) {
                    let ctx = try DecisionContext(json: setting(context, "user_id", users.fresh()))
                    _ = try engine.decide(questionDoc.replacing(c.index, with: c.value.value), in: ctx)
                } catch {
                    outcome.errors = [(error.path, error.message)]
                }
                findings.check(questionDoc.name, c.field, c.value, outcome)
            }
        }
        findings.report()
    }
}
