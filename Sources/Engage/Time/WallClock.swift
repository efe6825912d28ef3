// The one read of the wall clock. The standard library has monotonic clocks only;
// the C library's clock_gettime gives real time without Foundation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since the Unix epoch (UTC), from CLOCK_REALTIME.
func _wallClockMilliseconds() -> Int64 {
    var ts = timespec()
    guard clock_gettime(CLOCK_REALTIME, &ts) == 0 else { return 0 }
    return Int64(ts.tv_sec) &* 1000 &+ Int64(ts.tv_nsec) / 1_000_000
}
