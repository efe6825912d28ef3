/// One exposure record: a message shown (group `treatment`) or a holdout/control
/// assignment, as the decision's commit queues it in the ``ExposureLog``.
///
/// Written straight as JSON text, member by member, in the order and with the escaping
/// `JSONSerializer` gives the object
/// `{"user_id", "time", "campaign", "group", "variant"?, "channel"?, "placement"?, "event"?}`
/// (docs/decisions.md, "Exposure log and metrics"; schema/exposure.schema.json): no
/// value tree is built per record.
struct ExposureRecord {
    var userID: String
    /// The decision's time, milliseconds since the epoch.
    var time: Int64
    var campaignID: String
    /// `.selected` (written `treatment`), `.holdout` or `.control`.
    var group: ReasonCode
    var variant: String?
    /// Nil for a holdout or control assignment.
    var channel: Channel?
    var placement: String?
    /// The request's event, when it carried one.
    var event: String?

    /// Appends the record's compact JSON text to `out`, in one copy (``JSONTextCursor``).
    func write(into out: inout [UInt8]) {
        JSONSerializer.writeChunked(into: &out) { w in
            w.member(#"{"user_id":"#, userID)
            w.literal(#","time":"#)
            w.number(Double(time))
            w.member(#","campaign":"#, campaignID)
            if group == .selected {
                w.literal(#","group":"treatment""#)
            } else {
                w.member(#","group":"#, group.rawValue)
            }
            w.member(#","variant":"#, variant)
            w.member(#","channel":"#, channel?.rawValue)
            w.member(#","placement":"#, placement)
            w.member(#","event":"#, event)
            w.literal("}")
        }
    }
}
