// A pause between compare-and-swap attempts that lost to another writer. Without one,
// eight threads on two cores can starve one of them: preempted between its read and its
// write, it loses every round to the others (seen as 64 conflicts in a row on a loaded
// machine). The first retries are immediate (a lost race is usually a single
// collision); later ones wait a random time that doubles up to a cap, so the contenders
// spread out instead of colliding again in step.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ConflictBackoff {
    /// Attempts retried at once before any pause.
    static let immediate = 2
    /// The longest pause, in microseconds.
    static let maxMicroseconds = 1_000

    /// Pauses after `attempt` (0-based) lost: nothing for the first ``immediate``, then a
    /// random time up to 2^(attempt − immediate) × 8 µs, at most ``maxMicroseconds``.
    static func pause(after attempt: Int) {
        guard attempt >= immediate else { return }
        let ceiling = min(maxMicroseconds, 8 << min(attempt - immediate, 10))
        let micros = Int.random(in: 1...ceiling)
        var request = timespec(tv_sec: 0, tv_nsec: micros * 1_000)
        var remaining = timespec()
        _ = nanosleep(&request, &remaining)
    }
}
