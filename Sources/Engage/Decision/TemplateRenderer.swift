// Fills a compiled payload for one request. Recursion follows the compiled tree, whose
// depth compile capped at JSONLimits.depthCeiling; only templated subtrees are visited.

struct _TemplateRenderer {
    let data: JSON
    let format: PayloadFormat
    /// The byte budget for every templated string together.
    let limit: Int
    private var used = 0

    init(data: JSON, format: PayloadFormat, limit: Int) {
        self.data = data
        self.format = format
        self.limit = limit
    }

    mutating func render(_ node: _TemplateNode) throws(TemplateRenderError) -> JSON {
        switch node {
        case .constant(let value):
            return value
        case .string(let template):
            return .string(try string(template))
        case .array(let nodes):
            var out: [JSON] = []
            out.reserveCapacity(nodes.count)
            for n in nodes { out.append(try render(n)) }
            return .array(out)
        case .object(let keys, let nodes):
            var values: [JSON] = []
            values.reserveCapacity(nodes.count)
            for n in nodes { values.append(try render(n)) }
            return .object(JSONObject(keys: keys, values: values))
        }
    }

    private mutating func string(_ template: _TemplateString) throws(TemplateRenderError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(min(template.literalBytes + 32, limit - used))
        for segment in template.segments {
            switch segment {
            case .literal(let bytes):
                out.append(contentsOf: bytes)
            case .placeholder(let p):
                try value(p, field: template.field, budget: limit - used - out.count, into: &out)
            }
            // Checked per segment: a segment adds at most 6 × its input, and the input
            // was checked against the budget before escaping (see value(_:)).
            if out.count > limit - used { throw tooLarge(template.field) }
        }
        used += out.count
        return String(decoding: out, as: UTF8.self)
    }

    private func value(
        _ p: _Placeholder, field: String, budget: Int,
        into out: inout [UInt8]
    ) throws(TemplateRenderError) {
        let found = resolve(data, p.keys) ?? .null
        switch found {
        case .string(let s):
            // Escaping never shrinks text: refuse before copying an oversized value.
            if s.utf8.count > budget { throw tooLarge(field) }
            _TemplateEscaper.append(string: s, format: format, into: &out)
        case .number, .bool:
            _TemplateEscaper.append(found, format: format, into: &out)
        case .null:
            guard let fallback = p.fallback else {
                throw TemplateRenderError(code: .missing, placeholder: p.source, field: field)
            }
            out.append(contentsOf: fallback)
        case .array, .object:
            guard let fallback = p.fallback else {
                throw TemplateRenderError(code: .notText, placeholder: p.source, field: field, found: found.typeName)
            }
            out.append(contentsOf: fallback)
        }
    }

    private func tooLarge(_ field: String) -> TemplateRenderError {
        TemplateRenderError(code: .tooLarge, field: field, maxBytes: limit)
    }
}
