import Model
import Storage
import Testing
@testable import TSDB

@Suite("Prometheus XOR compatibility")
struct ChunkPrometheusCompatTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test("chunks written by Prometheus decode to the samples it ingested")
    func decodesPrometheusChunks() throws {
        var decoded: [(Int64, UInt64)] = []
        for hex in PrometheusXORFixture.chunks {
            let data = Self.bytes(hex)
            let samples = try data.withUnsafeBytes { raw -> [Sample] in
                let it = try makeChunkIterator(encoding: .xor, bytes: raw, owner: nil)
                let out = decodeAll(it)
                #expect(it.error == nil)
                return out
            }
            decoded += samples.map { ($0.t, $0.v.bitPattern) }
        }
        decoded.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        let want = PrometheusXORFixture.samples
        #expect(decoded.count == want.count)
        for (got, expected) in zip(decoded, want) {
            // Go parses "NaN" to 0x7ff8000000000001, Python to ...0000: any NaN matches a NaN.
            let bothNaN = Double(bitPattern: got.1).isNaN && Double(bitPattern: expected.1).isNaN
            #expect(got.0 == expected.0 && (got.1 == expected.1 || bothNaN), "\(got) vs \(expected)")
        }
    }

    @Test("re-encoding Prometheus's samples with the head chunk gives Prometheus's bytes")
    func headWritesPrometheusBytes() throws {
        for hex in PrometheusXORFixture.chunks {
            let data = Self.bytes(hex)
            let samples = try data.withUnsafeBytes { decodeAll(try makeChunkIterator(encoding: .xor, bytes: $0, owner: nil)) }
            #expect(makeHead(samples).bytes == data)
        }
    }
}
