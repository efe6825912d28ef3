// Member lookup for compiled paths: a path key is known at compile time, so its hash is
// computed once (JSONObject.keyHash) and a lookup compares hashes before bytes. Object
// keys still compare by bytes, as JSONObject documents.

extension JSONObject {
    /// The value of the member named by `key`, or nil.
    @inline(__always)
    func member(_ key: PathKey) -> JSON? {
        let storage = _storage
        if let i = storage.indexOf(key.key, hash: key.hash, ascii: key.isASCII) { return storage.value(i) }
        return nil
    }
}
