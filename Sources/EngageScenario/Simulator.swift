import Dispatch
// `engage simulate`: replays an event log through a campaign set, asking for decisions
// where the hosts would (every event a campaign is triggered by or that names
// placements, every `decide` line), committing impressions, drawing responses from a
// seeded model, and tallying what a CRM team needs to judge the set.
//
// Users are independent (caps, history and assignments are per user), so each user's
// lines are replayed in time order on one thread, users spread over threads; tallies are
// integers (costs in millionths) merged by summation, so the report is the same for any
// number of threads.
import Engage
import Synchronization

/// One user's lines, in log order.
struct UserLines: Sendable {
    var userID: String
    var lines: [LogLine]
}

public final class Simulation: Sendable {
    let set: CompiledCampaignSet
    let campaignBytes: [UInt8]
    let users: [UserLines]
    let header: JSONObject?
    let lineCount: Int
    let from: Int64
    let to: Int64
    let responses: ResponseModel
    let seed: UInt64
    /// Events some campaign is triggered by.
    let triggerEvents: Set<String>
    /// Events some campaign exits on, with the campaigns.
    let exitEvents: [String: [Int]]
    /// The limits and defaults every replay's engine is opened with.
    let config: EngineConfig

    /// - Parameters:
    ///   - campaigns: the campaign set's bytes (validated here; problems are thrown).
    ///   - lines: the log, in time order.
    ///   - config: the engine config whose limits and defaults (`max_steps`,
    ///     `history_retention`, `time_zone`) the replays use. Its store and clock are not:
    ///     every replay is into a fresh in-memory store, at the log's times.
    /// - Throws: ``ScenarioError`` for a set that does not load, a log out of time order,
    ///   or a config whose time zone does not load (`defaults.time_zone: …`).
    public init(
        campaigns: [UInt8], lines: [LogLine], responses: ResponseModel, seed: UInt64,
        config: EngineConfig = EngineConfig()
    ) throws(ScenarioError) {
        var replayConfig = config
        replayConfig.store = nil
        replayConfig.fixedClock = nil
        do throws(EngineConfig.Problem) {
            try Engine.checkTimeZone(of: replayConfig, zones: .shared)
        } catch {
            throw ScenarioError("\(error)")
        }
        self.config = replayConfig
        var options = CampaignSetOptions()
        options.defaultTimeZone = config.timeZone
        do throws(CampaignSetLoadError) {
            set = try CompiledCampaignSet(bytes: campaigns, options: options)
        } catch {
            throw ScenarioError(error.problems.map { "\($0)" }.joined(separator: "\n"))
        }
        campaignBytes = campaigns
        self.responses = responses
        self.seed = seed
        var header: JSONObject? = nil
        var byUser: [String: Int] = [:]
        var users: [UserLines] = []
        var from = Int64.max, to = Int64.min
        var previous = Int64.min
        for (n, line) in lines.enumerated() {
            guard let id = line.userID else {
                if case .scenario(let o) = line { header = o }
                continue
            }
            guard line.time >= previous else {
                throw ScenarioError("the log is not in time order: line \(n + 1) (\(line.time)) is earlier than the line before it (\(previous))")
            }
            previous = line.time
            from = min(from, line.time)
            to = max(to, line.time)
            if let i = byUser[id] {
                users[i].lines.append(line)
            } else {
                byUser[id] = users.count
                users.append(UserLines(userID: id, lines: [line]))
            }
        }
        users.sort { $0.userID.utf8.lexicographicallyPrecedes($1.userID.utf8) }
        self.users = users
        self.header = header
        self.lineCount = lines.count
        self.from = from == .max ? 0 : from
        self.to = to == .min ? 0 : to
        triggerEvents = Set(set.eventNames)
        var exits: [String: [Int]] = [:]
        for c in set.campaigns {
            for e in c.exit where !(exits[e.event]?.contains(c.index) ?? false) { exits[e.event, default: []].append(c.index) }
        }
        exitEvents = exits
    }

    /// Number of users in the log.
    public var userCount: Int { users.count }

    /// Lines that belong to a user (what progress counts).
    public var lineCountForProgress: Int { users.reduce(0) { $0 + $1.lines.count } }

    /// The placements the campaign set names, sorted.
    public var placementNames: [String] { self.set.placementNames }

    // MARK: - Running

    /// A fresh in-memory engine with the config's limits and defaults, its clock at `at`
    /// (every request the replay makes names its own `now`).
    func replayEngine(at: Int64, maxQueuedExposures: Int) throws(ScenarioError) -> Engine {
        var c = config
        c.fixedClock = at
        do throws(EngineConfig.Problem) {
            return try Engine(config: c, maxQueuedExposures: maxQueuedExposures)
        } catch {
            throw ScenarioError("\(error)")
        }
    }

    /// Replays every user. `progress` is called now and then with the number of lines
    /// replayed so far (from any thread). `log`: also return one JSON line per message,
    /// assignment and response (for checks on the output).
    public func run(threads: Int, log: Bool, progress: @escaping @Sendable (Int) -> Void = { _ in }) throws(ScenarioError) -> SimulationResult {
        let engine = try replayEngine(at: 0, maxQueuedExposures: 1 << 16)
        do throws(CampaignSetLoadError) {
            try engine.load(bytes: campaignBytes)
        } catch {
            throw ScenarioError(error.problems.map { "\($0)" }.joined(separator: "\n"))
        }
        let workers = max(1, min(threads, 64))
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let results = Mutex<[(tally: Tally, logs: [(Int, [String])], failure: ScenarioError?)]>([])
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var tally = Tally(set: set)
            var logs: [(Int, [String])] = []
            var failure: ScenarioError? = nil
            while failure == nil {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < users.count else { break }
                var replay = UserReplay(simulation: self, engine: engine, user: users[i])
                if log { replay.log = [] }
                do throws(ScenarioError) {
                    try replay.run(until: nil, tally: &tally)
                } catch {
                    failure = error
                }
                if let lines = replay.log { logs.append((i, lines)) }
                let total = done.add(users[i].lines.count, ordering: .relaxed).newValue
                if i % 64 == 0 { progress(total) }
                tally.exposures += engine.drainExposureText().count
            }
            results.withLock { $0.append((tally, logs, failure)) }
        }
        var total = Tally(set: set)
        var logs: [(Int, [String])] = []
        for r in results.withLock({ $0 }) {
            if let f = r.failure { throw f }
            total.add(r.tally)
            logs.append(contentsOf: r.logs)
        }
        total.exposures += engine.drainExposureText().count
        progress(lineCount)
        logs.sort { $0.0 < $1.0 }
        return SimulationResult(simulation: self, tally: total, log: logs.flatMap(\.1))
    }

    /// Replays one user's lines up to `at` (events at `at` recorded, not decided on),
    /// then asks `question` at `at` with an explanation — the state is what the
    /// simulation had built by then, without committing anything.
    public func explain(userID: String, at: Int64, question: JSON)
        throws(ScenarioError) -> (decision: Decision, profile: JSONObject?, timeZone: String)
    {
        guard let user = users.first(where: { $0.userID == userID }) else {
            throw ScenarioError("user \(userID) is not in the log")
        }
        let engine = try replayEngine(at: at, maxQueuedExposures: 100_000)
        do throws(CampaignSetLoadError) {
            try engine.load(bytes: campaignBytes)
        } catch {
            throw ScenarioError(error.problems.map { "\($0)" }.joined(separator: "\n"))
        }
        var tally = Tally(set: set)
        var replay = UserReplay(simulation: self, engine: engine, user: user)
        try replay.run(until: at, tally: &tally)
        guard let profile = replay.profile else { throw ScenarioError("user \(userID) has no profile before \(at)") }
        var members = Array(profile.map { ($0.key, $0.value) })
        members.append(("user_id", .string(userID)))
        guard case .object(let q) = question else { throw ScenarioError("the question must be an object") }
        for (k, v) in q {
            members.removeAll { $0.0 == k }
            members.append((k, v))
        }
        // What happened at `at` is already recorded by the replay: a question's event
        // triggers campaigns but is not counted a second time.
        members.removeAll { ["now", "explain", "commit", "record_event"].contains($0.0) }
        members += [
            ("now", .number(Double(at))), ("explain", .bool(true)), ("commit", .bool(false)),
            ("record_event", .bool(false)),
        ]
        do throws(DecisionError) {
            // The zone the decision read local time in: the request's, else the set's default.
            let zone = members.last { $0.0 == "time_zone" }?.1.stringValue ?? set.set.defaultTimeZone
            return (try engine.decide(json: .object(JSONObject(members))), profile, zone)
        } catch {
            throw ScenarioError("the question: \(error)")
        }
    }
}

// MARK: - One user's replay

struct UserReplay {
    let simulation: Simulation
    let engine: Engine
    let user: UserLines
    var profile: JSONObject? = nil
    var context: DecisionContext? = nil
    /// Conversion events the response model injected, due later, sorted by time.
    var pending: [(time: Int64, name: String, properties: JSON, campaign: Int)] = []
    var flags: [UserFlags]
    /// Exit events seen (organic or injected), for conversions.
    var conversions: [(time: Int64, name: String, properties: JSON)] = []
    var inControl = false
    var inHoldout = false
    var reached = false
    var channelsUsed: UInt8 = 0
    /// Output lines (messages, assignments, responses) when asked for.
    var log: [String]? = nil

    init(simulation: Simulation, engine: Engine, user: UserLines) {
        self.simulation = simulation
        self.engine = engine
        self.user = user
        flags = Array(repeating: UserFlags(), count: simulation.set.campaigns.count)
    }

    mutating func run(until: Int64?, tally: inout Tally) throws(ScenarioError) {
        for line in user.lines {
            // Explaining at `until`: what happened at that moment is recorded, as the
            // host would before asking, but not decided on — the question is asked instead.
            if let until, line.time > until { break }
            let asking = until.map { line.time < $0 } ?? true
            try flush(through: line.time, tally: &tally)
            switch line {
            case .scenario:
                break
            case .user(_, _, let p):
                profile = p
                var members = Array(p.map { ($0.key, $0.value) })
                members.removeAll { $0.0 == "user_id" }
                members.append(("user_id", .string(user.userID)))
                do throws(DecisionError) {
                    context = try DecisionContext(json: .object(JSONObject(members)))
                } catch {
                    throw ScenarioError("user \(user.userID): profile at \(line.time): \(error)")
                }
            case .event(_, let t, let name, let properties, let foreground, let placements):
                if name == "whatsapp_message" { try record(.conversation(channel: "whatsapp", time: t)) }
                noteConversion(t, name, properties)
                // As a gateway would: an event that can show something is asked about,
                // and that decision records it (one write); any other is recorded.
                if asking, context != nil, simulation.triggerEvents.contains(name) || !placements.isEmpty {
                    try decide(
                        at: t, event: (name, properties), placements: placements, foreground: foreground,
                        tally: &tally)
                } else {
                    try record(.behaviour(HistoryEvent(name: name, time: t, properties: properties)))
                }
            case .decide(_, let t, let placements, let foreground):
                guard asking else { break }
                try decide(at: t, event: nil, placements: placements, foreground: foreground, tally: &tally)
            }
        }
        if until == nil {
            try flush(through: simulation.to, tally: &tally)
            finish(tally: &tally)
        } else if let until {
            try flush(through: until, tally: &tally)
        }
    }

    private func record(_ r: StateRecord) throws(ScenarioError) {
        do throws(StateStoreError) {
            try engine.record(userID: user.userID, r)
        } catch {
            throw ScenarioError("user \(user.userID): recording at \(r.time): \(error)")
        }
    }

    private mutating func noteConversion(_ t: Int64, _ name: String, _ properties: JSON) {
        if simulation.exitEvents[name] != nil { conversions.append((t, name, properties)) }
    }

    /// Injected events due by `time`, in time order.
    private mutating func flush(through time: Int64, tally: inout Tally) throws(ScenarioError) {
        while let first = pending.first, first.time <= time {
            pending.removeFirst()
            try record(.behaviour(HistoryEvent(name: first.name, time: first.time, properties: first.properties)))
            noteConversion(first.time, first.name, first.properties)
            log?.append(
                Self.line([
                    ("type", .string("conversion")), ("user_id", .string(user.userID)),
                    ("time", .number(Double(first.time))),
                    ("campaign", .string(simulation.set.campaigns[first.campaign].campaign.id)),
                    ("event", .string(first.name)),
                ]))
        }
    }

    private mutating func decide(
        at t: Int64, event: (String, JSON)?, placements: [String], foreground: Bool,
        tally: inout Tally
    ) throws(ScenarioError) {
        guard let context else { return } // no profile yet: the host knows nobody to ask for
        var q: [(String, JSON)] = [
            ("now", .number(Double(t))), ("explain", .bool(true)), ("commit", .bool(true)),
            ("app", .object(JSONObject([("foreground", .bool(foreground))]))),
        ]
        if let (name, properties) = event {
            q.append(("event", .object(JSONObject([("name", .string(name)), ("properties", properties)]))))
        }
        if !placements.isEmpty { q.append(("placements", .array(placements.map { .string($0) }))) }
        let decision: Decision
        do throws(DecisionError) {
            // Reasons are tallied; their detail text (rule explanations) is not needed.
            var request = try context.request(.object(JSONObject(q)))
            request.explainDetails = false
            decision = try engine.decide(request)
        } catch {
            throw ScenarioError("user \(user.userID): decision at \(t): \(error)")
        }
        tally.decisions += 1
        let set = simulation.set
        for trace in decision.traces ?? [] where trace.reason != .trigger {
            guard let i = set.index(ofCampaign: trace.campaignID) else { continue }
            tally.campaigns[i].decisions += 1
            flags[i].reached = true
            let step = Funnel.step(trace.reason)
            if step >= 1 { flags[i].audience = true }
            if step >= 2 { flags[i].eligible = true }
            if let b = Tally.blockedIndex[trace.reason] { tally.campaigns[i].blocked[b] += 1 }
            if trace.reason == .channel || trace.reason == .quietHours {
                // The detail lists each skipped channel: "push: quiet hours …; sms: no marketing consent on sms".
                if trace.detail.contains("quiet hours") { tally.campaigns[i].channelSkips[0] += 1 }
                if trace.detail.contains("consent on") { tally.campaigns[i].channelSkips[1] += 1 }
            }
            if trace.reason == .cap {
                switch trace.capScope {
                case .campaign?: tally.campaigns[i].capsHit[0] += 1
                case .tag?: tally.campaigns[i].capsHit[1] += 1
                case .channel?: tally.campaigns[i].capsHit[2] += 1
                default: tally.campaigns[i].capsHit[3] += 1
                }
            }
        }
        for a in decision.assignments {
            guard let i = set.index(ofCampaign: a.campaignID) else { continue }
            if a.group == .control {
                inControl = true
                if flags[i].firstControl == nil { flags[i].firstControl = t }
            } else {
                inHoldout = true
                if flags[i].firstHoldout == nil { flags[i].firstHoldout = t }
            }
            log?.append(
                Self.line([
                    ("type", .string("assignment")), ("user_id", .string(user.userID)),
                    ("time", .number(Double(t))), ("campaign", .string(a.campaignID)),
                    ("group", .string(a.group.rawValue)), ("variant", a.variant.map { .string($0) } ?? .null),
                ]))
        }
        let local = localTime(t)
        for m in decision.messages {
            guard let i = set.index(ofCampaign: m.campaignID) else { continue }
            let compiled = set.campaigns[i]
            let ch = Tally.channelIndex(m.channel)
            let micros = Int64((m.cost * 1_000_000).rounded())
            reached = true
            channelsUsed |= 1 << UInt8(ch)
            flags[i].shown = true
            if flags[i].firstShown == nil { flags[i].firstShown = t }
            let v = compiled.campaign.variants.firstIndex { $0.id == m.variant }
            if let v, flags[i].variant == nil { flags[i].variant = v }
            tally.campaigns[i].impressions += 1
            if m.skippedChannels.contains(where: { $0.reason.hasPrefix("quiet hours") }) { tally.campaigns[i].channelSkips[0] += 1 }
            if m.skippedChannels.contains(where: { $0.reason.hasPrefix("no ") && $0.reason.contains("consent on") }) {
                tally.campaigns[i].channelSkips[1] += 1
            }
            tally.campaigns[i].channelImpressions[ch] += 1
            tally.campaigns[i].channelCost[ch] += micros
            if let v { tally.campaigns[i].variants[v].impressions += 1 }
            tally.hours[ch][local.hour] += 1
            tally.channelImpressions[ch] += 1
            tally.channelCost[ch] += micros
            log?.append(
                Self.line([
                    ("type", .string("message")), ("user_id", .string(user.userID)),
                    ("time", .number(Double(t))), ("campaign", .string(m.campaignID)),
                    ("purpose", .string(compiled.campaign.purpose.rawValue)),
                    ("channel", .string(m.channel.rawValue)), ("cost", .number(m.cost)),
                    ("variant", m.variant.map { .string($0) } ?? .null),
                    ("placement", m.placement.map { .string($0) } ?? .null),
                    ("local_time", .string(local.description)),
                ]))
            try respond(to: m, campaign: i, variant: v, at: t, tally: &tally)
        }
    }

    private mutating func respond(
        to m: Decision.Message, campaign i: Int, variant: Int?, at t: Int64,
        tally: inout Tally
    ) throws(ScenarioError) {
        let rates = simulation.responses.rates(for: m.campaignID)
        var draw = Draw(seed: simulation.seed)
        draw.mix(user.userID)
        draw.mix(m.campaignID)
        draw.mix(UInt64(bitPattern: t))
        let factor = simulation.responses.channelFactors[m.channel.rawValue] ?? 1
        let u = draw.uniform
        let clickRate = min(1, rates.click * factor)
        if u < clickRate {
            try record(.click(campaignID: m.campaignID, time: t + 1_000))
            flags[i].clicked = true
            tally.campaigns[i].clicks += 1
            if let variant { tally.campaigns[i].variants[variant].clicks += 1 }
            log?.append(
                Self.line([
                    ("type", .string("click")), ("user_id", .string(user.userID)),
                    ("time", .number(Double(t + 1_000))), ("campaign", .string(m.campaignID)),
                ]))
            draw.mix("convert")
            if let event = rates.event, draw.uniform < rates.convert {
                draw.mix("delay")
                let span = max(0, rates.delayMilliseconds - 600_000)
                let at = t + 600_000 + Int64(draw.uniform * Double(span))
                if !pending.contains(where: { $0.campaign == i }) {
                    let k = pending.firstIndex { $0.time > at } ?? pending.count
                    pending.insert((at, event.name, event.properties, i), at: k)
                }
            }
        } else if u < clickRate + (1 - clickRate) * rates.dismiss {
            try record(.dismissal(campaignID: m.campaignID, time: t + 1_000))
            tally.campaigns[i].dismissals += 1
            log?.append(
                Self.line([
                    ("type", .string("dismissal")), ("user_id", .string(user.userID)),
                    ("time", .number(Double(t + 1_000))), ("campaign", .string(m.campaignID)),
                ]))
        }
    }

    /// The user's local time at `t` (the profile's zone, else the set's default).
    private func localTime(_ t: Int64) -> LocalDateTime {
        let seconds = t / 1000 - (t % 1000 < 0 ? 1 : 0)
        if let name = profile?["time_zone"]?.stringValue, let zone = try? ZoneCache.shared.zone(named: name) {
            return zone.localTime(atUTC: seconds)
        }
        return simulation.set.defaultZone.localTime(atUTC: seconds)
    }

    /// Folds the user's flags into the tally (distinct users, conversions).
    private mutating func finish(tally: inout Tally) {
        let set = simulation.set
        if reached { tally.usersReached += 1 }
        if inControl { tally.controlUsers += 1 }
        if inHoldout { tally.holdoutUsers += 1 }
        for ch in 0..<Tally.channels.count where channelsUsed & (1 << UInt8(ch)) != 0 { tally.channelUsers[ch] += 1 }
        for (i, f) in flags.enumerated() {
            var c = tally.campaigns[i]
            if f.reached { c.funnel[0] += 1 }
            if f.audience { c.funnel[1] += 1 }
            if f.eligible { c.funnel[2] += 1 }
            if f.shown { c.funnel[3] += 1 }
            if f.clicked { c.funnel[4] += 1 }
            if f.firstHoldout != nil { c.holdoutUsers += 1 }
            if f.firstControl != nil { c.controlUsers += 1 }
            let exits = set.campaigns[i].exit
            func converted(after start: Int64) -> Bool {
                conversions.contains { e in
                    e.time >= start
                        && exits.contains { rule in
                            guard rule.event == e.name else { return false }
                            guard let filter = rule.filter else { return true }
                            return (try? filter.matches(e.properties)) ?? false
                        }
                }
            }
            if !exits.isEmpty {
                if let start = f.firstShown {
                    c.treatedUsers += 1
                    if converted(after: start) {
                        c.treatedConverted += 1
                        c.funnel[5] += 1
                        if let v = f.variant { c.variants[v].converted += 1 }
                    }
                }
                if let start = f.firstHoldout {
                    c.holdoutTracked += 1
                    if converted(after: start) { c.holdoutConverted += 1 }
                }
            }
            if let v = f.variant {
                c.variants[v].users += 1
                if f.shown { c.variants[v].reach += 1 }
            }
            tally.campaigns[i] = c
        }
    }

    private static func line(_ members: [(String, JSON)]) -> String {
        JSONSerializer.string(.object(JSONObject(members)))
    }
}

struct UserFlags {
    var reached = false
    var audience = false
    var eligible = false
    var shown = false
    var clicked = false
    var firstShown: Int64? = nil
    var firstHoldout: Int64? = nil
    var firstControl: Int64? = nil
    var variant: Int? = nil
}

/// The funnel step a trace reached: 0 reached (stopped before or at the audience),
/// 1 in the audience (stopped by exit, cooldown, caps, quiet hours, channels),
/// 2 eligible (selected, held out, or lost arbitration or a cap race).
enum Funnel {
    static func step(_ reason: ReasonCode) -> Int {
        switch reason {
        case .status, .schedule, .trigger, .suppressed, .consent, .audience, .exclusion, .ruleError, .storeUnavailable: return 0
        case .exit, .cooldown, .cap, .quietHours, .channel, .personalisation: return 1
        case .arbitration, .capRace, .holdout, .control, .selected: return 2
        }
    }
}
