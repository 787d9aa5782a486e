import Model
import Storage
import Testing
@testable import TSDB
import TestSupport

@Suite("Head chunk (XOR)")
struct ChunkXORTests {
    @Test("regular scrape series round-trips through head iterator and sealed bytes")
    func regularRoundTrip() throws {
        let samples = (0..<120).map { Sample(t: 1_700_000_000_000 + Int64($0) * 15_000, v: Double($0 * 3) + 0.5) }
        var head = makeHead(samples)
        #expect(head.count == 120)
        #expect(head.minTime == samples[0].t)
        #expect(head.maxTime == samples[119].t)
        #expect(decodeAll(head.makeIterator()) == samples)
        #expect(try decodeSealed(head.seal()) == samples)
    }

    @Test("awkward floats and timestamps are bit-exact", arguments: 0..<40)
    func awkwardRoundTrip(seed: Int) {
        var rng = SeededGenerator(seed: UInt64(seed))
        var t = Int64.random(in: -1_000_000_000...1_000_000_000, using: &rng)
        var samples: [Sample] = []
        for _ in 0..<Int.random(in: 1...300, using: &rng) {
            let v = Bool.random(using: &rng) ? awkwardValues.randomElement(using: &rng)! : Double(bitPattern: rng.next())
            samples.append(Sample(t: t, v: v))
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: t &+= Int64.random(in: Int64.min / 4...Int64.max / 4, using: &rng)
            case 1: t &+= Int64.random(in: -70_000...70_000, using: &rng)
            case 2: t &+= Int64.random(in: -600_000...600_000, using: &rng)
            default: t &+= 15_000
            }
        }
        var head = makeHead(samples)
        #expect(decodeAll(head.makeIterator()) == samples, "seed \(seed)")
    }

    @Test("bytes match Prometheus's XOR layout for a known chunk")
    func knownBytes() {
        var head = HeadChunk()
        head.append(1000, 1)
        head.append(2000, 1)
        head.append(3000, 2)
        // count 3; varint(1000) = d0 0f; 1.0 = 3ff0...; uvarint(1000) = e8 07; then
        // value '0' (repeat), dod '0', value 1.0^2.0 = 0x7ff0...: '11', 5 bits
        // leading = 1, 6 bits significant = 11, the 11 bits, padding.
        #expect(head.bytes == [0x00, 0x03, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xe8, 0x07, 0x30, 0x97, 0xff, 0xc0])
        #expect(decodeAll(head.makeIterator()) == [Sample(t: 1000, v: 1), Sample(t: 2000, v: 1), Sample(t: 3000, v: 2)])
    }

    @Test("a snapshot iterator keeps its prefix while the head keeps appending")
    func snapshotIsolation() {
        var head = HeadChunk()
        for i in 0..<10 { head.append(Int64(i), Double(i)) }
        let it = head.makeIterator()
        var copy = head
        for i in 10..<50 { head.append(Int64(i), Double(i) * 1.5) }
        copy.append(10, 99)
        #expect(decodeAll(it).count == 10)
        #expect(decodeAll(copy.makeIterator()).last == Sample(t: 10, v: 99))
        #expect(decodeAll(head.makeIterator()).count == 50)
    }

    @Test("empty head yields nothing")
    func emptyHead() {
        var head = HeadChunk()
        let it = head.makeIterator()
        #expect(!it.next())
        #expect(!it.seek(0))
        #expect(it.error == nil)
    }
}

@Suite("Head chunk restore")
struct ChunkRestoreTests {
    @Test("a restored head continues exactly like the original")
    func restoreThenAppend() throws {
        var rng = SeededGenerator(seed: 11)
        let times = TimeModel.jittered.generate(90, using: &rng)
        let values = ValueModel.decimalsWithAwkward.generate(90, using: &rng)
        var original = makeHead(zip(times.prefix(60), values.prefix(60)).map { Sample(t: $0, v: $1) })
        var restored = try HeadChunk(restoring: original.seal())
        for (t, v) in zip(times.dropFirst(60), values.dropFirst(60)) {
            original.append(t, v)
            restored.append(t, v)
        }
        #expect(restored.bytes == original.bytes)
        #expect(restored.count == 90 && restored.minTime == times[0] && restored.maxTime == times[89])
    }
}
