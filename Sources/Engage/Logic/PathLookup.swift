// Member lookup for compiled paths. A path key is known at compile time, so whether it
// is ASCII is computed once; for an ASCII key, "same UTF-8 length and canonically
// equal" (the standard library's fast `==`) implies "byte-equal" — no non-ASCII
// sequence of the same byte length is canonically equivalent to ASCII text, because
// every non-ASCII scalar takes at least two bytes and decomposes to at most one ASCII
// scalar. Object keys therefore still compare by bytes, as JSONObject documents.

extension JSONObject {
    /// The value of the member named by `key`, or nil.
    @inline(__always)
    func member(_ key: PathKey) -> JSON? {
        let storage = _storage
        if storage.index != nil { return self[key.key] }
        guard key.isASCII else { return self[key.key] }
        let keys = storage.keys
        let length = key.utf8Count
        var i = 0
        let n = keys.count
        while i < n {
            let k = keys[i]
            if k.utf8.count == length, k == key.key { return storage.values[i] }
            i &+= 1
        }
        return nil
    }
}
