// Zone names as they arrive from campaign sets and requests: untrusted text that becomes
// a path under the zoneinfo root, so it is checked before it touches the file system.

enum ZoneName {
    /// Longest accepted name. The longest IANA name today is 32 bytes
    /// (`America/Argentina/ComodRivadavia`).
    static let maxLength = 128

    /// Checks that `name` is shaped like an IANA zone name: 1...maxLength bytes of
    /// `A-Z a-z 0-9 _ + -` in `/`-separated, non-empty components. That excludes absolute
    /// paths, `.` and `..`, and any byte a file system could treat specially.
    static func validate(_ name: String) throws(TimeZoneError) {
        let bytes = name.utf8
        guard !bytes.isEmpty else { throw TimeZoneError(.invalidName, zone: name, "empty zone name") }
        guard bytes.count <= maxLength else {
            throw TimeZoneError(
                .invalidName, zone: String(name.prefix(40)) + "…",
                "zone name longer than \(maxLength) bytes")
        }
        var previous: UInt8 = UInt8(ascii: "/") // so a leading '/' is an empty component
        for c in bytes {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                break
            case UInt8(ascii: "/"):
                guard previous != UInt8(ascii: "/") else {
                    throw TimeZoneError(.invalidName, zone: name, "empty path component (absolute path or '//')")
                }
            default:
                throw TimeZoneError(
                    .invalidName, zone: name,
                    "character \(c < 0x20 || c >= 0x7F ? "0x" + String(c, radix: 16) : String(UnicodeScalar(c))) not allowed in a zone name")
            }
            previous = c
        }
        guard previous != UInt8(ascii: "/") else {
            throw TimeZoneError(.invalidName, zone: name, "zone name ends with '/'")
        }
    }

    /// Refuses a name that is not a zone or link of the IANA database (``iana``).
    static func checkIANA(_ name: String) throws(TimeZoneError) {
        try validate(name)
        guard !iana.contains(name) else { return }
        let hostDependent =
            name == "localtime" || name == "posixrules" || name.hasPrefix("posix/")
            || name.hasPrefix("right/") || name == "Factory"
        throw TimeZoneError(
            .unknownZone, zone: name,
            hostDependent
                ? "not an IANA time zone name: it depends on the host's configuration (use a name such as \"Asia/Seoul\")"
                : "not a time zone of the IANA database (tzdata \(ianaVersion)); expected a name such as \"Asia/Seoul\", UTC or an offset such as +09:00")
    }

    /// The offset of a built-in fixed zone: `UTC`, `GMT`, `Z` (0) or an ISO 8601 offset
    /// `±HH`, `±HHMM`, `±HH:MM` with HH ≤ 24 and MM ≤ 59 (east positive: `+09:00` is
    /// Seoul's offset). Nil for anything else.
    static func fixedOffset(_ name: String) -> Int32? {
        if name == "UTC" || name == "GMT" || name == "Z" { return 0 }
        let b = Array(name.utf8)
        guard b.count == 3 || b.count == 5 || b.count == 6 else { return nil }
        let sign: Int32
        switch b[0] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        func digit(_ i: Int) -> Int32? {
            let c = b[i]
            return c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int32(c - UInt8(ascii: "0")) : nil
        }
        guard let h1 = digit(1), let h2 = digit(2) else { return nil }
        var minutes: Int32 = 0
        if b.count == 5 || b.count == 6 {
            let at = b.count == 6 ? 4 : 3
            if b.count == 6 && b[3] != UInt8(ascii: ":") { return nil }
            guard let m1 = digit(at), let m2 = digit(at + 1) else { return nil }
            minutes = m1 * 10 + m2
        }
        let hours = h1 * 10 + h2
        guard hours <= 24, minutes <= 59 else { return nil }
        return sign * (hours * 3_600 + minutes * 60)
    }
}
