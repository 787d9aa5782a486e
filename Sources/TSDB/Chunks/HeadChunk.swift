/// The open chunk of a series: samples are appended one at a time into a
/// Gorilla (`ChunkEncoding.xor`) bit stream, 1.3 to 3 bytes per sample
/// (2.6 on the benchmark dataset, about 400 heap bytes for 120 samples).
/// `seal()` then re-encodes it about three times smaller.
///
/// A value type whose bytes are shared with snapshots: `snapshot()` and
/// `makeIterator()` hand out the samples appended so far without copying,
/// and the next append copies the bytes once if a snapshot still holds them.
/// The store guards appends and snapshots with its lock; iteration then
/// needs no lock.
///
/// Copy a `HeadChunk` only through `snapshot()`. An append touches nothing
/// but this struct and the tail of the stream (one cache line, not the
/// buffer's header as a reference-count check would): the bytes' sample
/// count and sharing are tracked here, and the count is written into the
/// bytes only when something reads them. A plain copy would go unnoticed
/// and see later appends; debug builds trap on the append that follows one.
///
/// Timestamps are expected to increase (the store rejects out-of-order
/// samples), but any `Int64` sequence round-trips bit-exactly.
///
/// `@unchecked Sendable`: the only reference type inside is the byte
/// storage, which is written only while no snapshot holds it.
public struct HeadChunk: @unchecked Sendable {
    /// Most samples one chunk can hold: the XOR header counts in 16 bits.
    public static let maxSamples = Int(UInt16.max)

    private var stream = HeadStream()
    /// Timestamp of the first sample (0 while empty).
    public private(set) var minTime: Int64 = 0
    /// Timestamp of the last sample (0 while empty).
    public private(set) var maxTime: Int64 = 0
    private var lastDelta: Int64 = 0
    private var values = XORValueEncoder(first: 0)
    private var sampleCount: UInt16 = 0
    /// A snapshot or iterator may hold `stream`'s bytes: the next append
    /// checks and copies them first.
    private var mayBeShared = false

    /// An empty chunk; allocates nothing until the first append.
    public init() {}

    /// Number of samples appended.
    public var count: Int { Int(sampleCount) }

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
        if mayBeShared {
            stream.makeUnique()
            mayBeShared = false
        }
        assert(stream.isUnique(), "a HeadChunk was copied without snapshot(); the copy would see this append")
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
        sampleCount &+= 1
    }

    /// A copy holding the samples appended so far, sharing the bytes until
    /// the next append here. The only way to copy a chunk that may grow.
    public mutating func snapshot() -> HeadChunk {
        publishCount()
        mayBeShared = stream.storage != nil
        return self
    }

    /// An iterator over a snapshot of the samples appended so far.
    public mutating func makeIterator() -> ChunkIterator {
        guard let storage = stream.storage else { return ChunkIterator.empty }
        publishCount()
        mayBeShared = true
        return ChunkIterator(uncheckedEncoding: .xor, storage: storage, byteCount: stream.byteCount)
    }

    /// Calls `body` with the XOR-encoded bytes in place (empty when no sample was appended).
    func withStreamBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let storage = stream.storage else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        publishCount()
        return withExtendedLifetime(storage) { body(UnsafeRawBufferPointer(start: storage.elements, count: stream.byteCount)) }
    }

    /// The XOR-encoded bytes (a Prometheus-compatible chunk).
    public var bytes: [UInt8] {
        guard let storage = stream.storage else { return [0, 0] }
        publishCount()
        return Array(UnsafeBufferPointer(start: storage.elements, count: stream.byteCount))
    }

    /// Writes the sample count into the stream's 2-byte header, which
    /// appends leave stale. Only a stale header is written, and it is stale
    /// only after appends, which never write bytes a snapshot holds; so
    /// this never writes bytes another thread may be reading.
    private func publishCount() {
        guard let storage = stream.storage else { return }
        let header = storage.elements
        let high = UInt8(truncatingIfNeeded: sampleCount >> 8)
        let low = UInt8(truncatingIfNeeded: sampleCount)
        if header[0] != high || header[1] != low {
            header[0] = high
            header[1] = low
        }
    }
}

/// The head's growing bit stream: a 2-byte sample count (see
/// `HeadChunk.publishCount`), then Gorilla bits. Its length and capacity
/// live here, not in the buffer, so writing touches only the stream's tail.
private struct HeadStream: BitSink {
    var storage: ChunkByteStorage?
    private var bits: UInt32 = 0
    /// Usable bytes of `storage` (0 while nil).
    private var capacity: UInt32 = 0

    /// Bits written, header included (under 2^32: at most 65,535 samples of 145 bits).
    var bitCount: Int {
        get { Int(bits) }
        set { bits = UInt32(truncatingIfNeeded: newValue) }
    }

    var byteCount: Int { (bitCount + 7) >> 3 }
    var allocatedBytes: Int { storage == nil ? 0 : Int(capacity) + 32 }

    /// Whether no snapshot holds the bytes.
    mutating func isUnique() -> Bool {
        storage == nil || isKnownUniquelyReferenced(&storage)
    }

    /// Copies the bytes if a snapshot holds them.
    mutating func makeUnique() {
        guard !isKnownUniquelyReferenced(&storage), let current = storage else { return }
        storage = current.grown(used: byteCount, capacity: Int(capacity))
    }

    /// Makes sure `bits` more bits fit; the bytes must not be shared.
    mutating func reserve(bits more: Int) {
        let needed = (bitCount + more + 7) >> 3
        let current = Int(capacity)
        if needed <= current { return }
        // Small steps: a head chunk lives long and its slack is per-series memory.
        let grown = storage == nil ? max(needed, 64) : max(needed, current + max(32, current / 4))
        storage = storage.map { $0.grown(used: byteCount, capacity: grown) } ?? ChunkByteStorage.make(capacity: grown)
        capacity = UInt32(grown)
    }

    /// Writes the low `n` bits of `value` after `bitCount`; `reserve` made
    /// room and the bytes there are zero, so bits are OR'ed in.
    mutating func write(_ value: UInt64, _ n: Int) {
        let bytes = storage.unsafelyUnwrapped.elements
        let bitCount = self.bitCount
        let byteIndex = bitCount >> 3
        // One 8-byte read-modify-write when the word fits the buffer (it
        // usually does: buffers grow with slack); byte by byte otherwise.
        if n <= 56 && byteIndex &+ 8 <= Int(capacity) {
            let shift = UInt64(64 &- (bitCount & 7) &- n)
            let word = UnsafeMutableRawPointer(bytes + byteIndex)
            let bits = (value & ((1 &<< UInt64(n)) &- 1)) &<< shift
            word.storeBytes(of: (UInt64(bigEndian: word.loadUnaligned(as: UInt64.self)) | bits).bigEndian, as: UInt64.self)
            self.bitCount = bitCount &+ n
            return
        }
        var left = n
        var position = bitCount
        while left > 0 {
            let used = position & 7
            let free = 8 - used
            let take = min(left, free)
            let chunk = UInt8(truncatingIfNeeded: (value >> UInt64(left - take)) & ((1 << UInt64(take)) &- 1))
            bytes[position >> 3] |= chunk << UInt8(free - take)
            left -= take
            position += take
        }
        self.bitCount = position
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
