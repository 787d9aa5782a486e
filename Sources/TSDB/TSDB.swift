import Logging
import Model
import Storage
import Synchronization

/// Ember's time series database: a write-ahead log, a head of open chunks
/// in memory, append-only chunk segment files read through mmap, and a
/// SQLite index of series, postings and chunk references.
///
///     let db = try TSDB.open(directory: "data", options: TSDBOptions())
///     let app = db.appender()
///     try app.append(labels, t, v)
///     try app.commit()             // durable in the WAL, then visible
///     let q = try db.querier(mint: 0, maxt: .max)
///
/// One process per directory (an exclusive lock on `lock`). Thread-safe:
/// appenders, queriers and the background maintenance run concurrently.
public final class TSDB: Storage, @unchecked Sendable {
    /// The data directory.
    public let directory: String
    public let options: TSDBOptions
    let logger: Logger
    let counters = StatsCounters()
    let readFailures: ReadFailures
    let lockFile: DirectoryLock
    let index: IndexStore
    /// Deleted time ranges per series (delete_series), applied by queries.
    let tombstones: TombstoneStore
    let symbols: SymbolTable
    let segments: ChunkSegments
    let writer: ChunkSegmentWriter
    let head: Head
    /// Serializes commits: WAL order is apply order.
    let commitLock = PosixLock()
    var wal: WALWriter
    private var encodeBuffer = DiskBuffer(capacity: 64 << 10)
    /// Serializes flushes, retention and close.
    let maintenanceLock = PosixLock()
    let closed = Atomic<Bool>(false)
    var maintenance: MaintenanceThread?
    /// Series that lost chunks to retention while in memory; checked again later.
    let retentionCandidates = Mutex<Set<UInt64>>([])
    /// What open() found wrong and repaired, for the operator.
    public let openReport: [String]

    var walDirectory: String { directory + "/wal" }
    var chunksDirectory: String { directory + "/chunks" }
    var indexPath: String { directory + "/index.sqlite" }

    /// Opens (creating when needed) the database in `directory`: takes the
    /// lock, checks and loads the index (repairing it from the chunk files
    /// if it is damaged), verifies chunks, replays the WAL, then starts
    /// background maintenance. Throws `TSDBError.directoryLocked` when
    /// another process has the directory.
    public static func open(directory: String, options: TSDBOptions = TSDBOptions()) throws -> TSDB {
        try options.validate()
        try FileIO.makeDirectory(directory)
        let lock = try DirectoryLock(directory: directory)
        return try TSDB(directory: directory, options: options, lock: lock)
    }

    private init(directory: String, options: TSDBOptions, lock: DirectoryLock) throws {
        self.directory = directory
        self.options = options
        logger = options.logger
        lockFile = lock
        readFailures = ReadFailures(stats: counters, logger: options.logger)
        try FileIO.makeDirectory(directory + "/wal")
        try FileIO.makeDirectory(directory + "/chunks")
        var report: [String] = []
        let opened = try OpenIndex.open(directory: directory, logger: options.logger, counters: counters, report: &report)
        index = opened.index
        let rebuilt = counters.indexCorruptions.load(ordering: .relaxed) > 0
        tombstones = try TombstoneStore(index: opened.index, logger: options.logger,
                                        salvageFrom: rebuilt ? TombstoneStore.newestDamagedIndex(in: directory) : nil)
        symbols = opened.symbols
        segments = opened.segments
        writer = ChunkSegmentWriter(segments: segments, maxBytes: options.chunkSegmentBytes,
                                    maxSpan: options.chunkSegmentSpanMilliseconds)
        let head = Head(symbols: opened.symbols, index: opened.index, writer: writer, stats: counters,
                        limits: ChunkLimits(maxSamples: options.maxSamplesPerChunk, maxBytes: options.maxHeadChunkBytes,
                                            range: options.chunkRangeMilliseconds, staggerFirst: options.staggerFirstChunks),
                        nextSeriesID: opened.nextSeriesID)
        self.head = head
        if options.verifyChunksOnOpen {
            report += try ChunkVerifier(index: opened.index, segments: opened.segments, counters: counters,
                                        logger: options.logger).verifyAll()
        }
        let indexedIDs = try Self.loadKnownSeries(head: head, index: opened.index, symbols: opened.symbols,
                                                  segments: opened.segments)
        let replay = try WALReplayer(head: head, index: opened.index, symbols: opened.symbols, indexedIDs: indexedIDs)
            .run(directory: directory + "/wal", counters: counters, logger: options.logger)
        report += replay.messages
        wal = try WALWriter(directory: directory + "/wal", segmentSize: options.walSegmentBytes,
                            policy: options.walSyncPolicy, firstSegment: replay.nextSegment)
        openReport = report
        head.lastValueResolver = { [unowned self] id, t in self.lastIndexedValue(series: id, at: t) }
        writer.onBufferFull = { [unowned self] in self.maintenance?.wake() }
        maintenance = MaintenanceThread(db: self)
        maintenance?.start()
    }

    deinit {
        if !closed.load(ordering: .acquiring) { try? close() }
    }

    /// Registers every indexed series with the head (label hash -> id, and
    /// newest indexed time); returns their ids for the WAL replay.
    private static func loadKnownSeries(head: Head, index: IndexStore, symbols: SymbolTable,
                                        segments: ChunkSegments) throws -> Set<UInt64> {
        var ids = Set<UInt64>()
        try index.forEachSeries { id, pairs in
            head.registerKnown(id: id, hash: symbols.stableHash(pairs))
            ids.insert(id)
        }
        let all = segments.all()
        let maxTimes = try index.indexedMaxTimes(segments: all, wanted: ids.count)
        head.lock.withLock {
            head.indexedMaxTimes = maxTimes
            head.outsideMaxTime = all.filter { $0.chunks > 0 }.map(\.maxTime).max() ?? .min
        }
        return ids
    }

    /// Flushes everything to chunk files and the index, removes the WAL it
    /// no longer needs, stops background work and releases the lock.
    /// Samples committed before `close` are readable after the next open.
    public func close() throws {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        maintenance?.stop()
        maintenance = nil
        var firstError: Error?
        maintenanceLock.withLock {
            do {
                // Commits check `closed` under the commit lock: once we hold it, none can follow.
                commitLock.withLock {}
                head.sealAll()
                try flushLocked()
                let next = try commitLock.withLock {
                    try wal.cut()
                    return wal.segment
                }
                try truncateWALLocked(keepFrom: next)
            } catch {
                firstError = error
                logger.error("close: could not flush everything, the WAL keeps it: \(error)")
            }
            commitLock.withLock { wal.close() }
        }
        segments.dropMappings()
        index.close(compactBelow: 64 << 20)
        lockFile.release()
        if let firstError { throw firstError }
    }

    // MARK: Storage

    /// A new write transaction.
    public func appender() -> any Appender { HeadAppender(db: self, head: head) }

    /// A read view of samples in [mint, maxt]; it does not see commits made after it was created.
    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
        return TSDBQuerier(db: self, mint: mint, maxt: maxt)
    }

    /// Writes a commit to the WAL, then applies it to the head.
    func commit(_ staged: [StagedSample], touched: [MemSeries]) throws {
        try commitLock.withLock {
            guard !closed.load(ordering: .acquiring) else { throw TSDBError.closed }
            var logged = Set<UInt64>()
            var newSeries: [WALSeries] = []
            for s in touched where !s.walLogged && logged.insert(s.id).inserted {
                newSeries.append(WALSeries(id: s.id, labels: symbols.labels(s.pairs)))
            }
            var segment = wal.segment
            if !staged.isEmpty || !newSeries.isEmpty {
                staged.withUnsafeBufferPointer { WALFormat.encode(series: newSeries, samples: $0, into: &encodeBuffer) }
                segment = try wal.write(encodeBuffer.bytes)
            }
            head.applyCommit(staged, touched: touched, walSegment: segment)
        }
        counters.commits.add(1)
    }

    // MARK: Stats

    /// A snapshot of the self-metrics.
    public var stats: TSDBStats {
        var s = TSDBStats()
        counters.fill(&s)
        let footprint = head.chunkFootprint()
        s.headSeries = footprint.series
        s.headChunks = footprint.openChunks
        s.headChunkBytes = footprint.bytes
        let segs = segments.all()
        s.chunkSegments = segs.filter { $0.durableSize > 0 }.count
        s.chunkBytes = segs.reduce(0) { $0 + $1.durableSize }
        let walFiles = (try? FileIO.numberedFiles(walDirectory)) ?? []
        s.walSegments = walFiles.count
        s.walBytes = walFiles.reduce(0) { $0 + (FileIO.size(of: $1.path) ?? 0) }
        s.indexBytes = index.fileBytes
        s.indexedSeries = head.lock.withLock { head.known.count + head.collisions.values.reduce(0) { $0 + $1.count } }
        let range = timeRange
        if range.min <= range.max {
            s.minTime = range.min
            s.maxTime = range.max
        }
        return s
    }

    /// Oldest and newest sample time stored (min > max when empty).
    var timeRange: (min: Int64, max: Int64) {
        var lo = Int64.max, hi = Int64.min
        for s in segments.all() where s.chunks > 0 {
            lo = min(lo, s.minTime)
            hi = max(hi, s.maxTime)
        }
        head.lock.withLock {
            for s in head.byID.values {
                if let m = s.memoryMinTime { lo = min(lo, m) }
                if s.lastTime != .min { hi = max(hi, s.lastTime) }
            }
        }
        return (lo, hi)
    }

    /// Value of the newest indexed sample of a series at time `t` (to tell
    /// a duplicate from a conflicting sample after a restart).
    func lastIndexedValue(series: UInt64, at t: Int64) -> Double? {
        let segs = segments.overlapping(t, t)
        guard let refs = try? index.read({ try IndexStore.chunkRefs($0, series: series, segments: segs) }) else { return nil }
        for ref in refs where ref.minTime <= t && ref.maxTime >= t {
            guard let info = segments.info(ref.segment),
                  let mapping = try? segments.mapping(ref.segment, covering: info.durableSize) else { continue }
            let span = ChunkSpan(minTime: ref.minTime, maxTime: ref.maxTime,
                                 source: .mapped(mapping, offset: Int(ref.offset), series: series, segment: ref.segment))
            guard let it = readFailures.open(span), it.seek(t), it.timestamp == t else { continue }
            return it.value
        }
        return nil
    }
}
