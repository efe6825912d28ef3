import Foundation
import Synchronization
import Testing

@testable import Engage

/// Counts live instances, so the test can see that replaced values are freed.
private final class Tracked: Sendable {
    static let live = Atomic<Int>(0)
    let n: Int
    let twice: Int
    init(_ n: Int) {
        self.n = n
        self.twice = n * 2
        Tracked.live.add(1, ordering: .relaxed)
    }
    deinit { Tracked.live.subtract(1, ordering: .relaxed) }
}

@Suite struct SnapshotCellTests {
    @Test func emptyThenStored() {
        let cell = SnapshotCell<Int>()
        #expect(cell.load() == nil)
        cell.store(7)
        #expect(cell.load() == 7)
        cell.store(8)
        #expect(cell.load() == 8)
    }

    @Test func readersSeeWholeValuesWhileAWriterReplacesThem() {
        do {
            let cell = SnapshotCell<Tracked>()
            cell.store(Tracked(0))
            let torn = Atomic<Int>(0)
            let reads = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                if worker == 0 {
                    for i in 1...5_000 { cell.store(Tracked(i)) }
                } else {
                    for _ in 0..<20_000 {
                        guard let v = cell.load() else { torn.add(1, ordering: .relaxed); continue }
                        if v.twice != v.n * 2 { torn.add(1, ordering: .relaxed) }
                        reads.add(1, ordering: .relaxed)
                    }
                }
            }
            #expect(torn.load(ordering: .relaxed) == 0)
            #expect(reads.load(ordering: .relaxed) == 7 * 20_000)
            #expect(cell.load()?.n == 5_000)
            // Only the current value is still alive.
            #expect(Tracked.live.load(ordering: .relaxed) == 1)
        }
        #expect(Tracked.live.load(ordering: .relaxed) == 0)
    }
}
