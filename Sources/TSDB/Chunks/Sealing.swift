/// Limits of the columnar format.
enum ColumnarLayout {
    /// Most samples one chunk may declare; larger counts are treated as corrupt.
    static let maxSamples = 65_535
}

extension HeadChunk {
    /// The chunk in its final, immutable form: the smallest of the columnar
    /// encoding and the head's own XOR bytes.
    public func seal() -> SealedChunk {
        var times: [Int64] = []
        var values: [Double] = []
        times.reserveCapacity(count)
        values.reserveCapacity(count)
        // A local cursor, not an iterator object: its state stays in
        // registers, which halves the decoding part of sealing.
        withStreamBytes { raw in
            guard var cursor = try? ChunkCursor(encoding: .xor, bytes: raw) else { return }
            while cursor.next() {
                times.append(cursor.currentTime)
                values.append(Double(bitPattern: cursor.currentBits))
            }
        }
        return SealedChunk.encode(timestamps: times, values: values, xorBytes: bytes)
    }
}

extension SealedChunk {
    /// Encodes samples (for example re-encoding several chunks into one
    /// larger chunk) with the smallest lossless encoding. Both arrays must
    /// have the same length, at most `HeadChunk.maxSamples`.
    public static func encode(timestamps: [Int64], values: [Double]) -> SealedChunk {
        encode(timestamps: timestamps, values: values, xorBytes: nil)
    }

    static func encode(timestamps: [Int64], values: [Double], xorBytes: [UInt8]?) -> SealedChunk {
        precondition(timestamps.count == values.count, "timestamps and values differ in length")
        precondition(timestamps.count <= ColumnarLayout.maxSamples, "too many samples for one chunk")
        guard let first = timestamps.first, let last = timestamps.last else {
            return SealedChunk(encoding: .xor, bytes: [0, 0], count: 0, minTime: 0, maxTime: 0)
        }
        var encoder = ColumnarEncoder()
        let columnar = encoder.encode(times: timestamps, values: values)
        if let xorBytes, xorBytes.count < columnar.count {
            return SealedChunk(encoding: .xor, bytes: xorBytes, count: timestamps.count, minTime: first, maxTime: last)
        }
        return SealedChunk(encoding: .columnar, bytes: columnar, count: timestamps.count, minTime: first, maxTime: last)
    }
}

extension SealedChunk {
    /// Re-encodes consecutive chunks of one series as a single chunk. Larger
    /// chunks spread the per-chunk header (start time, first value, layout,
    /// about 12-18 bytes) over more samples, so a store can seal small
    /// chunks for memory and merge them before writing to disk. The total
    /// count must not exceed `HeadChunk.maxSamples`. Throws if a chunk does
    /// not decode.
    public static func merge(_ chunks: [SealedChunk]) throws -> SealedChunk {
        var times: [Int64] = []
        var values: [Double] = []
        let total = chunks.reduce(0) { $0 + $1.count }
        times.reserveCapacity(total)
        values.reserveCapacity(total)
        for chunk in chunks {
            let it = chunk.makeIterator()
            while it.next() {
                times.append(it.timestamp)
                values.append(it.value)
            }
            if let error = it.error { throw error }
        }
        return encode(timestamps: times, values: values)
    }
}

extension HeadChunk {
    /// A head chunk holding the samples of `chunk` (any encoding), ready for
    /// more appends: how a store reopens a head chunk it wrote out. Throws
    /// if the chunk does not decode.
    public init(restoring chunk: SealedChunk) throws {
        self.init()
        let it = chunk.makeIterator()
        while it.next() { append(it.timestamp, it.value) }
        if let error = it.error { throw error }
    }
}
