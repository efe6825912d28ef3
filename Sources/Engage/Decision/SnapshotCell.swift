import Synchronization

/// An immutable value many threads read while one occasionally replaces it — the
/// loaded campaign set — with no lock on the read path.
///
/// Readers take a strong reference to the current box through a hazard pointer:
/// publish "I am about to retain p" in a slot, re-check that p is still current, retain
/// it, clear the slot. A writer swaps the pointer, then waits until no slot holds the
/// old box before releasing its own reference; since readers hold a slot only across a
/// retain, that wait is a few nanoseconds. Readers never wait on writers; with more
/// than ``slotCount`` threads acquiring at the same instant a reader retries for a free
/// slot. Writers are serialised by a mutex (loads are rare).
final class SnapshotCell<Value: Sendable>: Sendable {
    final class Box: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    static var slotCount: Int { 64 }

    /// The current box, retained once on the cell's behalf (0 when empty).
    private let current = Atomic<UInt>(0)
    private let hazards: InlineArray<64, Atomic<UInt>> = InlineArray { _ in Atomic<UInt>(0) }
    private let writer = Mutex(())

    init() {}

    deinit {
        let bits = current.load(ordering: .sequentiallyConsistent)
        if let p = UnsafeRawPointer(bitPattern: bits) {
            Unmanaged<Box>.fromOpaque(p).release()
        }
    }

    /// The current value, or nil before the first ``store(_:)``.
    func load() -> Value? {
        var slot = 0
        while true {
            let bits = current.load(ordering: .sequentiallyConsistent)
            guard bits != 0, let p = UnsafeRawPointer(bitPattern: bits) else { return nil }
            // Claim a free slot for p.
            let (claimed, _) = hazards[slot].compareExchange(expected: 0, desired: bits, ordering: .sequentiallyConsistent)
            guard claimed else {
                slot = (slot + 1) % Self.slotCount
                continue
            }
            // Still current? Then the writer has not (and will not, while the slot is
            // set) released it.
            if current.load(ordering: .sequentiallyConsistent) == bits {
                let box = Unmanaged<Box>.fromOpaque(p).takeUnretainedValue() // +1 owned by this reference
                hazards[slot].store(0, ordering: .sequentiallyConsistent)
                return box.value
            }
            hazards[slot].store(0, ordering: .sequentiallyConsistent)
        }
    }

    /// Replaces the value; the old one is released once no reader is acquiring it.
    func store(_ value: Value) {
        let box = Unmanaged.passRetained(Box(value))
        let bits = UInt(bitPattern: box.toOpaque())
        writer.withLock { _ in
            let old = current.exchange(bits, ordering: .sequentiallyConsistent)
            guard old != 0, let p = UnsafeRawPointer(bitPattern: old) else { return }
            for i in 0..<Self.slotCount {
                while hazards[i].load(ordering: .sequentiallyConsistent) == old {
                    // A reader is between claiming the slot and retaining: momentary.
                }
            }
            Unmanaged<Box>.fromOpaque(p).release()
        }
    }
}
