import Model
import Storage
import Testing
@testable import TSDB
import TestSupport

/// Damaged bytes must produce an error, never a crash, a hang or a read
/// outside the buffer. Every input here is decoded from an exactly-sized
/// heap copy, so an out-of-bounds read would hit the allocation's edge.
@Suite("Corrupt and truncated chunks")
struct ChunkCorruptionTests {
    /// Chunks covering every layout the encoders produce.
    static func sampleChunks() -> [SealedChunk] {
        var chunks: [SealedChunk] = []
        var rng = SeededGenerator(seed: 99)
        for timeModel in TimeModel.allCases {
            for valueModel in ValueModel.allCases {
                let n = [1, 2, 5, 64][Int.random(in: 0..<4, using: &rng)]
                let times = timeModel.generate(n, using: &rng)
                let values = valueModel.generate(n, using: &rng)
                chunks.append(SealedChunk.encode(timestamps: times, values: values))
                chunks.append(makeHead(zip(times, values).map { Sample(t: $0, v: $1) }).seal())
                var head = HeadChunk()
                for (t, v) in zip(times, values) { head.append(t, v) }
                chunks.append(SealedChunk(encoding: .xor, bytes: head.bytes, count: n, minTime: times[0], maxTime: times[n - 1]))
            }
        }
        return chunks
    }

    /// Decodes `bytes` from an exactly-sized allocation; nil when creating
    /// the iterator threw, else the samples, the iterator's error and the
    /// sample count the header declared.
    static func decode(_ encoding: ChunkEncoding, _ bytes: [UInt8]) -> (samples: [Sample], error: ChunkError?, declared: Int)? {
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { raw.deallocate() }
        bytes.withUnsafeBytes { raw.copyMemory(from: $0) }
        guard let it = try? makeChunkIterator(encoding: encoding, bytes: UnsafeRawBufferPointer(raw), owner: nil) else { return nil }
        var samples: [Sample] = []
        // A chunk declares at most 65535 samples, which bounds this loop.
        while it.next() { samples.append(Sample(t: it.timestamp, v: it.value)) }
        return (samples, it.error, it.count)
    }

    @Test("every truncation is reported, at creation or while iterating")
    func truncation() throws {
        for chunk in Self.sampleChunks() {
            let full = try decodeSealed(chunk)
            for length in 0..<chunk.bytes.count {
                let prefix = Array(chunk.bytes.prefix(length))
                guard let (samples, error, _) = Self.decode(chunk.encoding, prefix) else { continue }
                // Without the last byte some field is missing, so decoding
                // must notice, or at least stop before the cut.
                #expect(error != nil || samples.count < full.count,
                        "\(chunk.encoding) chunk of \(chunk.count) cut to \(length)/\(chunk.bytes.count) decoded silently")
                #expect(Array(full.prefix(samples.count)) == samples, "a truncated chunk yielded wrong samples")
            }
        }
    }

    @Test("random bit flips never crash; a decode without error yields the declared count", arguments: 0..<8)
    func bitFlips(seed: Int) {
        var rng = SeededGenerator(seed: 0xF11F &+ UInt64(seed))
        var detected = 0
        for chunk in Self.sampleChunks() where !chunk.bytes.isEmpty {
            var bytes = chunk.bytes
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            guard let (samples, error, declared) = Self.decode(chunk.encoding, bytes) else {
                detected += 1
                continue
            }
            if error != nil { detected += 1 } else { #expect(samples.count == declared) }
        }
        // Flips in headers and codes must be caught sometimes (the store's CRC catches the rest).
        #expect(detected > 0)
    }

    @Test("random bytes never crash and counts stay bounded", arguments: ChunkEncoding.allCases)
    func randomBytes(encoding: ChunkEncoding) {
        var rng = SeededGenerator(seed: UInt64(encoding.rawValue))
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if let result = Self.decode(encoding, bytes) {
                #expect(result.samples.count <= HeadChunk.maxSamples)
            }
        }
    }

    @Test("header errors name the field and byte")
    func headerErrors() {
        func error(_ encoding: ChunkEncoding, _ bytes: [UInt8]) -> ChunkError? {
            bytes.withUnsafeBytes { raw in
                do {
                    _ = try makeChunkIterator(encoding: encoding, bytes: raw, owner: nil)
                    return nil
                } catch {
                    return error as? ChunkError
                }
            }
        }
        #expect(error(.xor, [0]) == .truncated(encoding: .xor, offset: 0, field: "sample count"))
        #expect(error(.columnar, []) == .truncated(encoding: .columnar, offset: 0, field: "sample count"))
        #expect(error(.columnar, [0]) == .corrupt(encoding: .columnar, offset: 0, field: "sample count", reason: "0 is outside 1...65535"))
        // Count 1, then a timestamp varint that never ends.
        #expect(error(.columnar, [1, 0x80, 0x80]) == .truncated(encoding: .columnar, offset: 3, field: "timestamps first value"))
        // Count 2, t0 = 0, then order 3 (bits 11).
        #expect(error(.columnar, [2, 0, 0b1100_0000])?.description.contains("timestamps order") == true)
        #expect(throws: ChunkError.unknownEncoding(9)) {
            try [UInt8]([0, 0]).withUnsafeBytes { try makeChunkIterator(rawEncoding: 9, bytes: $0, owner: nil) }
        }
        #expect(ChunkError.truncated(encoding: .columnar, offset: 3, field: "timestamps base").description
                == "columnar chunk truncated: timestamps base at byte 3 runs past the end")
    }
}
