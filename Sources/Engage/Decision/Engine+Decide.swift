// The public ways to ask for a decision. The pipeline that answers them is
// `DecisionRun` (Decision/Pipeline/, mapped to the specification in docs/pipeline.md).

extension Engine {
    /// Decides for `request`.
    ///
    /// - Throws: ``DecisionError`` for a request the engine cannot answer (no set
    ///   loaded, unknown time zone, store failure). A campaign whose rule fails to
    ///   evaluate is skipped with `rule_error`, never fails the decision.
    public func decide(_ request: DecisionRequest) throws(DecisionError) -> Decision {
        let started = ContinuousClock.now
        guard let set = campaignSet else {
            metrics.failed()
            throw DecisionError(.noCampaignSet, path: "", "no campaign set is loaded")
        }
        var run: DecisionRun
        let decision: Decision
        do throws(DecisionError) {
            run = try DecisionRun(engine: self, set: set, request: request)
            decision = try run.execute()
        } catch {
            if let closed = failClosed(error, request: request, set: set, started: started) { return closed }
            metrics.failed()
            throw error
        }
        let elapsed = ContinuousClock.now - started
        let (seconds, attoseconds) = elapsed.components
        metrics.decided(
            reasons: run.reasonCounts,
            nanoseconds: seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000,
            recordedEvents: run.recordedEvent ? 1 : 0)
        return decision
    }

    /// Decides for a request given as JSON text, parsed within `limits` (default: the
    /// engine's ``requestLimits``, `limits.max_request_bytes` and `limits.max_depth`).
    public func decide(bytes: [UInt8], limits: JSONLimits? = nil) throws(DecisionError) -> Decision {
        let json: JSON
        do throws(JSONParseError) {
            json = try JSONParser.parse(bytes, limits: limits ?? requestLimits)
        } catch {
            metrics.failed()
            throw DecisionError(.invalidJSON, path: "", "\(error)")
        }
        return try decide(json: json)
    }

    /// Decides for a parsed request document.
    public func decide(json: JSON) throws(DecisionError) -> Decision {
        let request: DecisionRequest
        do throws(DecisionError) {
            request = try DecisionRequest(json: json)
        } catch {
            metrics.failed()
            throw error
        }
        return try decide(request)
    }

    /// Decides for `question` (a JSON object of request members) asked in `context`
    /// (``DecisionContext``): the decision for the context's members with the
    /// question's replacing those of the same name.
    public func decide(_ question: JSON, in context: DecisionContext) throws(DecisionError) -> Decision {
        let request: DecisionRequest
        do throws(DecisionError) {
            request = try context.request(question)
        } catch {
            metrics.failed()
            throw error
        }
        return try decide(request)
    }

    /// Hook for the C layer (`package`, not API): counts a request a host layer refused
    /// before it reached the engine (too big, not JSON), so `failed_requests` in
    /// ``stats()`` covers every failed call.
    package func countFailedRequest() { metrics.failed() }

    /// Like ``decide(_:)`` with `explain` set: every campaign's trace is returned.
    public func explain(_ request: DecisionRequest) throws(DecisionError) -> Decision {
        var r = request
        r.explain = true
        return try decide(r)
    }
}
