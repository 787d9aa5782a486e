import Model
import Storage
@testable import TSDB
import TestSupport

/// Appends samples to a fresh head chunk.
func makeHead(_ samples: [Sample]) -> HeadChunk {
    var head = HeadChunk()
    for s in samples { head.append(s.t, s.v) }
    return head
}

/// Decodes every sample, failing on a decoding error.
func decodeAll(_ it: ChunkIterator) -> [Sample] {
    var out: [Sample] = []
    while it.next() { out.append(Sample(t: it.timestamp, v: it.value)) }
    return out
}

/// Decodes a sealed chunk through the public raw-bytes entry point.
func decodeSealed(_ chunk: SealedChunk) throws -> [Sample] {
    try chunk.bytes.withUnsafeBytes { raw in
        let it = try makeChunkIterator(encoding: chunk.encoding, bytes: raw, owner: nil)
        let out = decodeAll(it)
        if let error = it.error { throw error }
        return out
    }
}

/// Bit patterns of values that break naive float handling.
let awkwardValues: [Double] = [
    0, -0.0, 1, -1, .infinity, -.infinity, .nan, -.nan, StaleNaN.value,
    Double(bitPattern: 0x7ff8_0000_dead_beef), Double(bitPattern: 0xfff0_0000_0000_0001),
    .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
    -.greatestFiniteMagnitude, 9_007_199_254_740_992, 9_007_199_254_740_994, -9_223_372_036_854_775_808,
    9_223_372_036_854_775_808, 9_223_372_036_854_774_784, 0.1, 0.3, 1e-300, 1e300, 123.456, -7.25,
]

/// Timestamp shapes seen in practice and at the edges.
enum TimeModel: CaseIterable {
    case regular, jittered, missedScrapes, irregular, hugeJumps, negative, secondsAligned

    func generate(_ n: Int, using rng: inout SeededGenerator) -> [Int64] {
        var t: Int64 = self == .negative ? -Int64.random(in: 1...1_000_000_000_000, using: &rng)
                                         : 1_767_225_600_000 + Int64.random(in: 0...86_400_000, using: &rng)
        if self == .secondsAligned { t -= t % 1000 }
        var out: [Int64] = []
        for i in 0..<n {
            out.append(t)
            switch self {
            case .regular, .negative: t &+= 15_000
            case .secondsAligned: t &+= 1000 * Int64.random(in: 10...20, using: &rng)
            case .jittered: t = out[0] + Int64(i + 1) * 15_000 + Int64.random(in: -3...3, using: &rng)
            case .missedScrapes: t &+= Int.random(in: 0..<20, using: &rng) == 0 ? 30_000 : 15_000
            case .irregular: t &+= Int64.random(in: 1...120_000, using: &rng)
            case .hugeJumps: t &+= Bool.random(using: &rng) ? Int64.random(in: Int64.min / 2...Int64.max / 2, using: &rng) : 15_000
            }
        }
        return out
    }
}

/// Value shapes: what exporters produce, and what breaks encoders.
enum ValueModel: CaseIterable {
    case counter, bigCounter, gauge1, gauge3, gauge9, constant, constantNaN, integersWithStale, decimalsWithAwkward,
         sparseChanges, pageMultiples, monotonicFloat, randomFloat, randomBits, awkward, signedMix, beyond2to53, negativeZeroes

    func generate(_ n: Int, using rng: inout SeededGenerator) -> [Double] {
        var out: [Double] = []
        var x = Int64.random(in: 0...1_000_000, using: &rng)
        var f = Double.random(in: 1...1000, using: &rng)
        for _ in 0..<n {
            switch self {
            case .counter:
                x += Int64.random(in: 0...60, using: &rng); out.append(Double(x))
            case .bigCounter:
                x = x &* 1 + Int64.random(in: 0...4_000_000, using: &rng) + 1_000_000_000_000; out.append(Double(x % 4_000_000_000_000_000))
            case .gauge1:
                x += Int64.random(in: -9...9, using: &rng); out.append(Double(x) / 10)
            case .gauge3:
                x += Int64.random(in: -40...40, using: &rng); out.append(Double(x) / 1000)
            case .gauge9:
                x += Int64.random(in: -40_000...40_000, using: &rng); out.append(Double(x) / 1_000_000_000)
            case .constant:
                out.append(1)
            case .constantNaN:
                out.append(StaleNaN.value)
            case .integersWithStale:
                x += Int64.random(in: 0...5, using: &rng)
                out.append(Int.random(in: 0..<10, using: &rng) == 0 ? StaleNaN.value : Double(x))
            case .decimalsWithAwkward:
                x += Int64.random(in: -9...9, using: &rng)
                out.append(Int.random(in: 0..<12, using: &rng) == 0 ? awkwardValues.randomElement(using: &rng)! : Double(x) / 100)
            case .sparseChanges:
                if Int.random(in: 0..<15, using: &rng) == 0 { x += Int64.random(in: -3...1000, using: &rng) }
                out.append(Double(x))
            case .pageMultiples:
                x = max(256, x + Int64.random(in: -300...300, using: &rng)); out.append(Double(x * 4096))
            case .monotonicFloat:
                f += Double.random(in: 0...10, using: &rng); out.append(f)
            case .randomFloat:
                out.append(Double.random(in: -1e6...1e6, using: &rng))
            case .randomBits:
                out.append(Double(bitPattern: rng.next()))
            case .awkward:
                out.append(awkwardValues.randomElement(using: &rng)!)
            case .signedMix:
                out.append(Double(Int64.random(in: -50...50, using: &rng)) * 0.25)
            case .beyond2to53:
                x += Int64.random(in: 1...5, using: &rng); out.append(Double(9_007_199_254_740_992 + 2 * x))
            case .negativeZeroes:
                out.append([0.0, -0.0, 1.5, -1.5][Int.random(in: 0..<4, using: &rng)])
            }
        }
        return out
    }
}

/// Bitwise comparison that names the first differing sample.
func firstMismatch(_ got: [Sample], _ want: [Sample]) -> String? {
    if got.count != want.count { return "count \(got.count) != \(want.count)" }
    for i in got.indices where got[i] != want[i] {
        return "sample \(i): got (\(got[i].t), \(String(got[i].v.bitPattern, radix: 16))) want (\(want[i].t), \(String(want[i].v.bitPattern, radix: 16)))"
    }
    return nil
}
