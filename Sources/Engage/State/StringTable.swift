/// Strings shared by the users of one store: a record's campaign ids, scopes, event
/// names and property values are replaced, before the record is applied, by an equal
/// string the table already holds, so thousands of users who saw the same campaign hold
/// one copy of its id rather than one each.
///
/// Only strings stored out of line are shared (more than 15 UTF-8 bytes: shorter ones
/// live inside the value and cost nothing to repeat), and only when their bytes are the
/// same (not merely canonically equivalent: what is read back is what was recorded).
/// The table is bounded (``capacity``); once full, new strings are kept as given — each
/// user then holds its own copy, as without a table, and nothing else changes.
struct StringTable {
    /// At most this many strings are shared.
    static let capacity = 4_096

    private var strings: Set<String> = []

    /// `s`, or the equal string already held.
    mutating func share(_ s: String) -> String {
        guard s.utf8.count > 15 else { return s }
        if let i = strings.firstIndex(of: s) {
            let held = strings[i]
            return held.utf8.elementsEqual(s.utf8) ? held : s
        }
        if strings.count < Self.capacity { strings.insert(s) }
        return s
    }

    /// `record` with its strings shared.
    mutating func share(_ record: StateRecord) -> StateRecord {
        switch record {
        case .impression(let i): return .impression(share(i))
        case .click(let id, let t): return .click(campaignID: share(id), time: t)
        case .dismissal(let id, let t): return .dismissal(campaignID: share(id), time: t)
        case .conversion(let id, let t): return .conversion(campaignID: share(id), time: t)
        case .conversation(let channel, let t): return .conversation(channel: share(channel), time: t)
        case .behaviour(var e):
            e.name = share(e.name)
            // Top-level keys and string values: what a behaviour series keeps. The object is
            // rebuilt only when it holds a string worth sharing.
            if case .object(let object) = e.properties,
                object.contains(where: { $0.key.utf8.count > 15 || ($0.value.stringValue?.utf8.count ?? 0) > 15 })
            {
                e.properties = .object(
                    JSONObject(
                        object.map { key, value in
                            if case .string(let s) = value { return (share(key), .string(share(s))) }
                            return (share(key), value)
                        }))
            }
            return .behaviour(e)
        }
    }

    /// `commit` with its strings shared.
    mutating func share(_ commit: StateCommit) -> StateCommit {
        var shared = commit
        for i in shared.records.indices { shared.records[i] = share(shared.records[i]) }
        for i in shared.impressions.indices { shared.impressions[i].impression = share(shared.impressions[i].impression) }
        return shared
    }

    private mutating func share(_ i: Impression) -> Impression {
        var shared = i
        shared.campaignID = share(i.campaignID)
        shared.channel = share(i.channel)
        shared.purpose = share(i.purpose)
        for k in shared.tags.indices { shared.tags[k] = share(shared.tags[k]) }
        return shared
    }
}
