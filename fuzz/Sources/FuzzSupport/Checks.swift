import Engage

/// The invariants every reader's target asserts. A violation calls `fatalError`, so
/// libFuzzer reports a deadly signal and saves the input. (Traps and sanitizer reports
/// need no check: they are findings by themselves; so is an input that takes longer
/// than run.sh's `-timeout`.)
public enum Check {
    /// The longest path or message any error may carry (issue 13, point 3).
    public static let maxErrorTextBytes = ErrorText.maxBytes

    public static func fail(_ what: String) -> Never {
        fatalError("fuzz invariant broken: \(what)")
    }

    /// One error text: at most ``maxErrorTextBytes`` UTF-8 bytes.
    public static func text(_ text: String, _ role: @autoclosure () -> String) {
        let n = text.utf8.count
        guard n <= maxErrorTextBytes else {
            fail("\(role()) is \(n) bytes (over \(maxErrorTextBytes)): \(text.prefix(160))…")
        }
    }

    public static func error(_ e: JSONParseError, _ step: String) {
        Seeds.note("\(step): \(e)")
        text(e.message, "\(step): JSON parse error message")
        text(e.description, "\(step): JSON parse error description")
        guard e.offset >= 0 else { fail("\(step): JSON parse error at negative offset \(e.offset)") }
    }

    public static func error(_ e: DecisionError, _ step: String) {
        Seeds.note("\(step): \(e)")
        text(e.path, "\(step): \(e.code.rawValue) error path")
        text(e.message, "\(step): \(e.code.rawValue) error message (path \(e.path.prefix(80)))")
    }

    public static func error(_ e: EngineConfig.Problem) {
        Seeds.note("config: \(e)")
        text(e.path, "config problem path")
        text(e.message, "config problem message (path \(e.path.prefix(80)))")
    }

    /// Every problem's texts, and a count within the cap.
    public static func error(_ e: CampaignSetLoadError, maxProblems: Int) {
        Seeds.note("campaign set: \(e.problems.count) problems, first \(e.problems.first?.description ?? "-")")
        guard !e.problems.isEmpty else { fail("a campaign set was refused with no problem listed") }
        guard e.problems.count <= maxProblems else {
            fail("\(e.problems.count) problems listed, over the cap of \(maxProblems)")
        }
        for p in e.problems {
            text(p.path, "campaign-set problem path (\(p.code.rawValue))")
            text(p.message, "campaign-set problem message (\(p.code.rawValue) at \(p.path.prefix(80)))")
        }
    }

    /// `bytes` parsed within `limits`, or nil (its error checked).
    public static func parse(_ bytes: [UInt8], _ limits: JSONLimits, _ step: String) -> JSON? {
        do throws(JSONParseError) {
            return try JSONParser.parse(bytes, limits: limits)
        } catch {
            Check.error(error, step)
            guard error.offset <= bytes.count else {
                fail("\(step): JSON parse error offset \(error.offset) past the input's \(bytes.count) bytes")
            }
            return nil
        }
    }
}
