import Testing

@testable import Engage

// Facts checked here come from the IANA tz database (via Python's zoneinfo, run when the
// tests were written) and from the calendar itself. Instants are UTC seconds.

private let zones = ZoneCache()

private func zone(_ name: String) throws -> ZoneRules {
    try zones.zone(named: name)
}

private func civil(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> CivilDateTime {
    CivilDateTime(year: y, month: m, day: d, hour: h, minute: mi, second: s)
}

@Suite struct TimeZoneCalendarTests {
    @Test func dayNumbersRoundTrip() {
        #expect(CivilCalendar.days(from: CivilDate(year: 1970, month: 1, day: 1)) == 0)
        #expect(CivilCalendar.days(from: CivilDate(year: 2000, month: 3, day: 1)) == 11_017)
        #expect(CivilCalendar.days(from: CivilDate(year: 1969, month: 12, day: 31)) == -1)
        #expect(CivilCalendar.days(from: CivilDate(year: 2023, month: 2, day: 29)) == nil)
        #expect(CivilCalendar.days(from: CivilDate(year: 2024, month: 13, day: 1)) == nil)
        var day: Int64 = -800_000
        while day < 800_000 {
            let date = CivilCalendar.civil(fromDays: day)
            #expect(date.isValid)
            #expect(CivilCalendar.days(from: date) == day)
            day += 997
        }
    }

    @Test func weekdaysAreISO() {
        func wd(_ y: Int, _ m: Int, _ d: Int) -> Int? {
            CivilCalendar.days(from: CivilDate(year: y, month: m, day: d)).map(CivilCalendar.isoWeekday(days:))
        }
        #expect(wd(1970, 1, 1) == 4) // Thursday
        #expect(wd(2024, 3, 10) == 7) // Sunday
        #expect(wd(2000, 2, 29) == 2) // Tuesday
        #expect(wd(1900, 1, 1) == 1) // Monday
        #expect(wd(1969, 12, 29) == 1) // Monday, negative day numbers
        #expect(ZoneRules.utc.localTime(atUTC: 0).weekday == 4)
    }

    @Test func extremeInputsDoNotTrap() throws {
        for t in [Int64.min, Int64.min + 1, -(1 << 60), -1, 0, 1 << 60, Int64.max - 1, Int64.max] {
            for z in [ZoneRules.utc, try zone("America/New_York"), try zone("Australia/Lord_Howe")] {
                let lt = z.localTime(atUTC: t)
                #expect((1...7).contains(lt.weekday))
                _ = z.startOfDay(containingUTC: t)
                _ = z.startOfWeek(containingUTC: t, firstWeekday: Int.min)
                _ = z.calendarWindow(.month, containingUTC: t)
                _ = z.nextTransition(after: t)
            }
        }
        _ = CivilCalendar.civil(fromDays: .max)
        _ = CivilCalendar.civil(fromDays: .min)
        #expect(CivilCalendar.adding(days: .max, to: CivilDate(year: 2024, month: 1, day: 1)) == nil)
        #expect(throws: TimeZoneError.self) {
            try ZoneRules.utc.utcInstant(forLocal: civil(Int.max, 1, 1))
        }
        #expect(throws: TimeZoneError.self) { try ZoneRules.utc.utcInstant(forLocal: civil(2024, 1, 1, 24)) }
        #expect(throws: TimeZoneError.self) { try ZoneRules.utc.utcInstant(forLocal: civil(Int.min, Int.min, Int.min, Int.min)) }
        #expect(CivilDate(year: Int.min, month: 1, day: 1).description.hasPrefix("-"))
    }
}

@Suite struct TimeZoneKnownFactsTests {
    /// Explanations print instants this way (`starts at …`): local, with the offset, and
    /// milliseconds only when there are some.
    @Test func instantsAsLocalRFC3339() throws {
        #expect(try zone("Asia/Seoul").rfc3339(1_795_176_000_000) == "2026-11-20T21:00:00+09:00")
        #expect(try zone("Asia/Kathmandu").rfc3339(1_795_176_000_500) == "2026-11-20T17:45:00.500+05:45")
        #expect(try zone("America/New_York").rfc3339(1_710_050_399_999) == "2024-03-10T00:59:59.999-05:00")
        #expect(try zone("America/New_York").rfc3339(1_710_054_000_000) == "2024-03-10T03:00:00-04:00")
        #expect(ZoneRules.utc.rfc3339(-1) == "1969-12-31T23:59:59.999+00:00")
        #expect(ZoneRules.utc.rfc3339(Instant.earliest) == "0000-01-01T00:00:00+00:00")
        #expect(ZoneRules.utc.rfc3339(Instant.latest) == "9999-12-31T23:59:59.999+00:00")
        // Outside the instants libengage accepts it still returns text, never traps.
        #expect(!ZoneRules.utc.rfc3339(.min).isEmpty)
        #expect(!ZoneRules.utc.rfc3339(.max).isEmpty)
    }

    @Test func seoulHasNoDST() throws {
        let seoul = try zone("Asia/Seoul")
        let t: Int64 = 1_718_000_000 // 2024-06-10
        #expect(seoul.offset(atUTC: t) == 32_400)
        #expect(!seoul.isDaylightSavingTime(atUTC: t))
        #expect(seoul.abbreviation(atUTC: t) == "KST")
        #expect(seoul.nextTransition(after: t) == nil)
        #expect(seoul.localTime(atUTC: t).description == "2024-06-10T15:13:20+09:00")
        #expect(seoul.offset(atUTC: -302_486_400) == 34_200) // 1960: KDT +09:30
        #expect(seoul.offset(atUTC: -2_208_988_800) == 30_472) // 1900: LMT +08:27:52
    }

    @Test func newYork2024Transitions() throws {
        let ny = try zone("America/New_York")
        let spring: Int64 = 1_710_054_000 // 2024-03-10T07:00Z
        let fall: Int64 = 1_730_613_600 // 2024-11-03T06:00Z
        #expect(ny.offset(atUTC: spring - 1) == -18_000)
        #expect(ny.offset(atUTC: spring) == -14_400)
        #expect(ny.isDaylightSavingTime(atUTC: spring))
        #expect(ny.abbreviation(atUTC: spring) == "EDT")
        #expect(ny.localTime(atUTC: spring - 1).description == "2024-03-10T01:59:59-05:00")
        #expect(ny.localTime(atUTC: spring).description == "2024-03-10T03:00:00-04:00")
        #expect(ny.offset(atUTC: fall - 1) == -14_400)
        #expect(ny.offset(atUTC: fall) == -18_000)
        #expect(ny.localTime(atUTC: fall).description == "2024-11-03T01:00:00-05:00")
        #expect(ny.nextTransition(after: spring - 1) == spring)
        #expect(ny.nextTransition(after: spring) == fall)
    }

    @Test func london2024() throws {
        let london = try zone("Europe/London")
        #expect(london.offset(atUTC: 1_711_846_799) == 0) // 2024-03-31T00:59:59Z
        #expect(london.offset(atUTC: 1_711_846_800) == 3_600) // BST from 01:00Z
        #expect(london.offset(atUTC: 1_729_990_799) == 3_600)
        #expect(london.offset(atUTC: 1_729_990_800) == 0) // 2024-10-27T01:00Z
        #expect(london.offset(atUTC: -2_208_988_800) == 0) // 1900
    }

    @Test func lordHoweHalfHourDST() throws {
        let lh = try zone("Australia/Lord_Howe")
        #expect(lh.offset(atUTC: 1_712_415_599) == 39_600) // +11 until 2024-04-07 02:00
        #expect(lh.offset(atUTC: 1_712_415_600) == 37_800) // then +10:30
        #expect(lh.localTime(atUTC: 1_712_415_600).description == "2024-04-07T01:30:00+10:30")
        #expect(lh.offset(atUTC: 1_728_142_200) == 39_600) // 2024-10-06 02:00 -> 02:30
        #expect(lh.isDaylightSavingTime(atUTC: 1_728_142_200))
        // The autumn day lasts 24.5 h, the spring day 23.5 h.
        #expect(lh.calendarWindow(.day, containingUTC: 1_712_415_600).count == 88_200)
        #expect(lh.calendarWindow(.day, containingUTC: 1_728_142_200).count == 84_600)
    }

    @Test func farFutureUsesFooterRule() throws {
        let ny = try zone("America/New_York")
        #expect(ny.offset(atUTC: 4_118_126_400) == -14_400) // 2100-07-01: EDT
        #expect(ny.offset(atUTC: 4_102_488_000) == -18_000) // 2100-01-01: EST
        #expect(ny.offset(atUTC: 4_108_690_799) == -18_000) // 2100-03-14T06:59:59Z
        #expect(ny.offset(atUTC: 4_108_690_800) == -14_400) // second Sunday of March 2100
        // Far beyond the precomputed table the rule is evaluated directly.
        let y3000 = try ny.utcInstant(forLocal: civil(3000, 7, 4, 12))
        #expect(ny.localTime(atUTC: y3000).description == "3000-07-04T12:00:00-04:00")
        let y3000w = try ny.utcInstant(forLocal: civil(3000, 1, 4, 12))
        #expect(ny.localTime(atUTC: y3000w).utcOffset == -18_000)
    }

    @Test func farPast() throws {
        let ny = try zone("America/New_York")
        #expect(ny.localTime(atUTC: -2_208_988_800).description == "1899-12-31T19:00:00-05:00")
        #expect(ny.offset(atUTC: -3_000_000_000) == -17_762) // 1874: LMT −4:56:02
    }

    @Test func fixedZones() throws {
        let plus9 = try zone("+09:00")
        #expect(plus9.offset(atUTC: 0) == 32_400)
        #expect(try zone("-0530").offset(atUTC: 0) == -19_800)
        #expect(try zone("+09").offset(atUTC: 0) == 32_400)
        #expect(try zone("UTC").offset(atUTC: 123) == 0)
        #expect(try zone("Z").identifier == "Z")
        #expect(plus9.abbreviation(atUTC: 0) == "+09:00")
        #expect(plus9.nextTransition(after: 0) == nil)
        #expect(throws: TimeZoneError.self) { try ZoneRules(fixedOffset: 100_000) }
    }
}

@Suite struct TimeZoneLocalResolutionTests {
    @Test func gapMapsForwardOverlapToEarlier() throws {
        let ny = try zone("America/New_York")
        #expect(try ny.resolve(civil(2024, 3, 10, 2, 30)) == .skipped(transition: 1_710_054_000, shifted: 1_710_055_800))
        #expect(try ny.utcInstant(forLocal: civil(2024, 3, 10, 2, 30)) == 1_710_055_800) // 03:30 EDT
        #expect(try ny.resolve(civil(2024, 11, 3, 1, 30)) == .ambiguous(earlier: 1_730_611_800, later: 1_730_615_400))
        #expect(try ny.utcInstant(forLocal: civil(2024, 11, 3, 1, 30)) == 1_730_611_800)
        #expect(try ny.resolve(civil(2024, 3, 10, 1, 59, 59)) == .unique(1_710_053_999))
        #expect(try ny.resolve(civil(2024, 3, 10, 3)) == .unique(1_710_054_000))
        #expect(try ny.resolve(civil(2024, 11, 3, 2)) == .unique(1_730_617_200))
    }

    @Test func startOfDayWeekMonthAcrossDST() throws {
        let ny = try zone("America/New_York")
        let spring: Int64 = 1_710_054_000
        #expect(ny.startOfDay(containingUTC: spring) == 1_710_046_800) // 2024-03-10T05:00Z
        #expect(ny.calendarWindow(.day, containingUTC: spring) == 1_710_046_800..<1_710_129_600) // 23 h
        let fall: Int64 = 1_730_613_600
        #expect(ny.calendarWindow(.day, containingUTC: fall) == 1_730_606_400..<1_730_696_400) // 25 h
        #expect(ny.startOfWeek(containingUTC: spring) == 1_709_528_400) // Monday 2024-03-04
        #expect(ny.startOfWeek(containingUTC: spring, firstWeekday: 7) == 1_710_046_800) // Sunday start
        #expect(ny.startOfMonth(containingUTC: spring) == 1_709_269_200) // 2024-03-01T05:00Z
        #expect(ny.calendarWindow(.month, containingUTC: spring) == 1_709_269_200..<1_711_944_000)
        #expect(ny.calendarWindow(.week, containingUTC: spring).count == 7 * 86_400 - 3_600)
        let seoul = try zone("Asia/Seoul")
        #expect(seoul.calendarWindow(.day, containingUTC: 1_718_000_000) == 1_717_945_200..<1_718_031_600)
    }

    @Test func skippedMidnightStartsDayAtTransition() throws {
        // Chile springs forward at 24:00 Saturday: 2024-09-08 00:00 never happens.
        let santiago = try zone("America/Santiago")
        #expect(try santiago.firstInstant(of: CivilDate(year: 2024, month: 9, day: 8)) == 1_725_768_000)
        #expect(santiago.startOfDay(containingUTC: 1_725_768_000 + 3_600) == 1_725_768_000)
        #expect(santiago.localTime(atUTC: 1_725_768_000).description == "2024-09-08T01:00:00-03:00")
    }

    @Test func crossCheckAgainstPythonZoneinfo() throws {
        var checkedUTC = 0
        var checkedLocal = 0
        for line in timeZoneCrossCheckVectors.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            let z = try zone(f[1])
            if f[0] == "U", let t = Int64(f[2]) {
                let lt = z.localTime(atUTC: t)
                #expect(String(lt.utcOffset) == f[3], "\(line)")
                #expect(lt.civil.description == f[4], "\(line)")
                #expect(String(lt.weekday) == f[5], "\(line)")
                checkedUTC += 1
            } else if f[0] == "L" {
                let p = f[2].split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
                try #require(p.count == 6)
                let local = civil(p[0], p[1], p[2], p[3], p[4], p[5])
                #expect(String(try z.utcInstant(forLocal: local)) == f[3], "\(line)")
                switch try z.resolve(local) {
                case .unique: #expect(f[4] == "u", "\(line)")
                case .ambiguous: #expect(f[4] == "a", "\(line)")
                case .skipped: #expect(f[4] == "g", "\(line)")
                }
                checkedLocal += 1
            }
        }
        #expect(checkedUTC == 400)
        #expect(checkedLocal == 160)
    }
}

@Suite struct TimeZonePosixRuleTests {
    @Test func parsesForms() throws {
        let seoul = try PosixTZRule.parse("<+09>-9")
        #expect(seoul.standardName == "+09" && seoul.standardOffset == 32_400 && seoul.daylight == nil)
        let us = try PosixTZRule.parse("EST5EDT,M3.2.0,M11.1.0")
        #expect(us.standardOffset == -18_000 && us.daylight?.utcOffset == -14_400)
        #expect(us.daylight?.start == .init(date: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7_200))
        let lh = try PosixTZRule.parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
        #expect(lh.standardOffset == 37_800 && lh.daylight?.utcOffset == 39_600)
        let nuuk = try PosixTZRule.parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")
        #expect(nuuk.daylight?.start.time == -3_600)
        let j = try PosixTZRule.parse("AAA3BBB,J60/2:30:15,300/+167")
        #expect(j.daylight?.start == .init(date: .julianNoLeap(60), time: 9_015))
        #expect(j.daylight?.end == .init(date: .zeroBased(300), time: 601_200))
    }

    @Test func julianFormsAndLeapYears() throws {
        // J60 is March 1 in every year; zero-based 59 is Feb 29 in a leap year.
        let jz = try ZoneRules(posixTZ: "AAA0BBB-1,J60/0,J61/0")
        #expect(jz.localTime(atUTC: try jz.utcInstant(forLocal: civil(2024, 3, 1, 12))).isDST)
        #expect(!jz.localTime(atUTC: try jz.utcInstant(forLocal: civil(2024, 2, 29, 12))).isDST)
        let nz = try ZoneRules(posixTZ: "AAA0BBB-1,59/0,60/0")
        #expect(nz.localTime(atUTC: try nz.utcInstant(forLocal: civil(2024, 2, 29, 12))).isDST)
        #expect(nz.localTime(atUTC: try nz.utcInstant(forLocal: civil(2023, 3, 1, 12))).isDST)
    }

    @Test func dstAllYear() throws {
        let z = try ZoneRules(posixTZ: "EST5EDT,0/0,J365/25")
        for month in 1...12 {
            let t = try z.utcInstant(forLocal: civil(2030, month, 15))
            #expect(z.offset(atUTC: t) == -14_400)
        }
        #expect(z.offset(atUTC: try z.utcInstant(forLocal: civil(2031, 1, 1, 0, 30))) == -14_400)
        #expect(z.offset(atUTC: 5_000_000_000_000) == -14_400)
    }

    @Test func southernHemisphereRuleWrapsYear() throws {
        let z = try ZoneRules(posixTZ: "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
        #expect(z.offset(atUTC: try z.utcInstant(forLocal: civil(2200, 1, 1))) == 39_600)
        #expect(z.offset(atUTC: try z.utcInstant(forLocal: civil(2200, 6, 1))) == 37_800)
        #expect(z.offset(atUTC: try z.utcInstant(forLocal: civil(1800, 12, 31))) == 39_600)
    }

    @Test(arguments: [
        "", "EST", "ES5", "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0", "<+09-9", "<+0>-9",
        "EST5EDT,M3.2.0/168,M11.1.0", "EST25", "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J0,J365", "EST5EDT,366,1", "EST5EDT,M3.2.0,M11.1.0x", "EST5:60", "EST5:00:60",
        "EST5EDT4,M3.2.0/2:,M11.1.0", "EST0001", "<+09>-9\u{0}", String(repeating: "A", count: 300) + "5",
    ])
    func rejectsMalformed(_ text: String) {
        #expect(throws: TimeZoneError.self) { try ZoneRules(posixTZ: text) }
    }
}

// MARK: - TZif files and names

/// Builds a TZif file: a v1 block (32-bit times) and, for version ≥ 2, a v2 block and footer.
private func makeTZif(
    version: UInt8 = UInt8(ascii: "2"), transitions: [Int64] = [], indices: [UInt8] = [],
    types: [(Int32, UInt8, UInt8)] = [(0, 0, 0)], chars: [UInt8] = Array("UTC\0".utf8),
    footer: String? = "UTC0", counts: [UInt32]? = nil
) -> [UInt8] {
    func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
    func be64(_ v: Int64) -> [UInt8] { [56, 48, 40, 32, 24, 16, 8, 0].map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> $0) } }
    func header() -> [UInt8] {
        let c = counts ?? [0, 0, 0, UInt32(transitions.count), UInt32(types.count), UInt32(chars.count)]
        return Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15) + c.flatMap(be32)
    }
    func block(_ time: (Int64) -> [UInt8]) -> [UInt8] {
        transitions.flatMap(time) + indices + types.flatMap { be32(UInt32(bitPattern: $0.0)) + [$0.1, $0.2] } + chars
    }
    var out = header() + block { be32(UInt32(truncatingIfNeeded: $0)) }
    if version != 0 {
        out += header() + block(be64)
        if let footer { out += [0x0A] + Array(footer.utf8) + [0x0A] }
    }
    return out
}

@Suite struct TimeZoneFileTests {
    @Test func syntheticFilesParse() throws {
        let v1 = try ZoneRules(
            tzif: makeTZif(
                version: 0, transitions: [100], indices: [1],
                types: [(3_600, 0, 0), (7_200, 1, 4)], chars: Array("AAA\0BBB\0".utf8)),
            identifier: "v1")
        #expect(v1.offset(atUTC: 99) == 3_600 && v1.offset(atUTC: 100) == 7_200)
        #expect(v1.abbreviation(atUTC: 100) == "BBB" && v1.isDaylightSavingTime(atUTC: 100))
        // No transitions: the footer governs all time (RFC 8536 §3.2).
        let footerOnly = try ZoneRules(tzif: makeTZif(footer: "EST5EDT,M3.2.0,M11.1.0"), identifier: "f")
        #expect(footerOnly.offset(atUTC: 1_710_054_000) == -14_400)
        #expect(footerOnly.offset(atUTC: -2_208_988_800) == -18_000)
        // Empty footer: the last type persists.
        let empty = try ZoneRules(tzif: makeTZif(version: UInt8(ascii: "4"), footer: ""), identifier: "e")
        #expect(empty.offset(atUTC: 5_000_000_000) == 0)
        // Every real file on the system that we can name parses (spot check).
        for name in ["Europe/Dublin", "Pacific/Apia", "Antarctica/Troll", "Asia/Kathmandu", "Etc/GMT-14"] {
            _ = try zone(name)
        }
        // A host file that is no IANA name still parses as TZif (read directly; the
        // cache refuses the name).
        _ = try ZoneCache.read("posixrules", root: ZoneCache.defaultRoot + "/", maxFileBytes: ZoneCache.defaultMaxFileBytes)
    }

    @Test func rejectsMalformedFiles() throws {
        let good = makeTZif(transitions: [100], indices: [0], footer: "UTC0")
        _ = try ZoneRules(tzif: good, identifier: "good")
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("bad magic", Array("TZiX".utf8) + good.dropFirst(4)),
            ("bad version", Array(good.prefix(4)) + [UInt8(ascii: "9")] + good.dropFirst(5)),
            ("huge timecnt", makeTZif(counts: [0, 0, 0, .max, 1, 4])),
            ("huge charcnt", makeTZif(counts: [0, 0, 0, 0, 1, .max])),
            ("zero typecnt", makeTZif(types: [])),
            ("zero charcnt", makeTZif(chars: [])),
            ("bad isutcnt", makeTZif(counts: [3, 0, 0, 0, 1, 4])),
            ("index out of range", makeTZif(transitions: [5], indices: [1])),
            ("not ascending", makeTZif(transitions: [5, 5], indices: [0, 0])),
            ("isdst 2", makeTZif(types: [(0, 2, 0)])),
            ("designation out of range", makeTZif(types: [(0, 0, 9)])),
            ("no NUL", makeTZif(chars: Array("UTC".utf8))),
            ("offset too big", makeTZif(types: [(200_000, 0, 0)])),
            ("offset Int32.min", makeTZif(types: [(.min, 0, 0)])),
            ("missing footer", makeTZif(footer: nil)),
            ("bad footer", makeTZif(footer: "UTC")),
            ("footer dst offset", makeTZif(footer: "EST5EDT25,M3.2.0,M11.1.0")),
            ("trailing bytes", good + [0]),
            ("leap seconds", makeTZif(counts: [0, 0, 1, 0, 1, 4]) + [UInt8](repeating: 0, count: 32)),
        ]
        // Every truncation of a real file.
        let ny = try #require(
            { () -> [UInt8]? in
                if case .success(let b) = ZoneFileReader.contents(atPath: "/usr/share/zoneinfo/America/New_York", maxBytes: 1 << 20) { return b }
                return nil
            }())
        _ = try ZoneRules(tzif: ny, identifier: "ny")
        for n in stride(from: 0, to: ny.count, by: 7) { cases.append(("truncated at \(n)", Array(ny.prefix(n)))) }
        for (label, bytes) in cases {
            #expect(throws: TimeZoneError.self, "\(label)") { try ZoneRules(tzif: bytes, identifier: label) }
        }
    }

    @Test func corruptedBytesNeverTrap() throws {
        guard case .success(let ny) = ZoneFileReader.contents(atPath: "/usr/share/zoneinfo/America/New_York", maxBytes: 1 << 20) else {
            Issue.record("cannot read New_York"); return
        }
        var rng = SeededGenerator(seed: 42)
        var parsed = 0
        for _ in 0..<3_000 {
            var bytes = ny
            for _ in 0..<Int(rng.next() % 4 + 1) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let z = try? ZoneRules(tzif: bytes, identifier: "fuzz") {
                parsed += 1
                let t = Int64(bitPattern: rng.next()) >> 20
                _ = z.localTime(atUTC: t)
                _ = try? z.utcInstant(forLocal: civil(2024, 3, 10, 2, 30))
                _ = z.calendarWindow(.week, containingUTC: t)
            }
        }
        #expect(parsed > 0)
    }

    @Test(arguments: [
        "", "/etc/passwd", "../etc/passwd", "America/../../etc/passwd", "America//New_York",
        "America/New_York/", "./UTC", "Europe/Lo ndon", "Asia/Seoul\u{0}", "Zürich", "a\\b",
        String(repeating: "A", count: 200), "zone.tab", "~root", "America/New_York\n",
    ])
    func rejectsBadNames(_ name: String) {
        #expect {
            try zones.zone(named: name)
        } throws: { error in
            (error as? TimeZoneError)?.code == .invalidName
        }
    }

    @Test func unknownUnreadableTooLargeUnsupported() {
        func code(_ cache: ZoneCache, _ name: String) -> TimeZoneError.Code? {
            do { _ = try cache.zone(named: name); return nil } catch { return error.code }
        }
        #expect(code(zones, "Mars/Olympus_Mons") == .unknownZone)
        #expect(code(zones, "Mars/Olympus_Mons") == .unknownZone) // remembered
        #expect(code(ZoneCache(maxFileBytes: 100), "America/New_York") == .tooLarge)
        #expect(code(ZoneCache(root: "/nonexistent"), "Asia/Seoul") == .unknownZone)
        #expect(code(ZoneCache(root: "/usr/share/zoneinfo/America"), "../Asia/Seoul") == .invalidName)
        // The file reader's own verdicts, for files no IANA name reaches.
        func read(_ name: String, root: String = ZoneCache.defaultRoot + "/") -> TimeZoneError.Code? {
            do { _ = try ZoneCache.read(name, root: root, maxFileBytes: ZoneCache.defaultMaxFileBytes); return nil } catch { return error.code }
        }
        #expect(read("America") == .unreadable) // a directory
        #expect(read("leapseconds") == .malformed) // text, not TZif
        #expect(read("right/America/New_York") == .unsupported)
        #expect(read("New_York", root: "/usr/share/zoneinfo/America/") == nil)
    }

    /// A zone name means the same on every host: names that are files on this host but
    /// not IANA names — the host's own zone, the compiler's rules, the leap-second and
    /// POSIX trees, directories — are refused (issue 13); IANA links are accepted.
    @Test func onlyIANANamesWhateverTheHostHas() {
        func code(_ name: String) -> TimeZoneError.Code? {
            do { _ = try ZoneCache().zone(named: name); return nil } catch { return error.code }
        }
        for name in [
            "localtime", "posixrules", "posix/Asia/Seoul", "right/Asia/Seoul", "Factory", "America",
            "leapseconds", "asia/seoul",
        ] {
            #expect(code(name) == .unknownZone, "\(name)")
        }
        for name in ["Asia/Seoul", "US/Eastern", "Asia/Calcutta", "Etc/UTC", "UTC", "GMT", "Z", "+09:00", "-0530"] {
            #expect(code(name) == nil, "\(name)")
        }
        #expect(ZoneName.iana.count > 500)
    }
}

@Suite struct TimeZoneCacheTests {
    @Test func preloadPublishesAndReportsFailures() throws {
        let cache = ZoneCache()
        #expect(cache.cachedZone(named: "Asia/Seoul") == nil)
        let errors = cache.preload(["Asia/Seoul", "America/New_York", "Nowhere/Land", "+09:00", "../x"])
        #expect(errors.map(\.code) == [.unknownZone, .invalidName])
        #expect(cache.cachedZone(named: "Asia/Seoul")?.offset(atUTC: 0) == 32_400)
        #expect(cache.cachedZone(named: "+09:00") != nil)
        #expect(cache.loadedZones.count == 3)
    }

    @Test func concurrentLookupsAgree() async throws {
        let cache = ZoneCache()
        let names = [
            "Asia/Seoul", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Europe/Berlin",
            "Asia/Tokyo", "America/Chicago", "America/Denver", "Europe/Paris", "Asia/Kolkata",
            "Pacific/Auckland", "America/Sao_Paulo", "Africa/Cairo", "Asia/Dubai", "Europe/Madrid",
            "America/Toronto", "Asia/Singapore", "Europe/Rome", "America/Mexico_City", "Asia/Shanghai",
        ]
        let expected = try names.map { try zone($0).offset(atUTC: 1_710_054_000) }
        let ok = await withTaskGroup(of: Bool.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for round in 0..<200 {
                        let i = (worker * 7 + round) % names.count
                        guard let z = try? cache.zone(named: names[i]),
                            z.offset(atUTC: 1_710_054_000) == expected[i]
                        else { return false }
                    }
                    return true
                }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        #expect(ok)
        #expect(cache.loadedZones.count == names.count)
        for name in names { #expect(cache.cachedZone(named: name) != nil) }
    }
}
