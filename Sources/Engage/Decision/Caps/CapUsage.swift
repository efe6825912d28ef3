/// How much of a cap a user has used: what the caps step decides on and what an
/// explanation prints (`cap campaign/1d: 1 of 1 used`). The engine's own (`package`, not API).
///
/// What counts (docs/caps.md): impressions on every channel, in-app included, in one
/// ledger per scope. A click or a dismissal adds nothing (the impression it followed
/// already counted); holdout and control assignments show nothing and are never
/// recorded as impressions.
package struct CapUsage: Sendable, Hashable, CustomStringConvertible {
    /// The cap as explanations name it, e.g. `campaign/1d`, `purpose:marketing/day`.
    package let label: String
    /// Impressions already in the window.
    package let used: Int
    /// Impressions the cap allows in the window.
    package let limit: Int
    /// The impression times that count (ms, half-open).
    package let range: Range<Int64>

    package init(label: String, used: Int, limit: Int, range: Range<Int64>) {
        self.label = label
        self.used = used
        self.limit = limit
        self.range = range
    }

    /// True when one more impression fits (`used < limit`).
    package var allowed: Bool { used < limit }

    package var description: String { "cap \(label): \(used) of \(limit) used" }
}

extension UserState {
    /// The usage of a resolved cap in this state.
    ///
    /// Complexity: O(exact times + folded hours) of the scope's ledger — at most the
    /// policy's `exactImpressions` plus the retained hours.
    package func usage(of check: CapCheck) -> CapUsage {
        CapUsage(
            label: check.label, used: impressionCount(check.scope, in: check.range),
            limit: check.limit, range: check.range)
    }
}

extension CapScope {
    /// The scope as cap labels write it: `campaign` (the campaign is the one being
    /// explained), `tag:retention`, `channel:sms`, `purpose:marketing`, `all`.
    package var label: String {
        switch self {
        case .campaign: return "campaign"
        case .all: return "all"
        default: return "\(kind):\(name)"
        }
    }
}
