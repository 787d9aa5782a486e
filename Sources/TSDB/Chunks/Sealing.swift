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
        let it = makeIterator()
        while it.next() {
            times.append(it.timestamp)
            values.append(it.value)
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
