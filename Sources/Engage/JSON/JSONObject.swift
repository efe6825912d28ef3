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
public struct JSONObject: @unchecked Sendable { // _Storage is immutable once built
    /// Objects with more members than this get a hash index.
    static let linearLimit = 12

    /// One member: its key, the key's ``JSONObject/keyHash(_:)`` (lookups compare
    /// hashes before bytes) and its value.
    struct _Member {
        let key: String
        let hash: UInt64
        /// `var` only for the parser, which pushes a member when its key is read and
        /// sets the value when it is complete; a built object never changes it.
        var value: JSON
    }

    struct _Header {
        var count: Int
        /// Large objects: the size of the open-addressing table of member index + 1
        /// (0 = empty) allocated after the members, a power of two at least twice the
        /// member count; 0 when small, or when keys collide so much that probing would
        /// be slow (then `fallback`).
        var slotCount: Int
        /// Large objects whose keys defeat the table (crafted collisions): Swift's
        /// seeded hashing instead.
        var fallback: [_ByteKey: Int]?
    }

    /// The members in one allocation (header, members and a large object's table
    /// tail-allocated): building an object costs one malloc, not one per array.
    /// Immutable once built (so the object is `Sendable`; ManagedBuffer itself is not).
    final class _Storage: ManagedBuffer<_Header, _Member> {
        deinit {
            // Member by member, so the compiler destroys each in line (deinitialize(count:)
            // goes through the runtime's generic array destroy).
            withUnsafeMutablePointers { header, members in
                for i in 0..<header.pointee.count { _ = (members + i).move() }
            }
        }

        /// An object of `count` members written by `fill` (which must initialise
        /// exactly `count`), with room for its lookup table but none built yet.
        static func make(count: Int, _ fill: (UnsafeMutablePointer<_Member>) -> Void) -> _Storage {
            let slots = JSONObject.slotCount(members: count)
            let stride = MemoryLayout<_Member>.stride
            let room = count + (slots * MemoryLayout<Int32>.stride + stride - 1) / stride
            let buffer = _Storage.create(minimumCapacity: room) { _ in _Header(count: 0, slotCount: 0, fallback: nil) }
            let storage = unsafeDowncast(buffer, to: _Storage.self)
            storage.withUnsafeMutablePointers { header, members in
                fill(members)
                header.pointee.count = count
                if slots > 0 {
                    UnsafeMutableRawPointer(members + count).bindMemory(to: Int32.self, capacity: slots)
                        .initialize(repeating: 0, count: slots)
                    header.pointee.slotCount = slots
                }
            }
            return storage
        }

        /// The table's slots (`header.slotCount` of them), after the `count` members.
        @inline(__always)
        static func slots(_ members: UnsafeMutablePointer<_Member>, count: Int) -> UnsafeMutablePointer<Int32> {
            UnsafeMutableRawPointer(members + count).assumingMemoryBound(to: Int32.self)
        }

        /// Through the header's pointer: `header` itself is a class property, checked
        /// for exclusive access at run time on every read.
        var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

        @inline(__always)
        func withMembers<R>(_ body: (UnsafeBufferPointer<_Member>) throws -> R) rethrows -> R {
            try withUnsafeMutablePointers { header, members in
                try body(UnsafeBufferPointer(start: members, count: header.pointee.count))
            }
        }

        @inline(__always) func key(_ i: Int) -> String { withMembers { $0[i].key } }
        @inline(__always) func value(_ i: Int) -> JSON { withMembers { $0[i].value } }

        /// Finds duplicate keys (by bytes) and, for large objects, builds the lookup
        /// table; false when two members share a key.
        func index() -> Bool {
            let n = count
            if n <= JSONObject.linearLimit {
                return withMembers { m in
                    for i in 1..<Swift.max(n, 1) {
                        for j in 0..<i where m[j].hash == m[i].hash && _ByteKey.equal(m[j].key, m[i].key) { return false }
                    }
                    return true
                }
            }
            let build: TableBuild = withUnsafeMutablePointers { header, members in
                let slotCount = header.pointee.slotCount
                guard slotCount > 0 else { return .collisions }
                return JSONObject.table(
                    UnsafeBufferPointer(start: members, count: n), into: _Storage.slots(members, count: n), slotCount: slotCount)
            }
            switch build {
            case .table:
                return true
            case .duplicate:
                return false
            case .collisions:
                withUnsafeMutablePointerToHeader { $0.pointee.slotCount = 0 }
                var seen = [_ByteKey: Int](minimumCapacity: n)
                let distinct = withMembers { m in
                    for i in 0..<n where seen.updateValue(i, forKey: _ByteKey(m[i].key)) != nil { return false }
                    return true
                }
                if distinct { withUnsafeMutablePointerToHeader { $0.pointee.fallback = seen } }
                return distinct
            }
        }
    }

    /// Longest probe sequence the table accepts; beyond it the object falls back to
    /// seeded hashing, so crafted keys cannot make lookups or construction quadratic.
    static let maxProbe = 32

    /// A hash of the key's UTF-8, eight bytes at a time, with a final avalanche: fast
    /// for the short keys of requests and rules. Not seeded — `maxProbe` bounds what
    /// collisions can cost. Never stored: only this process compares these hashes.
    @inline(__always)
    static func keyHash(_ key: String) -> UInt64 {
        var utf8 = key
        return utf8.withUTF8 { keyHash(UnsafeRawBufferPointer($0)) }
    }

    /// ``keyHash(_:)`` of a key given as its UTF-8 bytes (the parser hashes a key
    /// straight from the document).
    @inline(__always)
    static func keyHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { keyHash(bytes, readable: bytes.count) }

    /// ``keyHash(_:)`` of `bytes`, whose start the caller may read `readable` bytes
    /// from (at least `bytes.count`): a last partial word is loaded whole and masked
    /// when that stays within them.
    @inline(__always)
    static func keyHash(_ bytes: UnsafeRawBufferPointer, readable: Int) -> UInt64 {
        let n = bytes.count
        let k: UInt64 = 0xbf58_476d_1ce4_e5b9
        // Each step is a bijection of `h` for a given word, so keys of one length that
        // differ in one word never collide before the avalanche.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        while i &+ 8 <= n {
            h = (h ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))) &* k
            h ^= h >> 29
            i &+= 8
        }
        if i < n {
            var tail: UInt64 = 0
            if i &+ 8 <= readable, let start = bytes.baseAddress {
                let word = UInt64(littleEndian: (start + i).loadUnaligned(as: UInt64.self))
                tail = word & ((1 &<< UInt64(truncatingIfNeeded: (n &- i) &* 8)) &- 1)
            } else {
                var shift: UInt64 = 0
                while i < n {
                    tail |= UInt64(bytes[i]) &<< shift
                    shift &+= 8
                    i &+= 1
                }
            }
            h = (h ^ tail) &* k
        }
        h ^= h >> 32
        h = h &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 29)
    }

    /// What building a table found.
    enum TableBuild {
        case table
        /// Two members share a key (by bytes).
        case duplicate
        /// Some probe sequence would exceed `maxProbe`.
        case collisions
    }

    /// The table for `keys` with the given `hashes` (tests choose colliding hashes).
    static func table(_ keys: [String], _ hashes: [UInt64]) -> TableBuild {
        let members = zip(keys, hashes).map { _Member(key: $0, hash: $1, value: .null) }
        let slotCount = JSONObject.slotCount(members: Swift.max(members.count, linearLimit + 1))
        var slots = [Int32](repeating: 0, count: slotCount)
        return members.withUnsafeBufferPointer { m in
            slots.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return .collisions }
                return table(m, into: base, slotCount: slotCount)
            }
        }
    }

    /// The size of the lookup table of an object of `members` members: 0 (none) up to
    /// ``linearLimit``, else a power of two at least twice the count.
    static func slotCount(members: Int) -> Int {
        guard members > linearLimit, members < Int(Int32.max) / 4 else { return 0 }
        var capacity = 16
        while capacity < members * 2 { capacity <<= 1 }
        return capacity
    }

    /// Fills the open-addressing table for `members`: `slotCount` zeroed slots (a power
    /// of two) at `slots`.
    static func table(_ members: UnsafeBufferPointer<_Member>, into slots: UnsafeMutablePointer<Int32>, slotCount: Int) -> TableBuild {
        let mask = slotCount - 1
        for i in 0..<members.count {
            let h = members[i].hash
            var s = Int(truncatingIfNeeded: h) & mask
            var probes = 0
            while slots[s] != 0 {
                let m = Int(slots[s]) - 1
                if members[m].hash == h, _ByteKey.equal(members[m].key, members[i].key) { return .duplicate }
                probes += 1
                if probes > maxProbe { return .collisions }
                s = (s + 1) & mask
            }
            slots[s] = Int32(i + 1)
        }
        return .table
    }

    let _storage: _Storage

    nonisolated(unsafe) private static let emptyStorage = _Storage.make(count: 0) { _ in }

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
        self.init(keys: keys[...], values: values[...])
    }

    /// Builds an object from parallel key and value arrays (equal lengths), resolving
    /// duplicate keys as described on the type.
    init(keys: [String], values: [JSON]) {
        self.init(keys: keys[...], values: values[...])
    }

    /// As ``init(keys:values:)``, from slices (the parser's open containers).
    init(keys: ArraySlice<String>, values: ArraySlice<JSON>) {
        let n = Swift.min(keys.count, values.count)
        if n == 0 {
            _storage = JSONObject.emptyStorage
            return
        }
        let storage = _Storage.make(count: n) { members in
            var k = keys.startIndex, v = values.startIndex
            for i in 0..<n {
                (members + i).initialize(to: _Member(key: keys[k], hash: JSONObject.keyHash(keys[k]), value: values[v]))
                k += 1
                v += 1
            }
        }
        _storage = JSONObject.indexed(storage)
    }

    /// `count` members (their keys' hashes computed) moved from `members`, which are left
    /// uninitialised; duplicate keys resolved as described on the type. The parser's
    /// constructor: no array per object, no retain or release per member.
    init(moving members: UnsafeMutablePointer<_Member>, count: Int) {
        if count <= 0 {
            _storage = JSONObject.emptyStorage
            return
        }
        let storage = _Storage.make(count: count) { $0.moveInitialize(from: members, count: count) }
        _storage = JSONObject.indexed(storage)
    }

    /// `storage` indexed, or, when two members share a key, a copy with one member per
    /// key. Duplicates are rare: found by hash (bytes only on a hash match), and only
    /// then the members are rebuilt, the last value winning at the first position.
    private static func indexed(_ storage: _Storage) -> _Storage {
        if storage.index() { return storage }
        var position: [_ByteKey: Int] = [:]
        var k2: [String] = []
        var v2: [JSON] = []
        storage.withMembers { m in
            for member in m {
                if let p = position[_ByteKey(member.key)] {
                    v2[p] = member.value
                } else {
                    position[_ByteKey(member.key)] = k2.count
                    k2.append(member.key)
                    v2.append(member.value)
                }
            }
        }
        let distinct = _Storage.make(count: k2.count) { members in
            for i in 0..<k2.count {
                (members + i).initialize(to: _Member(key: k2[i], hash: JSONObject.keyHash(k2[i]), value: v2[i]))
            }
        }
        _ = distinct.index()
        return distinct
    }

    /// An object with `template`'s keys, in its order, and `values` (one per key): the
    /// keys' hashes and lookup table are reused, not recomputed — for many objects of
    /// one shape (the hourly events a behaviour series reads back). Falls back to a
    /// fresh object when the counts differ.
    init(sharingKeysOf template: JSONObject, values: [JSON]) {
        let t = template._storage
        guard values.count == t.count else {
            var padded = Array(values.prefix(t.count))
            while padded.count < t.count { padded.append(.null) }
            self.init(keys: template.keys, values: padded)
            return
        }
        let storage = t.withUnsafeMutablePointers { header, m in
            let n = header.pointee.count
            let copy = _Storage.make(count: n) { members in
                for i in 0..<n { (members + i).initialize(to: _Member(key: m[i].key, hash: m[i].hash, value: values[i])) }
            }
            copy.withUnsafeMutablePointers { copyHeader, members in
                // The same count, so the same table size; a template that fell back has
                // none (slotCount 0) and its dictionary is shared.
                let slotCount = header.pointee.slotCount
                _Storage.slots(members, count: n).update(from: _Storage.slots(m, count: n), count: slotCount)
                copyHeader.pointee.slotCount = slotCount
                copyHeader.pointee.fallback = header.pointee.fallback
            }
            return copy
        }
        self.init(storage: storage)
    }

    private init(storage: _Storage) { _storage = storage }

    /// The number of members.
    public var count: Int { _storage.count }

    /// `true` when the object has no members.
    public var isEmpty: Bool { _storage.count == 0 }

    /// The keys, in document order (a new array: iterate the object to avoid it).
    public var keys: [String] { _storage.withMembers { $0.map(\.key) } }

    /// The values, in the order of ``keys`` (a new array).
    public var values: [JSON] { _storage.withMembers { $0.map(\.value) } }

    /// The value of the member named `key`, or `nil` when there is none.
    ///
    /// Complexity: O(count) for small objects, O(1) expected for large ones.

    public subscript(key: String) -> JSON? {
        if let i = _storage.indexOf(key) { return _storage.value(i) }
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
        withUnsafeMutablePointers { header, members in
            @inline(__always) func same(_ i: Int) -> Bool {
                let m = members[i]
                guard m.hash == hash else { return false }
                if ascii { return m.key.utf8.count == key.utf8.count && m.key == key }
                return _ByteKey.equal(m.key, key)
            }
            let slotCount = header.pointee.slotCount
            if slotCount > 0 {
                let slots = JSONObject._Storage.slots(members, count: header.pointee.count)
                let mask = slotCount - 1
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
            if let fallback = header.pointee.fallback { return fallback[_ByteKey(key)] }
            var i = 0
            let n = header.pointee.count
            while i < n {
                if same(i) { return i }
                i &+= 1
            }
            return nil
        }
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
            guard i < storage.count else { return nil }
            defer { i += 1 }
            return storage.withMembers { ($0[i].key, $0[i].value) }
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
