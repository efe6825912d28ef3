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
/// **Lookup.** Every key's hash is computed once, when the object is built; a lookup
/// compares hashes before bytes, and compiled rule paths bring their keys' hashes
/// precomputed. Small objects (up to ``linearLimit`` members, the common case for
/// request contexts and rule operands) are scanned; larger ones carry an open-addressing
/// table (probe sequences bounded; keys crafted to collide fall back to Swift's seeded
/// hashing). Copying is O(1).
public struct JSONObject: Sendable {
    /// Objects with more members than this get a hash index.
    static let linearLimit = 12


    final class _Storage: Sendable {
        let keys: [String]
        let values: [JSON]
        /// Each key's ``JSONObject/keyHash(_:)``, in member order: lookups compare
        /// hashes before bytes.
        let hashes: [UInt64]
        /// Large objects: an open-addressing table of member index + 1 (0 = empty),
        /// capacity a power of two at least twice the member count; nil when small, or
        /// when keys collide so much that probing would be slow (then `fallback`).
        let slots: [Int32]?
        /// Large objects whose keys defeat the table (crafted collisions): Swift's
        /// seeded hashing instead.
        let fallback: [_ByteKey: Int]?

        init(keys: [String], values: [JSON], hashes: [UInt64], slots: [Int32]?, fallback: [_ByteKey: Int]?) {
            self.keys = keys
            self.values = values
            self.hashes = hashes
            self.slots = slots
            self.fallback = fallback
        }

        /// Builds the lookup structure for keys known to be distinct.
        convenience init(distinctKeys keys: [String], values: [JSON], hashes: [UInt64]) {
            if keys.count > JSONObject.linearLimit {
                if case .table(let slots) = JSONObject.table(keys, hashes) {
                    self.init(keys: keys, values: values, hashes: hashes, slots: slots, fallback: nil)
                } else {
                    self.init(keys: keys, values: values, hashes: hashes, slots: nil,
                              fallback: _Storage.seededIndex(keys))
                }
            } else {
                self.init(keys: keys, values: values, hashes: hashes, slots: nil, fallback: nil)
            }
        }

        static func seededIndex(_ keys: [String]) -> [_ByteKey: Int] {
            var index = [_ByteKey: Int](minimumCapacity: keys.count)
            for (i, k) in keys.enumerated() { index[_ByteKey(k)] = i }
            return index
        }
    }

    /// Longest probe sequence the table accepts; beyond it the object falls back to
    /// seeded hashing, so crafted keys cannot make lookups or construction quadratic.
    static let maxProbe = 32

    /// FNV-1a over the key's UTF-8, with a final avalanche: fast for the short keys of
    /// requests and rules. Not seeded — `maxProbe` bounds what collisions can cost.
    @inline(__always)
    static func keyHash(_ key: String) -> UInt64 {
        var utf8 = key
        return utf8.withUTF8 { bytes in
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h ^= h >> 29
            h = h &* 0xbf58_476d_1ce4_e5b9
            return h ^ (h >> 32)
        }
    }

    /// What building a table found.
    enum TableBuild {
        case table([Int32])
        /// Two members share a key (by bytes).
        case duplicate
        /// Some probe sequence would exceed `maxProbe`.
        case collisions
    }

    /// The open-addressing table for `keys` with `hashes`.
    static func table(_ keys: [String], _ hashes: [UInt64]) -> TableBuild {
        guard hashes.count < Int(Int32.max) / 4 else { return .collisions }
        var capacity = 16
        while capacity < hashes.count * 2 { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: 0, count: capacity)
        for (i, h) in hashes.enumerated() {
            var s = Int(truncatingIfNeeded: h) & mask
            var probes = 0
            while slots[s] != 0 {
                let m = Int(slots[s]) - 1
                if hashes[m] == h, _ByteKey.equal(keys[m], keys[i]) { return .duplicate }
                probes += 1
                if probes > maxProbe { return .collisions }
                s = (s + 1) & mask
            }
            slots[s] = Int32(i + 1)
        }
        return .table(slots)
    }

    let _storage: _Storage

    private static let emptyStorage = _Storage(keys: [], values: [], hashes: [], slots: nil, fallback: nil)

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
        let hashes = keys.map(JSONObject.keyHash)
        // Duplicates are rare: find them by hash (bytes only on a hash match), and only
        // then rebuild.
        var dup = false
        if keys.count <= JSONObject.linearLimit {
            outer: for i in 1..<keys.count {
                for j in 0..<i where hashes[j] == hashes[i] && _ByteKey.equal(keys[j], keys[i]) {
                    dup = true
                    break outer
                }
            }
        } else {
            // One pass builds the table and finds duplicates.
            switch JSONObject.table(keys, hashes) {
            case .table(let slots):
                _storage = _Storage(keys: keys, values: values, hashes: hashes, slots: slots, fallback: nil)
                return
            case .duplicate:
                dup = true
            case .collisions:
                var seen = [_ByteKey: Int](minimumCapacity: keys.count)
                for (i, k) in keys.enumerated() where seen.updateValue(i, forKey: _ByteKey(k)) != nil {
                    dup = true
                    break
                }
                if !dup {
                    _storage = _Storage(keys: keys, values: values, hashes: hashes, slots: nil, fallback: seen)
                    return
                }
            }
        }
        if !dup {
            _storage = _Storage(distinctKeys: keys, values: values, hashes: hashes)
            return
        }
        var position: [_ByteKey: Int] = [:]
        var k2: [String] = []
        var v2: [JSON] = []
        var h2: [UInt64] = []
        for (i, k) in keys.enumerated() {
            if let p = position[_ByteKey(k)] {
                v2[p] = values[i]
            } else {
                position[_ByteKey(k)] = k2.count
                k2.append(k)
                v2.append(values[i])
                h2.append(hashes[i])
            }
        }
        _storage = _Storage(distinctKeys: k2, values: v2, hashes: h2)
    }

    /// An object with `template`'s keys, in its order, and `values` (one per key): the
    /// keys' hashes and lookup table are shared, not rebuilt — for many objects of one
    /// shape (the hourly events a behaviour series reads back). Falls back to a fresh
    /// object when the counts differ.
    init(sharingKeysOf template: JSONObject, values: [JSON]) {
        let t = template._storage
        if values.count == t.keys.count {
            self.init(storage: _Storage(keys: t.keys, values: values, hashes: t.hashes, slots: t.slots, fallback: t.fallback))
        } else {
            var padded = Array(values.prefix(t.keys.count))
            while padded.count < t.keys.count { padded.append(.null) }
            self.init(keys: t.keys, values: padded)
        }
    }

    private init(storage: _Storage) { _storage = storage }

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

    @inline(__always)
    func indexOf(_ key: String) -> Int? { indexOf(key, hash: JSONObject.keyHash(key)) }

    /// The member named `key`, whose ``JSONObject/keyHash(_:)`` is `hash` (compiled
    /// paths compute it once). `ascii`: the key is ASCII, so after equal hashes and
    /// UTF-8 lengths the standard library's `==` (identical small-string bits at once)
    /// decides byte equality — no ASCII text is canonically equivalent to any other
    /// byte sequence of its length.
    @inline(__always)
    func indexOf(_ key: String, hash: UInt64, ascii: Bool = false) -> Int? {
        @inline(__always) func same(_ i: Int) -> Bool {
            guard hashes[i] == hash else { return false }
            if ascii { return keys[i].utf8.count == key.utf8.count && keys[i] == key }
            return _ByteKey.equal(keys[i], key)
        }
        if let slots {
            let mask = slots.count - 1
            var s = Int(truncatingIfNeeded: hash) & mask
            var probes = 0
            while probes <= JSONObject.maxProbe {
                let m = Int(slots[s])
                if m == 0 { return nil }
                if same(m - 1) { return m - 1 }
                s = (s + 1) & mask
                probes += 1
            }
            return nil
        }
        if let fallback { return fallback[_ByteKey(key)] }
        var i = 0
        let n = hashes.count
        while i < n {
            if same(i) { return i }
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
            bu.withContiguousStorageIfAvailable { bb in bytesEqual(UnsafeRawBufferPointer(ab), UnsafeRawBufferPointer(bb)) }
        }
        if let outer = contiguous, let result = outer { return result }
        return au.elementsEqual(bu)
    }

    /// Byte equality of two buffers of the same length, eight bytes at a time.
    @inline(__always)
    static func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        var i = 0
        while i + 8 <= n {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i &+= 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i &+= 1
        }
        return true
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
