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
/// but this struct, and stores a word into the buffer every 64 bits: the
/// buffer's header (a reference count to check) and its tail (a word to
/// load and modify) are cache misses at 50,000 series. The sample count,
/// the word being filled and sharing are tracked here; count and word are
/// written into the bytes when something reads them. A plain copy would go
/// unnoticed and see later appends; debug builds trap on the append that
/// follows one.
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

    /// Allocates room for `bytes` of encoded stream ahead of the appends
    /// (the stream grows in small steps otherwise). Only on an empty chunk.
    public mutating func reserve(bytes: Int) {
        precondition(count == 0, "reserve(bytes:) on a chunk that holds samples")
        guard bytes > 2 else { return }
        stream.reserve(bits: bytes * 8 - stream.bitCount)
    }

    /// A copy holding the samples appended so far, sharing the bytes until
    /// the next append here. The only way to copy a chunk that may grow.
    public mutating func snapshot() -> HeadChunk {
        stream.publish(sampleCount: sampleCount)
        mayBeShared = stream.storage != nil
        return self
    }

    /// An iterator over a snapshot of the samples appended so far.
    public mutating func makeIterator() -> ChunkIterator {
        guard let storage = stream.storage else { return ChunkIterator.empty }
        stream.publish(sampleCount: sampleCount)
        mayBeShared = true
        return ChunkIterator(uncheckedEncoding: .xor, storage: storage, byteCount: stream.byteCount)
    }

    /// Calls `body` with the XOR-encoded bytes in place (empty when no sample was appended).
    func withStreamBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        guard let storage = stream.storage else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        stream.publish(sampleCount: sampleCount)
        return withExtendedLifetime(storage) { body(UnsafeRawBufferPointer(start: storage.elements, count: stream.byteCount)) }
    }

    /// The XOR-encoded bytes (a Prometheus-compatible chunk).
    public var bytes: [UInt8] {
        guard let storage = stream.storage else { return [0, 0] }
        stream.publish(sampleCount: sampleCount)
        return Array(UnsafeBufferPointer(start: storage.elements, count: stream.byteCount))
    }
}

/// The head's growing bit stream: a 2-byte sample count, then Gorilla
/// bits. Length, capacity and the 64-bit word being filled live here, not
/// in the buffer: an append stores to the buffer only when it completes a
/// word (a store, never a load of a line that is likely out of cache), and
/// readers get the last word and the count through `publish`.
private struct HeadStream: BitSink {
    var storage: ChunkByteStorage?
    /// Bits of the word at `bitCount >> 6`, left-aligned (stream order).
    private var pending: UInt64 = 0
    private var bits: UInt32 = 0
    /// Usable bytes of `storage`, a multiple of 8 (0 while nil).
    private var capacity: UInt32 = 0

    /// Bits written, header included (under 2^32: at most 65,535 samples of 145 bits).
    /// Set only to skip the header of an empty stream.
    var bitCount: Int {
        get { Int(bits) }
        set { bits = UInt32(truncatingIfNeeded: newValue) }
    }

    var byteCount: Int { (bitCount + 7) >> 3 }
    /// Bytes plus the object header and malloc's chunk header.
    var allocatedBytes: Int { storage == nil ? 0 : Int(capacity) + 24 }

    /// Whether no snapshot holds the bytes.
    mutating func isUnique() -> Bool {
        storage == nil || isKnownUniquelyReferenced(&storage)
    }

    /// Copies the bytes if a snapshot holds them.
    mutating func makeUnique() {
        guard !isKnownUniquelyReferenced(&storage), let current = storage else { return }
        storage = current.grown(used: byteCount, capacity: Int(capacity))
    }

    /// Makes sure `bits` more bits fit, in whole words; the bytes must not be shared.
    mutating func reserve(bits more: Int) {
        let needed = ((bitCount + more + 63) >> 6) << 3
        let current = Int(capacity)
        if needed <= current { return }
        // Small steps: a head chunk lives long and its slack is per-series memory.
        let step = storage == nil ? max(needed, 64) : max(needed, current + max(32, current / 4))
        let grown = (step + 7) & ~7
        storage = storage.map { $0.grown(used: byteCount, capacity: grown) } ?? ChunkByteStorage.make(capacity: grown)
        capacity = UInt32(grown)
    }

    /// Makes the bytes complete for readers: stores the word being filled
    /// and the sample count into the buffer. Writes only what differs, which
    /// happens only after appends, and appends never write bytes a snapshot
    /// holds: so this never writes bytes another thread may be reading.
    func publish(sampleCount: UInt16) {
        guard let storage else { return }
        let base = UnsafeMutableRawPointer(storage.elements)
        let wordIndex = bitCount >> 6
        var tail = pending
        if wordIndex == 0 { tail |= UInt64(sampleCount) << 48 }
        let tailOffset = wordIndex << 3
        if base.load(fromByteOffset: tailOffset, as: UInt64.self) != tail.bigEndian {
            base.storeBytes(of: tail.bigEndian, toByteOffset: tailOffset, as: UInt64.self)
        }
        if wordIndex > 0 && base.load(as: UInt16.self) != sampleCount.bigEndian {
            base.storeBytes(of: sampleCount.bigEndian, as: UInt16.self)
        }
    }

    /// Appends the low `n` (0...64) bits of `value`; `reserve` made room.
    @inline(__always)
    mutating func write(_ value: UInt64, _ n: Int) {
        let position = bitCount
        let free = 64 &- (position & 63)
        let v = n >= 64 ? value : value & ((1 &<< UInt64(n)) &- 1)
        bitCount = position &+ n
        if n < free {
            pending |= v &<< UInt64(free &- n)
            return
        }
        // The word is complete: store it and carry the rest into the next.
        let rest = n &- free
        let word = pending | (v &>> UInt64(rest))
        UnsafeMutableRawPointer(storage.unsafelyUnwrapped.elements)
            .storeBytes(of: word.bigEndian, toByteOffset: (position >> 6) << 3, as: UInt64.self)
        pending = rest == 0 ? 0 : v &<< UInt64(64 &- rest)
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
