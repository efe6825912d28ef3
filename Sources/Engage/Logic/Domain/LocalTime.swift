// Local time in the user's time zone:
//   {"local_time": []}        → "HH:MM" (24-hour; compare as strings: "09:00" <= t)
//   {"local_hour": []}        → 0…23
//   {"day_of_week": []}       → 1 (Monday) … 7 (Sunday), ISO 8601
//   {"local_date": []}        → "YYYY-MM-DD"
//   {"time_between": ["21:00", "08:00"]} → whether local time is in [from, to);
//                               a range that wraps midnight is allowed
// Each takes an optional IANA zone name as its last argument; without one they use the
// context's time zone, and UTC when it has none. A zone written in the rule is loaded
// and checked at compile time; the context's zone comes from the compiler's ZoneCache
// (lock-free once loaded). DST and zone semantics: docs/time.md.

enum LocalTimeOp: String, Sendable {
    case time = "local_time", hour = "local_hour", weekday = "day_of_week", date = "local_date"
    case between = "time_between"
}

final class LocalTimeNode: Node, @unchecked Sendable {
    let op: LocalTimeOp
    /// For `time_between`: the range as minutes of the day.
    let from: Int, to: Int
    /// A zone written in the rule, loaded at compile time.
    let fixedZone: ZoneRules?
    /// A zone computed at evaluation time.
    let zoneNode: Node?
    let zones: ZoneCache

    init(
        _ op: LocalTimeOp, from: Int = 0, to: Int = 0, fixedZone: ZoneRules?, zoneNode: Node?,
        zones: ZoneCache, path: String
    ) {
        self.op = op
        self.from = from
        self.to = to
        self.fixedZone = fixedZone
        self.zoneNode = zoneNode
        self.zones = zones
        super.init(path: path)
    }

    private func zone(_ env: inout Env) throws(LogicError) -> ZoneRules {
        if let fixedZone { return fixedZone }
        let name: String
        if let zoneNode {
            guard case .string(let z) = try zoneNode.eval(&env) else {
                throw LogicError(.invalidArguments, at: self, "a time zone is an IANA name (a string)")
            }
            name = z
        } else {
            guard let z = env.context.timeZone else { return .utc }
            name = z
        }
        do throws(TimeZoneError) {
            return try zones.zone(named: name)
        } catch {
            throw LogicError(.invalidArguments, at: self, "\(error)")
        }
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        let rules = try zone(&env)
        let now = env.context.now
        let seconds = now / 1000 - (now % 1000 < 0 ? 1 : 0)
        let f = rules.localTime(atUTC: seconds)
        switch op {
        case .time: return .string(pad2(f.hour) + ":" + pad2(f.minute))
        case .hour: return .number(Double(f.hour))
        case .weekday: return .number(Double(f.weekday))
        case .date: return .string(pad4(f.year) + "-" + pad2(f.month) + "-" + pad2(f.day))
        case .between:
            let t = f.hour * 60 + f.minute
            if from <= to { return .bool(t >= from && t < to) }
            return .bool(t >= from || t < to)
        }
    }

    override var children: [Node] { zoneNode.map { [$0] } ?? [] }
}

private func pad2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
private func pad4(_ n: Int) -> String {
    let s = "\(abs(n))"
    return (n < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - s.count)) + s
}

/// Minutes of the day of `"HH:MM"` (00:00–24:00), or nil.
func minutesOfDay(_ text: String) -> Int? {
    let u = Array(text.utf8)
    guard u.count == 5, u[2] == 0x3A, [u[0], u[1], u[3], u[4]].allSatisfy({ $0 &- 0x30 < 10 }) else { return nil }
    let h = Int(u[0] - 0x30) * 10 + Int(u[1] - 0x30)
    let m = Int(u[3] - 0x30) * 10 + Int(u[4] - 0x30)
    guard m < 60, h < 24 || (h == 24 && m == 0) else { return nil }
    return h * 60 + m
}

func localTimeOperator(_ op: LocalTimeOp) -> OperatorSpec {
    OperatorSpec(
        build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
            let args = try c.listOrSingle(operand, path)
            let fixed = op == .between ? 2 : 0
            guard args.count == fixed || args.count == fixed + 1 else {
                let shape = op == .between ? "[\"HH:MM\", \"HH:MM\", zone?]" : "[zone?]"
                throw LogicError(.invalidArguments, path: path, "\"\(op.rawValue)\" takes \(shape), found \(args.count) arguments")
            }
            var range = (0, 0)
            if op == .between {
                var bounds: [Int] = []
                for (i, a) in args.prefix(2).enumerated() {
                    guard case .string(let s)? = a.constant, let m = minutesOfDay(s) else {
                        throw LogicError(.invalidArguments, path: "\(path)[\(i)]", "expected a time of day \"HH:MM\"")
                    }
                    bounds.append(m)
                }
                range = (bounds[0], bounds[1])
            }
            let zone = args.count > fixed ? args[fixed] : nil
            var fixedZone: ZoneRules? = nil
            if let z = zone?.constant {
                guard case .string(let name) = z else {
                    throw LogicError(.invalidArguments, path: "\(path)[\(fixed)]", "a time zone is an IANA name, found \(z.typeName)")
                }
                do throws(TimeZoneError) {
                    fixedZone = try c.options.zones.zone(named: name)
                } catch {
                    throw LogicError(.invalidArguments, path: "\(path)[\(fixed)]", "\(error)")
                }
            }
            return LocalTimeNode(
                op, from: range.0, to: range.1, fixedZone: fixedZone,
                zoneNode: fixedZone == nil ? zone : nil, zones: c.options.zones, path: path)
        }, foldable: false)
}
