// How simulated users answer a message: seeded draws per impression, so the same
// inputs give the same clicks, dismissals and conversions on every run and machine.
//
//   {"version": 1,
//    "default": {"click": 0.04, "dismiss": 0.25},
//    "channels": {"in_app": 1.0, "push": 0.7, ...},          multiplies the click rate
//    "campaigns": {"plan-change-nudge": {"click": 0.12, "dismiss": 0.35, "convert": 0.3,
//                                        "event": {"name": "plan_changed", "properties": {}},
//                                        "delay": "6h"}}}
//
// A click is drawn first (rate × channel factor); a clicked message converts with
// `convert`, which injects `event` into the user's stream between 10 minutes and `delay`
// later (so exit criteria see it like any other event); a message not clicked is
// dismissed with `dismiss`.
import Engage

public struct ResponseModel: Sendable {
    public struct Rates: Sendable {
        public var click: Double
        public var dismiss: Double
        public var convert: Double
        public var event: (name: String, properties: JSON)?
        public var delayMilliseconds: Int64
    }

    public var defaults: Rates
    public var campaigns: [String: Rates]
    public var channelFactors: [String: Double]

    /// No responses at all: only what the log holds.
    public static let none = ResponseModel(
        defaults: Rates(click: 0, dismiss: 0, convert: 0, event: nil, delayMilliseconds: 0),
        campaigns: [:], channelFactors: [:])

    public init(defaults: Rates, campaigns: [String: Rates], channelFactors: [String: Double]) {
        self.defaults = defaults
        self.campaigns = campaigns
        self.channelFactors = channelFactors
    }

    /// Reads the model; errors name the member (`campaigns.x.click: expected a number in 0…1`).
    public init(json: JSON) throws(ScenarioError) {
        guard case .object(let root) = json else { throw ScenarioError("responses: expected an object") }
        func rate(_ o: JSONObject, _ key: String, _ path: String, _ fallback: Double) throws(ScenarioError) -> Double {
            guard let v = o[key] else { return fallback }
            guard let d = v.doubleValue, d >= 0, d <= 1 else {
                throw ScenarioError("\(path).\(key): expected a number in 0…1")
            }
            return d
        }
        func rates(_ v: JSON, _ path: String, _ base: Rates) throws(ScenarioError) -> Rates {
            guard case .object(let o) = v else { throw ScenarioError("\(path): expected an object") }
            var r = base
            r.click = try rate(o, "click", path, base.click)
            r.dismiss = try rate(o, "dismiss", path, base.dismiss)
            r.convert = try rate(o, "convert", path, base.convert)
            if let e = o["event"] {
                guard case .object(let eo) = e, let name = eo["name"]?.stringValue, !name.isEmpty else {
                    throw ScenarioError("\(path).event: expected {\"name\": ..., \"properties\"?: {...}}")
                }
                r.event = (name, eo["properties"] ?? .null)
            }
            if let d = o["delay"] {
                guard let text = d.stringValue, let ms = parseDuration(text) else {
                    throw ScenarioError("\(path).delay: expected a duration such as \"30m\", \"6h\" or \"2d\"")
                }
                r.delayMilliseconds = ms
            }
            return r
        }
        let zero = Rates(click: 0, dismiss: 0, convert: 0, event: nil, delayMilliseconds: 6 * 3_600_000)
        defaults = try root["default"].map { (v) throws(ScenarioError) in try rates(v, "default", zero) } ?? zero
        campaigns = [:]
        if let c = root["campaigns"] {
            guard case .object(let co) = c else { throw ScenarioError("campaigns: expected an object of campaign id → rates") }
            for (id, v) in co { campaigns[id] = try rates(v, "campaigns.\(id)", defaults) }
        }
        channelFactors = [:]
        if let c = root["channels"] {
            guard case .object(let co) = c else { throw ScenarioError("channels: expected an object of channel → factor") }
            for (ch, v) in co {
                guard let d = v.doubleValue, d >= 0, d <= 10 else { throw ScenarioError("channels.\(ch): expected a number in 0…10") }
                channelFactors[ch] = d
            }
        }
    }

    public func rates(for campaign: String) -> Rates { campaigns[campaign] ?? defaults }
}

/// `90s`, `30m`, `6h`, `2d` in milliseconds (at most 30 days).
func parseDuration(_ text: String) -> Int64? {
    guard let unit = text.last, let n = Int64(text.dropLast()), n > 0, n <= 30 * 86_400 else { return nil }
    switch unit {
    case "s": return n * 1_000
    case "m": return n * 60_000
    case "h": return n * 3_600_000
    case "d": return n <= 30 ? n * 86_400_000 : nil
    default: return nil
    }
}

/// A problem with the scenario's inputs.
public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A uniform draw in [0, 1) from a hash of the seed and the strings and numbers that
/// identify the draw: the same on every run, thread and machine.
struct Draw {
    private var h: UInt64 = 0xcbf2_9ce4_8422_2325

    init(seed: UInt64) { mix(seed) }

    mutating func mix(_ s: String) {
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        h = (h ^ 0xff) &* 0x100_0000_01b3
    }

    mutating func mix(_ v: UInt64) {
        var x = v
        for _ in 0..<8 {
            h = (h ^ (x & 0xff)) &* 0x100_0000_01b3
            x >>= 8
        }
    }

    /// SplitMix64's next output from the hash, as a double in [0, 1).
    var uniform: Double {
        var mix = SplitMix64(state: h)
        return Double(mix.next() >> 11) * 0x1p-53
    }
}
