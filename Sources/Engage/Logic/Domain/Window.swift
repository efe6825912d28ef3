/// A rolling time window written as a count and a unit: `90s`, `30m`, `24h`, `7d`,
/// `2w`. The window ending now covers `now - length ... now`, both ends inclusive.
struct Window: Sendable, Equatable {
    /// Length in milliseconds.
    let milliseconds: Int64

    /// The longest window accepted: ten years.
    static let maxMilliseconds: Int64 = 3650 * 86_400_000

    /// Parses `text`; the error message says what was wrong.
    static func parse(_ text: String) -> Result<Window, WindowParseError> {
        let shown = "\"\(text.prefix(32))\""
        let u = Array(text.utf8)
        var i = 0
        var n: Int64 = 0
        while i < u.count, u[i] &- 0x30 < 10 {
            n = n * 10 + Int64(u[i] &- 0x30)
            if n > 1_000_000_000 { return .failure(WindowParseError("window \(shown) is longer than ten years")) }
            i += 1
        }
        guard i > 0 else {
            return .failure(WindowParseError("invalid window \(shown) (expected a count and a unit, e.g. 7d)"))
        }
        let unit = String(decoding: u[i...], as: UTF8.self)
        let scale: Int64
        switch unit {
        case "s": scale = 1_000
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = 86_400_000
        case "w": scale = 7 * 86_400_000
        case "":
            return .failure(WindowParseError("window \(shown) has no unit (expected s, m, h, d, w)"))
        default:
            return .failure(WindowParseError("unknown unit \"\(unit.prefix(16))\" in window \(shown) (expected s, m, h, d, w)"))
        }
        let (ms, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, ms <= maxMilliseconds else {
            return .failure(WindowParseError("window \(shown) is longer than ten years"))
        }
        guard ms > 0 else { return .failure(WindowParseError("window \(shown) is empty")) }
        return .success(Window(milliseconds: ms))
    }

    /// The first instant inside the window that ends at `now`.
    func start(endingAt now: Int64) -> Int64 {
        let (s, overflow) = now.subtractingReportingOverflow(milliseconds)
        return overflow ? Int64.min : s
    }
}

/// A window known at compile time, or one computed at evaluation time, or none
/// (all of history).
enum WindowSpec: Sendable {
    case all
    case fixed(Window)
    case dynamic(Node)

    /// Compiles a window operand: a string literal is parsed now (a bad unit is a
    /// compile error at `path`), `null` means all of history, a rule is deferred.
    static func compile(_ node: Node, path: String) throws(LogicError) -> WindowSpec {
        guard let value = node.constant else { return .dynamic(node) }
        switch value {
        case .null: return .all
        case .string(let s):
            switch Window.parse(s) {
            case .success(let w): return .fixed(w)
            case .failure(let e): throw LogicError(.invalidArguments, path: path, e.message)
            }
        default:
            throw LogicError(.invalidArguments, path: path, "a window is a string such as \"7d\" or null, found \(value.typeName)")
        }
    }

    /// The first instant of the window ending at `now`.
    func start(_ env: inout Env, endingAt now: Int64, at node: Node) throws(LogicError) -> Int64 {
        switch self {
        case .all: return Int64.min
        case .fixed(let w): return w.start(endingAt: now)
        case .dynamic(let n):
            let v = try n.eval(&env)
            if v.isNull { return Int64.min }
            guard case .string(let s) = v else {
                throw LogicError(.invalidArguments, at: node, "a window is a string such as \"7d\", found \(v.typeName)")
            }
            switch Window.parse(s) {
            case .success(let w): return w.start(endingAt: now)
            case .failure(let e): throw LogicError(.invalidArguments, at: node, e.message)
            }
        }
    }

    var node: Node? {
        if case .dynamic(let n) = self { return n }
        return nil
    }
}

/// Why a window string was rejected.
struct WindowParseError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
