extension JSONSerializer {
    /// Appends `text`, already JSON (a key with its quotes and colon, punctuation), as
    /// is: what the writers that skip the value tree (``Decision/jsonBytes``, exposure
    /// records) use for their fixed parts.
    static func writeLiteral(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
