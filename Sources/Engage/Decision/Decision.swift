/// The engine's answer: the messages to show (at most `k` per placement), the
/// holdout/control assignments made, and — when asked — why every campaign was or was
/// not chosen.
public struct Decision: Sendable {
    /// One message to show.
    public struct Message: Sendable {
        /// The campaign shown.
        public var campaignID: String
        /// The placement the message fills, or nil for an event-triggered message.
        public var placement: String?
        /// The assigned variant, when the campaign has variants.
        public var variant: String?
        /// The channel chosen: the cheapest the user is reachable and consented on.
        public var channel: Channel
        /// The channel's cost for this message (0 for in-app, or WhatsApp in an open
        /// conversation).
        public var cost: Double
        /// The payload with placeholders filled and escaped for its format.
        public var payload: JSON
        /// The campaign's priority (arbitration's first key).
        public var priority: Int
        /// The campaign's score when it has a score rule (arbitration's second key).
        public var score: Double?
        /// Channels the campaign offers that were skipped, and why.
        public var skippedChannels: [(channel: Channel, reason: String)]
    }

    /// A campaign the user was eligible for but is held out of (campaign holdout or the
    /// global control group): nothing is shown; the assignment is recorded for uplift.
    public struct Assignment: Sendable {
        /// The campaign the user is held out of.
        public var campaignID: String
        /// `.holdout` (the campaign's holdout) or `.control` (the global control group).
        public var group: ReasonCode // .holdout or .control
        /// The variant the user would have had.
        public var variant: String?
    }

    /// The user decided for.
    public var userID: String
    /// The decision's time, milliseconds since the epoch.
    public var now: Int64
    /// Messages to show, at most `k` per placement, in slot order.
    public var messages: [Message]
    /// Holdout and control assignments made by this decision.
    public var assignments: [Assignment]
    /// Every campaign considered (when the request asked to explain): in set order.
    public var traces: [CampaignTrace]?
    /// Nil when the store served the decision. Otherwise the store was unavailable (down,
    /// not answering within its timeout, its breaker open): the decision failed closed —
    /// no message, nothing committed — and this is the store's error, what and where.
    /// Written as `"store": "unavailable", "store_error": "..."` (docs/decisions.md).
    public var storeUnavailable: String? = nil

    /// The decision as JSON (docs/decisions.md).
    public var json: JSON {
        var members: [(String, JSON)] = [
            ("user_id", .string(userID)),
            ("now", .number(Double(now))),
            (
                "messages",
                .array(
                    messages.map { m in
                        var fields: [(String, JSON)] = [("campaign", .string(m.campaignID))]
                        if let p = m.placement { fields.append(("placement", .string(p))) }
                        if let v = m.variant { fields.append(("variant", .string(v))) }
                        fields.append(("channel", .string(m.channel.rawValue)))
                        fields.append(("cost", .number(m.cost)))
                        fields.append(("payload", m.payload))
                        if !m.skippedChannels.isEmpty {
                            fields.append(
                                (
                                    "skipped_channels",
                                    .array(
                                        m.skippedChannels.map {
                                            .object(JSONObject([("channel", .string($0.channel.rawValue)), ("reason", .string($0.reason))]))
                                        })
                                ))
                        }
                        return .object(JSONObject(fields))
                    })
            ),
        ]
        if let storeUnavailable {
            members.append(("store", .string("unavailable")))
            members.append(("store_error", .string(storeUnavailable)))
        }
        if !assignments.isEmpty {
            members.append(
                (
                    "assignments",
                    .array(
                        assignments.map { a in
                            var fields: [(String, JSON)] = [("campaign", .string(a.campaignID)), ("group", .string(a.group.rawValue))]
                            if let v = a.variant { fields.append(("variant", .string(v))) }
                            return .object(JSONObject(fields))
                        })
                ))
        }
        if let traces { members.append(("explanation", .array(traces.map(\.json)))) }
        return .object(JSONObject(members))
    }

    /// The compact text of ``json``, written straight into bytes: the same bytes as
    /// `JSONSerializer.bytes(json)`, without building the tree. Hook for the C layer
    /// (what the C ABI returns); Swift callers use ``json``. Written through a
    /// ``JSONTextCursor``: a text under a kilobyte is one append to the array.
    package var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        JSONSerializer.writeChunked(into: &out) { w in
            w.member(#"{"user_id":"#, userID)
            w.literal(#","now":"#)
            w.number(Double(now))
            w.literal(#","messages":["#)
            for (i, m) in messages.enumerated() {
                if i > 0 { w.literal(",") }
                w.member(#"{"campaign":"#, m.campaignID)
                w.member(#","placement":"#, m.placement)
                w.member(#","variant":"#, m.variant)
                w.member(#","channel":"#, m.channel.rawValue)
                w.literal(#","cost":"#)
                w.number(m.cost)
                w.literal(#","payload":"#)
                w.value(m.payload)
                if !m.skippedChannels.isEmpty {
                    w.literal(#","skipped_channels":["#)
                    for (j, skip) in m.skippedChannels.enumerated() {
                        if j > 0 { w.literal(",") }
                        w.member(#"{"channel":"#, skip.channel.rawValue)
                        w.member(#","reason":"#, skip.reason)
                        w.literal("}")
                    }
                    w.literal("]")
                }
                w.literal("}")
            }
            w.literal("]")
            w.member(#","store":"unavailable","store_error":"#, storeUnavailable)
            if !assignments.isEmpty {
                w.literal(#","assignments":["#)
                for (i, a) in assignments.enumerated() {
                    if i > 0 { w.literal(",") }
                    w.member(#"{"campaign":"#, a.campaignID)
                    w.member(#","group":"#, a.group.rawValue)
                    w.member(#","variant":"#, a.variant)
                    w.literal("}")
                }
                w.literal("]")
            }
            if let traces {
                w.literal(#","explanation":["#)
                for (i, t) in traces.enumerated() {
                    if i > 0 { w.literal(",") }
                    w.member(#"{"campaign":"#, t.campaignID)
                    w.member(#","reason":"#, t.reason.rawValue)
                    w.member(#","detail":"#, t.detail)
                    w.literal("}")
                }
                w.literal("]")
            }
            w.literal("}")
        }
        return out
    }
}
