// The simulation's tallies and the report made from them: JSON (`--json`), a text
// table for the terminal, and the data the HTML report draws (ReportHTML).
import Engage

/// Counts of one campaign (integers only: merged by summation in any order).
struct CampaignTally {
    var decisions = 0
    var blocked = [Int](repeating: 0, count: Tally.blockedReasons.count)
    /// campaign, tag, channel, global (purpose or all)
    var capsHit = [0, 0, 0, 0]
    /// Decisions where quiet hours, or a missing consent, removed at least one of the
    /// campaign's channels (whether or not another channel was left).
    var channelSkips = [0, 0]
    var impressions = 0
    var clicks = 0
    var dismissals = 0
    /// reached, audience, eligible, shown, clicked, converted (distinct users)
    var funnel = [0, 0, 0, 0, 0, 0]
    var holdoutUsers = 0
    var controlUsers = 0
    var channelImpressions = [Int](repeating: 0, count: Tally.channels.count)
    /// Millionths of the cost unit.
    var channelCost = [Int64](repeating: 0, count: Tally.channels.count)
    var treatedUsers = 0
    var treatedConverted = 0
    var holdoutTracked = 0
    var holdoutConverted = 0
    var variants: [VariantTally]

    mutating func add(_ o: CampaignTally) {
        decisions += o.decisions
        for i in blocked.indices { blocked[i] += o.blocked[i] }
        for i in capsHit.indices { capsHit[i] += o.capsHit[i] }
        for i in channelSkips.indices { channelSkips[i] += o.channelSkips[i] }
        impressions += o.impressions
        clicks += o.clicks
        dismissals += o.dismissals
        for i in funnel.indices { funnel[i] += o.funnel[i] }
        holdoutUsers += o.holdoutUsers
        controlUsers += o.controlUsers
        for i in channelImpressions.indices {
            channelImpressions[i] += o.channelImpressions[i]
            channelCost[i] += o.channelCost[i]
        }
        treatedUsers += o.treatedUsers
        treatedConverted += o.treatedConverted
        holdoutTracked += o.holdoutTracked
        holdoutConverted += o.holdoutConverted
        for i in variants.indices where i < o.variants.count { variants[i].add(o.variants[i]) }
    }
}

struct VariantTally {
    var users = 0
    var impressions = 0
    var reach = 0
    var clicks = 0
    var converted = 0

    mutating func add(_ o: VariantTally) {
        users += o.users
        impressions += o.impressions
        reach += o.reach
        clicks += o.clicks
        converted += o.converted
    }
}

struct Tally {
    static let channels = ["in_app", "push", "rcs", "sms", "whatsapp", "email"]
    static let blockedReasons: [ReasonCode] = [
        .status, .schedule, .suppressed, .consent, .audience, .exclusion, .exit,
        .cooldown, .cap, .quietHours, .channel, .personalisation, .ruleError,
        .arbitration, .capRace,
    ]
    static let blockedIndex: [ReasonCode: Int] = Dictionary(uniqueKeysWithValues: blockedReasons.enumerated().map { ($1, $0) })

    static func channelIndex(_ c: Channel) -> Int { channels.firstIndex(of: c.rawValue) ?? 0 }

    var decisions = 0
    var exposures = 0
    var usersReached = 0
    var controlUsers = 0
    var holdoutUsers = 0
    var channelImpressions = [Int](repeating: 0, count: channels.count)
    var channelUsers = [Int](repeating: 0, count: channels.count)
    var channelCost = [Int64](repeating: 0, count: channels.count)
    /// Impressions per channel per local hour of day.
    var hours = [[Int]](repeating: [Int](repeating: 0, count: 24), count: channels.count)
    var campaigns: [CampaignTally]

    init(set: CompiledCampaignSet) {
        campaigns = set.campaigns.map {
            CampaignTally(variants: Array(repeating: VariantTally(), count: $0.campaign.variants.count))
        }
    }

    mutating func add(_ o: Tally) {
        decisions += o.decisions
        exposures += o.exposures
        usersReached += o.usersReached
        controlUsers += o.controlUsers
        holdoutUsers += o.holdoutUsers
        for i in channelImpressions.indices {
            channelImpressions[i] += o.channelImpressions[i]
            channelUsers[i] += o.channelUsers[i]
            channelCost[i] += o.channelCost[i]
            for h in 0..<24 { hours[i][h] += o.hours[i][h] }
        }
        for i in campaigns.indices { campaigns[i].add(o.campaigns[i]) }
    }
}

/// What `engage simulate` reports.
public struct SimulationResult: Sendable {
    /// The report as JSON (the schema in examples/telco/README.md).
    public let report: JSON
    /// One JSON line per message, assignment, click, dismissal and injected conversion
    /// (when the run was asked to log), users in id order, each user's lines in time order.
    public let log: [String]
    /// Decisions asked.
    public let decisions: Int
    /// Exposure records the engine queued (drained as the run went).
    public let exposures: Int

    init(simulation s: Simulation, tally t: Tally, log: [String]) {
        self.log = log
        decisions = t.decisions
        exposures = t.exposures
        report = Self.build(s, t)
    }

    /// The report with an `inputs` member (the files and seed the run used) after
    /// `version`, for the reader of the report.
    public func report(inputs: [(String, JSON)]) -> JSON {
        guard case .object(let o) = report else { return report }
        var members: [(String, JSON)] = []
        for (k, v) in o {
            members.append((k, v))
            if k == "version" { members.append(("inputs", .object(JSONObject(inputs)))) }
        }
        return .object(JSONObject(members))
    }

    private static func money(_ micros: Int64) -> JSON { .number(Double(micros) / 1_000_000) }
    private static func int(_ n: Int) -> JSON { .number(Double(n)) }
    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
    private static func round(_ x: Double, _ places: Double = 10_000) -> JSON { .number((x * places).rounded() / places) }

    private static func build(_ s: Simulation, _ t: Tally) -> JSON {
        let totalImpressions = t.channelImpressions.reduce(0, +)
        let totalCost = t.channelCost.reduce(0, +)
        let clicks = t.campaigns.reduce(0) { $0 + $1.clicks }
        let dismissals = t.campaigns.reduce(0) { $0 + $1.dismissals }
        let conversions = t.campaigns.reduce(0) { $0 + $1.treatedConverted }
        let header = s.header
        var scenario: [(String, JSON)] = [
            ("users", int(s.userCount)), ("events", int(s.lineCount - (header == nil ? 0 : 1))),
            ("decisions", int(t.decisions)), ("exposures", int(t.exposures)),
            ("from", .number(Double(s.from))), ("to", .number(Double(s.to))),
            ("time_zone", .string(s.set.set.defaultTimeZone)),
        ]
        if let seed = header?["seed"] { scenario.append(("log_seed", seed)) }
        let channels: [JSON] = Tally.channels.indices.map { i in
            .object(
                JSONObject([
                    ("channel", .string(Tally.channels[i])), ("impressions", int(t.channelImpressions[i])),
                    ("users", int(t.channelUsers[i])), ("cost", money(t.channelCost[i])),
                ]))
        }
        var totalsByHour = [Int](repeating: 0, count: 24)
        for c in t.hours { for h in 0..<24 { totalsByHour[h] += c[h] } }
        let hours = JSON.object(
            JSONObject([
                ("time_zone", .string("user")),
                ("impressions", .array(totalsByHour.map(int))),
                ("by_channel", .object(JSONObject(Tally.channels.indices.map { (Tally.channels[$0], JSON.array(t.hours[$0].map(int))) }))),
            ]))
        let campaigns: [JSON] = s.set.campaigns.indices.map { i in campaignJSON(s.set.campaigns[i], t.campaigns[i]) }
        return .object(
            JSONObject([
                ("report", .string("engage simulate")), ("version", .number(1)),
                ("scenario", .object(JSONObject(scenario))),
                (
                    "totals",
                    .object(
                        JSONObject([
                            ("impressions", int(totalImpressions)), ("users_reached", int(t.usersReached)),
                            ("clicks", int(clicks)), ("dismissals", int(dismissals)), ("conversions", int(conversions)),
                            ("cost", money(totalCost)), ("control_users", int(t.controlUsers)), ("holdout_users", int(t.holdoutUsers)),
                        ]))
                ),
                ("channels", .array(channels)),
                ("hours", hours),
                ("campaigns", .array(campaigns)),
            ]))
    }

    private static func campaignJSON(_ compiled: CompiledCampaign, _ c: CampaignTally) -> JSON {
        let campaign = compiled.campaign
        let reach = c.funnel[3]
        let funnelNames = ["reached", "audience", "eligible", "shown", "clicked", "converted"]
        var channels: [JSON] = []
        for i in Tally.channels.indices where c.channelImpressions[i] > 0 {
            channels.append(
                .object(
                    JSONObject([
                        ("channel", .string(Tally.channels[i])),
                        ("impressions", int(c.channelImpressions[i])),
                        ("cost", money(c.channelCost[i])),
                    ])))
        }
        var conversion = JSON.null
        if let exit = compiled.exit.first {
            let rt = ratio(c.treatedConverted, c.treatedUsers)
            let rh = ratio(c.holdoutConverted, c.holdoutTracked)
            var members: [(String, JSON)] = [
                ("event", .string(exit.event)),
                ("treated", .object(JSONObject([("users", int(c.treatedUsers)), ("converted", int(c.treatedConverted)), ("rate", round(rt))]))),
                ("holdout", .object(JSONObject([("users", int(c.holdoutTracked)), ("converted", int(c.holdoutConverted)), ("rate", round(rh))]))),
            ]
            if c.treatedUsers > 0, c.holdoutTracked > 0 {
                let uplift = rt - rh
                let se = (rt * (1 - rt) / Double(c.treatedUsers) + rh * (1 - rh) / Double(c.holdoutTracked)).squareRoot()
                members.append(("uplift", round(uplift)))
                members.append(("ci95", .array([round(uplift - 1.96 * se), round(uplift + 1.96 * se)])))
                members.append(("relative", rh > 0 ? round(uplift / rh, 100) : .null))
            } else {
                members += [("uplift", .null), ("ci95", .null), ("relative", .null)]
            }
            conversion = .object(JSONObject(members))
        }
        let variants: [JSON] = campaign.variants.indices.map { v in
            let vt = c.variants[v]
            return .object(
                JSONObject([
                    ("id", .string(campaign.variants[v].id)), ("users", int(vt.users)),
                    ("impressions", int(vt.impressions)), ("reach", int(vt.reach)),
                    ("clicks", int(vt.clicks)), ("converted", int(vt.converted)),
                ]))
        }
        return .object(
            JSONObject([
                ("id", .string(campaign.id)), ("name", .string(campaign.name)), ("purpose", .string(campaign.purpose.rawValue)),
                ("priority", int(campaign.priority)), ("status", .string(campaign.status.rawValue)),
                ("funnel", .object(JSONObject(funnelNames.indices.map { (funnelNames[$0], int(c.funnel[$0])) }))),
                ("decisions", int(c.decisions)), ("impressions", int(c.impressions)), ("reach", int(reach)),
                ("frequency", round(ratio(c.impressions, reach), 100)),
                ("clicks", int(c.clicks)), ("dismissals", int(c.dismissals)),
                ("blocked", .object(JSONObject(Tally.blockedReasons.indices.map { (Tally.blockedReasons[$0].rawValue, int(c.blocked[$0])) }))),
                (
                    "caps_hit",
                    .object(
                        JSONObject([
                            ("campaign", int(c.capsHit[0])), ("tag", int(c.capsHit[1])),
                            ("channel", int(c.capsHit[2])), ("global", int(c.capsHit[3])),
                        ]))
                ),
                ("channel_skips", .object(JSONObject([("quiet_hours", int(c.channelSkips[0])), ("consent", int(c.channelSkips[1]))]))),
                ("holdout_users", int(c.holdoutUsers)), ("control_users", int(c.controlUsers)),
                ("channels", .array(channels)), ("cost", money(c.channelCost.reduce(0, +))),
                ("conversion", conversion), ("variants", .array(variants)),
            ]))
    }
}
