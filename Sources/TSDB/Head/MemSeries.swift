/// A sealed chunk written to the chunk writer whose reference is not yet in
/// the index. Queries read it from memory until the flush publishes the ref.
struct PendingChunk {
    var ref: ChunkRef
    var chunk: SealedChunk
    /// WAL segment holding the chunk's first sample; the WAL must keep it until the ref is indexed.
    var firstWALSegment: Int32
}

/// A commit that touched a series while a querier was open: readers older
/// than `seq` see only samples up to `previousMaxTime`.
struct IsolationMark {
    var seq: UInt64
    var previousMaxTime: Int64
}

/// One series in the head. All mutable state is guarded by the head lock.
/// Kept small (the memory goal is under 1 KiB per active series): label
/// pairs are interned ids, the open chunk is a compact Gorilla stream,
/// rarely used state stays nil, and fields are ordered to avoid padding.
final class MemSeries {
    let id: UInt64
    let pairs: [UInt32]
    var chunk = HeadChunk()
    /// Newest committed sample; `Int64.min` before the first.
    var lastTime: Int64 = .min
    var lastValueBits: UInt64 = 0
    /// Newest time covered by chunks whose refs are in the index.
    var persistedMaxTime: Int64 = .min
    var pendingChunks: [PendingChunk] = []
    var isolation: [IsolationMark]?
    /// WAL segment of the open chunk's first sample (-1 when the chunk is empty).
    var chunkFirstWALSegment: Int32 = -1
    /// Index in the head's slot array (see `Head.ref(of:)`).
    var slot: Int32 = -1
    /// The appender with a staged sample for this series, and that sample's
    /// index in its staging array.
    var stagedBy: UInt32 = 0
    var stagedIndex: Int32 = 0
    /// Appenders with staged, uncommitted samples for this series; GC skips it while > 0.
    var pendingAppenders: UInt16 = 0
    /// False after activation from the index until the last value is needed and read.
    var lastValueKnown = true
    /// A chunk of this series was sealed before (or it came from the index):
    /// its open chunk is not the first, whose limits are staggered.
    var sealedBefore: Bool
    /// The series row exists in the index.
    var indexed: Bool
    /// A WAL record defines the series (or the index does, once `indexed`).
    var walLogged: Bool

    init(id: UInt64, pairs: [UInt32], indexed: Bool) {
        self.id = id
        self.pairs = pairs
        self.indexed = indexed
        self.walLogged = indexed
        self.sealedBefore = indexed
    }

    /// Oldest sample time held in memory (open or pending chunks), or nil.
    var memoryMinTime: Int64? {
        if let p = pendingChunks.first { return p.chunk.minTime }
        return chunk.count > 0 ? chunk.minTime : nil
    }

    /// Appends a committed sample, sealing the open chunk first when it is
    /// full or the sample falls past its time window.
    @inline(__always)
    func append(_ t: Int64, _ v: Double, walSegment: Int32, limits: ChunkLimits, writer: ChunkSegmentWriter) -> Bool {
        var sealed = false
        if chunk.count > 0 && (limits.isFull(chunk, firstOf: sealedBefore ? nil : id) || t >= limits.windowEnd(of: chunk.minTime)) {
            let expectedBytes = limits.expectedBytes(following: chunk)
            seal(writer: writer)
            chunk.reserve(bytes: expectedBytes)
            sealed = true
        }
        if chunk.count == 0 { chunkFirstWALSegment = walSegment }
        chunk.append(t, v)
        lastTime = t
        lastValueBits = v.bitPattern
        lastValueKnown = true
        return sealed
    }

    /// Seals the open chunk (if any) into the pending list.
    func seal(writer: ChunkSegmentWriter) {
        guard chunk.count > 0 else { return }
        let sealed = chunk.seal()
        let ref = writer.append(series: id, chunk: sealed)
        pendingChunks.append(PendingChunk(ref: ref, chunk: sealed, firstWALSegment: chunkFirstWALSegment))
        sealedBefore = true
        chunk = HeadChunk()
        chunkFirstWALSegment = -1
    }

    /// The newest time readers registered at `seq` may see.
    func visibleMaxTime(forReaderAt seq: UInt64) -> Int64 {
        guard let marks = isolation else { return .max }
        for m in marks where m.seq > seq { return m.previousMaxTime }
        return .max
    }
}

/// When head chunks are cut.
struct ChunkLimits {
    var maxSamples: Int
    /// Encoded size at which the open chunk is sealed, bounding head memory
    /// for series that compress badly.
    var maxBytes: Int
    var range: Int64
    /// Cut a series' first chunk at a per-series fraction of the limits (see `TSDBOptions.staggerFirstChunks`).
    var staggerFirst = false

    /// Whether `chunk` has reached its limits; `firstOf` is the series id
    /// when this is the series' first chunk.
    @inline(__always)
    func isFull(_ chunk: HeadChunk, firstOf series: UInt64?) -> Bool {
        guard staggerFirst, let series else { return chunk.count >= maxSamples || chunk.byteCount >= maxBytes }
        // A fixed fraction in [1/2, 1) per series, from a multiplicative hash of its id (ids are sequential).
        let share = Int(truncatingIfNeeded: (series &* 0x9E37_79B9_7F4A_7C15) >> 54) &+ 1024
        let samples = max(1, maxSamples * share / 2048)
        let bytes = maxBytes > Int.max / 2048 ? maxBytes : max(1, maxBytes * share / 2048)
        return chunk.count >= samples || chunk.byteCount >= bytes
    }

    /// The encoded size to reserve for the chunk after `chunk`: its bytes per
    /// sample at `maxSamples` samples, plus the 20 bytes an append keeps
    /// free for its worst case (rounded to words). A series
    /// encodes alike from chunk to chunk, so the next one is then allocated
    /// once instead of growing step by step (about 40 reallocations and
    /// copies per thousand appended samples).
    func expectedBytes(following chunk: HeadChunk) -> Int {
        guard chunk.count > 0 else { return 0 }
        let scaled = chunk.byteCount * max(maxSamples, chunk.count) / chunk.count
        return min(scaled, maxBytes) + 24
    }

    /// End (exclusive) of the aligned window a chunk starting at `minTime` belongs to.
    @inline(__always)
    func windowEnd(of minTime: Int64) -> Int64 {
        let q = minTime / range
        let floorQ = (minTime % range != 0 && minTime < 0) ? q - 1 : q
        return (floorQ &+ 1) &* range
    }
}
