/// The open chunk of a series: samples are appended one at a time into a
/// Gorilla (`ChunkEncoding.xor`) bit stream, 1.3 to 3 bytes per sample
/// (2.6 on the benchmark dataset, about 400 heap bytes for 120 samples).
/// `seal()` then re-encodes it about three times smaller.
///
/// A value type with copy-on-write bytes: copying a `HeadChunk` (or making an
/// iterator) is a cheap snapshot of the samples appended so far; the next
/// append after a snapshot copies the bytes once. The store guards appends
/// and snapshots with its lock; iteration then needs no lock.
///
/// Timestamps are expected to increase (the store rejects out-of-order
/// samples), but any `Int64` sequence round-trips bit-exactly.
///
/// `@unchecked Sendable`: the only reference type inside is the byte
/// storage, which is written only while uniquely referenced.
public struct HeadChunk: @unchecked Sendable {
    /// Most samples one chunk can hold: the XOR header counts in 16 bits.
    public static let maxSamples = Int(UInt16.max)

    private var stream = HeadStream()
    /// Number of samples appended.
    public private(set) var count = 0
    /// Timestamp of the first sample (0 while empty).
    public private(set) var minTime: Int64 = 0
    /// Timestamp of the last sample (0 while empty).
    public private(set) var maxTime: Int64 = 0
    private var lastDelta: Int64 = 0
    private var values = XORValueEncoder(first: 0)

    /// An empty chunk; allocates nothing until the first append.
    public init() {}

    /// True when the chunk cannot take another sample.
    public var isFull: Bool { count >= Self.maxSamples }

    /// Value of the last sample (0 while empty).
    public var lastValue: Double { Double(bitPattern: values.previous) }

    /// Length of the encoded stream in bytes.
    public var byteCount: Int { stream.byteCount }

    /// Heap bytes held, for memory accounting (the struct itself is extra).
    public var allocatedBytes: Int { stream.allocatedBytes }

    /// Appends a sample. The caller (the store) seals the chunk before it is
    /// full; appending to a full chunk is a programming error.
    public mutating func append(_ t: Int64, _ v: Double) {
        precondition(count < Self.maxSamples, "HeadChunk is full; seal it first")
        // 4+64 bits of timestamp and 13+64 of value at most.
        stream.reserve(bits: 160)
        let bits = v.bitPattern
        switch count {
        case 0:
            stream.bitCount = 16
            stream.writeUVarint(zigzagEncode(t))
            stream.write(bits, 64)
            values = XORValueEncoder(first: bits)
            minTime = t
        case 1:
            let delta = t &- maxTime
            stream.writeUVarint(UInt64(bitPattern: delta))
            values.encode(bits, to: &stream)
            lastDelta = delta
        default:
            let delta = t &- maxTime
            stream.writeDeltaOfDelta(delta &- lastDelta)
            values.encode(bits, to: &stream)
            lastDelta = delta
        }
        maxTime = t
        count += 1
        stream.setSampleCount(count)
    }

    /// An iterator over a snapshot of the samples appended so far.
    public func makeIterator() -> ChunkIterator {
        guard let storage = stream.storage else { return ChunkIterator.empty }
        return ChunkIterator(uncheckedEncoding: .xor, storage: storage, byteCount: stream.byteCount)
    }

    /// Calls `body` with the XOR-encoded bytes in place (empty when no sample was appended).
    func withStreamBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let storage = stream.storage else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return withExtendedLifetime(storage) { body(UnsafeRawBufferPointer(start: storage.elements, count: stream.byteCount)) }
    }

    /// The XOR-encoded bytes (a Prometheus-compatible chunk).
    public var bytes: [UInt8] {
        guard let storage = stream.storage else { return [0, 0] }
        return Array(UnsafeBufferPointer(start: storage.elements, count: stream.byteCount))
    }
}

/// The head's growing bit stream: a 2-byte sample count, then Gorilla bits.
private struct HeadStream: BitSink {
    var storage: ChunkByteStorage?
    var bitCount = 0

    var byteCount: Int { (bitCount + 7) >> 3 }
    var allocatedBytes: Int { storage.map { $0.byteCapacity + 32 } ?? 0 }

    /// Makes sure `bits` more bits fit and the bytes are not shared with a
    /// snapshot, copying them otherwise.
    mutating func reserve(bits: Int) {
        let needed = (bitCount + bits + 7) >> 3
        // Checked before binding `storage` to a local, which would count as a second reference.
        let unique = isKnownUniquelyReferenced(&storage)
        guard let current = storage else {
            storage = ChunkByteStorage.make(capacity: max(needed, 64))
            return
        }
        let capacity = current.byteCapacity
        if capacity >= needed {
            if unique { return }
            storage = current.grown(used: byteCount, capacity: capacity)
        } else {
            // Small steps: a head chunk lives long and its slack is per-series memory.
            storage = current.grown(used: byteCount, capacity: max(needed, capacity + max(32, capacity / 4)))
        }
    }

    mutating func setSampleCount(_ count: Int) {
        let header = storage.unsafelyUnwrapped.elements
        header[0] = UInt8(truncatingIfNeeded: count >> 8)
        header[1] = UInt8(truncatingIfNeeded: count)
    }

    /// Writes the low `n` bits of `value` after `bitCount`; `reserve` made
    /// room and the bytes there are zero, so bits are OR'ed in.
    mutating func write(_ value: UInt64, _ n: Int) {
        let current = storage.unsafelyUnwrapped
        let bytes = current.elements
        let byteIndex = bitCount >> 3
        // One 8-byte read-modify-write when the word fits the buffer (it
        // usually does: buffers grow with slack); byte by byte otherwise.
        if n <= 56 && byteIndex &+ 8 <= current.byteCapacity {
            let shift = UInt64(64 &- (bitCount & 7) &- n)
            let word = UnsafeMutableRawPointer(bytes + byteIndex)
            let bits = (value & ((1 &<< UInt64(n)) &- 1)) &<< shift
            word.storeBytes(of: (UInt64(bigEndian: word.loadUnaligned(as: UInt64.self)) | bits).bigEndian, as: UInt64.self)
            bitCount &+= n
            return
        }
        var left = n
        while left > 0 {
            let used = bitCount & 7
            let free = 8 - used
            let take = min(left, free)
            let chunk = UInt8(truncatingIfNeeded: (value >> UInt64(left - take)) & ((1 << UInt64(take)) &- 1))
            bytes[bitCount >> 3] |= chunk << UInt8(free - take)
            left -= take
            bitCount += take
        }
    }

    mutating func writeUVarint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            write((x & 0x7f) | 0x80, 8)
            x >>= 7
        }
        write(x, 8)
    }

    /// Prometheus's buckets, sized for millisecond timestamps.
    mutating func writeDeltaOfDelta(_ dod: Int64) {
        let bits = UInt64(bitPattern: dod)
        if dod == 0 {
            write(0, 1)
        } else if XORLayout.fits(dod, 14) {
            write(0b10, 2); write(bits, 14)
        } else if XORLayout.fits(dod, 17) {
            write(0b110, 3); write(bits, 17)
        } else if XORLayout.fits(dod, 20) {
            write(0b1110, 4); write(bits, 20)
        } else {
            write(0b1111, 4); write(bits, 64)
        }
    }
}

/// Constants shared by the XOR writer and reader.
enum XORLayout {
    /// Whether `x` lies in Prometheus's range for an `n`-bit bucket,
    /// [-(2^(n-1) - 1), 2^(n-1)].
    @inline(__always)
    static func fits(_ x: Int64, _ n: Int) -> Bool {
        -((1 << (n - 1)) - 1) <= x && x <= 1 << (n - 1)
    }
}
