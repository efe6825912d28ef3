// The scenario's event log: JSON lines, one object per line, in time order — what
// `engage generate` writes and `engage simulate` replays (format: examples/telco/README.md).
//
//   {"type": "scenario", "seed": 42, "users": 10000, "start": MS, "days": 7, ...}   first line
//   {"type": "user", "time": MS, "user_id": "u000001", "time_zone": "Asia/Seoul",
//    "channels": [...], "consent": {...}, "user": {...}, "scores": {...}, "offer": {...}}
//   {"type": "event", "time": MS, "user_id": "u000001", "name": "page_view",
//    "properties": {...}, "foreground": true, "placements": ["app_home_popup"]}
//   {"type": "decide", "time": MS, "user_id": "u000001", "placements": ["outbound"]}
//
// A `user` line gives (or replaces, after a plan change) the user's profile: every
// member but `type` and `time` goes into each request made for the user. An `event`
// line is a behaviour event, recorded; the host also asks for a decision on it, with
// its placements and `app.foreground`. A `decide` line is a host asking without an
// event (a CRM's scheduled outbound run).
import Engage

/// One line of the log.
public enum LogLine: Sendable {
    case scenario(JSONObject)
    case user(userID: String, time: Int64, profile: JSONObject)
    case event(userID: String, time: Int64, name: String, properties: JSON, foreground: Bool, placements: [String])
    case decide(userID: String, time: Int64, placements: [String], foreground: Bool)

    public var time: Int64 {
        switch self {
        case .scenario: return .min
        case .user(_, let t, _), .event(_, let t, _, _, _, _), .decide(_, let t, _, _): return t
        }
    }

    public var userID: String? {
        switch self {
        case .scenario: return nil
        case .user(let u, _, _), .event(let u, _, _, _, _, _), .decide(let u, _, _, _): return u
        }
    }
}

/// A problem in the log, with its line number (1-based).
public struct EventLogError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var message: String
    public var description: String { "line \(line): \(message)" }
}

public enum EventLog {
    /// Parses one line. `number` is used in errors only.
    public static func parse(line bytes: ArraySlice<UInt8>, number: Int) throws(EventLogError) -> LogLine {
        let json: JSON
        do {
            json = try JSONParser.parse(Array(bytes))
        } catch {
            throw EventLogError(line: number, message: "\(error)")
        }
        guard case .object(let o) = json else {
            throw EventLogError(line: number, message: "expected an object, found \(json.typeName)")
        }
        func fail(_ m: String) -> EventLogError { EventLogError(line: number, message: m) }
        guard let type = o["type"]?.stringValue else { throw fail("type: missing (scenario, user, event or decide)") }
        if type == "scenario" { return .scenario(o) }
        guard let user = o["user_id"]?.stringValue, !user.isEmpty else { throw fail("user_id: missing") }
        guard let t = o["time"], let d = t.doubleValue, d.rounded() == d, abs(d) < 9e15 else {
            throw fail("time: expected integer milliseconds since the epoch")
        }
        let time = Int64(d)
        func strings(_ key: String) throws(EventLogError) -> [String] {
            guard let v = o[key] else { return [] }
            guard case .array(let a) = v else { throw fail("\(key): expected an array of strings") }
            var out: [String] = []
            for (i, e) in a.enumerated() {
                guard let s = e.stringValue else { throw fail("\(key)[\(i)]: expected a string") }
                out.append(s)
            }
            return out
        }
        func flag(_ key: String) throws(EventLogError) -> Bool {
            guard let v = o[key] else { return false }
            guard let b = v.boolValue else { throw fail("\(key): expected true or false") }
            return b
        }
        switch type {
        case "user":
            let profile = JSONObject(o.filter { $0.key != "type" && $0.key != "time" }.map { ($0.key, $0.value) })
            return .user(userID: user, time: time, profile: profile)
        case "event":
            guard let name = o["name"]?.stringValue, !name.isEmpty else { throw fail("name: missing") }
            return .event(
                userID: user, time: time, name: name, properties: o["properties"] ?? .null,
                foreground: try flag("foreground"), placements: try strings("placements"))
        case "decide":
            let placements = try strings("placements")
            guard !placements.isEmpty else { throw fail("placements: a decide line names at least one") }
            return .decide(userID: user, time: time, placements: placements, foreground: try flag("foreground"))
        default:
            throw fail("type: unknown \"\(type)\" (expected scenario, user, event or decide)")
        }
    }

    /// Every line of `bytes` (empty lines skipped), or the first problem.
    public static func parse(_ bytes: [UInt8]) throws(EventLogError) -> [LogLine] {
        var lines: [LogLine] = []
        var start = 0
        var number = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            number += 1
            var slice = bytes[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            if !slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                lines.append(try parse(line: slice, number: number))
            }
            start = end + 1
        }
        return lines
    }
}
