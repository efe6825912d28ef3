import Synchronization

// The circuit breaker in front of one server: after `breaker_failures` consecutive failed
// calls it opens, and calls fail at once instead of each waiting out the timeout.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Closed → (N consecutive failures) → open for `breaker_open_ms` → half-open: one probe
/// call at a time goes to the server; its success closes the breaker, its failure opens
/// it again. Only failures that say the server is not serving count (cannot connect, no
/// answer within the timeout, the connection broke, an answer refusing to serve:
/// `LOADING`, `READONLY`, `MASTERDOWN`, ...): any other answer, even a damaged value, is
/// a success.
///
/// A call that finds the breaker closed costs one atomic load before and one after (no
/// lock); the lock guards only the text of the last failure, written on failures.
final class RedisBreaker: Sendable {
    /// How a call was let through.
    enum Ticket { case closed, probe }

    let threshold: Int
    let openNanoseconds: Int64
    /// Consecutive failures since the last success.
    private let failures = Atomic<Int>(0)
    /// While open: the monotonic instant (ns) it half-opens at; 0 when closed.
    private let openUntil = Atomic<Int64>(0)
    /// A probe is in flight (half-open).
    private let probing = Atomic<Bool>(false)
    /// Times it opened (for tests and stats).
    private let openings = Atomic<Int>(0)
    private let lastFailure = Mutex<String>("")

    init(failures: Int, openMS: Int) {
        threshold = failures
        openNanoseconds = Int64(openMS) * 1_000_000
    }

    /// Lets a call through, or throws the failure a call would meet at once.
    func admit() throws(RedisFailure) -> Ticket {
        let until = openUntil.load(ordering: .acquiring)
        if until == 0 { return .closed }
        let now = Self.monotonicNanoseconds()
        if now >= until, probing.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
            return .probe
        }
        // After fork, the lock may be held by a thread the child does not have.
        let last = lastFailure.withLockIfAvailable { $0 } ?? ""
        let wait = max(0, (until - now) / 1_000_000)
        throw RedisFailure(
            broken: false, code: .unavailable,
            message: "circuit breaker open after \(threshold) consecutive failures"
                + (now >= until ? " (a probe is in flight)" : " (next probe in \(wait) ms)")
                + (last.isEmpty ? "" : "; last failure: \(last)"))
    }

    /// The call let through with `ticket` got an answer.
    func succeeded(_ ticket: Ticket) {
        if failures.load(ordering: .relaxed) != 0 { failures.store(0, ordering: .relaxed) }
        if ticket == .probe {
            openUntil.store(0, ordering: .releasing)
            probing.store(false, ordering: .releasing)
        }
    }

    /// The call let through with `ticket` found the server not serving (`why`).
    func failed(_ ticket: Ticket, _ why: String) {
        guard threshold > 0 else { return }
        _ = lastFailure.withLockIfAvailable { $0 = String(why.prefix(300)) }
        let reopen = Self.monotonicNanoseconds() &+ openNanoseconds
        if ticket == .probe {
            openUntil.store(reopen, ordering: .releasing)
            probing.store(false, ordering: .releasing)
            return
        }
        let n = failures.wrappingAdd(1, ordering: .relaxed).newValue
        // Calls in flight when it opened may fail too: they do not extend the opening.
        if n >= threshold, openUntil.compareExchange(expected: 0, desired: reopen, ordering: .acquiringAndReleasing).exchanged {
            failures.store(0, ordering: .relaxed)
            openings.wrappingAdd(1, ordering: .relaxed)
        }
    }

    /// Whether calls are failing fast now (open or half-open).
    var isOpen: Bool { openUntil.load(ordering: .acquiring) != 0 }
    /// How many times it opened.
    var openCount: Int { openings.load(ordering: .relaxed) }

    static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }
}
