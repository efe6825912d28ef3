// The report as text for a terminal: a summary, one row per campaign, the channel mix.
import Engage

public enum ReportTable {
    /// The report (SimulationResult.report) as a fixed-width table.
    public static func render(_ report: JSON) -> String {
        let o = report.objectValue ?? JSONObject()
        let scenario = o["scenario"]?.objectValue ?? JSONObject()
        let totals = o["totals"]?.objectValue ?? JSONObject()
        func n(_ obj: JSONObject?, _ key: String) -> Int { obj?[key]?.intValue ?? 0 }
        func d(_ obj: JSONObject?, _ key: String) -> Double { obj?[key]?.doubleValue ?? 0 }
        var out = ""
        let from = Int64(d(scenario, "from")), to = Int64(d(scenario, "to"))
        let zone = scenario["time_zone"]?.stringValue ?? "UTC"
        // Every cost with as many decimals as the most precise one needs: a cost of
        // 0.001 is not shown as 0.00, and no column shows digits the sums do not have.
        var costs = [d(totals, "cost")]
        for c in o["campaigns"]?.arrayValue ?? [] { costs.append(d(c.objectValue, "cost")) }
        for c in o["channels"]?.arrayValue ?? [] { costs.append(d(c.objectValue, "cost")) }
        let places = costs.map(costPlaces).max() ?? 2
        func money(_ x: Double) -> String { decimal(x, places) }
        out += "libengage simulation: \(count(n(scenario, "users"))) users, \(count(n(scenario, "events"))) events, "
        out += "\(localDate(from, zone)) to \(localDate(to, zone)) (\(zone))\n"
        out += "decisions \(count(n(scenario, "decisions"))) · impressions \(count(n(totals, "impressions"))) · "
        out += "users reached \(count(n(totals, "users_reached"))) · clicks \(count(n(totals, "clicks"))) · "
        out += "conversions \(count(n(totals, "conversions"))) · cost \(money(d(totals, "cost")))\n"
        out += "global control group: \(count(n(totals, "control_users"))) users · in a holdout: \(count(n(totals, "holdout_users"))) users\n\n"
        let header = [
            "campaign", "eligible", "reach", "impr", "freq", "clicks", "conv", "uplift (95% CI)",
            "holdout", "consent", "quiet", "caps c/t/ch/g", "cost",
        ]
        var rows: [[String]] = []
        for c in o["campaigns"]?.arrayValue ?? [] {
            let co = c.objectValue ?? JSONObject()
            let funnel = co["funnel"]?.objectValue
            let blocked = co["blocked"]?.objectValue
            let caps = co["caps_hit"]?.objectValue
            let skips = co["channel_skips"]?.objectValue
            var uplift = "—"
            var conv = "—"
            if let conversion = co["conversion"]?.objectValue {
                conv = count(n(conversion["treated"]?.objectValue, "converted"))
                if let u = conversion["uplift"]?.doubleValue, let ci = conversion["ci95"]?.arrayValue, ci.count == 2 {
                    uplift = "\(points(u)) (\(points(ci[0].doubleValue ?? 0))…\(points(ci[1].doubleValue ?? 0)))"
                }
            }
            rows.append([
                co["id"]?.stringValue ?? "?", count(n(funnel, "eligible")), count(n(co, "reach")), count(n(co, "impressions")),
                decimal(d(co, "frequency"), 2), count(n(co, "clicks")), conv, uplift, count(n(co, "holdout_users")),
                "\(count(n(blocked, "consent")))/\(count(n(skips, "consent")))",
                "\(count(n(blocked, "quiet_hours")))/\(count(n(skips, "quiet_hours")))",
                "\(n(caps, "campaign"))/\(n(caps, "tag"))/\(n(caps, "channel"))/\(n(caps, "global"))",
                money(d(co, "cost")),
            ])
        }
        out += table(header, rows)
        out +=
            "\n(eligible, reach: distinct users. consent, quiet: decisions where the campaign was blocked / where a channel was dropped.\n caps: decisions blocked by a campaign/tag/channel/global cap. uplift: conversion-rate difference against the holdout, percentage points.)\n\n"
        var variantRows: [[String]] = []
        for c in o["campaigns"]?.arrayValue ?? [] {
            let co = c.objectValue
            for v in co?["variants"]?.arrayValue ?? [] {
                let vo = v.objectValue
                variantRows.append([
                    co?["id"]?.stringValue ?? "?", vo?["id"]?.stringValue ?? "?", count(n(vo, "users")),
                    count(n(vo, "impressions")), count(n(vo, "reach")), count(n(vo, "clicks")),
                    count(n(vo, "converted")),
                ])
            }
        }
        if !variantRows.isEmpty {
            out += table(["campaign", "variant", "users", "impr", "reach", "clicks", "conv"], variantRows) + "\n"
        }
        var channelRows: [[String]] = []
        for ch in o["channels"]?.arrayValue ?? [] {
            let co = ch.objectValue
            channelRows.append([co?["channel"]?.stringValue ?? "?", count(n(co, "impressions")), count(n(co, "users")), money(d(co, "cost"))])
        }
        out += table(["channel", "impressions", "users", "cost"], channelRows)
        return out
    }

    /// One explained decision: every campaign with the step where it stopped. The
    /// decision's time is shown in `timeZone` (the user's), as local ISO 8601.
    public static func explanation(_ decision: Decision, question: JSON, timeZone: String) -> String {
        var out = "user \(decision.userID) at \(localInstant(decision.now, timeZone)) — question \(JSONSerializer.string(question))\n\n"
        var rows: [[String]] = []
        for t in decision.traces ?? [] {
            rows.append([t.campaignID, t.reason.rawValue, t.detail])
        }
        out += table(["campaign", "step", "why"], rows)
        if decision.messages.isEmpty {
            out += "\nshown: nothing\n"
        } else {
            out += "\nshown:\n"
            for m in decision.messages {
                out += "  \(m.campaignID) on \(m.channel.rawValue)"
                if let p = m.placement { out += " in \(p)" }
                if let v = m.variant { out += ", variant \(v)" }
                out += ", cost \(decimal(m.cost, costPlaces(m.cost)))\n"
            }
        }
        for a in decision.assignments { out += "  \(a.campaignID): \(a.group.rawValue) (nothing shown)\n" }
        return out
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            var s = ""
            for (i, c) in cells.enumerated() where i < widths.count {
                let pad = i == cells.count - 1 && header.last == "why" ? "" : String(repeating: " ", count: widths[i] - c.count)
                // Text left, numbers right; the last column (a reason) is left.
                let left = i == 0 || (i == cells.count - 1 && header.last == "why") || (i == 1 && ["step", "variant"].contains(header[1]))
                s += left ? c + pad : pad + c
                if i < cells.count - 1 { s += "  " }
            }
            return s + "\n"
        }
        var out = line(header)
        out += line(widths.map { String(repeating: "-", count: $0) })
        for r in rows { out += line(r) }
        return out
    }

    /// `n` with thousands separators (`12,345`).
    public static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    static func decimal(_ x: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let v = (abs(x) * scale).rounded()
        let whole = Int(v / scale)
        var frac = String(Int(v.truncatingRemainder(dividingBy: scale)))
        while frac.count < places { frac = "0" + frac }
        return (x < 0 && v > 0 ? "-" : "") + count(whole) + (places > 0 ? "." + frac : "")
    }

    /// Decimal places that show a cost exactly: costs are kept in millionths of the
    /// unit (Report's tallies), so 2 (the unit's cents) to 6; 0.001 needs 3, 12.5 needs 2.
    static func costPlaces(_ x: Double) -> Int {
        let micros = (abs(x) * 1_000_000).rounded()
        // Past 2^53 a double holds no millionths anyway (and Int64 must not trap).
        guard micros.isFinite, micros < 9_007_199_254_740_992 else { return 2 }
        var m = Int64(micros), places = 6
        while places > 2, m % 10 == 0 {
            m /= 10
            places -= 1
        }
        return places
    }

    /// A rate difference in percentage points, signed.
    static func points(_ x: Double) -> String { (x >= 0 ? "+" : "") + decimal(x * 100, 1) }

    /// `ms` as local ISO 8601 in `zone` (`2026-11-07T08:33:49+09:00`); in UTC when the
    /// zone does not load.
    static func localInstant(_ ms: Int64, _ zone: String) -> String {
        let rules = (try? ZoneCache.shared.zone(named: zone)) ?? ZoneRules.utc
        return rules.rfc3339(ms)
    }

    static func localDate(_ ms: Int64, _ zone: String) -> String {
        guard let rules = try? ZoneCache.shared.zone(named: zone) else { return "\(ms)" }
        let t = rules.localTime(atUTC: ms / 1000)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.year)-\(two(t.month))-\(two(t.day)) \(two(t.hour)):\(two(t.minute))"
    }
}
