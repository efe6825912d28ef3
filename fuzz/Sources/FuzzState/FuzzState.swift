// libFuzzer target for UserState's byte encoding: the values a host keeps for the engine
// (engage_engine_open_with_store) come back from storage the engine does not control.
//
// The input is the encoding after its 4-byte header ("EGS" 1), which is prepended — so
// the fuzzer spends its time on the body — unless the input starts with 0xFF, in which
// case the rest is taken as the whole value (headers included). Decoding errors are
// expected outcomes; crashes, traps and sanitizer reports are findings. A value that
// decodes must survive use: cap counts, aggregates, applying records, and encoding
// again, which must decode to the same bytes.
import Engage

private func fail(_ message: String) -> Never {
    fatalError("FuzzState invariant broken: \(message)")
}

private func decode(_ bytes: [UInt8]) -> UserState? {
    do throws(StateStoreError) {
        return try UserState(encoded: bytes)
    } catch {
        _ = error.description
        return nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzState(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let bytes = input.first == 0xFF ? Array(input.dropFirst()) : UserState.encodingMagic + input
    guard var state = decode(bytes) else { return 0 }
    let encoded = state.encoded()
    guard let again = decode(encoded) else { fail("a decoded state does not decode after encoding") }
    guard again.encoded() == encoded else { fail("encoding is not stable") }
    _ = state.firstFullCap([
        CapCheck(scope: .all, range: Int64.min..<Int64.max, limit: 3, label: "all"),
        CapCheck(scope: .campaign("c1"), range: 0..<1_800_000_000_000, limit: 1, label: "c1"),
    ])
    _ = state.aggregate(named: "page_view", from: .min, through: .max, sumOf: "dwell_s")
    _ = state.isConversationOpen(channel: "whatsapp", at: 1_795_176_000_000)
    let t: Int64 = 1_795_176_000_000
    state.apply(.impression(Impression(campaignID: "c1", time: t, channel: "push", purpose: "marketing", tags: ["x"])))
    state.apply(.behaviour(HistoryEvent(name: "page_view", time: t, properties: .object(JSONObject([("dwell_s", .number(3))])))))
    state.apply(.click(campaignID: "c1", time: t))
    state.prune(now: t + 86_400_000)
    guard decode(state.encoded()) != nil else { fail("a state with records added does not decode") }
    return 0
}
