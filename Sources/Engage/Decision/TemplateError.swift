/// A payload string that does not compile as a template: where it is, what kind of
/// problem it is, and where in the string.
///
/// ```
/// campaigns[2].channels.push.payload.body: unterminated placeholder at character 14
/// ```
///
/// ``path`` is the JSON path of the string: the path given to
/// ``PayloadTemplate/compile(_:format:path:)`` followed by members as `.name` and
/// array elements as `[i]`. ``character`` counts Unicode scalars from 1 (0 when the
/// problem has no position, as for ``Code/tooDeep``). ``code`` is stable; the message
/// is for people and may be reworded.
struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable problem categories.
    enum Code: String, Sendable, Hashable, CaseIterable {
        /// `{{` with no closing `}}` (the position is the `{{`).
        case unterminatedPlaceholder = "unterminated_placeholder"
        /// `{{}}` or `{{   }}`.
        case emptyPlaceholder = "empty_placeholder"
        /// A path with an empty segment (`user..name`, `.name`, `name.`).
        case invalidPath = "invalid_path"
        /// A default that is not a JSON string, number, `true`, `false` or `null`.
        case invalidDefault = "invalid_default"
        /// A filter other than `default` (`{{name | upper}}`).
        case unknownFilter = "unknown_filter"
        /// Anything else out of place inside the braces (`{{a b}}`, `{{"x" | default: 1}}`).
        case unexpectedCharacter = "unexpected_character"
        /// The payload nests deeper than ``JSONLimits/depthCeiling``.
        case tooDeep = "too_deep"
    }

    /// The JSON path of the offending string inside the document.
    let path: String
    /// The category.
    let code: Code
    /// 1-based position in the string, in Unicode scalars; 0 when not applicable.
    let character: Int
    /// What was expected and what was found, ending with the position.
    let message: String

    init(path: String, code: Code, character: Int, message: String) {
        self.path = ErrorText.bounded(path)
        self.code = code
        self.character = character
        self.message = ErrorText.bounded(message)
    }

    /// `campaigns[2].channels.push.payload.body: unterminated placeholder at character 14`.
    var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Why a compiled payload could not be rendered for one request. The engine drops the
/// campaign with ``reason`` rather than send a message with a hole in it.
///
/// The error names the placeholder and the payload field, never the request's values,
/// so it can be logged and shown in explanations without leaking user data.
struct TemplateRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable failure categories.
    enum Code: String, Sendable, Hashable, CaseIterable {
        /// The path is absent from the request data or is `null`, and there is no default.
        case missing
        /// The path holds an object or an array, which has no text form, and there is
        /// no default.
        case notText = "not_text"
        /// The rendered strings would exceed the byte budget passed to `render`.
        case tooLarge = "too_large"
    }

    /// The category.
    let code: Code
    /// The placeholder's path as written (`user.first_name`); empty for ``Code/tooLarge``.
    let placeholder: String
    /// The JSON path of the payload string being rendered (`channels.push.payload.title`).
    let field: String
    /// For ``Code/notText``, the type found (`object`, `array`); empty otherwise.
    let found: String
    /// For ``Code/tooLarge``, the budget that was exceeded; 0 otherwise.
    let maxBytes: Int

    init(code: Code, placeholder: String = "", field: String, found: String = "", maxBytes: Int = 0) {
        self.code = code
        self.placeholder = placeholder
        self.field = field
        self.found = found
        self.maxBytes = maxBytes
    }

    /// The drop reason: `personalisation: missing user.first_name in channels.push.payload.title`.
    var reason: String {
        let place = field.isEmpty ? "payload" : field
        switch code {
        case .missing:
            return "personalisation: missing \(placeholder) in \(place)"
        case .notText:
            return "personalisation: \(placeholder) is an \(found), not text, in \(place)"
        case .tooLarge:
            return "personalisation: rendered payload exceeds \(maxBytes) bytes at \(place)"
        }
    }

    var description: String { reason }
}
