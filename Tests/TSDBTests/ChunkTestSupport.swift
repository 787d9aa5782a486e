import Model
import Storage
@testable import TSDB

/// SplitMix64: a tiny seeded generator so every failure reproduces from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
