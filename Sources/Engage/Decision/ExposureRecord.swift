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

    /// Appends the record's compact JSON text to `out`.
    func write(into out: inout [UInt8]) {
        JSONSerializer.writeLiteral(#"{"user_id":"#, into: &out)
        JSONSerializer.writeString(userID, into: &out)
        JSONSerializer.writeLiteral(#","time":"#, into: &out)
        JSONSerializer.writeNumber(Double(time), into: &out)
        JSONSerializer.writeLiteral(#","campaign":"#, into: &out)
        JSONSerializer.writeString(campaignID, into: &out)
        if group == .selected {
            JSONSerializer.writeLiteral(#","group":"treatment""#, into: &out)
        } else {
            JSONSerializer.writeLiteral(#","group":"#, into: &out)
            JSONSerializer.writeString(group.rawValue, into: &out)
        }
        if let variant {
            JSONSerializer.writeLiteral(#","variant":"#, into: &out)
            JSONSerializer.writeString(variant, into: &out)
        }
        if let channel {
            JSONSerializer.writeLiteral(#","channel":"#, into: &out)
            JSONSerializer.writeString(channel.rawValue, into: &out)
        }
        if let placement {
            JSONSerializer.writeLiteral(#","placement":"#, into: &out)
            JSONSerializer.writeString(placement, into: &out)
        }
        if let event {
            JSONSerializer.writeLiteral(#","event":"#, into: &out)
            JSONSerializer.writeString(event, into: &out)
        }
        out.append(0x7D)
    }
}
