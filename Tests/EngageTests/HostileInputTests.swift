import Testing

@testable import Engage

// Issue 13: each class of defect a hostile-input run found — a trap from a config
// number, exponential load through segments in iterator bodies, error texts that echo
// the input, work after the problem cap, times that disagree between readers, zone
// names that depend on the host — pinned here at the reader where it enters.

private func json(_ text: String) throws -> JSON { try JSONParser.parse(text) }

private func configProblem(_ text: String) throws -> EngineConfig.Problem? {
    switch EngineConfig.read(try json(text)) {
    case .success: return nil
    case .failure(let p): return p
    }
}

/// Every text an error carries is at most 4 KiB.
private func isShort(_ texts: String...) -> Bool {
    texts.allSatisfy { $0.utf8.count <= ErrorText.maxBytes }
}

/// The DecisionError `body` throws; nil when it returns (or throws something else).
private func decisionError(_ body: () throws -> Void) -> DecisionError? {
    do { try body(); return nil } catch { return error as? DecisionError }
}

private let simpleCampaign = #"{"id": "c1", "purpose": "service", "status": "active", "placements": ["home"], "channels": {"push": {"payload": {"t": "x"}}}}"#

@Suite struct ConfigNumberTests {
    /// `abs(Int.min)` in the config reader killed the host (SIGILL).
    @Test func fixedClockExtremesAreErrorsNamingTheField() throws {
        for v in [
            "-9223372036854775808", "9223372036854775807", "-9223372036854775809", "9223372036854775808",
            "1e308", "-1e308", "0.5", "253402300800000", "-62167219200001", "\"0\"", "true", "[]",
        ] {
            let p = try configProblem(#"{"defaults": {"fixed_clock_ms": \#(v)}}"#)
            #expect(p?.path == "defaults.fixed_clock_ms", "\(v)")
        }
        for v in ["0", "-0", "1795176000000", "253402300799999", "-62167219200000", "null"] {
            #expect(try configProblem(#"{"defaults": {"fixed_clock_ms": \#(v)}}"#) == nil, "\(v)")
        }
        guard case .success(let c) = EngineConfig.read(try json(#"{"defaults": {"fixed_clock_ms": 253402300799999}}"#)) else {
            Issue.record("the latest instant is a valid clock")
            return
        }
        #expect(c.fixedClock == Instant.latest)
    }

    @Test func everyNumericMemberRefusesExtremesByName() throws {
        let members: [(String, String)] = [
            ("limits.max_request_bytes", #"{"limits": {"max_request_bytes": X}}"#),
            ("limits.max_depth", #"{"limits": {"max_depth": X}}"#),
            ("store.cache_users", #"{"store": {"kind": "sqlite", "path": "/tmp/x.db", "cache_users": X}}"#),
            ("store.cache_ttl_ms", #"{"store": {"kind": "sqlite", "path": "/tmp/x.db", "cache_ttl_ms": X}}"#),
        ]
        for (path, template) in members {
            for v in ["-9223372036854775808", "9223372036854775807", "1e308", "-1e308", "-1", "1.5"] {
                let p = try configProblem(template.replacingOccurrences("X", with: v))
                #expect(p?.path == path, "\(path) = \(v)")
            }
        }
    }

    @Test func longKeysAndValuesAreCut() throws {
        let long = String(repeating: "k", count: 65_536)
        for text in [
            #"{"\#(long)": 1}"#, #"{"limits": {"\#(long)": 1}}"#, #"{"store": {"kind": "\#(long)"}}"#,
            #"{"store": {"kind": "sqlite", "path": "/x", "sync": "\#(long)"}}"#,
            #"{"defaults": {"fixed_clock_ms": "\#(long)"}}"#,
        ] {
            let p = try #require(try configProblem(text))
            #expect(isShort(p.path, p.message) && p.path.utf8.count + p.message.utf8.count < 512, "\(p.path.prefix(80))")
        }
    }
}

/// Segments that each use the next twice, `levels` deep, referenced from `use`.
private func segmentDAG(levels: Int, use: String) -> String {
    var segments: [String] = []
    for i in 0..<levels {
        segments.append(#""s\#(i)": {"and": [{"segment": "s\#(i + 1)"}, {"segment": "s\#(i + 1)"}]}"#)
    }
    segments.append(#""s\#(levels)": {"!=": [{"var": "plan"}, "5G"]}"#)
    let campaign =
        #"{"id": "c1", "purpose": "service", "status": "active", "placements": ["home"], "audience": \#(use), "channels": {"push": {"payload": {"t": "x"}}}}"#
    return #"{"version": 1, "segments": {\#(segments.joined(separator: ", "))}, "campaigns": [\#(campaign)]}"#
}

@Suite struct SegmentDAGTests {
    /// Each level doubled the load inside an iterator body: 64 levels never finished.
    @Test func segmentsInIteratorBodiesLoadInLinearWork() throws {
        let bodies = [
            #"{"some": [{"var": "xs"}, {"segment": "s0"}]}"#,
            #"{"all": [{"var": "xs"}, {"segment": "s0"}]}"#,
            #"{"none": [{"var": "xs"}, {"segment": "s0"}]}"#,
            #"{"!!": [{"filter": [{"var": "xs"}, {"segment": "s0"}]}]}"#,
            #"{"!!": [{"map": [{"var": "xs"}, {"segment": "s0"}]}]}"#,
            #"{"reduce": [{"var": "xs"}, {"or": [{"var": "accumulator"}, {"segment": "s0"}]}, false]}"#,
            #"{"segment": "s0"}"#,
        ]
        for use in bodies {
            let set = try CompiledCampaignSet(text: segmentDAG(levels: 64, use: use))
            #expect(set.campaigns.count == 1)
        }
        // The work is a count of nodes (each segment compiled once) however deep.
        let options = CampaignSetOptions(maxCompileWork: 64 * 8 + 40)
        _ = try CompiledCampaignSet(text: segmentDAG(levels: 64, use: bodies[0]), options: options)
    }

    @Test func evaluationThroughTheDAGIsBoundedBySteps() throws {
        let engine = Engine(clock: { 1_795_176_000_000 })
        try engine.load(json: json(segmentDAG(levels: 64, use: #"{"some": [{"var": "xs"}, {"segment": "s0"}]}"#)))
        let d = try engine.decide(DecisionRequest(json: json(#"{"user_id": "u", "placement": "home", "explain": true, "context": {"xs": [1]}}"#)))
        #expect(d.messages.isEmpty) // the rule ran out of steps: the campaign is skipped, the host lives
    }

    @Test func compileWorkHasASetWideLimit() throws {
        var campaigns: [String] = []
        for i in 0..<20 {
            campaigns.append(
                #"{"id": "c\#(i)", "purpose": "service", "status": "active", "placements": ["home"], "audience": {"and": [{"==": [{"var": "a"}, 1]}, {"==": [{"var": "b"}, 2]}]}, "channels": {"push": {"payload": {"t": "x"}}}}"#
            )
        }
        let text = #"{"version": 1, "campaigns": [\#(campaigns.joined(separator: ","))]}"#
        _ = try CompiledCampaignSet(text: text, options: CampaignSetOptions(maxCompileWork: 20 * 7))
        do throws(CampaignSetLoadError) {
            _ = try CompiledCampaignSet(text: text, options: CampaignSetOptions(maxCompileWork: 20 * 7 - 1))
            Issue.record("a set over its compile work loaded")
        } catch {
            #expect(error.problems.contains { $0.code == .limitExceeded && $0.message.contains("compile work") })
        }
    }
}

@Suite struct ErrorTextTests {
    @Test func cutKeepsShortTextsAndCutsLongOnesAtACharacter() {
        #expect(ErrorText.name("short") == "short")
        let long = String(repeating: "é", count: 100) // 200 bytes, 2 per character
        let cut = ErrorText.name(long)
        #expect(cut.hasSuffix("…(200 bytes)"))
        #expect(cut.utf8.count < 64)
        #expect(!cut.contains("\u{FFFD}"))
        #expect(ErrorText.bounded(String(repeating: "x", count: 100_000)).utf8.count <= ErrorText.maxBytes)
    }

    /// A 64 KiB key or segment name came back whole in `path` and `message` (65 KB).
    @Test func campaignSetErrorsStayShortWhateverTheyQuote() throws {
        let long = String(repeating: "k", count: 65_536)
        let texts = [
            #"{"version": 1, "\#(long)": 1, "campaigns": []}"#,
            #"{"version": 1, "segments": {"\#(long)": true}, "campaigns": [\#(simpleCampaign)]}"#,
            #"{"version": 1, "segments": {"a": {"segment": "\#(long)"}}, "campaigns": []}"#,
            #"{"version": 1, "campaigns": [{"id": "\#(long)", "\#(long)": 1}]}"#,
            #"{"version": 1, "campaigns": [{"id": "c", "audience": {"\#(long)": []}}]}"#,
            #"{"version": 1, "campaigns": [{"id": "c", "audience": {"var": "a", "\#(long)": 1}}]}"#,
            #"{"version": 1, "default_time_zone": "\#(long)", "campaigns": []}"#,
            #"{"version": 1, "campaigns": [{"id": "c", "channels": {"\#(long)": {}}, "caps": [{"count": 1, "window": "1\#(long)"}]}]}"#,
            #"{"version": 1, "campaigns": [{"id": "c", "schedule": {"start": "\#(long)"}}]}"#,
            #"{"version": 1, "campaigns": [{"id": "c", "channels": {"push": {"payload": {"t": "{{\#(long)"}}}}]}"#,
        ]
        for text in texts {
            let found = problems(text)
            #expect(!found.isEmpty)
            for p in found {
                #expect(
                    isShort(p.path, p.message) && p.path.utf8.count + p.message.utf8.count < 1_024,
                    "\(p.path.prefix(60)): \(p.message.prefix(60))")
            }
        }
        #expect(problems(texts[0]).first?.path.hasSuffix("…(65536 bytes)") == true)
    }

    @Test func requestRecordAndContextErrorsStayShort() throws {
        let long = String(repeating: "v", count: 65_536)
        let engine = Engine(clock: { 1_795_176_000_000 })
        try engine.load(json: json(#"{"version": 1, "campaigns": [\#(simpleCampaign)]}"#))
        let requests = [
            #"{"user_id": "\#(long)"}"#, #"{"user_id": "u", "\#(long)": 1}"#, #"{"user_id": "u", "time_zone": "\#(long)"}"#,
            #"{"user_id": "u", "placement": "\#(long)"}"#, #"{"user_id": "u", "now": "\#(long)"}"#,
            #"{"user_id": "u", "channels": ["\#(long)"]}"#, #"{"user_id": "u", "event": {"name": "\#(long)"}}"#,
        ]
        for r in requests {
            let error = try #require(decisionError { _ = try engine.decide(json: json(r)) })
            #expect(isShort(error.path, error.message) && error.description.utf8.count < 1_024, "\(error.description.prefix(80))")
        }
        let records = [
            #"{"type": "\#(long)", "user_id": "u"}"#, #"{"type": "click", "user_id": "u", "campaign": "c1", "\#(long)": 1}"#,
            #"{"type": "impression", "user_id": "u", "campaign": "c1", "channel": "\#(long)"}"#,
            #"{"type": "event", "user_id": "u", "name": "\#(long)"}"#,
        ]
        for r in records {
            let error = try #require(decisionError { try engine.record(json: json(r)) })
            #expect(isShort(error.path, error.message) && error.description.utf8.count < 1_024, "\(error.description.prefix(80))")
        }
        for c in [
            #"{"user_id": "u", "placement": "\#(long)"}"#, #"{"user_id": "u", "now": "\#(long)"}"#,
            #"{"user_id": "u", "time_zone": "\#(long)"}"#,
        ] {
            let error = try #require(
                decisionError {
                    let ctx = try DecisionContext(json: json(c))
                    _ = try engine.decide(json(#"{"placement": "home"}"#), in: ctx)
                })
            #expect(isShort(error.path, error.message) && error.description.utf8.count < 1_024, "\(error.description.prefix(80))")
        }
    }
}

@Suite struct ProblemCapTests {
    /// 1M unknown keys: a message and an edit distance were built for each, long after
    /// the cap. Past the cap a problem is only counted.
    @Test func unknownKeysPastTheCapAreOnlyCounted() throws {
        var text = #"{"version": 1, "campaigns": [], "#
        for i in 0..<20_000 { text += #""unknown_key_\#(i)": 0, "# }
        text += #""last": 0}"#
        do throws(CampaignSetLoadError) {
            _ = try CompiledCampaignSet(text: text)
            Issue.record("loaded")
        } catch {
            #expect(error.problems.count == CampaignSetOptions.default.maxProblems)
            #expect(error.truncated)
            #expect(error.problems.allSatisfy { $0.code == .unknownField })
        }
        // Every key was a problem; only the first 100 cost a message (and a "did you
        // mean" edit distance), the rest a count.
        var reader = CampaignSetReader(options: .default)
        #expect(reader.read(try JSONParser.parse(text)) == nil)
        #expect(reader.problemCount == 20_001)
        #expect(reader.messagesBuilt == CampaignSetOptions.default.maxProblems)
    }
}

@Suite struct InstantRangeTests {
    private func engine() throws -> Engine {
        let e = Engine(clock: { 1_795_176_000_000 })
        try e.load(json: json(#"{"version": 1, "campaigns": [\#(simpleCampaign)]}"#))
        return e
    }

    /// Year 9999+ was accepted as `now`, then the commit failed with ENGAGE_STORE at a
    /// path that did not name `now`.
    @Test func requestNowOutsideTheRangeIsRefusedAtNow() throws {
        let e = try engine()
        for v in ["253402300800000", "-62167219200001", "9e15", "-9223372036854775808", "1e308", "0.5", "\"now\""] {
            let error = decisionError { _ = try e.decide(json: json(#"{"user_id": "u", "placement": "home", "now": \#(v)}"#)) }
            #expect(error?.code == .invalidRequest && error?.path == "now", "\(v): \(String(describing: error))")
        }
        for v in ["253402300799999", "-62167219200000", "0"] {
            let d = try e.decide(json: json(#"{"user_id": "u\#(v)", "placement": "home", "now": \#(v)}"#))
            #expect(d.messages.count == 1, "\(v)") // committed: the store keeps every accepted instant
        }
    }

    @Test func recordAndContextTimesShareTheRange() throws {
        let e = try engine()
        for v in ["253402300800000", "-62167219200001", "-9223372036854775808", "1e300"] {
            let recordError = decisionError { try e.record(json: json(#"{"type": "click", "user_id": "u", "campaign": "c1", "time": \#(v)}"#)) }
            #expect(recordError?.path == "time", "\(v)")
            do {
                _ = try InMemoryHistory(json: json(#"[{"name": "x", "time": \#(v)}]"#))
                Issue.record("history time = \(v) accepted")
            } catch let error as LogicError {
                #expect(error.path == "history[0].time", "\(v): \(error)")
            }
        }
        try e.record(json: json(#"{"type": "click", "user_id": "u", "campaign": "c1", "time": 253402300799999}"#))
        try e.record(json: json(#"{"type": "event", "user_id": "u", "name": "x", "time": -62167219200000}"#))
    }

    @Test func schedulesAndToolsShareTheRange() throws {
        let start = { (v: String) in
            problems(setJSON(campaigns: [campaignJSON("c1", #""schedule": {"start": \#(v)}"#)]))
        }
        #expect(start("253402300799999").isEmpty)
        #expect(start("-62167219200000").isEmpty)
        #expect(start("\"0000-01-01T00:00:00Z\"").isEmpty)
        #expect(start("253402300800000").first?.path == "campaigns[0].schedule.start")
        #expect(start("-62167219200001").first?.path == "campaigns[0].schedule.start")
        var problem = ""
        #expect(parseInstant("-9223372036854775808", problem: &problem) == nil && !problem.isEmpty)
        #expect(parseInstant("253402300799999", problem: &problem) == Instant.latest)
    }
}

@Suite struct ZoneMeaningTests {
    /// `localtime` resolved to the host's /etc/localtime: the same set decided
    /// differently on two hosts.
    @Test func hostDependentZoneNamesAreRefusedWhereTheyEnter() throws {
        for name in ["localtime", "posixrules", "right/Asia/Seoul", "posix/Asia/Seoul", "Factory"] {
            let p = problems(setJSON(campaigns: [campaignJSON()], #""default_time_zone": "\#(name)""#))
            #expect(p.first?.path == "default_time_zone" && p.first?.code == .unknownZone, "\(name)")
            let q = problems(setJSON(campaigns: [campaignJSON("c1", #""schedule": {"time_zone": "\#(name)"}"#)]))
            #expect(q.first?.path == "campaigns[0].schedule.time_zone", "\(name): \(q)")
            let r = problems(setJSON(campaigns: [campaignJSON("c1", #""audience": {"local_hour": ["\#(name)"]}"#)]))
            #expect(r.first?.path.hasPrefix("campaigns[0].audience") == true, "\(name): \(r)")
        }
        let e = Engine(clock: { 1_795_176_000_000 })
        try e.load(json: json(setJSON(campaigns: [campaignJSON()])))
        let error = decisionError { _ = try e.decide(json: json(#"{"user_id": "u", "placement": "home", "time_zone": "localtime"}"#)) }
        #expect(error?.path == "time_zone", "\(String(describing: error))")
    }
}

@Suite struct ContractGapTests {
    @Test func emptyVariantsAreInvalidWeights() {
        let p = problems(setJSON(campaigns: [campaignJSON("c1", #""variants": []"#)]))
        #expect(p.map(\.code) == [.invalidWeights])
        #expect(p.first?.path == "campaigns[0].variants")
    }

    @Test func rfc3339FractionsOfAnyLength() {
        for text in ["2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00.123456789012345678901234567890+09:00"] {
            var problem = ""
            #expect(parseInstant(text, problem: &problem) != nil, "\(text): \(problem)")
        }
        var problem = ""
        #expect(parseInstant("2026-01-01T00:00:00.9999999999Z", problem: &problem) == 1_767_225_600_999)
    }
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
