// JSON Logic's value coercions, in one place: truthiness, numbers, strings and the
// comparisons built on them. They follow the community conformance suites
// (../shared/conformance/jsonlogic), which differ from JavaScript in places — for
// example `null == 0` is true and comparing a number with a non-numeric string is a
// NaN error rather than `false`.

/// JavaScript truthiness as JSON Logic defines it: `false`, `null`, `0`, `""` and `[]`
/// are false; everything else (including `{}` and `"0"`) is true.
@inline(__always)
func isTruthy(_ v: JSON) -> Bool {
    switch v {
    case .null: return false
    case .bool(let b): return b
    case .number(let d): return d != 0
    case .string(let s): return !s.isEmpty
    case .array(let a): return !a.isEmpty
    case .object: return true
    }
}

/// The numeric value of `v` for arithmetic and comparison, or nil when it has none
/// (arrays, objects, non-numeric strings).
@inline(__always)
func numericValue(_ v: JSON) -> Double? {
    switch v {
    case .number(let d): return d
    case .null: return 0
    case .bool(let b): return b ? 1 : 0
    case .string(let s): return parseNumericString(s)
    case .array, .object: return nil
    }
}

/// Parses a string the way JavaScript's `Number()` does for decimal text: surrounding
/// whitespace ignored, empty means 0, otherwise a decimal literal (sign, digits,
/// fraction, exponent). Hex, `Infinity` and anything else give nil.
func parseNumericString(_ s: String) -> Double? {
    var s = s
    return s.withUTF8 { buf -> Double? in
        var lo = 0, hi = buf.count
        while lo < hi, isSpace(buf[lo]) { lo += 1 }
        while hi > lo, isSpace(buf[hi - 1]) { hi -= 1 }
        if lo == hi { return 0 }
        // Validate the decimal grammar (more lenient than JSON: "+1", ".5", "5." are fine).
        var i = lo
        if buf[i] == 0x2B || buf[i] == 0x2D { i += 1 }
        var digits = 0
        while i < hi, buf[i] &- 0x30 < 10 { i += 1; digits += 1 }
        if i < hi, buf[i] == 0x2E {
            i += 1
            while i < hi, buf[i] &- 0x30 < 10 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return nil }
        if i < hi, buf[i] | 0x20 == 0x65 {
            i += 1
            if i < hi, buf[i] == 0x2B || buf[i] == 0x2D { i += 1 }
            var expDigits = 0
            while i < hi, buf[i] &- 0x30 < 10 { i += 1; expDigits += 1 }
            guard expDigits > 0 else { return nil }
        }
        guard i == hi else { return nil }
        guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: buf[lo..<hi]), as: UTF8.self)),
            d.isFinite
        else { return nil }
        return d
    }
}

@inline(__always)
private func isSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C
}

/// The text `cat` and `in` use for a value: `null` is empty, booleans are
/// `true`/`false`, numbers are written as JSON writes them, arrays join their
/// elements with commas (as JavaScript's `String([..])`), objects are
/// `[object Object]`.
func stringValue(_ v: JSON, into out: inout String) {
    switch v {
    case .null: return
    case .bool(let b): out += b ? "true" : "false"
    case .number(let d):
        var bytes: [UInt8] = []
        JSONSerializer.writeNumber(d, into: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    case .string(let s): out += s
    case .array(let a):
        for (i, e) in a.enumerated() {
            if i > 0 { out += "," }
            stringValue(e, into: &out)
        }
    case .object: out += "[object Object]"
    }
}

/// `stringValue(_:into:)` that stops once `out` holds more than `limit` UTF-8 bytes,
/// returning false. Operators build values that share subvalues, so a value's text
/// can be far larger than its memory (an array holding the same 50,000-element array
/// 50,000 times); the limit keeps writing it proportional to the limit.
func stringValue(_ v: JSON, into out: inout String, limit: Int) -> Bool {
    if case .array(let a) = v {
        for (i, e) in a.enumerated() {
            if i > 0 { out += "," }
            if !stringValue(e, into: &out, limit: limit) { return false }
            if out.utf8.count > limit { return false }
        }
        return true
    }
    stringValue(v, into: &out)
    return out.utf8.count <= limit
}

func stringValue(_ v: JSON) -> String {
    if case .string(let s) = v { return s }
    var out = ""
    stringValue(v, into: &out)
    return out
}

/// Strict equality (`===`): same type and same value; arrays and objects compare
/// structurally.
@inline(__always)
func strictEquals(_ a: JSON, _ b: JSON) -> Bool { a == b }

/// The loose comparison behind `==`, `!=`, `<`, `<=`, `>`, `>=`: two strings compare
/// as text (by Unicode scalar values); otherwise both sides convert to numbers and a
/// side with no numeric value (array, object, non-numeric string) is a NaN error.
/// Returns -1, 0 or 1.
@inline(__always)
func looseCompare(_ a: JSON, _ b: JSON, at node: Node) throws(LogicError) -> Int {
    if case .number(let x) = a, case .number(let y) = b {
        return x < y ? -1 : (x > y ? 1 : 0)
    }
    if case .string(let x) = a, case .string(let y) = b {
        if x == y { return 0 }
        // UTF-8 byte order is Unicode scalar order.
        return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
    }
    guard let x = numericValue(a), let y = numericValue(b) else {
        throw LogicError(.nan, at: node, "cannot compare \(a.typeName) with \(b.typeName)")
    }
    return x < y ? -1 : (x > y ? 1 : 0)
}
