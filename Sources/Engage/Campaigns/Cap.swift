/// A frequency cap as written in a campaign set: at most ``count`` impressions over
/// ``window``. Its scope (campaign, tag, channel, purpose) is implied by where it sits.
/// How impressions are counted is the cap evaluator's business (see `docs/caps.md`).
public struct Cap: Sendable, Hashable {
    /// Impressions allowed in the window, 1…1,000,000.
    public var count: Int
    public var window: CapWindow

    public init(count: Int, window: CapWindow) {
        self.count = count
        self.window = window
    }
}

/// The period a cap counts over.
public enum CapWindow: Sendable, Hashable {
    /// The last `window` before now (`"24h"`, `"7d"`).
    case rolling(RollingWindow)
    /// The current local calendar day, week or month in the user's time zone
    /// (`{"calendar": "week"}`).
    case calendar(CalendarUnit)
    /// All of history (`"lifetime"`).
    case lifetime
}

/// A rolling window written as a count and a unit (`90s`, `30m`, `24h`, `7d`, `2w`),
/// parsed at load: the same grammar rules use (see `docs/targeting.md`).
public struct RollingWindow: Sendable, Hashable, CustomStringConvertible {
    /// Length in milliseconds, 1 ms … ten years.
    public let milliseconds: Int64
    /// The text as written, for explanations (`cap campaign/1d: 1 of 1 used`).
    public let text: String

    init(milliseconds: Int64, text: String) {
        self.milliseconds = milliseconds
        self.text = text
    }

    /// Parses `text` (`"7d"`), or returns the reason it is not a window.
    public static func parse(_ text: String) -> Result<RollingWindow, CampaignSetError> {
        switch Window.parse(text) {
        case .success(let w): return .success(RollingWindow(milliseconds: w.milliseconds, text: text))
        case .failure(let e): return .failure(CampaignSetError(path: "", code: .invalidWindow, message: e.message))
        }
    }

    public var description: String { text }
}
