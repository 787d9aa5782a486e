import Model
import Storage
import Testing
@testable import TSDB

/// A head chunk writes its sample count into the bytes only when they are
/// read, and shares them with snapshots and iterators until the next append.
@Suite("Head chunk sharing")
struct HeadChunkSharingTests {
    static let samples = (0..<200).map { Sample(t: 1_000 + Int64($0) * 1_000, v: Double($0 % 7) * 1.25) }

    @Test("a snapshot keeps its samples and bytes while the chunk grows")
    func snapshotIsFrozen() {
        var head = makeHead(Array(Self.samples.prefix(50)))
        var snapshot = head.snapshot()
        let frozenBytes = snapshot.bytes
        for s in Self.samples.dropFirst(50) { head.append(s.t, s.v) }

        #expect(snapshot.count == 50)
        #expect(snapshot.bytes == frozenBytes)
        #expect(decodeAll(snapshot.makeIterator()) == Array(Self.samples.prefix(50)))
        #expect(decodeAll(head.makeIterator()) == Self.samples)
    }

    @Test("an iterator made before appends decodes only the samples it saw")
    func iteratorIsFrozen() {
        var head = makeHead(Array(Self.samples.prefix(120)))
        let early = head.makeIterator()
        for s in Self.samples.dropFirst(120) { head.append(s.t, s.v) }
        let late = head.makeIterator()

        #expect(decodeAll(early) == Array(Self.samples.prefix(120)))
        #expect(decodeAll(late) == Self.samples)
    }

    @Test("the bytes carry the current sample count after appends without a read in between")
    func countIsWrittenOnRead() throws {
        var head = HeadChunk()
        for (i, s) in Self.samples.enumerated() {
            head.append(s.t, s.v)
            // Read only now and then, so several appends leave the header stale.
            guard i % 37 == 0 || i == Self.samples.count - 1 else { continue }
            let bytes = head.bytes
            #expect(Int(bytes[0]) << 8 | Int(bytes[1]) == i + 1)
            #expect(try decodeSealed(head.seal()) == Array(Self.samples.prefix(i + 1)))
        }
    }

    #if DEBUG
    @Test("appending after a plain copy (not a snapshot) traps in debug builds")
    func plainCopyIsCaught() async {
        await #expect(processExitsWith: .failure) {
            var head = makeHead(Array(HeadChunkSharingTests.samples.prefix(10)))
            let copy = head
            head.append(1_000_000, 1)
            _ = copy.count
        }
    }
    #endif
}
