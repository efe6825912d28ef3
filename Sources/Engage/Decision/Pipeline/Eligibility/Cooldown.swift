// Eligibility step 9 (specification: "cooldown after dismiss"): a campaign the user
// dismissed waits out its `cooldown_after_dismiss`. Reason: `cooldown`.

extension DecisionRun {
    @inline(__always)
    mutating func cooldown(_ c: Screening) -> Bool {
        let campaign = c.compiled.campaign
        if let cooldown = campaign.cooldownAfterDismiss, let last = state.activity(for: campaign.id)?.lastDismissal,
            now &- last < cooldown.milliseconds
        {
            let zone = self.zone // the detail closure must not read self while drop mutates it
            drop(
                c.index, .cooldown,
                "dismissed at \(zone.rfc3339(last)); cooldown \(cooldown.text) until \(zone.rfc3339(last &+ cooldown.milliseconds))")
            return false
        }
        return true
    }
}
