/// The members of a JSON object, in document order, immutable.
///
/// **Duplicate keys.** RFC 8259 leaves them to the implementation. libengage keeps one
/// member per key: the *last* value wins and the member stays at the position where the
/// key first appeared — what `JSON.parse` does in JavaScript, so a rule reads the same
/// value in every binding.
///
/// **Key equality is byte equality** of the keys' UTF-8, as in JavaScript, Go and
/// Python — not Swift's canonical equivalence: `"\u00e9"` (NFC) and `"e\u0301"` (NFD)
/// are two different members, so every binding sees the same members.
///
/// **Lookup.** Small objects (up to ``linearLimit`` members, the common case for request
/// contexts and rule operands) are searched linearly, which beats hashing at that size;
/// larger ones carry a hash index built once at construction. Copying is O(1).
public struct JSONObject: Sendable {
    /// Objects with more members than this get a hash index.
    static let linearLimit = 12


    final class _Storage: Sendable {
        let keys: [String]
        let values: [JSON]
        let index: [_ByteKey: Int]?

        init(keys: [String], values: [JSON]) {
            self.keys = keys
            self.values = values
            if keys.count > JSONObject.linearLimit {
                var index = [_ByteKey: Int](minimumCapacity: keys.count)
                for (i, k) in keys.enumerated() { index[_ByteKey(k)] = i }
                self.index = index
            } else {
                self.index = nil
            }
        }

        /// With an index already built (by the caller's duplicate check).
        init(keys: [String], values: [JSON], index: [_ByteKey: Int]) {
            self.keys = keys
            self.values = values
            self.index = index
        }
    }

    let _storage: _Storage

    private static let emptyStorage = _Storage(keys: [], values: [])

    /// An object with no members.
    public init() { _storage = JSONObject.emptyStorage }

    /// Builds an object from key/value pairs; for a repeated key the last value wins and
    /// the member keeps the position of the key's first appearance.
    public init(_ pairs: some Sequence<(String, JSON)>) {
        var keys: [String] = []
        var values: [JSON] = []
        for (k, v) in pairs {
            keys.append(k)
            values.append(v)
        }
        self.init(keys: keys, values: values)
    }

    /// Builds an object from parallel key and value arrays (equal lengths), resolving
    /// duplicate keys as described on the type.
    init(keys: [String], values: [JSON]) {
        if keys.isEmpty {
            _storage = JSONObject.emptyStorage
            return
        }
        // Duplicates are rare; detect them cheaply and only then rebuild.
        if keys.count <= JSONObject.linearLimit {
            var dup = false
            outer: for i in 1..<keys.count {
                for j in 0..<i where _ByteKey.equal(keys[j], keys[i]) {
                    dup = true
                    break outer
                }
            }
            if !dup {
                _storage = _Storage(keys: keys, values: values)
                return
            }
        } else {
            // One pass builds the index and finds duplicates (hashing each key once).
            var index = [_ByteKey: Int](minimumCapacity: keys.count)
            var dup = false
            for (i, k) in keys.enumerated() where index.updateValue(i, forKey: _ByteKey(k)) != nil {
                dup = true
                break
            }
            if !dup {
                _storage = _Storage(keys: keys, values: values, index: index)
                return
            }
        }
        var position: [_ByteKey: Int] = [:]
        var k2: [String] = []
        var v2: [JSON] = []
        for (i, k) in keys.enumerated() {
            if let p = position[_ByteKey(k)] {
                v2[p] = values[i]
            } else {
                position[_ByteKey(k)] = k2.count
                k2.append(k)
                v2.append(values[i])
            }
        }
        _storage = _Storage(keys: k2, values: v2)
    }

    /// The number of members.
    public var count: Int { _storage.keys.count }

    /// `true` when the object has no members.
    public var isEmpty: Bool { _storage.keys.isEmpty }

    /// The keys, in document order.
    public var keys: [String] { _storage.keys }

    /// The values, in the order of ``keys``.
    public var values: [JSON] { _storage.values }

    /// The value of the member named `key`, or `nil` when there is none.
    ///
    /// Complexity: O(count) for small objects, O(1) expected for large ones.

    public subscript(key: String) -> JSON? {
        if let i = _storage.indexOf(key) { return _storage.values[i] }
        return nil
    }

    /// `true` when the object has a member named `key` (even if its value is `null`).
    public func contains(_ key: String) -> Bool { _storage.indexOf(key) != nil }
}

extension JSONObject._Storage {

    func indexOf(_ key: String) -> Int? {
        if let index { return index[_ByteKey(key)] }
        var i = 0
        let n = keys.count
        while i < n {
            if _ByteKey.equal(keys[i], key) { return i }
            i &+= 1
        }
        return nil
    }
}

/// A string compared and hashed by its UTF-8 bytes (Swift's `String` uses canonical
/// equivalence, which would merge NFC and NFD spellings of a key).
struct _ByteKey: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    @inline(__always)
    static func equal(_ a: String, _ b: String) -> Bool {
        let au = a.utf8, bu = b.utf8
        guard au.count == bu.count else { return false }
        // Native strings expose contiguous UTF-8; bridged or shared ones fall back.
        let contiguous: Bool?? = au.withContiguousStorageIfAvailable { ab in
            bu.withContiguousStorageIfAvailable { bb in ab.elementsEqual(bb) }
        }
        if let outer = contiguous, let result = outer { return result }
        return au.elementsEqual(bu)
    }

    static func == (lhs: _ByteKey, rhs: _ByteKey) -> Bool { equal(lhs.string, rhs.string) }

    func hash(into hasher: inout Hasher) {
        let utf8 = string.utf8
        let done: Void? = utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(utf8).withUnsafeBytes { hasher.combine(bytes: $0) }
        }
        hasher.combine(utf8.count)
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        let storage: JSONObject._Storage
        var i = 0
        public mutating func next() -> (key: String, value: JSON)? {
            guard i < storage.keys.count else { return nil }
            defer { i += 1 }
            return (storage.keys[i], storage.values[i])
        }
    }

    public func makeIterator() -> Iterator { Iterator(storage: _storage) }
    public var underestimatedCount: Int { count }
}

extension JSONObject: Equatable {
    /// Same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if lhs._storage === rhs._storage { return true }
        guard lhs.count == rhs.count else { return false }
        for (k, v) in lhs {
            guard let w = rhs[k], v == w else { return false }
        }
        return true
    }
}
