// The `engage simulate` report as one self-contained HTML5 page: inline CSS, inline SVG
// charts drawn here, no script and no URL, so the file can be mailed, archived or opened
// offline. A Content-Security-Policy of `default-src 'none'` makes a viewer refuse any
// load that might slip in.
//
// The input is untrusted in shape: every member may be missing, null or of another
// type, and each then reads as "—" (or draws nothing). Every string from the report is
// escaped before it reaches the page. The output is a pure function of the input: no
// clock, no locale, no Dictionary iteration order.
import Engage

/// Renders a simulation report (the JSON that `engage simulate --json` writes) as HTML.
public enum ReportHTML {
    /// One complete HTML5 document for `report`.
    ///
    /// Sections: the scenario (inputs, users, events, decisions, period in the scenario's
    /// time zone), totals, a reach funnel per campaign, impressions per hour of day
    /// stacked by channel, cost and impressions per channel, per-campaign delivery and
    /// blocked decisions, uplift with its 95% confidence interval, and variants.
    ///
    /// Never fails: a member that is missing or of the wrong type renders as "—", and
    /// a value that is not an object renders an empty report. The same input always
    /// gives the same bytes. Reads the scenario's time zone through
    /// ``ZoneCache/shared`` (falls back to UTC when unknown).
    ///
    /// - Complexity: O(size of the report).
    public static func render(_ report: JSON) -> String {
        var page = _Page(report: report)
        page.document()
        return page.html
    }
}

// MARK: - The document

/// Builds the page into `html`, section by section.
private struct _Page {
    let report: JSON
    let campaigns: [JSON]
    var html = ""

    init(report: JSON) {
        self.report = report
        self.campaigns = report["campaigns"]?.arrayValue ?? []
        html.reserveCapacity(64 * 1024)
    }

    mutating func document() {
        html += """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>Campaign simulation report</title>
            <style>\(_css)</style>
            </head>
            <body>
            <main>

            """
        header()
        totals()
        funnels()
        hours()
        channels()
        delivery()
        blocked()
        uplift()
        variants()
        let version = _count(report["version"])
        html += "<footer>Written by <code>engage simulate</code> · report version \(version)</footer>\n"
        html += "</main>\n</body>\n</html>\n"
    }

    // MARK: Header and totals

    mutating func header() {
        let inputs = report["inputs"]
        let scenario = report["scenario"]
        html += "<header>\n<h1>Campaign simulation report</h1>\n"
        html += "<p class=\"sub\">Campaigns <code>\(_text(inputs?["campaigns"]))</code>"
        html += " replayed over <code>\(_text(inputs?["events"]))</code></p>\n<dl class=\"scenario\">\n"
        let responses = inputs?["responses"]
        let period = _Period(from: scenario?["from"], to: scenario?["to"], zone: scenario?["time_zone"])
        let items: [(String, String)] = [
            ("Users", _count(scenario?["users"])),
            ("Events", _count(scenario?["events"])),
            ("Decisions", _count(scenario?["decisions"])),
            ("Period", period.text),
            ("Time zone", _text(scenario?["time_zone"])),
            ("Responses", responses?.isNull == true ? "none" : _text(responses)),
            ("Seed", _count(inputs?["seed"])),
        ]
        for (term, value) in items {
            html += "<div><dt>\(term)</dt><dd>\(value)</dd></div>\n"
        }
        html += "</dl>\n</header>\n"
    }

    mutating func totals() {
        let t = report["totals"]
        let impressions = _number(t?["impressions"])
        let reached = _number(t?["users_reached"])
        let clicks = _number(t?["clicks"])
        let conversions = _number(t?["conversions"])
        let cost = _number(t?["cost"])
        let cards: [(String, String, String)] = [
            ("Impressions", _count(t?["impressions"]), "freq " + _ratio(impressions, reached, places: 2) + " per user"),
            ("Users reached", _count(t?["users_reached"]), "distinct users shown anything"),
            ("Clicks", _count(t?["clicks"]), "CTR " + _percent(_divide(clicks, impressions))),
            ("Dismissals", _count(t?["dismissals"]), "closed without a click"),
            ("Conversions", _count(t?["conversions"]), _percent(_divide(conversions, reached)) + " of reached"),
            ("Cost", _money(t?["cost"]), _ratio(cost.map { $0 * 1000 }, impressions, places: 2) + " per 1,000 impressions"),
            ("Holdout users", _count(t?["holdout_users"]), "kept out to measure uplift"),
            ("Control users", _count(t?["control_users"]), "global control group"),
        ]
        html += "<section class=\"cards\">\n"
        for (label, value, note) in cards {
            html += "<div class=\"card\"><div class=\"label\">\(label)</div><div class=\"value\">\(value)</div>"
            html += "<div class=\"note\">\(note)</div></div>\n"
        }
        html += "</section>\n"
    }

    // MARK: Charts

    mutating func funnels() {
        html += "<section>\n<h2>Reach funnel</h2>\n"
        html += "<p class=\"hint\">Distinct users at each step; the percentage is of users reached.</p>\n"
        html += "<div class=\"funnels\">\n"
        if campaigns.isEmpty { html += "<p class=\"empty\">No campaigns in this report.</p>\n" }
        for c in campaigns {
            html += "<figure class=\"funnel\" data-campaign=\"\(_escape(c["id"]?.stringValue ?? ""))\">"
            html += "<figcaption>\(_campaignLabel(c))</figcaption>\n"
            html += _Charts.funnel(c["funnel"])
            html += "</figure>\n"
        }
        html += "</div>\n</section>\n"
    }

    mutating func hours() {
        let hours = report["hours"]
        let zone = hours?["time_zone"]?.stringValue
        let note = zone == "user" ? "each user's local time" : (zone.map { _escape($0) } ?? "—")
        html += "<section>\n<h2>Impressions by hour of day</h2>\n"
        html += "<p class=\"hint\">Hour of day in \(note), stacked by channel.</p>\n"
        var series: [(String, [Double])] = []
        if let byChannel = hours?["by_channel"]?.objectValue, !byChannel.isEmpty {
            let extra = byChannel.keys.filter { !_channels.contains($0) }
            for name in _channels + extra {
                guard let values = byChannel[name] else { continue }
                series.append((name, (0..<24).map { max(0, _number(values[$0]) ?? 0) }))
            }
        } else if let all = hours?["impressions"], all.arrayValue != nil {
            series.append(("all", (0..<24).map { max(0, _number(all[$0]) ?? 0) }))
        }
        html += _Charts.hours(series)
        html += _legend(series.map(\.0))
        html += "</section>\n"
    }

    mutating func channels() {
        var rows: [(name: String, cost: Double?, impressions: Double?, users: Double?)] = []
        for ch in report["channels"]?.arrayValue ?? [] {
            rows.append(
                (
                    ch["channel"]?.stringValue ?? "—", _number(ch["cost"]),
                    _number(ch["impressions"]), _number(ch["users"])
                ))
        }
        let tips = rows.map { row in
            "\(row.name): cost \(_fixedGrouped(row.cost, 2)), \(_countOf(row.impressions)) impressions, "
                + "\(_countOf(row.users)) users, \(_ratio(row.cost, row.impressions, places: 4)) per impression"
        }
        html += "<section>\n<h2>Channels</h2>\n<div class=\"pair\">\n"
        html += "<figure><figcaption>Cost per channel</figcaption>\n"
        html += _Charts.horizontalBars(rows.map { ($0.name, $0.cost) }, tips: tips, money: true)
        html += "</figure>\n<figure><figcaption>Impressions per channel</figcaption>\n"
        html += _Charts.horizontalBars(rows.map { ($0.name, $0.impressions) }, tips: tips, money: false)
        html += "</figure>\n</div>\n</section>\n"
    }

    // MARK: Tables

    mutating func delivery() {
        html += "<section>\n<h2>Campaigns</h2>\n<div class=\"scroll\"><table class=\"campaigns\">\n<thead><tr>"
        html += "<th>Campaign</th><th>Priority</th><th>Decisions</th>"
        html += "<th>Impressions</th><th>Reach</th><th>Frequency</th><th>Clicks</th><th>CTR</th>"
        html += "<th>Dismissals</th><th>Conversions</th><th>Holdout users</th><th>Cost</th></tr></thead>\n<tbody>\n"
        for c in campaigns {
            let impressions = _number(c["impressions"])
            let status = c["status"]?.stringValue
            html += "<tr data-campaign=\"\(_escape(c["id"]?.stringValue ?? ""))\">"
            html += "<td class=\"name\">\(_campaignLabel(c))<span class=\"meta\">\(_text(c["purpose"])) "
            html += "<span class=\"status \(status == "active" ? "on" : "off")\">\(_text(c["status"]))</span></span></td>"
            html += "<td class=\"n\">\(_count(c["priority"]))</td>"
            html += "<td class=\"n\">\(_count(c["decisions"]))</td><td class=\"n\">\(_count(c["impressions"]))</td>"
            html += "<td class=\"n\">\(_count(c["reach"]))</td><td class=\"n\">\(_fixedGrouped(_number(c["frequency"]), 2))</td>"
            html += "<td class=\"n\">\(_count(c["clicks"]))</td>"
            html += "<td class=\"n\">\(_percent(_divide(_number(c["clicks"]), impressions)))</td>"
            html += "<td class=\"n\">\(_count(c["dismissals"]))</td>"
            html += "<td class=\"n\">\(_count(c["funnel"]?["converted"]))</td>"
            html += "<td class=\"n\">\(_count(c["holdout_users"]))</td><td class=\"n\">\(_money(c["cost"]))</td></tr>\n"
        }
        if campaigns.isEmpty { html += "<tr><td colspan=\"12\" class=\"empty\">No campaigns.</td></tr>\n" }
        html += "</tbody>\n</table></div>\n</section>\n"
    }

    mutating func blocked() {
        html += "<section>\n<h2>Blocked decisions</h2>\n"
        html += "<p class=\"hint\">Decisions that did not show the campaign, by the first step that stopped it. "
        html += "Caps are broken down by the kind of cap hit; “other” lists the rest (hover for detail).</p>\n"
        html += "<div class=\"scroll\"><table class=\"blocked\">\n<thead><tr><th rowspan=\"2\">Campaign</th><th rowspan=\"2\">Consent</th>"
        html += "<th rowspan=\"2\">Quiet hours</th><th colspan=\"5\">Caps</th><th rowspan=\"2\">Audience</th>"
        html += "<th rowspan=\"2\">Arbitration</th><th rowspan=\"2\">Other</th></tr>\n"
        html += "<tr><th>all</th><th>campaign</th><th>tag</th><th>channel</th><th>global</th></tr></thead>\n<tbody>\n"
        let shown: Set<String> = ["consent", "quiet_hours", "cap", "audience", "arbitration"]
        for c in campaigns {
            let blocked = c["blocked"]
            let caps = c["caps_hit"]
            var other = 0.0
            var parts: [String] = []
            for (key, value) in blocked?.objectValue ?? JSONObject() where !shown.contains(key) {
                guard let n = _number(value), n != 0 else { continue }
                other += n
                parts.append("\(key.replacingUnderscores): \(_countOf(n))")
            }
            html += "<tr data-campaign=\"\(_escape(c["id"]?.stringValue ?? ""))\">"
            html += "<td class=\"name\">\(_campaignLabel(c))</td>"
            for key in ["consent", "quiet_hours", "cap"] { html += "<td class=\"n\">\(_count(blocked?[key]))</td>" }
            for key in ["campaign", "tag", "channel", "global"] { html += "<td class=\"n sub\">\(_count(caps?[key]))</td>" }
            for key in ["audience", "arbitration"] { html += "<td class=\"n\">\(_count(blocked?[key]))</td>" }
            let tip = parts.isEmpty ? "none" : parts.joined(separator: ", ")
            html += "<td class=\"n\" title=\"\(_escape(tip))\">\(blocked == nil ? "—" : _countOf(other))</td></tr>\n"
        }
        if campaigns.isEmpty { html += "<tr><td colspan=\"11\" class=\"empty\">No campaigns.</td></tr>\n" }
        html += "</tbody>\n</table></div>\n</section>\n"
    }

    mutating func uplift() {
        var extent = 0.0
        for c in campaigns {
            let conv = c["conversion"]
            for v in [_number(conv?["uplift"]), _number(conv?["ci95"]?[0]), _number(conv?["ci95"]?[1])] {
                if let v { extent = max(extent, abs(v)) }
            }
        }
        extent = extent > 0 ? extent * 1.1 : 0.1
        let scale = "−\(_fixed(extent * 100, 1)) to +\(_fixed(extent * 100, 1)) pp"
        html += "<section>\n<h2>Uplift</h2>\n"
        html += "<p class=\"hint\">Conversion rate of treated users minus that of the campaign's holdout, "
        html += "in percentage points, with its 95% confidence interval. Green: the interval is above zero.</p>\n"
        html += "<div class=\"scroll\"><table class=\"uplift\">\n<thead><tr><th>Campaign</th><th>Goal event</th><th>Treated</th>"
        html += "<th>Holdout</th><th>Uplift</th><th>95% CI</th><th>Relative</th><th>CI (\(scale))</th></tr></thead>\n<tbody>\n"
        for c in campaigns {
            let conv = c["conversion"]
            html += "<tr data-campaign=\"\(_escape(c["id"]?.stringValue ?? ""))\"><td class=\"name\">\(_campaignLabel(c))</td>"
            guard let conv, conv.objectValue != nil else {
                html += "<td colspan=\"7\" class=\"empty\">no conversion goal</td></tr>\n"
                continue
            }
            let u = _number(conv["uplift"])
            let lo = _number(conv["ci95"]?[0])
            let hi = _number(conv["ci95"]?[1])
            html += "<td><code>\(_text(conv["event"]))</code></td>"
            html += "<td class=\"n\">\(_group(conv["treated"]))</td><td class=\"n\">\(_group(conv["holdout"]))</td>"
            html += "<td class=\"n strong\">\(_pp(u))</td>"
            html += "<td class=\"n\">\(lo == nil && hi == nil ? "—" : "\(_pp(lo)) to \(_pp(hi))")</td>"
            html += "<td class=\"n\">\(_signedPercent(_number(conv["relative"])))</td>"
            html += "<td>\(_Charts.interval(uplift: u, low: lo, high: hi, extent: extent))</td></tr>\n"
        }
        if campaigns.isEmpty { html += "<tr><td colspan=\"8\" class=\"empty\">No campaigns.</td></tr>\n" }
        html += "</tbody>\n</table></div>\n</section>\n"
    }

    mutating func variants() {
        html += "<section>\n<h2>Variants</h2>\n"
        var rows = ""
        for c in campaigns {
            for v in c["variants"]?.arrayValue ?? [] {
                let users = _number(v["users"])
                let impressions = _number(v["impressions"])
                rows += "<tr data-campaign=\"\(_escape(c["id"]?.stringValue ?? ""))\"><td class=\"name\">\(_campaignLabel(c))</td>"
                rows += "<td><code>\(_text(v["id"]))</code></td><td class=\"n\">\(_count(v["users"]))</td>"
                rows += "<td class=\"n\">\(_count(v["impressions"]))</td><td class=\"n\">\(_count(v["reach"]))</td>"
                rows += "<td class=\"n\">\(_count(v["clicks"]))</td>"
                rows += "<td class=\"n\">\(_percent(_divide(_number(v["clicks"]), impressions)))</td>"
                rows += "<td class=\"n\">\(_count(v["converted"]))</td>"
                rows += "<td class=\"n\">\(_percent(_divide(_number(v["converted"]), users)))</td></tr>\n"
            }
        }
        if rows.isEmpty {
            html += "<p class=\"empty\">No campaign in this report has variants.</p>\n</section>\n"
            return
        }
        html += "<div class=\"scroll\"><table class=\"variants\">\n<thead><tr><th>Campaign</th><th>Variant</th><th>Users</th>"
        html += "<th>Impressions</th><th>Reach</th><th>Clicks</th><th>CTR</th><th>Converted</th>"
        html += "<th>Conversion rate</th></tr></thead>\n<tbody>\n\(rows)</tbody>\n</table></div>\n</section>\n"
    }

    // MARK: Pieces

    /// The campaign's name over its id, both escaped.
    func _campaignLabel(_ c: JSON) -> String {
        let id = c["id"]?.stringValue
        let name = c["name"]?.stringValue
        let title = _escape(name ?? id ?? "—")
        guard let id else { return title }
        return "\(title)<span class=\"id\">\(_escape(id))</span>"
    }

    /// "converted / users · rate" for a conversion arm.
    func _group(_ arm: JSON?) -> String {
        "\(_count(arm?["converted"])) / \(_count(arm?["users"])) · \(_percent(_number(arm?["rate"])))"
    }

    func _legend(_ names: [String]) -> String {
        guard !names.isEmpty else { return "" }
        var out = "<ul class=\"legend\">"
        for name in names {
            out += "<li><span class=\"swatch\" style=\"background:\(_channelColour(name))\"></span>\(_escape(name))</li>"
        }
        return out + "</ul>\n"
    }
}

extension String {
    /// `quiet_hours` → `quiet hours`.
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}

// MARK: - Charts

/// Inline SVG charts. Every chart scales to its container (`viewBox`, width 100%), labels
/// its axes, and gives each bar a `<title>` (the browser's tooltip).
private enum _Charts {
    static let stages = ["reached", "audience", "eligible", "shown", "clicked", "converted"]

    /// Horizontal bars, one per funnel step, scaled to the largest step.
    static func funnel(_ funnel: JSON?) -> String {
        let width = 420.0, left = 78.0, right = 96.0, top = 6.0, row = 24.0, bottom = 24.0
        let height = top + row * Double(stages.count) + bottom
        let plot = width - left - right
        var svg = _open(width: width, height: height, label: "Reach funnel")
        let values = stages.map { _number(funnel?[$0]) }
        let reached = values.first ?? nil
        let axis = _Axis(maximum: values.compactMap { $0 }.max() ?? 0)
        svg += axis.verticalGrid(left: left, width: plot, top: top, bottom: height - bottom)
        for (i, stage) in stages.enumerated() {
            let value = values[i]
            let y = top + Double(i) * row
            svg += "<text class=\"lab\" x=\"\(_f(left - 8))\" y=\"\(_f(y + row / 2 + 4))\" text-anchor=\"end\">\(stage)</text>"
            let length = axis.scale(value ?? 0) * plot
            let share = _percent(_divide(value, reached))
            var tip = "\(stage): \(_countOf(value)) users, \(share) of reached"
            if i > 1, let previous = values[i - 1] {
                tip += ", \(_percent(_divide(value, previous))) of \(stages[i - 1])"
            }
            let fill = stage == "converted" ? "#2f8a5b" : "#4a74b4"
            svg += "<rect x=\"\(_f(left))\" y=\"\(_f(y + 3))\" width=\"\(_f(length))\" height=\"\(_f(row - 6))\" "
            svg += "fill=\"\(fill)\" rx=\"2\"><title>\(_escape(tip))</title></rect>"
            svg += "<text class=\"val\" x=\"\(_f(left + length + 6))\" y=\"\(_f(y + row / 2 + 4))\">"
            svg += "\(_countOf(value)) · \(share)</text>\n"
        }
        svg += axis.horizontalLabels(left: left, width: plot, y: height - 8)
        if values.allSatisfy({ $0 == nil }) { svg += _noData(x: left + plot / 2, y: top + 3 * row) }
        return svg + "</svg>\n"
    }

    /// 24 columns, each stacked from `series` in order; the y axis counts impressions.
    static func hours(_ series: [(String, [Double])]) -> String {
        let width = 1120.0, left = 56.0, right = 12.0, top = 12.0, bottom = 40.0, height = 300.0
        let plot = width - left - right, base = height - bottom, slot = plot / 24
        var totals = [Double](repeating: 0, count: 24)
        for (_, values) in series {
            for (h, v) in values.enumerated() where h < 24 { totals[h] += v }
        }
        let axis = _Axis(maximum: totals.max() ?? 0)
        var svg = _open(width: width, height: height, label: "Impressions by hour of day")
        svg += axis.horizontalGrid(left: left, width: plot, top: top, bottom: base)
        for h in 0..<24 {
            var y = base
            let x = left + Double(h) * slot + slot * 0.14
            let span = "\(_two(h)):00–\(_two((h + 1) % 24)):00"
            for (name, values) in series {
                let v = h < values.count ? values[h] : 0
                guard v > 0 else { continue }
                let length = axis.scale(v) * (base - top)
                y -= length
                svg += "<rect x=\"\(_f(x))\" y=\"\(_f(y))\" width=\"\(_f(slot * 0.72))\" height=\"\(_f(length))\" "
                svg += "fill=\"\(_channelColour(name))\"><title>\(span) · \(_escape(name)): "
                svg += "\(_countOf(v)) of \(_countOf(totals[h])) impressions</title></rect>"
            }
            svg += "<text class=\"lab\" x=\"\(_f(x + slot * 0.36))\" y=\"\(_f(base + 16))\" text-anchor=\"middle\">\(h)</text>\n"
        }
        svg += "<text class=\"axis\" x=\"\(_f(left + plot / 2))\" y=\"\(_f(height - 4))\" text-anchor=\"middle\">hour of day</text>"
        svg += "<text class=\"axis\" transform=\"translate(12 \(_f(top + (base - top) / 2))) rotate(-90)\" "
        svg += "text-anchor=\"middle\">impressions</text>"
        if totals.allSatisfy({ $0 == 0 }) { svg += _noData(x: left + plot / 2, y: top + (base - top) / 2) }
        return svg + "</svg>\n"
    }

    /// One horizontal bar per row, coloured by channel, with its value at the end.
    static func horizontalBars(_ rows: [(String, Double?)], tips: [String], money: Bool) -> String {
        let width = 540.0, left = 78.0, right = 84.0, top = 6.0, row = 28.0, bottom = 24.0
        let count = max(rows.count, 1)
        let height = top + row * Double(count) + bottom
        let plot = width - left - right
        let axis = _Axis(maximum: rows.compactMap { $0.1 }.max() ?? 0)
        var svg = _open(width: width, height: height, label: money ? "Cost per channel" : "Impressions per channel")
        svg += axis.verticalGrid(left: left, width: plot, top: top, bottom: height - bottom, money: money)
        for (i, (name, value)) in rows.enumerated() {
            let y = top + Double(i) * row
            let length = axis.scale(value ?? 0) * plot
            let text = money ? _fixedGrouped(value, 2) : _countOf(value)
            let tip = i < tips.count ? tips[i] : name
            svg += "<text class=\"lab\" x=\"\(_f(left - 8))\" y=\"\(_f(y + row / 2 + 4))\" text-anchor=\"end\">\(_escape(name))</text>"
            svg += "<rect x=\"\(_f(left))\" y=\"\(_f(y + 4))\" width=\"\(_f(length))\" height=\"\(_f(row - 8))\" "
            svg += "fill=\"\(_channelColour(name))\" rx=\"2\"><title>\(_escape(tip))</title></rect>"
            svg += "<text class=\"val\" x=\"\(_f(left + length + 6))\" y=\"\(_f(y + row / 2 + 4))\">\(text)</text>\n"
        }
        svg += axis.horizontalLabels(left: left, width: plot, y: height - 8, money: money)
        if rows.isEmpty { svg += _noData(x: left + plot / 2, y: top + row / 2 + 4) }
        return svg + "</svg>\n"
    }

    /// A small interval plot on a shared scale of ±`extent`: the zero line, the 95% CI
    /// as a bar, the estimate as a dot.
    static func interval(uplift: Double?, low: Double?, high: Double?, extent: Double) -> String {
        let width = 160.0, height = 26.0, pad = 6.0
        func x(_ v: Double) -> Double {
            let clamped = min(max(v, -extent), extent)
            return pad + (clamped + extent) / (2 * extent) * (width - 2 * pad)
        }
        var svg = "<svg class=\"ci\" viewBox=\"0 0 \(_f(width)) \(_f(height))\" width=\"\(_f(width))\" height=\"\(_f(height))\" "
        svg += "role=\"img\" aria-label=\"95% confidence interval\">"
        svg += "<line x1=\"\(_f(pad))\" y1=\"13\" x2=\"\(_f(width - pad))\" y2=\"13\" stroke=\"#e3e7ec\"/>"
        svg += "<line x1=\"\(_f(x(0)))\" y1=\"3\" x2=\"\(_f(x(0)))\" y2=\"23\" stroke=\"#9aa5b1\" stroke-dasharray=\"2 2\"/>"
        let colour: String
        if let low, low > 0 { colour = "#2f8a5b" } else if let high, high < 0 { colour = "#c0392b" } else { colour = "#7b8794" }
        let tip = "uplift \(_pp(uplift)), 95% CI \(_pp(low)) to \(_pp(high))"
        if let low, let high {
            let a = x(min(low, high)), b = x(max(low, high))
            svg += "<rect x=\"\(_f(a))\" y=\"9\" width=\"\(_f(max(b - a, 1)))\" height=\"8\" rx=\"4\" fill=\"\(colour)\" "
            svg += "fill-opacity=\"0.35\"><title>\(_escape(tip))</title></rect>"
        }
        if let uplift {
            svg += "<circle cx=\"\(_f(x(uplift)))\" cy=\"13\" r=\"4\" fill=\"\(colour)\"><title>\(_escape(tip))</title></circle>"
        }
        return svg + "</svg>"
    }

    static func _open(width: Double, height: Double, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(_f(width)) \(_f(height))\" role=\"img\" aria-label=\"\(label)\">\n"
    }

    static func _noData(x: Double, y: Double) -> String {
        "<text class=\"axis\" x=\"\(_f(x))\" y=\"\(_f(y))\" text-anchor=\"middle\">no data</text>"
    }
}

/// A value axis from 0 to a "nice" top (1, 2, 2.5 or 5 × 10ⁿ steps, at most five).
private struct _Axis {
    let top: Double
    let step: Double

    init(maximum: Double) {
        guard maximum.isFinite, maximum > 1e-9 else { top = 1; step = 1; return }
        guard maximum < 1e300 else { top = maximum; step = maximum; return }
        let rough = maximum / 4
        var magnitude = 1.0
        // Bounded: a double spans about 600 powers of ten.
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        var chosen = magnitude * 10
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where magnitude * m * 4 >= maximum {
            chosen = magnitude * m
            break
        }
        step = chosen
        top = (maximum / chosen).rounded(.up) * chosen
    }

    /// `value` as a share of the axis, 0...1.
    func scale(_ value: Double) -> Double {
        guard value.isFinite, top > 0 else { return 0 }
        return min(max(value / top, 0), 1)
    }

    var ticks: [Double] {
        let n = min(max(Int((top / step).rounded()), 1), 10)
        return (0...n).map { Double($0) * step }
    }

    func label(_ v: Double, money: Bool) -> String {
        if money && step < 10 { return _fixed(v, step < 1 ? 2 : 0) }
        if v >= 1_000_000 { return _trim(_fixed(v / 1_000_000, 1)) + "M" }
        if v >= 10_000 { return _trim(_fixed(v / 1_000, 1)) + "k" }
        return step < 1 ? _fixed(v, 2) : _countOf(v)
    }

    func horizontalGrid(left: Double, width: Double, top plotTop: Double, bottom: Double) -> String {
        var out = ""
        for t in ticks {
            let y = bottom - scale(t) * (bottom - plotTop)
            out += "<line class=\"grid\" x1=\"\(_f(left))\" y1=\"\(_f(y))\" x2=\"\(_f(left + width))\" y2=\"\(_f(y))\"/>"
            out += "<text class=\"tick\" x=\"\(_f(left - 6))\" y=\"\(_f(y + 4))\" text-anchor=\"end\">\(label(t, money: false))</text>\n"
        }
        return out
    }

    func verticalGrid(left: Double, width: Double, top plotTop: Double, bottom: Double, money: Bool = false) -> String {
        var out = ""
        for t in ticks {
            let x = left + scale(t) * width
            out += "<line class=\"grid\" x1=\"\(_f(x))\" y1=\"\(_f(plotTop))\" x2=\"\(_f(x))\" y2=\"\(_f(bottom))\"/>"
        }
        return out + "\n"
    }

    func horizontalLabels(left: Double, width: Double, y: Double, money: Bool = false) -> String {
        var out = ""
        for t in ticks {
            let x = left + scale(t) * width
            out += "<text class=\"tick\" x=\"\(_f(x))\" y=\"\(_f(y))\" text-anchor=\"middle\">\(label(t, money: money))</text>"
        }
        return out + "\n"
    }
}

// MARK: - Period

/// The scenario's period as local dates and times in its time zone.
private struct _Period {
    let text: String

    init(from: JSON?, to: JSON?, zone: JSON?) {
        let name = zone?.stringValue
        var rules = ZoneRules.utc
        var zoneNote = "UTC"
        if let name, let found = try? ZoneCache.shared.zone(named: name) {
            rules = found
            zoneNote = _escape(found.abbreviation(atUTC: _Period.seconds(from?.intValue ?? 0)))
        } else if let name {
            zoneNote = "UTC; time zone \(_escape(name)) unknown"
        }
        guard let start = from?.intValue, let end = to?.intValue else { text = "—"; return }
        let a = rules.localTime(atUTC: _Period.seconds(start))
        let b = rules.localTime(atUTC: _Period.seconds(end))
        let days = _fixed((Double(end) - Double(start)) / 86_400_000, 1)
        text = "\(_Period.stamp(a)) → \(_Period.stamp(b)) \(zoneNote) (\(_trim(days)) days)"
    }

    /// Milliseconds to whole seconds, rounding down, without overflow.
    static func seconds(_ ms: Int) -> Int64 {
        Int64(ms / 1000 - (ms % 1000 < 0 ? 1 : 0))
    }

    static func stamp(_ t: LocalDateTime) -> String {
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let day = (1...7).contains(t.weekday) ? names[t.weekday - 1] + " " : ""
        let year = String(t.year)
        return "\(day)\(year)-\(_two(t.month))-\(_two(t.day)) \(_two(t.hour)):\(_two(t.minute))"
    }
}

// MARK: - Reading and formatting

/// Channels in the report's fixed order, with fixed colours.
private let _channels = ["in_app", "push", "rcs", "sms", "whatsapp", "email"]

private func _channelColour(_ name: String) -> String {
    switch name {
    case "in_app": return "#4a74b4"
    case "push": return "#e8833a"
    case "rcs": return "#4e9f5b"
    case "sms": return "#8c6bb1"
    case "whatsapp": return "#2a9d8f"
    case "email": return "#c44e52"
    default: return "#8a939e"
    }
}

/// `s` safe in HTML text and in a double- or single-quoted attribute.
private func _escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\u{0}": out += "\u{FFFD}"
        default: out.unicodeScalars.append(ch)
        }
    }
    return out
}

/// A finite number, or nil.
private func _number(_ v: JSON?) -> Double? {
    guard let d = v?.doubleValue, d.isFinite else { return nil }
    return d
}

private func _divide(_ a: Double?, _ b: Double?) -> Double? {
    guard let a, let b, b != 0 else { return nil }
    let q = a / b
    return q.isFinite ? q : nil
}

/// An escaped string member, a number as a count, or "—".
private func _text(_ v: JSON?) -> String {
    if let s = v?.stringValue { return _escape(s) }
    if let d = _number(v) { return _countOf(d) }
    return "—"
}

private func _count(_ v: JSON?) -> String { _countOf(_number(v)) }
/// A cost with the decimals it has (ReportTable.costPlaces): 0.001 is not 0.00.
private func _money(_ v: JSON?) -> String { _fixedGrouped(_number(v), _number(v).map(ReportTable.costPlaces) ?? 2) }

/// A count with thousands separators; a fraction keeps two decimals.
private func _countOf(_ d: Double?) -> String {
    guard let d else { return "—" }
    return d.rounded() == d ? _fixedGrouped(d, 0) : _fixedGrouped(d, 2)
}

private func _ratio(_ a: Double?, _ b: Double?, places: Int) -> String {
    guard let q = _divide(a, b) else { return "—" }
    return _fixedGrouped(q, places)
}

private func _percent(_ rate: Double?) -> String {
    guard let rate else { return "—" }
    return _fixed(rate * 100, 1) + "%"
}

private func _signedPercent(_ rate: Double?) -> String {
    guard let rate else { return "—" }
    return _signed(_fixedGrouped(rate * 100, 0)) + "%"
}

/// A rate difference in percentage points, signed.
private func _pp(_ d: Double?) -> String {
    guard let d else { return "—" }
    return _signed(_fixed(d * 100, 1)) + " pp"
}

/// A typographic sign on a formatted number: "+3.4", "−1.4", "0.0".
private func _signed(_ text: String) -> String {
    if text.hasPrefix("-") { return "\u{2212}" + text.dropFirst() }
    return text.allSatisfy({ $0 == "0" || $0 == "." || $0 == "," }) ? text : "+" + text
}

private func _two(_ n: Int) -> String { n >= 0 && n < 10 ? "0\(n)" : String(n) }

/// SVG coordinates: one decimal.
private func _f(_ d: Double) -> String { _trim(_fixed(d, 1)) }

/// "12.0" → "12", "2.50" → "2.5".
private func _trim(_ s: String) -> String {
    guard s.contains(".") else { return s }
    var out = Substring(s)
    while out.hasSuffix("0") { out = out.dropLast() }
    if out.hasSuffix(".") { out = out.dropLast() }
    return String(out)
}

/// `d` with `places` decimals (0...6), rounded half away from zero, no grouping.
/// Magnitudes of 10¹⁵ and more fall back to Swift's shortest form.
private func _fixed(_ d: Double, _ places: Int) -> String {
    guard d.isFinite else { return "—" }
    let places = min(max(places, 0), 6)
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(d) * scale).rounded()
    guard abs(d) < 1e15, scaled < 9e18 else { return String(d) }
    let n = Int(scaled)
    let unit = Int(scale)
    let whole = String(n / unit)
    var out = (d < 0 && n != 0 ? "-" : "") + whole
    if places > 0 {
        let frac = String(n % unit)
        out += "." + String(repeating: "0", count: max(places - frac.count, 0)) + frac
    }
    return out
}

/// `_fixed` with thousands separators in the whole part.
private func _fixedGrouped(_ d: Double?, _ places: Int) -> String {
    guard let d else { return "—" }
    let plain = _fixed(d, places)
    guard abs(d) >= 1000, abs(d) < 1e15 else { return plain }
    let negative = plain.hasPrefix("-")
    let body = negative ? plain.dropFirst() : Substring(plain)
    let whole = body.prefix { $0 != "." }
    let rest = body.dropFirst(whole.count)
    var grouped = ""
    for (i, ch) in whole.enumerated() {
        if i > 0 && (whole.count - i) % 3 == 0 { grouped += "," }
        grouped.append(ch)
    }
    return (negative ? "-" : "") + grouped + rest
}

// MARK: - Style

private let _css = """
    :root{--bg:#f6f7f9;--panel:#fff;--ink:#1f2933;--muted:#616e7c;--line:#e3e7ec;--accent:#4a74b4}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans",sans-serif}
    main{max-width:1200px;margin:0 auto;padding:28px 32px 40px}
    h1{font-size:26px;margin:0 0 4px;letter-spacing:-.01em}
    h2{font-size:17px;margin:0 0 6px}
    code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:#eef1f4;padding:1px 5px;border-radius:4px}
    header{margin-bottom:18px}
    .sub{color:var(--muted);margin:0 0 14px}
    dl.scenario{display:flex;flex-wrap:wrap;gap:10px 28px;margin:0;padding:12px 16px;background:var(--panel);border:1px solid var(--line);border-radius:8px}
    dl.scenario dt{font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
    dl.scenario dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
    section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:16px 18px;margin:0 0 18px}
    section.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;background:none;border:0;padding:0}
    .card{background:var(--panel);border:1px solid var(--line);border-left:4px solid var(--accent);border-radius:8px;padding:12px 14px}
    .card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
    .card .value{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums;margin:2px 0}
    .card .note{font-size:12px;color:var(--muted)}
    .hint{color:var(--muted);margin:0 0 12px;font-size:13px}
    .empty{color:var(--muted);font-style:italic}
    figure{margin:0}
    figcaption{font-weight:600;margin-bottom:4px}
    .funnels{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:14px 22px}
    .funnel figcaption .id{margin-left:6px}
    .pair{display:grid;grid-template-columns:1fr 1fr;gap:24px}
    svg.chart{width:100%;height:auto;display:block;font-size:11px}
    svg text{fill:var(--ink)}
    svg .lab{font-size:11.5px}
    svg .val{font-size:11px;fill:var(--muted)}
    svg .tick,svg .axis{font-size:10.5px;fill:var(--muted)}
    svg .grid{stroke:var(--line);stroke-width:1}
    svg.ci{display:block}
    ul.legend{list-style:none;display:flex;gap:18px;padding:0;margin:8px 0 0 56px;font-size:12.5px}
    .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
    table{border-collapse:collapse;width:100%;font-size:13px}
    th{font-size:11.5px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);font-weight:600;text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:bottom}
    td{padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:middle}
    tbody tr:hover{background:#f3f6fa}
    td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.sub{color:var(--muted)}
    td.strong{font-weight:650}
    td.name{font-weight:600;min-width:190px}
    .meta{display:block;font-size:12px;font-weight:400;color:var(--muted);margin-top:2px}
    .scroll{overflow-x:auto}
    .id{display:block;font:11.5px ui-monospace,Menlo,Consolas,"Liberation Mono",monospace;color:var(--muted);font-weight:400}
    .funnel .id{display:inline}
    .status{font-size:11.5px;padding:1px 7px;border-radius:9px;margin-left:4px}
    .status.on{background:#e3f1e8;color:#216e45}
    .status.off{background:#f1eee3;color:#7a5b12}
    footer{color:var(--muted);font-size:12px;text-align:center}
    """
