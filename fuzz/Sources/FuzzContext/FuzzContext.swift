// libFuzzer target for decision contexts (DecisionContext, docs/decisions.md
// "Contexts"): a user's document read once, then asked a question, against
// examples/campaigns/telco-full.json in an in-memory engine with a fixed clock.
//
// Input: the context's JSON text, a newline, the question's (no newline, or nothing
// after it: the question is `{}`); or a structured edit of a seed pair (FuzzSupport's
// SeedSet: the first byte ≥ 0xF0), whose nodes run through the context, then the
// question. The seeds are the example requests split as a gateway would: the user's
// members in the context, the event, placements and flags in the question.
//
// The question is decided in the context (committing unless it says otherwise), then
// explained; the user's state is erased afterwards.
//
// Findings: a crash, trap or sanitizer report; a timeout; an error path or message over
// 4 KiB; a store error.
import Engage
import FuzzSupport

/// The members a question carries; the rest of a request is the user's context.
private let questionMembers: Set<String> = ["event", "placement", "placements", "k", "commit", "explain", "now"]

private func split(_ request: JSON) -> [JSON] {
    guard case .object(let o) = request else { return [request, [:]] }
    return [
        .object(JSONObject(o.filter { !questionMembers.contains($0.key) }.map { ($0.key, $0.value) })),
        .object(JSONObject(o.filter { questionMembers.contains($0.key) }.map { ($0.key, $0.value) })),
    ]
}

private let seeds = SeedSet(
    [
        "app-open-onboarding.json", "control-group-banner.json", "explain-agent-handoff.json",
        "home-screen-slate.json", "plan-page-view.json",
    ].map { split(Seeds.parse(Seeds.example("requests/" + $0))) } + [
        // docs/decisions.md's context and question.
        [
            Seeds.parse(
                #"{"user_id": "u42", "time_zone": "Asia/Seoul", "consent": {"marketing": true}, "channels": ["push"], "app": {"foreground": true}, "user": {"plan": "LTE-S"}}"#
            ),
            Seeds.parse(#"{"placements": ["app_home_popup"], "commit": false}"#),
        ],
        // A context that names its own question, asked an empty one.
        [Seeds.parse(Seeds.example("requests/plan-page-view.json")), Seeds.parse("{}")],
    ])

private let engine = FuzzEngine()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContext(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let docs = seeds.documents(data, size, count: 2)
    guard let contextJSON = Check.parse(docs[0], FuzzEngine.requestLimits, "context") else { return 0 }
    let context: DecisionContext
    do throws(DecisionError) {
        context = try DecisionContext(json: contextJSON)
    } catch {
        Check.error(error, "context")
        return 0
    }
    let question: JSON
    if docs[1].isEmpty {
        question = [:]
    } else {
        guard let q = Check.parse(docs[1], FuzzEngine.requestLimits, "question") else { return 0 }
        question = q
    }
    engine.decide(question, in: context, "decide in the context")
    do throws(DecisionError) {
        engine.explain(try context.request(question), "explain in the context")
    } catch {
        Check.error(error, "question")
    }
    engine.forget([context.userID])
    return 0
}
