/// A channel's message payload compiled for personalisation: the JSON payload with
/// every string split, once, into literal text and `{{path}}` placeholders.
///
/// **Syntax** (docs/personalisation.md). Inside any string *value* of the payload — keys
/// are never templated — `{{ path }}` is replaced by the value at `path` in the request
/// data and `{{ path | default: "x" }}` falls back to `"x"` when that value is missing.
/// `path` is dotted as in JSON Logic `var` (`user.first_name`, `items.0.name`); the
/// default is a JSON literal (a string in double quotes with JSON escapes, a number,
/// `true`, `false` or `null`, which renders nothing). `{{"{{"}}` writes literal braces:
/// a JSON string alone inside the braces is literal text. Whitespace inside the braces
/// is ignored. Anything else in braces, or a `{{` that is never closed, is a compile
/// error naming the string's JSON path and the character.
///
/// **Values.** A string renders its contents, a number its JSON text (`3`, `2.5`), a
/// boolean `true`/`false`. Rendering always produces strings: a string that is exactly
/// `{{age}}` renders `"42"`, not `42`, so a payload's shape never depends on the
/// request. An absent or `null` value is *missing*; an object or array has no text
/// form. Either uses the default if there is one and otherwise fails the render
/// (``TemplateRenderError``): the engine drops the campaign with a reason instead of
/// sending a message with a hole in it. An empty string is a value, not missing.
///
/// **Escaping.** Values and defaults are escaped for ``format``; literal text is
/// copied as written (it is the author's markup or URL): `plain` copies; `html`
/// escapes `& < > " '` as entities; `url` percent-encodes every UTF-8 byte outside
/// RFC 3986 unreserved characters.
///
/// **Cost.** Compiling is linear in the payload's size. Rendering a payload without
/// placeholders returns the compiled payload itself — no allocation, no work.
/// Otherwise only the parts holding placeholders are rebuilt; each placeholder costs
/// one path lookup, and output is bounded by the `maxBytes` passed to ``render(_:maxBytes:)``.
///
/// Values are immutable and `Sendable`; one compiled template serves every thread.
struct PayloadTemplate: Sendable {
    /// The escaping applied to values.
    let format: PayloadFormat
    /// How many placeholders the payload holds (literal-brace escapes not counted).
    let placeholderCount: Int
    private let root: _TemplateNode

    /// Default cap on the problems one payload reports.
    static let defaultMaxProblems = 100

    /// `true` when rendering has something to fill in.
    var hasPlaceholders: Bool { placeholderCount > 0 }

    /// Compiles `payload`, failing on its first problem.
    ///
    /// - Parameters:
    ///   - path: the payload's JSON path in its document
    ///     (`campaigns[2].channels.push.payload`), prefixed to every error's path.
    ///   - renderPath: the prefix render failures use instead, when they should be
    ///     relative to something else (`channels.push.payload`, the campaign); nil
    ///     uses `path`.
    /// - Throws: ``TemplateError`` for the first string (in document order) that does
    ///   not compile.
    static func compile(
        _ payload: JSON, format: PayloadFormat, path: String,
        renderPath: String? = nil
    ) throws(TemplateError) -> PayloadTemplate {
        var problems: [TemplateError] = []
        let template = compile(
            payload, format: format, path: path, renderPath: renderPath,
            problems: &problems, maxProblems: 1)
        if let first = problems.first { throw first }
        return template
    }

    /// Compiles `payload`, appending one problem per string that does not compile (in
    /// document order, at most `maxProblems` in all) so a campaign-set loader can list
    /// every problem. Problems are appended while `problems.count < maxProblems`. The
    /// result is usable only when no problem was appended; strings with problems are
    /// kept as they were.
    static func compile(
        _ payload: JSON, format: PayloadFormat, path: String, renderPath: String? = nil,
        problems: inout [TemplateError],
        maxProblems: Int = defaultMaxProblems
    ) -> PayloadTemplate {
        var compiler = _TemplateCompiler(format: format, maxProblems: maxProblems, problems: problems)
        let (root, _) = compiler.node(payload, path: path, renderPath: renderPath ?? path, depth: 0)
        problems = compiler.problems
        return PayloadTemplate(format: format, placeholderCount: compiler.placeholders, root: root)
    }

    /// The payload with every placeholder filled from `data`, escaped for ``format``.
    ///
    /// - Parameter maxBytes: the most UTF-8 bytes the rendered strings that hold
    ///   placeholders may total (literal text included); strings without placeholders
    ///   are not counted — their size was bounded when the campaign set was loaded.
    ///   Rendering stops as soon as the budget is passed, so work is O(maxBytes) plus
    ///   one lookup per placeholder.
    /// - Returns: the rendered payload; the compiled payload itself when there are no
    ///   placeholders.
    /// - Throws: ``TemplateRenderError`` for the first placeholder, in document order,
    ///   that is missing or not text and has no default, or when the output would
    ///   exceed `maxBytes`.
    func render(_ data: JSON, maxBytes: Int) throws(TemplateRenderError) -> JSON {
        if case .constant(let value) = root { return value }
        var renderer = _TemplateRenderer(data: data, format: format, limit: max(0, maxBytes))
        return try renderer.render(root)
    }

    /// ``render(_:maxBytes:)`` as a `Result`, for callers that keep failures as values.
    func renderResult(_ data: JSON, maxBytes: Int) -> Result<JSON, TemplateRenderError> {
        do {
            return .success(try render(data, maxBytes: maxBytes))
        } catch {
            return .failure(error)
        }
    }
}

/// A compiled payload: subtrees without placeholders are kept whole.
enum _TemplateNode: Sendable {
    case constant(JSON)
    case string(_TemplateString)
    case array([_TemplateNode])
    case object(keys: [String], values: [_TemplateNode])
}

/// A string holding at least one placeholder.
struct _TemplateString: Sendable {
    let segments: [_TemplateSegment]
    /// The path render failures name.
    let field: String
    /// Bytes of literal text, to size the output buffer.
    let literalBytes: Int
}

/// Walks a payload once, building nodes and collecting problems.
struct _TemplateCompiler {
    let format: PayloadFormat
    let maxProblems: Int
    var problems: [TemplateError]
    var placeholders = 0

    init(format: PayloadFormat, maxProblems: Int, problems: [TemplateError]) {
        self.format = format
        self.maxProblems = maxProblems
        self.problems = problems
    }

    /// The node for `value`, and whether its constant differs from `value` (a string
    /// whose literal-brace escapes were resolved), so unchanged subtrees are kept as is.
    mutating func node(_ value: JSON, path: String, renderPath: String, depth: Int) -> (_TemplateNode, changed: Bool) {
        // Parsed documents are already this shallow; values built in code may not be.
        guard depth <= JSONLimits.depthCeiling else {
            report(
                TemplateError(
                    path: path, code: .tooDeep, character: 0,
                    message: "payload nests deeper than \(JSONLimits.depthCeiling) levels"))
            return (.constant(value), false)
        }
        switch value {
        case .null, .bool, .number:
            return (.constant(value), false)
        case .string(let s):
            return string(s, original: value, path: path, renderPath: renderPath)
        case .array(let elements):
            var nodes: [_TemplateNode] = []
            nodes.reserveCapacity(elements.count)
            var templated = false, changed = false
            for (i, e) in elements.enumerated() {
                let (n, c) = node(e, path: "\(path)[\(i)]", renderPath: "\(renderPath)[\(i)]", depth: depth + 1)
                if case .constant = n {} else { templated = true }
                changed = changed || c
                nodes.append(n)
            }
            if templated { return (.array(nodes), true) }
            return changed ? (.constant(.array(Self.constants(nodes))), true) : (.constant(value), false)
        case .object(let object):
            var nodes: [_TemplateNode] = []
            nodes.reserveCapacity(object.count)
            var templated = false, changed = false
            for (k, v) in object {
                let (n, c) = node(
                    v, path: Self.member(path, k), renderPath: Self.member(renderPath, k),
                    depth: depth + 1)
                if case .constant = n {} else { templated = true }
                changed = changed || c
                nodes.append(n)
            }
            if templated { return (.object(keys: object.keys, values: nodes), true) }
            guard changed else { return (.constant(value), false) }
            return (.constant(.object(JSONObject(keys: object.keys, values: Self.constants(nodes)))), true)
        }
    }

    private mutating func string(
        _ s: String, original: JSON, path: String,
        renderPath: String
    ) -> (_TemplateNode, changed: Bool) {
        // Most payload strings have no braces at all: keep them without copying.
        guard s.utf8.contains(0x7B) else { return (.constant(original), false) }
        let segments: [_TemplateSegment]
        do {
            segments = try _TemplateStringParser.parse(s, format: format)
        } catch {
            report(
                TemplateError(
                    path: path, code: error.code,
                    character: _TemplateStringParser.character(error.offset, in: Array(s.utf8)),
                    message: error.message))
            return (.constant(original), false)
        }
        var literalBytes = 0
        var count = 0
        for segment in segments {
            switch segment {
            case .literal(let bytes): literalBytes += bytes.count
            case .placeholder: count += 1
            }
        }
        guard count > 0 else {
            // Only literal text (a "{" that opens nothing, or {{"{{"}} escapes).
            var text = ""
            if case .literal(let bytes)? = segments.first { text = String(decoding: bytes, as: UTF8.self) }
            return text.utf8.elementsEqual(s.utf8) ? (.constant(original), false) : (.constant(.string(text)), true)
        }
        placeholders += count
        return (.string(_TemplateString(segments: segments, field: renderPath, literalBytes: literalBytes)), true)
    }

    /// The values of nodes known to be constants.
    private static func constants(_ nodes: [_TemplateNode]) -> [JSON] {
        nodes.map { node in
            if case .constant(let c) = node { return c }
            return .null
        }
    }

    private mutating func report(_ problem: TemplateError) {
        if problems.count < maxProblems { problems.append(problem) }
    }

    static func member(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
