import Testing

@testable import Engage

// The request's event as an overlay (UserStateOverlay): every query a decision makes must
// answer exactly as the state with the event applied — counts, sums bit for bit, last
// times, the buckets and series the filters see, caps, activity, conversations — for
// events into an existing series (newest hour, same hour, out of order, a new numeric
// key), new series at the series limit (eviction), events that move the retention cutoff
// and strings that are equal but spelled differently.

private let hour: Int64 = 3_600_000
private let day: Int64 = 86_400_000
/// 2026-11-20T12:00:00Z.
private let now: Int64 = 1_795_176_000_000

@Suite struct StateOverlayTests {
    /// Property values, two of them canonically equivalent but different bytes.
    static let pages: [JSON] = [.string("/a"), .string("/b"), .string("caf\u{E9}"), .string("cafe\u{301}"), .bool(true), .null]
    static let names = ["page_view", "app_open", "add_to_cart"]
    static let numbers: [Double] = [1, 2.5, -0.0, 0.1, 1e300, -7, 4_503_599_627_370_496]

    static func event(_ g: inout SeededGenerator, around t: Int64) -> HistoryEvent {
        var properties: [(String, JSON)] = []
        if Int.random(in: 0..<4, using: &g) > 0 { properties.append(("page", pages.randomElement(using: &g) ?? .null)) }
        if Bool.random(using: &g) { properties.append(("flag", .bool(Bool.random(using: &g)))) }
        if Int.random(in: 0..<3, using: &g) == 0 { properties.append(("dwell_s", .number(numbers.randomElement(using: &g) ?? 0))) }
        if Int.random(in: 0..<8, using: &g) == 0 { properties.append(("value", .number(Double(Int.random(in: -3...9, using: &g))))) }
        let time = t - Int64.random(in: 0..<(5 * 24 * 60), using: &g) * 60_000 + Int64.random(in: 0..<60_000, using: &g)
        return HistoryEvent(name: names.randomElement(using: &g) ?? "", time: time, properties: .object(JSONObject(properties)))
    }

    static func record(_ g: inout SeededGenerator, around t: Int64) -> StateRecord {
        let time = t - Int64.random(in: 0..<(5 * 24 * 60), using: &g) * 60_000
        let campaign = ["c1", "c2", "c3"].randomElement(using: &g) ?? ""
        switch Int.random(in: 0..<12, using: &g) {
        case 0, 1:
            return .impression(
                Impression(campaignID: campaign, time: time, channel: Bool.random(using: &g) ? "push" : "whatsapp", purpose: "marketing", tags: ["t"]))
        case 2: return .dismissal(campaignID: campaign, time: time)
        case 3: return .conversation(channel: "whatsapp", time: time)
        default: return .behaviour(event(&g, around: t))
        }
    }

    /// Everything a decision can ask, as text, for `history` read at `t`.
    static func answers(_ h: some EventHistory, at t: Int64) throws -> [String] {
        var out: [String] = []
        let windows: [(Int64, Int64)] = [
            (.min, .max), (t - day, t), (t - hour, t), (t, t), (t - 3 * day, t - 1), (t - 36 * hour + 1, t - 12 * hour),
            (t + 1, .max), ((t / hour) * hour, t), (t - 7 * day, t + hour),
        ]
        for name in names + ["nothing"] {
            for (from, through) in windows {
                for sum in [nil, "dwell_s", "value", "page"] {
                    let a = h.aggregate(named: name, from: from, through: through, sumOf: sum)
                    out.append("agg \(name) \(from) \(through) \(sum ?? "-"): \(a.count) \(a.sum.bitPattern) \(a.last.map(String.init) ?? "nil")")
                }
                var buckets: [String] = []
                h.forEachEventBucket(named: name, from: from, through: through) { series, varying, time, count, properties in
                    buckets.append("\(series) \(varying) \(time) \(count) \(JSONSerializer.string(properties()))")
                    return buckets.count < 40
                }
                out.append("buckets \(name) \(from) \(through): \(buckets)")
                var events = 0
                h.forEachEvent(named: name, from: from, through: through) { _ in
                    events += 1
                    return events < 7
                }
                out.append("events \(name) \(from) \(through): \(events)")
                for reads in [[], ["page"], ["page", "flag"], ["dwell_s"], ["flag", "value"]] {
                    var calls: [String] = []
                    let counted = try h.countBySeries(named: name, from: from, through: through, filterReads: reads) {
                        properties, buckets, known in
                        let text = JSONSerializer.string(properties())
                        calls.append("\(text) \(buckets) \(known.map { "\($0.keep) \($0.steps)" } ?? "new")")
                        return known ?? FilterAnswer(keep: text.utf8.count % 3 != 0, steps: text.utf8.count)
                    }
                    out.append("count \(name) \(reads) \(from) \(through): \(counted.map { "\($0.count) \($0.last ?? -1)" } ?? "nil") \(calls)")
                }
            }
        }
        for c in ["c1", "c2", "c3"] {
            let i = h.impressions(campaign: c, from: t - 2 * day, through: t)
            out.append("impressions \(c): \(i.count) \(i.last ?? -1)")
        }
        return out
    }

    @Test(arguments: [
        // Nothing expires, nothing is evicted; then few series (evictions) and a short
        // retention (the event moves the cutoff past stored buckets: applied instead).
        RetentionPolicy(retention: 3650 * day, maxBehaviourSeries: 1_000),
        RetentionPolicy(retention: 30 * day, maxBehaviourSeries: 5),
        RetentionPolicy(retention: 3 * day, exactImpressions: 2, maxScopes: 3, maxBehaviourSeries: 4),
    ])
    func overlayAnswersAsTheAppliedEvent(policy: RetentionPolicy) throws {
        var g = SeededGenerator(seed: 0x15_04 &+ UInt64(policy.retention) &+ UInt64(policy.maxBehaviourSeries))
        var held = 0
        for _ in 0..<120 {
            var loaded = UserState()
            for _ in 0..<Int.random(in: 0..<40, using: &g) { loaded.apply(Self.record(&g, around: now), policy: policy) }
            // The request's event: mostly now (in order), sometimes hours or days before
            // the stored history (out of order), sometimes not a behaviour event.
            let t = now + ([0, 0, 0, 1, hour, -hour, -3 * day, -40 * day].randomElement(using: &g) ?? 0)
            var pending: StateRecord? = .behaviour(HistoryEvent(name: "x", time: t))
            switch Int.random(in: 0..<10, using: &g) {
            case 0: pending = nil
            case 1: pending = Self.record(&g, around: t)
            default:
                // An event like a stored one (same series, same hour) or a fresh one.
                var e = Self.event(&g, around: t)
                e.time = Bool.random(using: &g) ? t : e.time
                pending = .behaviour(e)
            }
            var applied = loaded
            if let pending { applied.apply(pending, policy: policy) }
            let overlay = UserStateOverlay(loaded, pending, policy: policy)
            if overlay.behaviour.change != nil { held += 1 }
            #expect(overlay.state.newest == applied.newest)
            #expect(try Self.answers(overlay, at: t) == Self.answers(applied, at: t))
            for scope in [CapScope.campaign("c1"), .campaign("c2"), .tag("t"), .channel("push"), .purpose("marketing"), .all] {
                for range in [Int64.min..<Int64.max, (t - day)..<(t + 1), (t - 3 * day)..<t] {
                    #expect(overlay.impressionCount(scope, in: range) == applied.impressionCount(scope, in: range))
                }
            }
            for c in ["c1", "c2", "c3"] { #expect(overlay.activity(for: c) == applied.activity(for: c)) }
            for at in [t, t - hour, t + day] {
                #expect(overlay.isConversationOpen(channel: "whatsapp", at: at) == applied.isConversationOpen(channel: "whatsapp", at: at))
            }
            // Applying the held change writes the same log the store's apply does.
            if let change = overlay.behaviour.change, case .behaviour(let e)? = pending {
                var log = overlay.state.behaviourLog
                log.add(e, maxSeries: policy.maxBehaviourSeries)
                #expect(log == applied.behaviourLog)
                #expect(change.patch.count == 1)
            }
        }
        // Most cases are held aside (the overlay, not the fallback).
        #expect(held > 50)
    }
}
