import Model
import Storage
import Testing
@testable import TSDB
import TestSupport

@Suite("Sealed chunks (columnar)")
struct ChunkColumnarTests {
    static let sizes = [1, 2, 3, 4, 7, 120, 240, 481]

    @Test("every time model x value model round-trips bit-exactly", arguments: TimeModel.allCases)
    func roundTripMatrix(timeModel: TimeModel) throws {
        for valueModel in ValueModel.allCases {
            for (seedIndex, n) in Self.sizes.enumerated() {
                let seed = UInt64(seedIndex) &* 1_000_003 &+ UInt64(ValueModel.allCases.firstIndex(of: valueModel)!)
                var rng = SeededGenerator(seed: seed)
                let times = timeModel.generate(n, using: &rng)
                let values = valueModel.generate(n, using: &rng)
                let want = zip(times, values).map { Sample(t: $0, v: $1) }
                let chunk = SealedChunk.encode(timestamps: times, values: values)
                #expect(chunk.count == n && chunk.minTime == times[0] && chunk.maxTime == times[n - 1])
                let got = try decodeSealed(chunk)
                #expect(firstMismatch(got, want) == nil, "\(timeModel) \(valueModel) n=\(n) seed=\(seed)")
                let sealed = makeHead(want).seal()
                #expect(firstMismatch(try decodeSealed(sealed), want) == nil, "head seal \(timeModel) \(valueModel) n=\(n)")
                #expect(sealed.bytes.count <= makeHead(want).bytes.count, "sealing never grows the chunk")
            }
        }
    }

    @Test("random mixtures of awkward samples round-trip", arguments: 0..<200)
    func randomMixtures(seed: Int) throws {
        var rng = SeededGenerator(seed: 0xC0FFEE &+ UInt64(seed))
        let n = Int.random(in: 1...300, using: &rng)
        // Splice runs of different models so one chunk mixes layouts.
        var values: [Double] = []
        while values.count < n {
            let model = ValueModel.allCases.randomElement(using: &rng)!
            values += model.generate(Int.random(in: 1...40, using: &rng), using: &rng)
        }
        values = Array(values.prefix(n))
        let times = TimeModel.allCases.randomElement(using: &rng)!.generate(n, using: &rng)
        let want = zip(times, values).map { Sample(t: $0, v: $1) }
        let got = try decodeSealed(SealedChunk.encode(timestamps: times, values: values))
        #expect(firstMismatch(got, want) == nil, "seed \(seed)")
    }

    @Test("a regular constant series costs only its header")
    func regularConstantIsTiny() throws {
        let times = (0..<480).map { 1_767_225_600_000 + Int64($0) * 15_000 }
        let chunk = SealedChunk.encode(timestamps: times, values: Array(repeating: 1, count: 480))
        #expect(chunk.encoding == .columnar)
        #expect(chunk.bytes.count <= 15, "got \(chunk.bytes.count) bytes")
        #expect(try decodeSealed(chunk).map(\.t) == times)
    }

    @Test("decimal gauges pick the smallest exact scale")
    func decimalScale() throws {
        let times = (0..<120).map { Int64($0) * 15_000 }
        var rng = SeededGenerator(seed: 7)
        let tenths = ValueModel.gauge1.generate(120, using: &rng)
        let thousandths = ValueModel.gauge3.generate(120, using: &rng)
        for (values, digits) in [(tenths, 1), (thousandths, 3)] {
            let chunk = SealedChunk.encode(timestamps: times, values: values)
            let plan = valueKind(of: chunk)
            #expect(plan == .decimal(digits: digits) || plan == .decimal(digits: digits - 1), "\(String(describing: plan))")
            #expect(try decodeSealed(chunk).map(\.v.bitPattern) == values.map(\.bitPattern))
            // Tenths random-walking by at most 0.9 need well under 8 bits a sample.
            #expect(chunk.bytes.count < 120)
        }
    }

    @Test("a stale marker in an integer chunk becomes an exception, not an XOR chunk")
    func staleMarkerException() throws {
        let times = (0..<120).map { Int64($0) * 15_000 }
        var values = (0..<120).map { Double(1000 + $0 * 7) }
        values[119] = StaleNaN.value
        let chunk = SealedChunk.encode(timestamps: times, values: values)
        #expect(valueKind(of: chunk) == .decimal(digits: 0))
        #expect(chunk.bytes.count < 24, "got \(chunk.bytes.count)")
        let got = try decodeSealed(chunk)
        #expect(StaleNaN.isStale(got[119].v))
        #expect(got[118].v == 1000 + 118 * 7)
    }

    @Test("-0.0, infinities and NaN payloads survive every value layout")
    func specialFloats() throws {
        let specials: [Double] = [-0.0, .infinity, -.infinity, StaleNaN.value, Double(bitPattern: 0x7ff8_0000_0000_1234), -.nan]
        for special in specials {
            for base in [[1.0, 2, 3, 4, 5, 6, 7, 8], [0.5, 0.25, 0.125, 1e-300, 3, 7, 1, 2], [1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8]] {
                for position in [0, 3, 7] {
                    var values = base
                    values[position] = special
                    let times = (0..<8).map { Int64($0) }
                    let got = try decodeSealed(SealedChunk.encode(timestamps: times, values: values))
                    #expect(got.map(\.v.bitPattern) == values.map(\.bitPattern), "\(special) at \(position) in \(base)")
                }
            }
        }
    }

    /// The value kind a columnar chunk chose, read back from its bytes.
    private func valueKind(of chunk: SealedChunk) -> ValueKind? {
        guard chunk.encoding == .columnar else { return nil }
        return chunk.bytes.withUnsafeBytes { raw -> ValueKind? in
            var reader = BitReader(raw)
            guard let n = reader.readUVarint(),
                  (try? IntColumnDecoder(parsing: &reader, count: Int(n), withLength: true, column: "timestamps")) != nil
            else { return nil }
            return ValueKind(rawValue: reader.read(4))
        }
    }
}

@Suite("Chunk merging, reuse and memory")
struct ChunkMergeTests {
    @Test("merging consecutive chunks equals encoding their samples at once", arguments: 0..<20)
    func mergeMatchesConcatenation(seed: Int) throws {
        var rng = SeededGenerator(seed: 0xBEEF &+ UInt64(seed))
        let n = Int.random(in: 4...600, using: &rng)
        let times = TimeModel.allCases.randomElement(using: &rng)!.generate(n, using: &rng)
        let values = ValueModel.allCases.randomElement(using: &rng)!.generate(n, using: &rng)
        var parts: [SealedChunk] = []
        var start = 0
        while start < n {
            let end = min(n, start + Int.random(in: 1...130, using: &rng))
            parts.append(makeHead(zip(times[start..<end], values[start..<end]).map { Sample(t: $0, v: $1) }).seal())
            start = end
        }
        let merged = try SealedChunk.merge(parts)
        #expect(merged == SealedChunk.encode(timestamps: times, values: values), "seed \(seed)")
        #expect(try decodeSealed(merged).map(\.t) == times)
    }

    @Test("merge reports a damaged part")
    func mergeRejectsDamage() {
        let good = SealedChunk.encode(timestamps: [1, 2, 3], values: [1, 2, 3])
        let damaged = SealedChunk(encoding: .columnar, bytes: Array(good.bytes.prefix(3)), count: 3, minTime: 1, maxTime: 3)
        #expect(throws: ChunkError.self) { try SealedChunk.merge([good, damaged]) }
    }

    @Test("reset points an iterator at another chunk, and clears it on a bad header")
    func resetReuses() throws {
        let a = SealedChunk.encode(timestamps: [1, 2], values: [10, 20])
        let b = SealedChunk.encode(timestamps: [3, 4, 5], values: [0.5, 0.25, 0.125])
        let it = a.makeIterator()
        #expect(decodeAll(it).map(\.v) == [10, 20])
        try b.bytes.withUnsafeBytes { raw in
            try it.reset(encoding: b.encoding, bytes: raw, owner: nil)
            #expect(decodeAll(it).map(\.v) == [0.5, 0.25, 0.125])
        }
        [UInt8]([0]).withUnsafeBytes { raw in
            _ = #expect(throws: ChunkError.self) { try it.reset(encoding: .columnar, bytes: raw, owner: nil) }
        }
        #expect(!it.next() && it.count == 0)
    }

    @Test("a 120-sample head chunk of a typical counter stays a few hundred bytes")
    func headMemory() {
        var rng = SeededGenerator(seed: 5)
        let times = TimeModel.regular.generate(120, using: &rng)
        let values = ValueModel.counter.generate(120, using: &rng)
        let head = makeHead(zip(times, values).map { Sample(t: $0, v: $1) })
        #expect(head.allocatedBytes < 400, "\(head.allocatedBytes) bytes")
        // Increments uniform in 0...60 carry about 6 bits each.
        #expect(head.seal().bytes.count < 110)
    }
}

@Suite("Timestamp layouts")
struct ChunkTimestampLayoutTests {
    static func layout(_ times: [Int64]) throws -> (ChunkLayout, Int) {
        let chunk = SealedChunk.encode(timestamps: times, values: Array(repeating: 1, count: times.count))
        #expect(try decodeSealed(chunk).map(\.t) == times)
        let layout = try chunk.bytes.withUnsafeBytes { try ChunkLayout(encoding: chunk.encoding, bytes: $0) }
        return (layout, chunk.bytes.count)
    }

    @Test("scrape delays of a few ms around a fixed grid are coded as grid offsets")
    func jitterUsesGrid() throws {
        var rng = SeededGenerator(seed: 3)
        let times = (0..<120).map { 1_767_225_600_000 + Int64($0) * 15_000 + Int64.random(in: 0...3, using: &rng) }
        let (layout, bytes) = try Self.layout(times)
        #expect(layout.timestamps.hasPrefix("grid"), "\(layout)")
        // Two bits of delay a sample plus the header.
        #expect(bytes <= 50, "\(bytes) bytes")
    }

    @Test("a missed scrape costs a few bytes, not a bit per sample")
    func missedScrapeIsSparse() throws {
        var times = (0..<120).map { Int64($0) * 15_000 }
        for i in 60..<120 { times[i] += 15_000 }
        let (layout, bytes) = try Self.layout(times)
        #expect(layout.timestamps.hasPrefix("delta sparse"), "\(layout)")
        #expect(bytes <= 18, "\(bytes) bytes")
    }

    @Test("timestamps on whole seconds use a divisor")
    func secondsUseDivisor() throws {
        var rng = SeededGenerator(seed: 4)
        let times = TimeModel.secondsAligned.generate(200, using: &rng)
        let (layout, _) = try Self.layout(times)
        #expect(layout.timestamps.contains("gcd=1000"), "\(layout)")
    }
}
