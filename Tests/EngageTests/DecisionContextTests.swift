import Testing

@testable import Engage

private let now: Int64 = 1_795_176_000_000

private let set = #"""
    {"version": 1, "default_time_zone": "UTC",
     "campaigns": [
      {"id": "plans", "purpose": "service", "status": "active", "placements": ["home"],
       "audience": {"==": [{"var": "user.plan"}, "LTE-S"]}, "channels": {"push": {"payload": {"t": "{{user.plan}} → 5G"}}}},
      {"id": "banner", "purpose": "service", "status": "active", "placements": ["banner"],
       "caps": [{"count": 1, "window": "1d"}], "channels": {"in_app": {"payload": {"t": "b"}}}},
      {"id": "on-view", "purpose": "service", "status": "active",
       "triggers": [{"event": "page_view", "filter": {"==": [{"var": "page"}, "/plans"]}}],
       "channels": {"push": {"payload": {"t": "v"}}}}
     ]}
    """#

private let user = #"""
    {"user_id": "u1", "time_zone": "Asia/Seoul", "channels": ["push"], "app": {"foreground": true},
     "consent": {"marketing": false}, "user": {"plan": "LTE-S", "tenure_months": 14}}
    """#

private func engine() throws -> Engine {
    let e = Engine(clock: { now })
    try e.load(json: JSONParser.parse(set))
    return e
}

private func selected(_ d: Decision) -> [String] { d.messages.map(\.campaignID) }

@Suite struct DecisionContextTests {
    /// The decision in a context is the decision for the merged request, for every kind
    /// of question (placements, events with properties, a replaced member).
    @Test(arguments: [
        #"{"placements": ["home"], "commit": false}"#,
        #"{"placements": ["home", "banner"], "k": 2, "commit": false, "explain": true}"#,
        #"{"event": {"name": "page_view", "properties": {"page": "/plans"}}, "commit": false}"#,
        #"{"placements": ["home"], "user": {"plan": "5G-M"}, "commit": false, "explain": true}"#,
    ])
    func equalsTheMergedRequest(question: String) throws {
        let e = try engine()
        let context = try DecisionContext(json: JSONParser.parse(user))
        let viaContext = try e.decide(JSONParser.parse(question), in: context)
        guard case .object(var merged) = try JSONParser.parse(user), case .object(let q) = try JSONParser.parse(question) else {
            Issue.record("fixtures are objects"); return
        }
        var pairs = Array(merged.map { ($0.key, $0.value) })
        for (k, v) in q {
            if let i = pairs.firstIndex(where: { $0.0 == k }) { pairs[i].1 = v } else { pairs.append((k, v)) }
        }
        merged = JSONObject(pairs)
        let direct = try e.decide(json: .object(merged))
        #expect(JSONSerializer.string(viaContext.json) == JSONSerializer.string(direct.json))
    }

    @Test func questionMembersReplaceTheContexts() throws {
        let e = try engine()
        let context = try DecisionContext(json: JSONParser.parse(user))
        #expect(selected(try e.decide(JSONParser.parse(#"{"placements": ["home"], "commit": false}"#), in: context)) == ["plans"])
        // The audience reads user.plan: replaced by the question, the campaign drops out.
        #expect(selected(try e.decide(JSONParser.parse(#"{"placements": ["home"], "user": {"plan": "5G-M"}}"#), in: context)) == [])
        // The context itself is unchanged by a question.
        #expect(context.members["user"]?["plan"] == .string("LTE-S"))
    }

    @Test func commitsThroughAContextCountAgainstCaps() throws {
        let e = try engine()
        let context = try DecisionContext(json: JSONParser.parse(user))
        let q = try JSONParser.parse(#"{"placements": ["banner"]}"#)
        #expect(selected(try e.decide(q, in: context)) == ["banner"])
        #expect(selected(try e.decide(q, in: context)) == [])
    }

    @Test func badContextsFailAtCreationWithThePath() throws {
        func problem(_ text: String) -> (String, String)? {
            do {
                _ = try DecisionContext(json: JSONParser.parse(text))
                return nil
            } catch let error as DecisionError {
                return (error.path, error.message)
            } catch { return ("?", "\(error)") }
        }
        #expect(problem(#"[1]"#)?.0 == "")
        #expect(problem(#"{"time_zone": "UTC"}"#)?.0 == "user_id")
        #expect(problem(#"{"user_id": ""}"#)?.0 == "user_id")
        #expect(problem(#"{"user_id": "u1", "channels": ["pigeon"]}"#)?.0 == "channels[0]")
        #expect(problem(#"{"user_id": "u1", "consent": 3}"#)?.0 == "consent")
        #expect(problem(#"{"user_id": "u1", "placements": 7}"#)?.0 == "placements")
        #expect(problem(#"{"user_id": "u1"}"#) == nil)
    }

    @Test func badQuestionsAreRequestErrors() throws {
        let e = try engine()
        let context = try DecisionContext(json: JSONParser.parse(#"{"user_id": "u1"}"#))
        for (question, path) in [
            (#"{"user_id": "u2", "placements": ["home"]}"#, "user_id"),
            (#"{"placements": ["home"], "k": 0}"#, "k"),
            (#"{}"#, ""), (#"[]"#, ""),
        ] {
            #expect(throws: DecisionError.self) { try e.decide(JSONParser.parse(question), in: context) }
            do {
                _ = try e.decide(JSONParser.parse(question), in: context)
            } catch let error as DecisionError {
                #expect(error.code == .invalidRequest && error.path == path, "\(question)")
            }
        }
        #expect(e.stats()["failed_requests"] == 8)
        #expect(e.stats()["decisions"] == 0)
    }

    /// A question reads only its own members over the context's (read once): for random
    /// contexts and questions, valid and not, the request — or the error, with its path
    /// and text — is the one a whole read of the merged document gives.
    @Test func aQuestionReadsAsTheMergedRequest() throws {
        let pool: [(String, [String])] = [
            ("time_zone", [#""Asia/Seoul""#, #""UTC""#, "7", "null"]),
            ("now", ["1795176000000", #""2026-11-20T10:00:00Z""#, #""soon""#, "null"]),
            ("event", [#"{"name": "page_view", "properties": {"page": "/plans"}}"#, #"{"name": "x"}"#, #"{"properties": {}}"#, "null", "3"]),
            ("placement", [#""home""#, #""""#, "1"]),
            ("placements", [#"["home"]"#, #"["banner", "home", "banner"]"#, "[]", #"[1]"#, "null", #""home""#]),
            ("k", ["1", "2", "0", "1.5", "null"]),
            ("channels", [#"["push"]"#, #"["sms", "email"]"#, #"["pager"]"#, "null", "{}"]),
            ("app", [#"{"foreground": true}"#, #"{"foreground": 1}"#, "{}", "null"]),
            ("consent", [#"{"marketing": true}"#, "false", "null"]),
            ("commit", ["false", "true", "0"]),
            ("record_event", ["false", #""no""#]),
            ("explain", ["true", "null"]),
            ("user", [#"{"plan": "LTE-S"}"#, "[]"]),
            ("consnet", ["{}"]),
            ("user_id", [#""u2""#]),
        ]
        var rng = SeededGenerator(seed: 15)
        func document(_ members: Int, withUser: Bool) -> String {
            var parts: [String] = withUser ? [#""user_id": "u1""#] : []
            var used = Set<String>()
            for _ in 0..<members {
                let (key, values) = pool[Int(rng.next() % UInt64(pool.count))]
                if key == "user_id" || !used.insert(key).inserted { continue }
                parts.append("\"\(key)\": \(values[Int(rng.next() % UInt64(values.count))])")
            }
            return "{" + parts.joined(separator: ", ") + "}"
        }
        func outcome(_ body: () throws(DecisionError) -> DecisionRequest) -> String {
            do throws(DecisionError) {
                let r = try body()
                return [
                    r.userID, "\(r.now as Any)", "\(r.timeZone as Any)", "\(r.eventName as Any)", JSONSerializer.string(r.eventProperties),
                    "\(r.placements)", "\(r.k)", "\(r.reachableMask as Any)", "\(r.foreground)", JSONSerializer.string(r.consent),
                    "\(r.commit) \(r.recordEvent) \(r.explain)", JSONSerializer.string(r.data),
                ].joined(separator: " | ")
            } catch {
                return "error \(error.code) \(error.path): \(error.message)"
            }
        }
        var compared = 0, refused = 0
        for round in 0..<3_000 {
            let contextText = document(Int(rng.next() % 6), withUser: true)
            guard let context = try? DecisionContext(json: JSONParser.parse(contextText)) else { continue }
            let questionText = round % 50 == 0 ? "{}" : document(1 + Int(rng.next() % 4), withUser: round % 97 == 0)
            guard case .object(let c) = try JSONParser.parse(contextText), case .object(let q) = try JSONParser.parse(questionText) else {
                Issue.record("fixtures are objects"); return
            }
            var pairs = Array(c.map { ($0.key, $0.value) })
            for (k, v) in q {
                if let i = pairs.firstIndex(where: { $0.0 == k }) { pairs[i].1 = v } else { pairs.append((k, v)) }
            }
            let merged = JSON.object(JSONObject(pairs))
            let viaContext = outcome { () throws(DecisionError) in try context.request(.object(q)) }
            let whole = q["user_id"] != nil ? viaContext : outcome { () throws(DecisionError) in try DecisionRequest(json: merged) }
            #expect(viaContext == whole, "context \(contextText) question \(questionText)")
            compared += 1
            if viaContext.hasPrefix("error") { refused += 1 }
        }
        #expect(compared > 1_000 && refused > 100 && refused < compared - 100)
    }
}
