// When a stored state may simply vanish: the rule stores with native expiry (Redis TTLs)
// follow so that an expired key means exactly what `prune(now:)` would have done.

extension UserState {
    /// The instant (ms since the epoch) from which ``prune(policy:now:)`` leaves this
    /// state ``isPrunable`` — so a store with native expiry may drop the user then and
    /// answer as the memory store's `prune(now:)` would — or nil when retention never
    /// empties it.
    ///
    /// - nil (never expires) when the state holds anything retention does not prune: an
    ///   impression ledger (its lifetime total counts for lifetime caps forever) or a
    ///   campaign's clicks, dismissals or conversions (cooldowns and exit criteria).
    /// - Otherwise (behaviour events and conversation windows only): one past the newest
    ///   record, or the latest conversation's end if later, plus `policy.retention`.
    ///   Behaviour hours are no newer than ``newest``, so the instant is never early; it
    ///   may be up to a conversation's length late, which costs only memory.
    /// - `Int64.min` for an empty state: nothing to keep.
    ///
    /// Complexity: O(conversations).
    public func expiry(policy: RetentionPolicy) -> Int64? {
        guard !isEmpty else { return .min }
        guard ledgerLog.isEmpty, campaigns.isEmpty else { return nil }
        var last = newest
        for c in conversations { last = max(last, c.opened &+ ConversationWindow.length) }
        // newest and conversation times lie within StateLimits.times and retention within
        // 3650 days: the sum cannot overflow.
        return last + policy.retention + 1
    }
}
