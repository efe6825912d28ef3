/// What the domain operators read besides the data: the user, the clock, the user's
/// time zone and behaviour history.
///
/// A value type whose fields live in one shared, copy-on-write box, so passing a
/// context into every evaluation costs one reference count, not one per field.
public struct EvaluationContext: Sendable {
    final class Box: @unchecked Sendable {
        // Mutated only through the struct's setters, after `isKnownUniquelyReferenced`.
        var now: Int64
        var userID: String?
        var timeZone: String?
        var history: (any EventHistory)?
        var segmentMemo: SegmentMemo?

        init(
            now: Int64, userID: String?, timeZone: String?, history: (any EventHistory)?,
            segmentMemo: SegmentMemo? = nil
        ) {
            self.now = now
            self.userID = userID
            self.timeZone = timeZone
            self.history = history
            self.segmentMemo = segmentMemo
        }

        func copy() -> Box {
            Box(now: now, userID: userID, timeZone: timeZone, history: history, segmentMemo: segmentMemo)
        }
    }

    private var box: Box

    /// A context; every field is optional.
    public init(
        now: Int64 = 0, userID: String? = nil, timeZone: String? = nil,
        history: (any EventHistory)? = nil
    ) {
        box = Box(now: now, userID: userID, timeZone: timeZone, history: history)
    }

    private mutating func unique() -> Box {
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        return box
    }

    /// The current time, in milliseconds since the Unix epoch (UTC).
    public var now: Int64 {
        get { box.now }
        set { unique().now = newValue }
    }

    /// The user the rule is evaluated for (rollout bucketing).
    public var userID: String? {
        get { box.userID }
        set { unique().userID = newValue }
    }

    /// The user's IANA time zone name (e.g. `Asia/Seoul`); UTC when nil.
    public var timeZone: String? {
        get { box.timeZone }
        set { unique().timeZone = newValue }
    }

    /// The user's behaviour history; behaviour operators see no events when nil.
    public var history: (any EventHistory)? {
        get { box.history }
        set { unique().history = newValue }
    }

    /// Where segment results are remembered across the rules of one decision. Set only
    /// while every rule using this context is evaluated against the same data (the
    /// engine's audience, exclusion and score rules on one request); nil otherwise.
    var segmentMemo: SegmentMemo? {
        get { box.segmentMemo }
        set { unique().segmentMemo = newValue }
    }

    /// No user, the epoch, UTC and no history.
    public static let empty = EvaluationContext()
}

/// Segment results of one decision. Used by one thread at a time (a decision runs on
/// the thread that asked for it).
final class SegmentMemo: @unchecked Sendable {
    /// By ``SegmentRoot/ordinal``: 0 not yet evaluated, 1 false, 2 true.
    private var values: [UInt8]

    init(segments: Int = 0) { values = [UInt8](repeating: 0, count: max(0, segments)) }

    subscript(_ ordinal: Int) -> Bool? {
        get { ordinal < values.count && values[ordinal] != 0 ? values[ordinal] == 2 : nil }
        set {
            guard ordinal >= 0 else { return }
            if ordinal >= values.count { values.append(contentsOf: repeatElement(0, count: ordinal + 1 - values.count)) }
            values[ordinal] = newValue.map { $0 ? 2 : 1 } ?? 0
        }
    }
}
