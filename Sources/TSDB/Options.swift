import Logging

/// Settings of a `TSDB`. The defaults suit a server scraping every 15-60 s.
public struct TSDBOptions: Sendable {
    /// Samples older than the newest sample minus this are dropped, whole
    /// chunk segments at a time (Prometheus's --storage.tsdb.retention.time).
    public var retentionMilliseconds: Int64 = 15 * 24 * 3_600_000
    /// When the data directory grows beyond this many bytes, the oldest chunk
    /// segments are dropped (--storage.tsdb.retention.size); 0 = unlimited.
    public var retentionBytes: Int64 = 0

    /// WAL segment size; a record never spans segments.
    public var walSegmentBytes = 128 << 20
    public var walSyncPolicy: WALSyncPolicy = .interval(milliseconds: 1000)

    /// A head chunk is sealed at this many samples...
    public var maxSamplesPerChunk = 240
    /// ...or when its encoded bytes reach this: bounds head memory per series
    /// (340 keeps the chunk buffer within its 364-byte growth step)...
    public var maxHeadChunkBytes = 340
    /// A series' first head chunk is cut at a fraction of those limits
    /// (between half and all of them, fixed per series): series created
    /// together, as a target's are, then seal at different moments instead of
    /// all at once, which would buffer every sealed chunk in the same few
    /// seconds (about 10 MB at 50,000 series) and stall one commit per target.
    public var staggerFirstChunks = true
    /// ...or when a sample crosses the next multiple of this span (ms), so
    /// chunks of all series share boundaries and an idle series' chunk is
    /// sealed once the head has moved a full span past it.
    public var chunkRangeMilliseconds: Int64 = 2 * 3_600_000
    /// Sample cap of chunks built by the bulk (backfill) path, which holds
    /// only the series being written and can afford longer chunks.
    public var bulkMaxSamplesPerChunk = 1024

    /// A chunk segment file is closed at this size...
    public var chunkSegmentBytes = 512 << 20
    /// ...or when its chunks span more than this much sample time, which
    /// bounds how much data outlives the retention time.
    public var chunkSegmentSpanMilliseconds: Int64 = 24 * 3_600_000

    /// How often sealed chunk references and new series are committed to the
    /// SQLite index, and other background work (WAL truncation, retention,
    /// head garbage collection) is considered.
    public var flushIntervalMilliseconds = 5_000
    /// A series with no samples in the open head for this long (by sample
    /// time) leaves memory; it stays in the index and comes back on its next sample.
    public var idleSeriesMilliseconds: Int64 = 2 * 3_600_000

    /// Check every chunk's checksum when opening (cost: reading all chunk files once).
    public var verifyChunksOnOpen = true

    public var logger = Logger(label: "ember.tsdb")

    public init() {}

    func validate() throws {
        guard retentionMilliseconds > 0 else { throw TSDBError.invalidOption("retention time must be positive") }
        guard retentionBytes >= 0 else { throw TSDBError.invalidOption("retention size must not be negative") }
        guard walSegmentBytes >= 64 << 10 else { throw TSDBError.invalidOption("WAL segment size must be at least 64 KiB") }
        guard (1...Int(UInt16.max)).contains(maxSamplesPerChunk), (1...Int(UInt16.max)).contains(bulkMaxSamplesPerChunk) else {
            throw TSDBError.invalidOption("samples per chunk must be between 1 and 65535")
        }
        guard maxHeadChunkBytes >= 16 else { throw TSDBError.invalidOption("head chunk size must be at least 16 bytes") }
        guard chunkRangeMilliseconds > 0, chunkSegmentSpanMilliseconds > 0 else {
            throw TSDBError.invalidOption("chunk ranges must be positive")
        }
        guard chunkSegmentBytes >= 64 << 10, chunkSegmentBytes <= Int(UInt32.max) else {
            throw TSDBError.invalidOption("chunk segment size must be between 64 KiB and 4 GiB")
        }
        guard flushIntervalMilliseconds > 0, idleSeriesMilliseconds > 0 else {
            throw TSDBError.invalidOption("intervals must be positive")
        }
        if case .interval(let ms) = walSyncPolicy, ms <= 0 {
            throw TSDBError.invalidOption("WAL sync interval must be positive")
        }
    }
}
