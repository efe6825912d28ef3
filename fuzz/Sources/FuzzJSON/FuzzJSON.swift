// libFuzzer target for the JSON core: parse → serialize → parse.
//
// Every input is parsed with the default limits and with tight ones. Crashes, traps and
// sanitizer reports are findings; so is any broken invariant below, which aborts with a
// message so libFuzzer saves the input:
// - an error offset lies within the input;
// - what parses under tight limits parses identically under the defaults;
// - an accepted value serializes (compact and pretty) to text that parses back equal
//   and re-serializes to the same bytes.
import Engage

/// Tight enough that the fuzzer reaches every limit with short inputs.
private let tightLimits = JSONLimits(maxDepth: 6, maxBytes: 512, maxStringBytes: 24, maxElements: 40)

private func fail(_ message: String) -> Never {
    // fatalError traps; libFuzzer reports a deadly signal and writes the crashing input.
    fatalError("FuzzJSON invariant broken: \(message)")
}

private func parse(_ bytes: UnsafeRawBufferPointer, _ limits: JSONLimits) -> Result<JSON, JSONParseError> {
    do throws(JSONParseError) {
        return .success(try JSONParser.parse(bytes, limits: limits))
    } catch {
        return .failure(error)
    }
}

private func checkRoundTrip(_ value: JSON) {
    let compact = JSONSerializer.bytes(value)
    guard case .success(let again) = compact.withUnsafeBytes({ parse($0, .default) }) else {
        fail("serialized text does not parse: \(String(decoding: compact, as: UTF8.self))")
    }
    guard again == value else { fail("round trip changed the value: \(value) → \(again)") }
    guard JSONSerializer.bytes(again) == compact else {
        fail("re-serialization differs for \(String(decoding: compact, as: UTF8.self))")
    }
    let pretty = JSONSerializer.bytes(value, pretty: true)
    guard case .success(let fromPretty) = pretty.withUnsafeBytes({ parse($0, .default) }),
        fromPretty == value
    else {
        fail("pretty text does not parse back equal: \(String(decoding: pretty, as: UTF8.self))")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let full = parse(bytes, .default)
    let tight = parse(bytes, tightLimits)
    for case .failure(let error) in [full, tight] where error.offset < 0 || error.offset > size {
        fail("error offset \(error.offset) outside 0...\(size): \(error)")
    }
    if case .success(let small) = tight {
        guard case .success(let big) = full, big == small else {
            fail("accepted under tight limits but not identically under the defaults")
        }
    }
    if case .success(let value) = full { checkRoundTrip(value) }
    return 0
}
