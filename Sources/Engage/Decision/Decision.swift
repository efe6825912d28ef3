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
    /// (what the C ABI returns); Swift callers use ``json``.
    package var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func key(_ literal: StaticString) { JSONSerializer.writeLiteral(literal, into: &out) }
        func string(_ s: String) { JSONSerializer.writeString(s, into: &out) }
        key(#"{"user_id":"#)
        string(userID)
        key(#","now":"#)
        JSONSerializer.writeNumber(Double(now), into: &out)
        key(#","messages":["#)
        for (i, m) in messages.enumerated() {
            if i > 0 { out.append(0x2C) }
            key(#"{"campaign":"#)
            string(m.campaignID)
            if let p = m.placement {
                key(#","placement":"#)
                string(p)
            }
            if let v = m.variant {
                key(#","variant":"#)
                string(v)
            }
            key(#","channel":"#)
            string(m.channel.rawValue)
            key(#","cost":"#)
            JSONSerializer.writeNumber(m.cost, into: &out)
            key(#","payload":"#)
            JSONSerializer.write(m.payload, into: &out)
            if !m.skippedChannels.isEmpty {
                key(#","skipped_channels":["#)
                for (j, skip) in m.skippedChannels.enumerated() {
                    if j > 0 { out.append(0x2C) }
                    key(#"{"channel":"#)
                    string(skip.channel.rawValue)
                    key(#","reason":"#)
                    string(skip.reason)
                    out.append(0x7D)
                }
                out.append(0x5D)
            }
            out.append(0x7D)
        }
        out.append(0x5D)
        if let storeUnavailable {
            key(#","store":"unavailable","store_error":"#)
            string(storeUnavailable)
        }
        if !assignments.isEmpty {
            key(#","assignments":["#)
            for (i, a) in assignments.enumerated() {
                if i > 0 { out.append(0x2C) }
                key(#"{"campaign":"#)
                string(a.campaignID)
                key(#","group":"#)
                string(a.group.rawValue)
                if let v = a.variant {
                    key(#","variant":"#)
                    string(v)
                }
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        if let traces {
            key(#","explanation":["#)
            for (i, t) in traces.enumerated() {
                if i > 0 { out.append(0x2C) }
                key(#"{"campaign":"#)
                string(t.campaignID)
                key(#","reason":"#)
                string(t.reason.rawValue)
                key(#","detail":"#)
                string(t.detail)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        out.append(0x7D)
        return out
    }
}
