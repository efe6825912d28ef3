// The eligibility steps, in the specification's order (docs/pipeline.md): one file per
// step in this folder, each a `mutating` function on the run that either passes the
// campaign on or drops it with its reason (``DecisionRun/drop(_:_:_:cap:)``). The steps
// are called as one explicit sequence, statically: no step list, closure or existential
// per campaign.

/// A campaign going through the eligibility steps: what the steps found so far.
struct Screening {
    let compiled: CompiledCampaign
    var index: Int { compiled.index }
    /// Whether the request's event triggered it (``DecisionRun/triggerOrPlacement(_:)``).
    var triggered = false
    /// The channel chosen and what it costs (``DecisionRun/channelResolution(_:)``).
    var channel = Channel.inApp
    var cost = 0.0
    /// Its arbitration score (``DecisionRun/arbitrationScore(_:)``).
    var score = 0.0

    init(_ compiled: CompiledCampaign) { self.compiled = compiled }
}

/// An eligible campaign waiting for arbitration.
struct Candidate {
    let index: Int
    let compiled: CompiledCampaign
    var campaign: Campaign { compiled.campaign }
    let score: Double
    /// Arbitration's keys besides the score: the campaign's priority and its id's rank
    /// (``CompiledCampaignSet/idRank``).
    let priority: Int
    let rank: Int
    /// Whether the request's event triggered it (it may then fill the event's slot,
    /// after the requested placements it has: ``DecisionRun/slot(for:filled:)``).
    let triggered: Bool
    let channel: Channel
    let cost: Double
}

extension DecisionRun {
    /// `compiled` through every eligibility step: a candidate for arbitration, or nil
    /// when a step dropped it (its reason counted, and traced when explaining).
    mutating func screen(_ compiled: CompiledCampaign) -> Candidate? {
        var c = Screening(compiled)
        guard
            status(c), // StatusSchedule.swift
            schedule(c), // StatusSchedule.swift
            triggerOrPlacement(&c), // Trigger.swift
            suppression(c), // Consent.swift
            consent(c), // Consent.swift
            audience(c), // Audience.swift
            exclusion(c), // Audience.swift
            exitCriteria(c), // Exit.swift
            cooldown(c), // Cooldown.swift
            caps(c), // Caps.swift
            channelResolution(&c), // ChannelResolution.swift, with quiet hours (QuietHours.swift)
            arbitrationScore(&c) // Score.swift
        else { return nil }
        return Candidate(
            index: c.index, compiled: compiled, score: c.score, priority: compiled.campaign.priority,
            rank: set.idRank[c.index], triggered: c.triggered, channel: c.channel, cost: c.cost)
    }
}
