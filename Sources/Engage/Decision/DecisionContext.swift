/// One user's context, read once and asked many questions: a gateway that decides for
/// several placements or events of the same page view parses the user's document (id,
/// time zone, consent, channels, customer attributes — often most of a request's bytes)
/// once, then sends only the question (`{"event": …}`, `{"placements": […]}`).
///
/// A question's top-level members replace the context's members of the same name
/// (a shallow merge), so any request member may live in either; `user_id` belongs to
/// the context and a question cannot change it. The merged document is exactly the
/// request ``DecisionRequest/init(json:)`` would read, so a decision through a context
/// equals the decision for the merged request.
///
/// ```swift
/// let context = try DecisionContext(json: userDocument)      // parsed and checked once
/// let home = try engine.decide(context.request(JSON.parse(#"{"placements": ["home"]}"#)))
/// ```
///
/// A context is an immutable value: share it between threads freely.
public struct DecisionContext: Sendable {
    /// The user the context is for.
    public let userID: String
    /// The context's members, as sent.
    public let members: JSONObject

    /// Reads a context: a JSON object with `user_id` and any other request members.
    ///
    /// - Throws: ``DecisionError`` (`invalid_request`) naming the path of a member that
    ///   breaks the request format (checked now, so a bad context fails once, at
    ///   creation, not at every question).
    public init(json: JSON) throws(DecisionError) {
        guard case .object(let o) = json else {
            throw DecisionError(.invalidRequest, path: "", "a context is a JSON object, found \(json.typeName)")
        }
        guard o["user_id"] != nil else {
            throw DecisionError(.invalidRequest, path: "user_id", "required: a context is for one user")
        }
        // Check every member as a request would, with a stand-in question where the
        // context has none (a context need not name an event or placement).
        let hasQuestion =
            o["event"].map { !$0.isNull } ?? false
            || o["placement"].map { !$0.isNull } ?? false
            || o["placements"].map { !$0.isNull } ?? false
        let probe = try DecisionRequest(
            members: { key in
                if !hasQuestion, key == "placements" { return .array([.string("_")]) }
                return o[key]
            }, data: json)
        userID = probe.userID
        members = o
        base = probe
        placementsUnread = !hasQuestion
    }

    /// The context's members as read (checked once); a question reads only its own
    /// members over them (``DecisionRequest/merging(_:members:data:placementsUnread:)``).
    private let base: DecisionRequest
    /// The base's placements are the stand-in of a context without a question.
    private let placementsUnread: Bool

    /// The request for `question` (a JSON object) asked in this context.
    ///
    /// - Throws: ``DecisionError`` (`invalid_request`) for a question that is not an
    ///   object, that sets `user_id`, or whose merge breaks the request format.
    public func request(_ question: JSON) throws(DecisionError) -> DecisionRequest {
        guard case .object(let q) = question else {
            throw DecisionError(.invalidRequest, path: "", "a question is a JSON object, found \(question.typeName)")
        }
        if q["user_id"] != nil {
            throw DecisionError(.invalidRequest, path: "user_id", "set by the context; a question cannot change it")
        }
        if q.isEmpty {
            let members = self.members
            return try base.merging(q, members: { members[$0] }, data: .object(members), placementsUnread: placementsUnread)
        }
        var keys = members.keys
        var values = members.values
        for (key, value) in q {
            if let i = keys.firstIndex(where: { $0.utf8.elementsEqual(key.utf8) }) {
                values[i] = value
            } else {
                keys.append(key)
                values.append(value)
            }
        }
        let merged = JSONObject(keys: keys, values: values)
        return try base.merging(q, members: { merged[$0] }, data: .object(merged), placementsUnread: placementsUnread)
    }
}
