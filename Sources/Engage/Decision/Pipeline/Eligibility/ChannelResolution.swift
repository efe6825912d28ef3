// Eligibility steps 11 and 12 (specification: "quiet hours → channel resolution"): the
// cheapest of the campaign's channels that is not in quiet hours (QuietHours.swift),
// is reachable (in-app: in the foreground), has the purpose's consent on it and is
// under its channel caps. Reasons: `quiet_hours` when every channel is quiet, else
// `channel`, with each channel's skip.

/// Why a channel was skipped, kept as values: the text is written only for the messages
/// shown and for explanations, not for every channel of every campaign considered.
enum ChannelSkip {
    case quiet(Channel, policy: Int)
    case notForeground
    case unreachable(Channel)
    case noConsent(Channel, Purpose)
    case cap(Channel, CapCheck, used: Int)
    case costsMore(Channel, than: Channel)

    var channel: Channel {
        switch self {
        case .quiet(let c, _), .unreachable(let c), .noConsent(let c, _), .cap(let c, _, _), .costsMore(let c, _): return c
        case .notForeground: return .inApp
        }
    }
}

extension DecisionRun {
    @inline(__always)
    mutating func channelResolution(_ c: inout Screening) -> Bool {
        let compiled = c.compiled
        let choice = chooseChannel(compiled, keepSkips: request.explain)
        guard let chosen = choice.best else {
            let reason: ReasonCode = choice.quietOnly && !compiled.channelOrder.isEmpty ? .quietHours : .channel
            let detail = request.explain ? choice.skipped.map { "\($0.channel.rawValue): \(skipText($0))" }.joined(separator: "; ") : ""
            drop(c.index, reason, detail.isEmpty ? "no channels" : detail)
            return false
        }
        (c.channel, c.cost) = chosen
        return true
    }

    /// The cheapest channel `compiled` can go out on now (quiet hours, reachability,
    /// channel consent and caps, cost), and — with `keepSkips`, for explanations and the
    /// messages shown — why each other channel was passed over. Reads only what the
    /// decision has read, so a second call answers as the first.
    mutating func chooseChannel(
        _ compiled: CompiledCampaign, keepSkips: Bool
    ) -> (best: (channel: Channel, cost: Double)?, skipped: [ChannelSkip], quietOnly: Bool) {
        var best: (channel: Channel, cost: Double)? = nil
        var skipped: [ChannelSkip] = []
        var quietOnly = true
        func skip(_ s: @autoclosure () -> ChannelSkip) { if keepSkips { skipped.append(s()) } }
        for ch in compiled.channelOrder {
            if let q = quietPolicy(for: compiled.campaign.purpose, ch) {
                skip(.quiet(ch, policy: q))
                continue
            }
            quietOnly = false
            if ch == .inApp ? !request.foreground : reachableMask & ch.bit == 0 {
                skip(ch == .inApp ? .notForeground : .unreachable(ch))
                continue
            }
            guard consents(compiled.campaign.purpose, ch) else {
                skip(.noConsent(ch, compiled.campaign.purpose))
                continue
            }
            if let (full, used) = firstFull(set.capSpecs.channel[ch.ordinal]) {
                skip(.cap(ch, full, used: used))
                continue
            }
            var cost = set.channelCost[ch.ordinal]
            if ch == .whatsapp, state.isConversationOpen(channel: ch.rawValue, at: now) { cost = 0 }
            if let previous = best {
                if cost < previous.cost {
                    skip(.costsMore(previous.channel, than: ch))
                    best = (ch, cost)
                } else {
                    skip(.costsMore(ch, than: previous.channel))
                }
            } else {
                best = (ch, cost)
            }
        }
        return (best, skipped, quietOnly)
    }

    /// A skipped channel's reason as the decision and explanations write it.
    func skipText(_ skip: ChannelSkip) -> String {
        switch skip {
        case .quiet(let channel, let k):
            let policies = set.set.policies.quietHours
            guard k < policies.count else { return "quiet hours" }
            let q = policies[k]
            let t = quietLocalTime(q)
            let name: String
            switch q.timeZone {
            case .user: name = zoneName
            case .named(let n): name = n
            }
            return "quiet hours \(q.purpose?.rawValue ?? "all")/\(channel.rawValue) \(q.hours) \(name), now \(twoDigits(t.hour)):\(twoDigits(t.minute))"
        case .notForeground: return "app not in the foreground"
        case .unreachable: return "not reachable"
        case .noConsent(let channel, let purpose): return "no \(purpose.rawValue) consent on \(channel.rawValue)"
        case .cap(_, let full, let used): return "cap \(full.label): \(used) of \(full.limit) used"
        case .costsMore(_, let than): return "costs more than \(than.rawValue)"
        }
    }
}
