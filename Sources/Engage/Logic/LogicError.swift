/// An error from compiling or evaluating a rule.
///
/// Every error names where in the rule it happened (``path``, e.g. `and[1].var`) and
/// what was wrong. Its ``type`` is the JSON Logic error kind: `Invalid Arguments`,
/// `NaN`, or the type of a value raised by `throw`; `try` catches those three.
/// Compile errors (`Unknown Operator`) and exceeded limits (`Limit Exceeded`) are not
/// catchable by `try`: a rule cannot recover from its own budget running out.
public struct LogicError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of the error.
    public enum Kind: String, Sendable {
        /// An operator got arguments it cannot work with (wrong count or shape).
        case invalidArguments = "Invalid Arguments"
        /// Arithmetic or comparison on a value with no numeric meaning, or a result
        /// that is not a finite number (division by zero).
        case nan = "NaN"
        /// A value raised by the `throw` operator.
        case thrown = "Thrown"
        /// The rule names an operator that does not exist.
        case unknownOperator = "Unknown Operator"
        /// A rule refers to something undefined (a segment, a time zone) or defines
        /// something inconsistently (a segment cycle).
        case invalidRule = "Invalid Rule"
        /// An evaluation or compile limit was exceeded (steps, sizes, depth).
        case limitExceeded = "Limit Exceeded"
    }

    /// The category.
    public let kind: Kind
    /// Where in the rule: operators by name, arguments by index (`and[1].>=[0]`);
    /// empty for the rule's root.
    public var path: String
    /// What was wrong, e.g. `unknown operator "foo"`.
    public let message: String
    /// For `throw`: the raised value as the catching `try` sees it (an object with a
    /// `type` member). For other kinds, `{"type": kind}`.
    public let payload: JSON

    init(_ kind: Kind, path: String, _ message: String, payload: JSON? = nil) {
        self.kind = kind
        self.path = ErrorText.bounded(path)
        self.message = ErrorText.bounded(message)
        self.payload = payload ?? .object(JSONObject([("type", .string(kind.rawValue))]))
    }

    init(_ kind: Kind, at node: Node, _ message: String) {
        self.init(kind, path: node.path, message)
    }

    /// The JSON Logic error type: `Invalid Arguments`, `NaN`, a thrown value's
    /// `type`, or this error's kind name.
    public var type: String {
        if kind == .thrown {
            if case .string(let t)? = payload["type"] { return t }
            return JSONSerializer.string(payload)
        }
        return kind.rawValue
    }

    /// Whether `try` may catch this error.
    var isCatchable: Bool {
        kind == .invalidArguments || kind == .nan || kind == .thrown
    }

    /// `and[1]: unknown operator "foo"`.
    public var description: String {
        path.isEmpty ? "\(type): \(message)" : "\(path): \(type): \(message)"
    }
}
