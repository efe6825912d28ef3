// Local time in the user's time zone:
//   {"local_time": []}        → "HH:MM" (24-hour; compare as strings: "09:00" <= t)
//   {"local_hour": []}        → 0…23
//   {"day_of_week": []}       → 1 (Monday) … 7 (Sunday), ISO 8601
//   {"local_date": []}        → "YYYY-MM-DD"
//   {"time_between": ["21:00", "08:00"]} → whether local time is in [from, to);
//                               a range that wraps midnight is allowed
// Each takes an optional IANA zone name as its last argument; without one they use the
// context's time zone, and UTC when it has none. A zone written in the rule is checked
// at compile time.

/// Civil date and time fields of an instant at a UTC offset.
struct LocalFields: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    var weekday: Int
}

extension LocalFields {
    /// Fields of `utcMillis` shifted by `offsetSeconds` (any Int64 input is safe).
    init(utcMillis: Int64, offsetSeconds: Int) {
        // Clamp to ±100,000 years so nothing below can overflow.
        let limit: Int64 = 3_155_760_000_000_000
        let ms = min(max(utcMillis, -limit), limit)
        let seconds = ms / 1000 - (ms % 1000 < 0 ? 1 : 0) + Int64(offsetSeconds)
        var days = seconds / 86_400
        var secOfDay = seconds % 86_400
        if secOfDay < 0 {
            secOfDay += 86_400
            days -= 1
        }
        hour = Int(secOfDay / 3600)
        minute = Int(secOfDay % 3600 / 60)
        second = Int(secOfDay % 60)
        // 1970-01-01 was a Thursday (ISO 4).
        var wd = (days + 3) % 7
        if wd < 0 { wd += 7 }
        weekday = Int(wd) + 1
        // Civil from days (proleptic Gregorian), after Howard Hinnant's derivation.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
    }
}

/// How a zone name becomes a UTC offset at an instant.
enum ZoneLookup {
    /// Whether `name` names a zone this engine can use.
    static func isKnown(_ name: String) -> Bool { resolve(name) != nil }

    /// The UTC offset in seconds of zone `name` at `utcMillis`, or nil for an unknown zone.
    static func offset(_ name: String, atUTCMillis utcMillis: Int64) -> Int? {
        guard let zone = resolve(name) else { return nil }
        return zone.offset(utcMillis)
    }

    private struct Resolved {
        let offset: (Int64) -> Int
    }

    private static func resolve(_ name: String) -> Resolved? {
        if name == "UTC" || name == "Etc/UTC" || name == "Z" { return Resolved { _ in 0 } }
        if let fixed = fixedOffset(name) { return Resolved { _ in fixed } }
        return nil
    }

    /// `+09:00`, `-05:30`, `+0900`.
    static func fixedOffset(_ name: String) -> Int? {
        let u = Array(name.utf8)
        guard u.count == 6 || u.count == 5, u[0] == 0x2B || u[0] == 0x2D else { return nil }
        let digits = u.count == 6 ? [u[1], u[2], u[4], u[5]] : [u[1], u[2], u[3], u[4]]
        if u.count == 6, u[3] != 0x3A { return nil }
        guard digits.allSatisfy({ $0 &- 0x30 < 10 }) else { return nil }
        let h = Int(digits[0] - 0x30) * 10 + Int(digits[1] - 0x30)
        let m = Int(digits[2] - 0x30) * 10 + Int(digits[3] - 0x30)
        guard h <= 18, m < 60 else { return nil }
        return (u[0] == 0x2D ? -1 : 1) * (h * 3600 + m * 60)
    }
}

enum LocalTimeOp: String, Sendable {
    case time = "local_time", hour = "local_hour", weekday = "day_of_week", date = "local_date"
    case between = "time_between"
}

final class LocalTimeNode: Node, @unchecked Sendable {
    let op: LocalTimeOp
    /// For `time_between`: the range as minutes of the day.
    let from: Int, to: Int
    let zone: Node?

    init(_ op: LocalTimeOp, from: Int = 0, to: Int = 0, zone: Node?, path: String) {
        self.op = op
        self.from = from
        self.to = to
        self.zone = zone
        super.init(path: path)
    }

    override func eval(_ env: inout Env) throws(LogicError) -> JSON {
        try env.charge(at: self)
        var zoneName = env.context.timeZone ?? "UTC"
        if let zone {
            guard case .string(let z) = try zone.eval(&env) else {
                throw LogicError(.invalidArguments, at: self, "a time zone is an IANA name (a string)")
            }
            zoneName = z
        }
        let now = env.context.now
        guard let offset = ZoneLookup.offset(zoneName, atUTCMillis: now) else {
            throw LogicError(.invalidArguments, at: self, "unknown time zone \"\(zoneName.prefix(64))\"")
        }
        let f = LocalFields(utcMillis: now, offsetSeconds: offset)
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

    override var children: [Node] { zone.map { [$0] } ?? [] }
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
    OperatorSpec(build: { (c: inout Compiler, operand: JSON, path: String) throws(LogicError) -> Node in
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
        if let z = zone?.constant {
            guard case .string(let name) = z, ZoneLookup.isKnown(name) else {
                throw LogicError(.invalidArguments, path: "\(path)[\(fixed)]", "unknown time zone \(describe(z))")
            }
        }
        return LocalTimeNode(op, from: range.0, to: range.1, zone: zone, path: path)
    }, foldable: false)
}
