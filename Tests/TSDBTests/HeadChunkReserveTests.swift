import Model
import Storage
import Testing
@testable import TSDB

/// A series' next head chunk is allocated once, at the size its last chunk
/// reached, instead of growing step by step.
@Suite("Head chunk reservation")
struct HeadChunkReserveTests {
    static let samples = (0..<240).map { Sample(t: 1_000 + Int64($0) * 15_000, v: Double($0 * 37 % 101) + 0.5) }

    @Test("a reserved chunk takes its samples without growing, and decodes them")
    func reservedChunkDoesNotGrow() {
        let full = makeHead(Array(Self.samples.prefix(120)))
        var next = HeadChunk()
        next.reserve(bytes: full.byteCount + 24)
        let reserved = next.allocatedBytes
        #expect(reserved >= full.byteCount + 24)
        for s in Self.samples.prefix(120) {
            next.append(s.t, s.v)
            #expect(next.allocatedBytes == reserved, "grew at sample \(next.count)")
        }
        #expect(decodeAll(next.makeIterator()) == Array(Self.samples.prefix(120)))
        #expect(next.bytes == full.bytes)
    }

    @Test("the expected size scales a short chunk to the sample limit and stays within the byte limit")
    func expectedBytes() {
        let limits = ChunkLimits(maxSamples: 120, maxBytes: 340, range: 7_200_000)
        let half = makeHead(Array(Self.samples.prefix(60)))
        let full = makeHead(Array(Self.samples.prefix(120)))
        #expect(limits.expectedBytes(following: full) == full.byteCount + 24)
        #expect(limits.expectedBytes(following: half) == min(half.byteCount * 2, 340) + 24)
        #expect(limits.expectedBytes(following: HeadChunk()) == 0)
        let long = makeHead(Self.samples)
        #expect(long.byteCount > 340)
        #expect(limits.expectedBytes(following: long) == 364)
    }

    @Test("a series' second chunk is allocated at once at its first chunk's size")
    func nextChunkIsReserved() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 120; $0.maxHeadChunkBytes = 10_000 })
        defer { try? db.close() }
        let series = labels(["__name__": "m"])
        var ref: SeriesRef = 0
        func append(_ samples: ArraySlice<Sample>) throws {
            for s in samples {
                let app = db.appender()
                ref = try app.append(ref: ref, labels: series, t: s.t, v: s.v)
                try app.commit()
            }
        }
        func openChunk() -> (count: Int, allocated: Int) {
            db.head.lock.withLock {
                let s = db.head.seriesLockedUnretained(ref: ref)!.takeUnretainedValue()
                return (s.chunk.count, s.chunk.allocatedBytes)
            }
        }
        try append(Self.samples.prefix(121))
        let reserved = openChunk()
        #expect(reserved.count == 1, "the 121st sample starts the second chunk")
        try append(Self.samples.dropFirst(121).prefix(110))
        #expect(openChunk().allocated == reserved.allocated, "the second chunk grew")
        #expect(try readAll(db)[series] == Array(Self.samples.prefix(231)))
    }
}
