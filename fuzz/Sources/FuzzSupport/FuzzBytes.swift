/// The fuzzer's input read as a stream of choices, front to back. Reading past the end
/// yields zeros, so every input — however short — decodes to some plan, and libFuzzer's
/// byte-level mutations map to small changes of the plan.
struct FuzzBytes {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { at >= bytes.count }

    mutating func byte() -> UInt8 {
        guard at < bytes.count else { return 0 }
        defer { at += 1 }
        return bytes[at]
    }

    /// 0...65535, little-endian.
    mutating func uint16() -> Int { Int(byte()) | Int(byte()) << 8 }

    mutating func uint64() -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(byte()) << UInt64(8 * i) }
        return v
    }

    /// One of `table`'s entries.
    mutating func pick<T>(_ table: [T]) -> T { table[Int(byte()) % table.count] }

    /// The next `n` bytes (fewer at the end).
    mutating func take(_ n: Int) -> [UInt8] {
        let end = min(bytes.count, at + max(0, n))
        defer { at = end }
        return Array(bytes[at..<end])
    }
}
