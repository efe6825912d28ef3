// libFuzzer target for the JSON Logic compiler and evaluator.
//
// The input is split at its first newline: the rule's JSON text before it, the data's
// after it (no newline: the whole input is the rule, the data is null). Inputs that are
// not JSON are uninteresting and return early. Compile errors and evaluation errors are
// expected outcomes; crashes, traps, sanitizer reports and hangs (libFuzzer's -timeout)
// are findings. Evaluating the same compiled rule twice must give the same outcome —
// a difference aborts so libFuzzer saves the input.
import Engage

private func fail(_ message: String) -> Never {
    fatalError("FuzzLogic invariant broken: \(message)")
}

private func parse(_ bytes: UnsafeRawBufferPointer) -> JSON? {
    do throws(JSONParseError) {
        return try JSONParser.parse(bytes)
    } catch {
        return nil
    }
}

private func evaluate(_ rule: Rule, _ data: JSON) -> Result<JSON, LogicError> {
    do throws(LogicError) {
        return .success(try rule.evaluate(data))
    } catch {
        return .failure(error)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogic(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let newline = bytes.firstIndex(of: 0x0A) ?? size
    guard let ruleJSON = parse(UnsafeRawBufferPointer(rebasing: bytes[0..<newline])) else { return 0 }
    var dataJSON = JSON.null
    if newline < size {
        guard let d = parse(UnsafeRawBufferPointer(rebasing: bytes[(newline + 1)...])) else { return 0 }
        dataJSON = d
    }
    let rule: Rule
    do throws(LogicError) {
        rule = try Rule(compiling: ruleJSON)
    } catch {
        _ = error.description
        return 0
    }
    let first = evaluate(rule, dataJSON)
    let second = evaluate(rule, dataJSON)
    switch (first, second) {
    case (.success(let a), .success(let b)):
        guard JSONSerializer.bytes(a) == JSONSerializer.bytes(b) else { fail("two evaluations differ: \(a) vs \(b)") }
        _ = JSONSerializer.bytes(a, pretty: true)
    case (.failure(let a), .failure(let b)):
        guard a.kind == b.kind, a.message == b.message else { fail("two evaluations fail differently: \(a) vs \(b)") }
        _ = a.description
    default:
        fail("two evaluations differ: \(first) vs \(second)")
    }
    return 0
}
