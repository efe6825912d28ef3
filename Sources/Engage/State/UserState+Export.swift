/// Everything the engine holds about a user as JSON: what a data-access request (GDPR
/// article 15) returns, and what a support engineer reads to see why a cap was hit.
///
/// ```json
/// {"impressions": [{"scope": "campaign", "name": "plan-nudge", "total": 3,
///                   "recent": [1795176000000], "hours": [{"start": 1795172400000, "count": 2}]}],
///  "campaigns": [{"campaign": "plan-nudge", "clicks": 1, "last_click": 1795176000000,
///                 "dismissals": 0, "conversions": 0}],
///  "behaviour": [{"event": "page_view", "properties": {"page": "/plans"},
///                 "hours": [{"start": 1795172400000, "count": 4, "last": 1795175000000,
///                            "sums": {"dwell_s": 96}}]}],
///  "conversations": [{"channel": "whatsapp", "opened": 1795176000000}]}
/// ```
///
/// Hours are the buckets history is kept in (docs/state.md); `recent` are the exact
/// times of a scope's latest impressions.
extension UserState {
    public var exported: JSON {
        func n(_ v: Int64) -> JSON { .number(Double(v)) }
        let impressions: [JSON] = ledgers.map { l in
            .object(
                JSONObject([
                    ("scope", .string(l.scope.kind)), ("name", .string(l.scope.name)), ("total", n(Int64(l.total))),
                    ("recent", .array(l.recent.map(n))),
                    ("hours", .array(l.hours.map { .object(JSONObject([("start", n(Int64($0.hour) * 3_600_000)), ("count", n(Int64($0.count)))])) })),
                ]))
        }
        let campaigns: [JSON] = campaigns.map { c in
            var pairs: [(String, JSON)] = [("campaign", .string(c.campaignID))]
            for (name, t) in [("clicks", c.clicks), ("dismissals", c.dismissals), ("conversions", c.conversions)] {
                pairs.append((name, n(Int64(t.count))))
                if let last = t.last { pairs.append(("last_" + name.dropLast(), n(last))) }
            }
            return .object(JSONObject(pairs))
        }
        let behaviour: [JSON] = behaviour.map { s in
            .object(
                JSONObject([
                    ("event", .string(s.name)),
                    ("properties", .object(JSONObject(s.dimensions.map { ($0.key, $0.value) }))),
                    (
                        "hours",
                        .array(
                            s.hours.indices.map { h in
                                let hour = s.hours[h]
                                return .object(
                                    JSONObject([
                                        ("start", n(Int64(hour.hour) * 3_600_000)), ("count", n(Int64(hour.count))), ("last", n(hour.last)),
                                        ("sums", .object(JSONObject(s.numericKeys.map { k in (k, .number(s.sum(hour: h, key: k))) }))),
                                    ]))
                            })
                    ),
                ]))
        }
        return .object(
            JSONObject([
                ("impressions", .array(impressions)), ("campaigns", .array(campaigns)),
                ("behaviour", .array(behaviour)),
                ("conversations", .array(conversations.map { .object(JSONObject([("channel", .string($0.channel)), ("opened", n($0.opened))])) })),
            ]))
    }
}
