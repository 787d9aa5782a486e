/// How a chunk's bytes are laid out. The raw values are persisted in chunk
/// files and must never change; docs/format/chunks.md specifies each one.
public enum ChunkEncoding: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Gorilla: delta-of-delta timestamps and XOR'ed floats, byte-compatible
    /// with Prometheus's chunkenc XOR chunk. The format of head chunks.
    case xor = 1
    /// Ember's sealed format: timestamps and values in separate columns, each
    /// with the smallest of several lossless layouts (constant interval,
    /// bit-packed or Rice-coded deltas, decimals, integers, XOR fallback).
    case columnar = 2

    public var description: String {
        switch self {
        case .xor: return "xor"
        case .columnar: return "columnar"
        }
    }
}

/// An immutable chunk ready to be written to a chunk file: the bytes alone
/// (with `encoding`) are enough to decode every sample.
public struct SealedChunk: Sendable, Equatable {
    public let encoding: ChunkEncoding
    public let bytes: [UInt8]
    /// Number of samples.
    public let count: Int
    /// Timestamp of the first sample.
    public let minTime: Int64
    /// Timestamp of the last sample.
    public let maxTime: Int64

    public init(encoding: ChunkEncoding, bytes: [UInt8], count: Int, minTime: Int64, maxTime: Int64) {
        self.encoding = encoding
        self.bytes = bytes
        self.count = count
        self.minTime = minTime
        self.maxTime = maxTime
    }

    /// An iterator over the chunk's samples. The iterator keeps a private
    /// copy of the bytes alive, so it may outlive this value.
    public func makeIterator() -> ChunkIterator {
        let storage = ChunkByteStorage.make(copying: bytes)
        // The bytes come from an encoder in this process, so a decoding
        // failure here would be an encoder bug; the iterator then reports
        // it through `error` rather than trapping.
        return ChunkIterator(uncheckedEncoding: encoding, storage: storage, byteCount: bytes.count)
    }
}

/// Why chunk bytes cannot be decoded. Positions are byte offsets from the
/// start of the chunk's bytes.
public enum ChunkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The encoding byte is not a known `ChunkEncoding`.
    case unknownEncoding(UInt8)
    /// The data ends before a field that starts at `offset` could be read.
    case truncated(encoding: ChunkEncoding, offset: Int, field: String)
    /// A field holds a value no encoder writes.
    case corrupt(encoding: ChunkEncoding, offset: Int, field: String, reason: String)

    public var description: String {
        switch self {
        case .unknownEncoding(let raw):
            return "unknown chunk encoding \(raw)"
        case let .truncated(encoding, offset, field):
            return "\(encoding) chunk truncated: \(field) at byte \(offset) runs past the end"
        case let .corrupt(encoding, offset, field, reason):
            return "\(encoding) chunk corrupt: \(field) at byte \(offset): \(reason)"
        }
    }
}

/// Creates an iterator reading the chunk directly from `bytes` (typically
/// memory-mapped chunk file). `owner` is retained for the iterator's
/// lifetime and must keep `bytes` valid (for example the mapping object).
///
/// Throws when the header is unreadable or declares more data than
/// `bytes` holds; damage further in is reported by the iterator's `error`
/// after `next()` returns false. No input makes it read outside `bytes`.
public func makeChunkIterator(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws -> ChunkIterator {
    try ChunkIterator(encoding: encoding, bytes: bytes, owner: owner)
}

/// Same as `makeChunkIterator(encoding:bytes:owner:)` with the encoding as
/// its raw persisted byte.
public func makeChunkIterator(rawEncoding: UInt8, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws -> ChunkIterator {
    guard let encoding = ChunkEncoding(rawValue: rawEncoding) else { throw ChunkError.unknownEncoding(rawEncoding) }
    return try ChunkIterator(encoding: encoding, bytes: bytes, owner: owner)
}
