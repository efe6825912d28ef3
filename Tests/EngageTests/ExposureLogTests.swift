import Foundation
import Testing

@testable import Engage

// Exposure records are written as text when a decision commits and drained as that text:
// it must be, byte for byte, what serializing the record's object gave before, and the
// queue's bounds and erasures must keep their meaning over the bytes.

/// The record as the object the log used to queue, serialized: the reference.
private func objectText(_ r: ExposureRecord) -> [UInt8] {
    var fields: [(String, JSON)] = [
        ("user_id", .string(r.userID)), ("time", .number(Double(r.time))),
        ("campaign", .string(r.campaignID)), ("group", .string(r.group == .selected ? "treatment" : r.group.rawValue)),
    ]
    if let v = r.variant { fields.append(("variant", .string(v))) }
    if let c = r.channel { fields.append(("channel", .string(c.rawValue))) }
    if let p = r.placement { fields.append(("placement", .string(p))) }
    if let e = r.event { fields.append(("event", .string(e))) }
    return JSONSerializer.bytes(.object(JSONObject(fields)))
}

/// The reference text of a drain returning `records`.
private func arrayText(_ records: [ExposureRecord]) -> String {
    "[" + records.map { String(decoding: objectText($0), as: UTF8.self) }.joined(separator: ",") + "]"
}

private func text(_ drained: (text: [UInt8], count: Int)) -> String { String(decoding: drained.text, as: UTF8.self) }

private func record(_ user: String, _ n: Int) -> ExposureRecord {
    ExposureRecord(
        userID: user, time: Int64(n), campaignID: "c\(n)", group: .selected, variant: nil, channel: .push,
        placement: "home", event: nil)
}

@Suite struct ExposureLogTests {
    @Test func everyShapeOfARecordIsWrittenAsItsObject() {
        let strings = ["u", "", "q\"uote", "back\\slash", "line\nbreak\ttab\r\u{8}\u{c}", "ctl\u{1}\u{1f}", "é😀", String(repeating: "long-id-", count: 40)]
        let times: [Int64] = [0, 1_795_176_000_000, -1, 9_007_199_254_740_993, .max, .min]
        var records: [ExposureRecord] = []
        for (i, s) in strings.enumerated() {
            for group in [ReasonCode.selected, .holdout, .control] {
                let withAll = i % 2 == 0
                records.append(
                    ExposureRecord(
                        userID: s, time: times[i % times.count], campaignID: "c-" + s, group: group,
                        variant: withAll ? "v" + s : nil, channel: group == .selected ? Channel.allCases[i % Channel.allCases.count] : nil,
                        placement: withAll || group != .selected ? "p" + s : nil, event: withAll ? nil : "e" + s))
            }
        }
        let log = ExposureLog(capacity: 1000)
        for r in records {
            var one: [UInt8] = []
            r.write(into: &one)
            #expect(one == objectText(r), "\(String(decoding: one, as: UTF8.self))")
            log.append(r)
        }
        // Drained in pieces: each piece is the array of its records.
        #expect(text(log.drain(max: 5)) == arrayText(Array(records[0..<5])))
        #expect(text(log.drain(max: 1)) == arrayText([records[5]]))
        let rest = log.drain(max: .max)
        #expect(rest.count == records.count - 6)
        #expect(text(rest) == arrayText(Array(records[6...])))
        #expect(text(log.drain(max: .max)) == "[]")
        #expect(log.count == 0 && log.dropped == 0)
    }

    @Test func theOldestAreDroppedAndCountedBeyondTheCapacity() {
        let log = ExposureLog(capacity: 3)
        let records = (0..<5).map { record("u", $0) }
        for r in records { log.append(r) }
        #expect(log.count == 3)
        #expect(log.dropped == 2)
        #expect(text(log.drain(max: .max)) == arrayText(Array(records[2...])))
        log.append(records[0])
        #expect(text(log.drain(max: 0)) == "[]")
        #expect(text(log.drain(max: -1)) == "[]")
        #expect(text(log.drain(max: 9)) == arrayText([records[0]]))
        #expect(log.dropped == 2)
    }

    @Test func compactingTheDrainedPrefixKeepsTheRest() {
        // Past 4,096 dead records the buffer's dead prefix is cut, by appends beyond the
        // capacity and by partial drains; what is queued must not change.
        let full = ExposureLog(capacity: 5000)
        let records = (0..<15_000).map { record($0 % 2 == 0 ? "even" : "odd\"\($0 % 7)", $0) }
        for r in records { full.append(r) }
        #expect(full.count == 5000 && full.dropped == 10_000)
        #expect(text(full.drain(max: .max)) == arrayText(Array(records[10_000...])))

        let drained = ExposureLog(capacity: 100_000)
        for r in records[0..<10_000] { drained.append(r) }
        #expect(text(drained.drain(max: 5000)) == arrayText(Array(records[0..<5000])))
        #expect(text(drained.drain(max: 1)) == arrayText([records[5000]]))
        for r in records[10_000...] { drained.append(r) }
        #expect(drained.count == 9999)
        #expect(text(drained.drain(max: .max)) == arrayText(Array(records[5001...])))

        // A burst past the room an emptied queue keeps (its buffers are let go), then more.
        let big = (0..<600).map { record(String(repeating: "u", count: 2000) + "\($0)", $0) }
        for r in big { drained.append(r) }
        #expect(text(drained.drain(max: .max)) == arrayText(big))
        drained.append(records[0])
        #expect(text(drained.drain(max: .max)) == arrayText([records[0]]))
    }

    @Test func erasureRemovesOnlyTheUsersRecords() {
        let users = ["a", "b\"q", "é", String(repeating: "x", count: 30)]
        let records = (0..<40).map { record(users[$0 % users.count], $0) }
        let log = ExposureLog(capacity: 100)
        for r in records { log.append(r) }
        _ = log.drain(max: 3)
        log.forget(userID: "b\"q")
        var left = records[3...].filter { $0.userID != "b\"q" }
        #expect(log.count == left.count)
        // A user id is compared as a String, as the stores compare it: "e" + U+0301 is "é".
        #expect(log.forget(userIDs: ["e\u{301}", "nobody"]) == left.filter { $0.userID == "é" }.count)
        left = left.filter { $0.userID != "é" }
        #expect(log.forget(userIDs: []) == 0)
        #expect(text(log.drain(max: 4)) == arrayText(Array(left[0..<4])))
        log.append(record("a", 99))
        left = Array(left[4...]) + [record("a", 99)]
        #expect(text(log.drain(max: .max)) == arrayText(left))
        for r in records { log.append(r) }
        #expect(log.forgetAll() == records.count)
        #expect(log.count == 0)
        #expect(text(log.drain(max: .max)) == "[]")
    }

    @Test func aDecisionsRecordsAreDrainedAsTheirObjects() throws {
        // Messages with variants, placements and an event, a holdout, escapes in every
        // string: the C ABI's text is the records' objects serialized, the Swift drain
        // those objects.
        let now: Int64 = 1_795_176_000_000
        let set = #"""
            {"version": 1, "campaigns": [
              {"id": "v\"1\n", "purpose": "service", "status": "active", "priority": 3, "placements": ["top", "p\u00e9"],
               "variants": [{"id": "a\\b", "weight": 1}, {"id": "é😀", "weight": 1}],
               "channels": {"push": {"payload": {"t": "x"}}, "sms": {"payload": "s"}}},
              {"id": "ev", "purpose": "service", "status": "active", "priority": 2, "triggers": [{"event": "e\u0001"}],
               "channels": {"email": {"payload": {}}}},
              {"id": "held", "purpose": "service", "status": "active", "priority": 1, "placements": ["top"], "holdout_percent": 100,
               "variants": [{"id": "only", "weight": 1}], "channels": {"push": {"payload": 1}}}]}
            """#
        let viaText = Engine(clock: { now }), viaJSON = Engine(clock: { now })
        try viaText.load(json: JSONParser.parse(set))
        try viaJSON.load(json: JSONParser.parse(set))
        var expected: [ExposureRecord] = []
        for user in [#"u1"#, #"u\"2"#, #"\u00fc\t3"#, #"u4"#] {
            let request = try JSONParser.parse(
                #"{"user_id": "\#(user)", "placements": ["top", "pé"], "k": 2, "event": {"name": "e\u0001"}, "channels": ["push", "sms", "email"]}"#)
            let d = try viaText.decide(json: request)
            _ = try viaJSON.decide(json: request)
            for m in d.messages {
                expected.append(
                    ExposureRecord(
                        userID: d.userID, time: now, campaignID: m.campaignID, group: .selected, variant: m.variant,
                        channel: m.channel, placement: m.placement, event: "e\u{1}"))
            }
            for a in d.assignments {
                expected.append(
                    ExposureRecord(
                        userID: d.userID, time: now, campaignID: a.campaignID, group: a.group, variant: a.variant, channel: nil,
                        placement: "top", event: "e\u{1}"))
            }
        }
        let drained = viaText.drainExposureText()
        #expect(drained.count == expected.count)
        #expect(expected.contains { $0.group == .holdout } && expected.contains { $0.placement == nil })
        // The decision's order: its messages and assignments interleave by rank, so
        // compare as sets of records, and the text as the serialization of what it holds.
        let records = viaJSON.drainExposures()
        #expect(JSONSerializer.bytes(.array(records)) == drained.text)
        #expect(Set(records.map { JSONSerializer.string($0) }) == Set(expected.map { String(decoding: objectText($0), as: UTF8.self) }))
    }
}
