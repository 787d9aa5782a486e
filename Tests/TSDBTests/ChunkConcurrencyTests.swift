import Model
import Storage
import Synchronization
import Testing
@testable import TSDB

@Suite("Head chunk snapshots under concurrent appends")
struct ChunkConcurrencyTests {
    /// The store's pattern: appends and snapshots under a lock, iteration
    /// outside it. Every snapshot must decode to an exact prefix.
    @Test("snapshots taken while a writer appends decode to exact prefixes")
    func snapshotsAreConsistentPrefixes() async {
        let total = 3000
        let expected: [Sample] = (0..<total).map { (i: Int) -> Sample in
            let t = Int64(i) * 15_000 + Int64(i % 3)
            return Sample(t: t, v: Double(i % 97) * 0.5)
        }
        let head = LockedHead()
        await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for s in expected { head.mutex.withLock { $0.append(s.t, s.v) } }
                return 0
            }
            for _ in 0..<2 {
                group.addTask {
                    var bad = 0
                    for _ in 0..<300 {
                        var snapshot = head.mutex.withLock { $0.snapshot() }
                        let got = decodeAll(snapshot.makeIterator())
                        if got.count != snapshot.count || got != Array(expected.prefix(got.count)) { bad += 1 }
                    }
                    return bad
                }
            }
            var failures = 0
            for await bad in group { failures += bad }
            #expect(failures == 0)
        }
        #expect(head.mutex.withLock { $0.count } == total)
    }
}

/// A head chunk behind a lock, shared by reference like a store's series.
private final class LockedHead: Sendable {
    let mutex = Mutex(HeadChunk())
}
