extension CapWindow {
    /// The impression times this window counts at `now` in the user's `zone` (see
    /// ``CapRange`` and docs/caps.md): rolling windows from `now − length` inclusive
    /// with no upper end, calendar windows as the local period containing `now`, weeks
    /// starting on `firstWeekday` (ISO, default Monday), lifetime as everything.
    public func range(now: Int64, zone: ZoneRules, firstWeekday: Int = 1) -> Range<Int64> {
        switch self {
        case .rolling(let w): return CapRange.rolling(milliseconds: w.milliseconds, now: now)
        case .calendar(let unit): return CapRange.calendar(unit, now: now, zone: zone, firstWeekday: firstWeekday)
        case .lifetime: return CapRange.lifetime
        }
    }

    /// The window as cap labels write it: the rolling text as written (`1d`, `24h`),
    /// `day` / `week` / `month`, or `lifetime`.
    public var label: String {
        switch self {
        case .rolling(let w): return w.text
        case .calendar(let unit): return unit.rawValue
        case .lifetime: return "lifetime"
        }
    }
}

extension Cap {
    /// This cap over `scope`, resolved at `now` in `zone`: what the caps step counts
    /// against a ``UserState`` and what ``StateStore/commitImpression(userID:_:ifWithin:)``
    /// re-checks. `label` is how explanations name the scope (default
    /// ``CapScope/label``); the window's label is appended: `campaign/1d`.
    ///
    /// Complexity: O(1) for rolling and lifetime windows; a few binary searches over the
    /// zone's transitions for calendar windows. The label is joined only when read.
    public func check(
        scope: CapScope, now: Int64, zone: ZoneRules, firstWeekday: Int = 1,
        label: String? = nil
    ) -> CapCheck {
        CapCheck(
            scope: scope, range: window.range(now: now, zone: zone, firstWeekday: firstWeekday),
            limit: count, labelPrefix: label ?? scope.label, windowLabel: window.label)
    }
}
