// Eligibility step 10 (specification: "frequency caps"): the campaign's own, tag and
// global caps, counted on the state read (each channel's caps are read at channel
// resolution; arbitration adds this decision's earlier messages, the commit re-checks
// under the store's lock). Reason: `cap`. Cap windows and counts are resolved once per
// decision here, for every step that reads them.

extension DecisionRun {
    @inline(__always)
    mutating func caps(_ c: Screening) -> Bool {
        if let (full, used) = firstFull(set.capSpecs.campaign[c.index]) {
            drop(c.index, .cap, "cap \(full.label): \(used) of \(full.limit) used", cap: full.scope)
            return false
        }
        return true
    }

    /// A cap resolved at `now`; the label's parts are joined only if read.
    mutating func check(_ spec: CapSpec) -> CapCheck {
        CapCheck(
            scope: spec.scope, range: capRange(spec.cap), limit: spec.cap.count, labelPrefix: spec.labelPrefix,
            labelName: spec.labelName, windowLabel: spec.cap.window.label)
    }

    /// A cap's window resolved at `now`; calendar windows once per unit per decision.
    mutating func capRange(_ cap: Cap) -> Range<Int64> {
        guard case .calendar(let unit) = cap.window else {
            return cap.window.range(now: now, zone: zone, firstWeekday: set.set.policies.weekStart)
        }
        let slot = unit == .day ? 0 : unit == .week ? 1 : 2
        if let cached = calendarRanges[slot] { return cached }
        let range = cap.window.range(now: now, zone: zone, firstWeekday: set.set.policies.weekStart)
        calendarRanges[slot] = range
        return range
    }

    /// The caps a message of `compiled` on `channel` must pass, in the order a commit
    /// re-checks them (``CapSpecTable``). Built only for messages that reach arbitration.
    mutating func capChecks(_ compiled: CompiledCampaign, channel: Channel) -> [CapCheck] {
        let own = set.capSpecs.campaign[compiled.index], channelSpecs = set.capSpecs.channel[channel.ordinal]
        var checks: [CapCheck] = []
        checks.reserveCapacity(own.count + channelSpecs.count)
        for spec in own { checks.append(check(spec)) }
        for spec in channelSpecs { checks.append(check(spec)) }
        return checks
    }

    /// The first of `specs` that the state read has filled, with its count.
    mutating func firstFull(_ specs: [CapSpec]) -> (CapCheck, Int)? {
        for spec in specs {
            let used = self.used(spec)
            if used >= spec.cap.count { return (check(spec), used) }
        }
        return nil
    }

    /// Impressions the state read holds in `spec`'s scope and window. A policy cap (tag,
    /// global, channel) is counted once per decision, however many campaigns it
    /// applies to.
    mutating func used(_ spec: CapSpec) -> Int {
        guard spec.policySlot >= 0 else { return state.impressionCount(spec.scope, in: capRange(spec.cap)) }
        if capUsed.isEmpty { capUsed = [Int](repeating: -1, count: set.capSpecs.policySlots) }
        if capUsed[spec.policySlot] >= 0 { return capUsed[spec.policySlot] }
        let used = state.impressionCount(spec.scope, in: capRange(spec.cap))
        capUsed[spec.policySlot] = used
        return used
    }
}
