// References between the parts of a set: campaign ids named by journey operators, tags
// named by tag caps, exclusion groups, and event and property names. They are noted
// while the document is read (the path kept as components, rendered only for a finding)
// and checked once it is all read, when every id and tag is known.
//
// Errors: a campaign id or a tag cap's tag that nothing in the set carries; with an
// `events` vocabulary, an event or property it does not list. Warnings (the load still
// succeeds): without a vocabulary, an event or property name used only once that is a
// near miss of another the set uses; an exclusion group only one campaign has that is a
// near miss of another group. Every "did you mean" search draws on one work budget.

/// What the reader notes while reading and checks at the end.
struct ReferenceLedger {
    enum Kind: Equatable {
        case campaign, tag, group, event
        case property(event: String)
    }

    struct Pending {
        let kind: Kind
        let name: String
        /// The reader's path when noted, and the rule's own path after it.
        let prefix: [CampaignSetReader.Component]
        let suffix: String
    }

    var pending: [Pending] = []
    /// Whether the campaigns were read (not refused whole: not an array, too many), so
    /// their ids, tags and groups are known.
    var campaignsRead = false
    /// Campaign ids and tags, in document order (suggestions come out deterministic).
    var campaignIDs: [String] = []
    var campaignIDSet: Set<String> = []
    var tags: [String] = []
    var tagSet: Set<String> = []
    /// The `events` member: event names in document order and each event's properties.
    var vocabulary: [String: [String]]?
    var vocabularyEvents: [String] = []
    /// Events of the vocabulary whose property list is malformed (already a problem):
    /// known events, but their properties are not checked.
    var unreadEvents: Set<String> = []
    /// Edit-distance work left for suggestions over the whole set (see
    /// ``CampaignSetReader/closest(to:in:work:)``).
    var suggestionWork = ReferenceLedger.suggestionBudget

    /// About 50 ms of comparisons in a debug build.
    static let suggestionBudget = 4_000_000

    mutating func addCampaignID(_ id: String) {
        if campaignIDSet.insert(id).inserted { campaignIDs.append(id) }
    }

    mutating func addTags(_ list: [String]) {
        for t in list where tagSet.insert(t).inserted { tags.append(t) }
    }
}

extension CampaignSetReader {
    // MARK: - Noting

    /// Notes `name` (a `kind` of reference) at the current path.
    mutating func noteReference(_ kind: ReferenceLedger.Kind, _ name: String, suffix: String = "") {
        references.pending.append(.init(kind: kind, name: name, prefix: path, suffix: suffix))
    }

    /// Notes the constant campaign, event and property names `rule` uses, at the current
    /// path; `eventScope` is the event whose properties are the rule's data (a filter's).
    mutating func noteReferences(in rule: Rule?, eventScope: String? = nil) {
        guard let rule else { return }
        var found: [RuleReference] = []
        RuleReference.collect(rule.root, eventScope: eventScope, into: &found)
        for r in found {
            switch r.kind {
            case .campaign: noteReference(.campaign, r.name, suffix: r.path)
            case .event: noteReference(.event, r.name, suffix: r.path)
            case .property(let e): noteReference(.property(event: e), r.name, suffix: r.path)
            }
        }
    }

    /// Notes the references of every segment's rule (their paths start at the root).
    mutating func noteSegmentReferences() {
        let table = compileOptions.segments
        for name in table.names {
            guard let root = table.nodes[name] as? SegmentRoot else { continue }
            noteReferences(in: Rule(root: root.body))
        }
    }

    // MARK: - The vocabulary

    /// `"events": {"page_view": ["page", "referrer"], "app_open": []}`.
    mutating func eventVocabulary(_ v: JSON) -> [String: [String]]? {
        guard let o = object(v, "an object of event names, each with an array of property names") else { return nil }
        var out: [String: [String]] = [:]
        out.reserveCapacity(o.count)
        for (event, value) in o {
            at(event) { r in
                let n = event.utf8.count, limit = r.options.maxNameBytes
                guard n > 0, n <= limit else {
                    r.report(.outOfRange, "an event name is 1 to \(limit) bytes, found \(n)")
                    return
                }
                r.references.vocabularyEvents.append(event)
                guard let properties = r.names(value) else {
                    r.references.unreadEvents.insert(event)
                    return
                }
                out[event] = properties
            }
        }
        references.vocabulary = out
        return out
    }

    // MARK: - Checking

    /// Reports every reference that names nothing (errors), then the near misses
    /// (warnings). Call once, after the campaigns are read.
    mutating func checkReferences() {
        var eventUses: [String: Int] = [:], eventOrder: [String] = []
        var propertyUses: [String: [String: Int]] = [:], propertyOrder: [String: [String]] = [:]
        var groupUses: [String: Int] = [:], groupOrder: [String] = []
        var firstUse: [Int] = [] // indexes into `pending` of the names' first uses
        let pending = references.pending
        for (i, p) in pending.enumerated() {
            // With the campaigns unread (already a problem) their names are unknown.
            if !references.campaignsRead, p.kind == .campaign || p.kind == .tag { continue }
            switch p.kind {
            case .campaign:
                guard !references.campaignIDSet.contains(p.name) else { continue }
                reportMissing(p, .unknownReference, "unknown campaign", in: references.campaignIDs)
            case .tag:
                guard !references.tagSet.contains(p.name) else { continue }
                reportMissing(p, .unknownReference, "no campaign has the tag", in: references.tags)
            case .group:
                if groupUses[p.name, default: 0] == 0 { groupOrder.append(p.name); firstUse.append(i) }
                groupUses[p.name, default: 0] += 1
            case .event:
                if let vocabulary = references.vocabulary {
                    guard vocabulary[p.name] == nil, !references.unreadEvents.contains(p.name) else { continue }
                    reportMissing(p, .unknownEvent, "unknown event", in: references.vocabularyEvents)
                } else {
                    if eventUses[p.name, default: 0] == 0 { eventOrder.append(p.name); firstUse.append(i) }
                    eventUses[p.name, default: 0] += 1
                }
            case .property(let event):
                if let vocabulary = references.vocabulary {
                    // An undeclared event is reported where it is named.
                    guard let known = vocabulary[event], !known.contains(p.name) else { continue }
                    reportMissing(p, .unknownProperty, "event \(ErrorText.quoted(event)) has no property", in: known)
                } else {
                    if propertyUses[event]?[p.name] == nil { propertyOrder[event, default: []].append(p.name); firstUse.append(i) }
                    propertyUses[event, default: [:]][p.name, default: 0] += 1
                }
            }
        }
        // Near misses, in document order of the first uses.
        for i in firstUse {
            let p = pending[i]
            switch p.kind {
            case .group where groupUses[p.name] == 1:
                warnNearMiss(
                    p, .unknownReference, "exclusion group \(ErrorText.quoted(p.name)) has no other campaign",
                    in: groupOrder)
            case .event where eventUses[p.name] == 1:
                warnNearMiss(p, .unknownEvent, "event \(ErrorText.quoted(p.name)) is used only here", in: eventOrder)
            case .property(let event) where propertyUses[event]?[p.name] == 1:
                warnNearMiss(
                    p, .unknownProperty,
                    "property \(ErrorText.quoted(p.name)) of event \(ErrorText.quoted(event)) is read only here",
                    in: propertyOrder[event] ?? [])
            default: break
            }
        }
        // Without a vocabulary no event name can be checked: say so once, naming them.
        if references.vocabulary == nil, !eventOrder.isEmpty {
            warnUnchecked(eventOrder)
        }
    }

    /// One warning at `events` listing the event names a set without a vocabulary uses
    /// (the first 8, each cut to a short name): they load, and nothing checks them.
    private mutating func warnUnchecked(_ events: [String]) {
        guard warnings.count < options.maxProblems else {
            warningsTruncated = true
            return
        }
        let shown = events.prefix(8).map { ErrorText.quoted($0) }.joined(separator: ", ")
        let more = events.count > 8 ? " and \(events.count - 8) more" : ""
        let message =
            "no \"events\" vocabulary, so the \(events.count) event name\(events.count == 1 ? "" : "s") used (\(shown)\(more)) and their properties are not checked; declare them to make a misspelt name a load error"
        at(prefix: []) { r in
            r.warnings.append(CampaignSetError(path: "events", code: .unknownEvent, message: message))
        }
    }

    /// An error at `p`: `unknown campaign "onb-9" (did you mean "onb-2"?)`.
    private mutating func reportMissing(
        _ p: ReferenceLedger.Pending, _ code: CampaignSetError.Code,
        _ what: String, in known: [String]
    ) {
        var message = ""
        if hasRoom {
            message = "\(what) \(ErrorText.quoted(p.name))"
            if let guess = Self.closest(to: p.name, in: known, work: &references.suggestionWork) {
                message += " (did you mean \(ErrorText.quoted(guess))?)"
            }
        }
        at(prefix: p.prefix) { $0.report(code, message, suffix: p.suffix) }
    }

    /// A warning at `p` when another name of `known` is within two edits of it.
    private mutating func warnNearMiss(
        _ p: ReferenceLedger.Pending, _ code: CampaignSetError.Code,
        _ what: String, in known: [String]
    ) {
        guard warnings.count < options.maxProblems, references.suggestionWork > 0 else {
            warningsTruncated = true
            return
        }
        guard let guess = Self.closest(to: p.name, in: known, work: &references.suggestionWork) else {
            if references.suggestionWork <= 0 { warningsTruncated = true }
            return
        }
        let message = "\(what) (did you mean \(ErrorText.quoted(guess))?)"
        at(prefix: p.prefix) { r in
            r.warnings.append(CampaignSetError(path: r.renderedPath(p.suffix), code: code, message: message))
        }
    }

    /// Runs `body` with the path set to `prefix` (a noted reference's).
    private mutating func at(prefix: [Component], _ body: (inout CampaignSetReader) -> Void) {
        let saved = path
        path = prefix
        body(&self)
        path = saved
    }
}
