/// One cap as a decision checks it: its scope, limit and window, the parts of its label,
/// and where its count is kept. Built once at load (``CapSpecTable``), so a decision
/// neither matches tags to tag caps nor builds a scope per campaign. A class: a decision
/// walks these by reference (a struct of strings would be copied, field by field, at
/// every step).
final class CapSpec: Sendable {
    let scope: CapScope
    let cap: Cap
    /// The scope's part of the label (`campaign`, `tag` + `plans`): see ``CapCheck/label``.
    let labelPrefix: String
    let labelName: String
    /// The policy cap's slot in a decision's count memo (tag caps, then global, then
    /// channel caps, in the policies' order); -1 for a campaign's own cap, counted per
    /// campaign.
    let policySlot: Int

    init(scope: CapScope, cap: Cap, labelPrefix: String, labelName: String, policySlot: Int) {
        self.scope = scope
        self.cap = cap
        self.labelPrefix = labelPrefix
        self.labelName = labelName
        self.policySlot = policySlot
    }
}

/// Every cap of a set resolved to the caps each campaign and channel must pass, in the
/// order a commit re-checks them (``StateCommit``): the campaign's own caps, the tag caps
/// of its tags, the global caps of its purpose; then, per channel, the channel's caps.
struct CapSpecTable: Sendable {
    /// Per campaign (``CompiledCampaign/index``): campaign, tag and global caps.
    let campaign: [[CapSpec]]
    /// Per ``Channel/ordinal``: the channel's caps.
    let channel: [[CapSpec]]
    /// Policy caps in all: the size of a decision's count memo.
    let policySlots: Int

    init(_ campaigns: [CompiledCampaign], _ policies: Policies) {
        let tagBase = 0, globalBase = policies.tagCaps.count, channelBase = globalBase + policies.globalCaps.count
        policySlots = channelBase + policies.channelCaps.count
        campaign = campaigns.map { compiled in
            let c = compiled.campaign
            var specs: [CapSpec] = []
            let own = CapScope.campaign(c.id)
            for cap in c.caps {
                specs.append(CapSpec(scope: own, cap: cap, labelPrefix: "campaign", labelName: "", policySlot: -1))
            }
            for (k, tc) in policies.tagCaps.enumerated() where c.tags.contains(tc.tag) {
                specs.append(CapSpec(scope: .tag(tc.tag), cap: tc.cap, labelPrefix: "tag", labelName: tc.tag, policySlot: tagBase + k))
            }
            for (k, gc) in policies.globalCaps.enumerated() where gc.purpose == nil || gc.purpose == c.purpose {
                specs.append(
                    CapSpec(
                        scope: gc.purpose.map { .purpose($0.rawValue) } ?? .all, cap: gc.cap,
                        labelPrefix: Self.globalLabel(gc.purpose), labelName: "", policySlot: globalBase + k))
            }
            return specs
        }
        channel = Channel.allCases.map { ch in // allCases is in ordinal order
            policies.channelCaps.enumerated().compactMap { k, cc in
                cc.channel == ch
                    ? CapSpec(scope: .channel(ch.rawValue), cap: cc.cap, labelPrefix: "channel", labelName: ch.rawValue, policySlot: channelBase + k)
                    : nil
            }
        }
    }

    /// `global`, `global marketing`…
    private static func globalLabel(_ purpose: Purpose?) -> String {
        switch purpose {
        case nil: return "global"
        case .marketing?: return "global marketing"
        case .service?: return "global service"
        case .transactional?: return "global transactional"
        }
    }
}
