import Model
import Storage
import Testing
@testable import TSDB

@Suite("Chunk iterator seek")
struct ChunkSeekTests {
    static let times: [Int64] = [-30, -10, 0, 15, 30, 45, 100, 1_000]
    static let samples = times.enumerated().map { Sample(t: $1, v: Double($0) * 1.5) }

    /// One iterator per encoding over the same samples.
    static func iterators() -> [(String, ChunkIterator)] {
        var head = makeHead(samples)
        let columnar = SealedChunk.encode(timestamps: times, values: samples.map(\.v))
        return [("head", head.makeIterator()), ("xor", head.seal().makeIterator()), ("columnar", columnar.makeIterator())]
    }

    @Test("seek finds the first sample at or after t")
    func seekForward() {
        for target in [Int64.min, -31, -30, -29, -1, 0, 16, 45, 46, 999, 1_000] {
            let want = Self.samples.first { $0.t >= target }!
            for (name, it) in Self.iterators() {
                #expect(it.seek(target), "\(name) seek \(target)")
                #expect(it.timestamp == want.t && it.value == want.v, "\(name) seek \(target)")
            }
        }
    }

    @Test("seek past the end is false and stays false")
    func seekPastEnd() {
        for (name, it) in Self.iterators() {
            #expect(!it.seek(1_001), "\(name)")
            #expect(!it.next(), "\(name)")
            #expect(!it.seek(0), "\(name)")
        }
    }

    @Test("seek backwards stays put and next continues from there")
    func seekBackwards() {
        for (name, it) in Self.iterators() {
            #expect(it.seek(30))
            #expect(it.seek(-100), "\(name)")
            #expect(it.timestamp == 30, "\(name)")
            #expect(it.next() && it.timestamp == 45, "\(name)")
            #expect(it.seek(45) && it.timestamp == 45, "\(name)")
        }
    }

    @Test("next after the last sample is false; iteration yields every sample once")
    func nextToEnd() {
        for (name, it) in Self.iterators() {
            #expect(decodeAll(it) == Self.samples, "\(name)")
            #expect(!it.next(), "\(name)")
            #expect(it.error == nil, "\(name)")
        }
    }
}
