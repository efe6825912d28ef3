/// What a cap counts impressions of.
public enum CapScope: Sendable, Hashable, CustomStringConvertible {
    /// One campaign's impressions.
    case campaign(String)
    /// Impressions of every campaign carrying a tag (a cap group).
    case tag(String)
    /// Impressions on one channel, across campaigns and purposes.
    case channel(String)
    /// Impressions of every campaign with a purpose: the global cap, e.g. "at most 3
    /// marketing messages a day".
    case purpose(String)
    /// Every impression, whatever its purpose. Not a ledger of its own: counted as the
    /// sum of the purpose ledgers, so stores need no extra write per impression.
    case all

    /// `campaign`, `tag`, `channel` or `purpose`.
    public var kind: String {
        switch self {
        case .campaign: return "campaign"
        case .tag: return "tag"
        case .channel: return "channel"
        case .purpose: return "purpose"
        case .all: return "all"
        }
    }

    /// The campaign id, tag, channel or purpose (empty for ``all``).
    public var name: String {
        switch self {
        case .campaign(let s), .tag(let s), .channel(let s), .purpose(let s): return s
        case .all: return ""
        }
    }

    public var description: String { self == .all ? "all" : "\(kind):\(name)" }

    /// Same kind and name; names of other lengths are told apart without comparing
    /// their bytes (a user's ledgers are searched by scope for every cap checked).
    public static func == (a: CapScope, b: CapScope) -> Bool {
        switch (a, b) {
        case (.campaign(let x), .campaign(let y)), (.tag(let x), .tag(let y)),
            (.channel(let x), .channel(let y)), (.purpose(let x), .purpose(let y)):
            return x.utf8.count == y.utf8.count && x == y
        case (.all, .all): return true
        default: return false
        }
    }
}

/// A cap resolved to concrete instants, as a store re-checks it: "fewer than `limit`
/// impressions in `scope` with a time in `range`".
///
/// The engine resolves rolling, calendar and lifetime windows (time zones included) into
/// `range` before it reaches a store, so every store — a Lua script in Redis, an SQL
/// statement, a host callback — checks a cap with one range count and no time-zone data.
public struct CapCheck: Sendable, Hashable {
    public var scope: CapScope
    /// Half-open range of impression times (ms since the epoch) that count.
    /// `Int64.min..<Int64.max` means every impression ever recorded (lifetime).
    public var range: Range<Int64>
    /// The cap allows a new impression while fewer than `limit` are in `range`.
    public var limit: Int
    /// How the cap reads in explanations, e.g. `campaign/1d`: built when read, so a
    /// decision that explains nothing builds no label.
    public var label: String {
        let scopePart = labelName.isEmpty ? labelPrefix : labelPrefix + " " + labelName
        return windowLabel.isEmpty ? scopePart : scopePart + "/" + windowLabel
    }
    /// The scope's part of the label (`campaign`, `tag` + ` ` + `plans`) and the
    /// window's (`1d`): kept apart so nothing is joined unless the label is read.
    let labelPrefix: String
    let labelName: String
    let windowLabel: String

    public init(scope: CapScope, range: Range<Int64>, limit: Int, label: String) {
        self.init(scope: scope, range: range, limit: limit, labelPrefix: label, windowLabel: "")
    }

    public static func == (a: CapCheck, b: CapCheck) -> Bool {
        a.scope == b.scope && a.range == b.range && a.limit == b.limit && a.label == b.label
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(scope)
        hasher.combine(range)
        hasher.combine(limit)
        hasher.combine(label)
    }

    init(
        scope: CapScope, range: Range<Int64>, limit: Int, labelPrefix: String, labelName: String = "",
        windowLabel: String
    ) {
        self.scope = scope
        self.range = range
        self.limit = limit
        self.labelPrefix = labelPrefix
        self.labelName = labelName
        self.windowLabel = windowLabel
    }

    /// True when the range covers all time, so the lifetime total answers it.
    public var isLifetime: Bool { range.lowerBound == .min && range.upperBound == .max }
}

/// The outcome of ``StateStore/commitImpression(userID:_:ifWithin:)``.
public enum CommitOutcome: Sendable, Hashable {
    /// Every cap held; the impression is recorded.
    case committed
    /// `checks[index]` was already full (`used` ≥ its limit); nothing was recorded.
    case capReached(index: Int, used: Int)
}
