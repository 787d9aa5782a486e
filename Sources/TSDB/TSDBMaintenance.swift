import Logging
import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TSDB {
    // MARK: Flush

    /// Makes sealed chunks durable and indexes them with new series.
    /// Caller holds `maintenanceLock`. Returns the WAL segment that was
    /// current when the head was read (WAL truncation must keep it).
    @discardableResult
    func flushLocked() throws -> Int {
        try writer.flush()
        var durable: [UInt32: Int] = [:]
        for s in segments.all() { durable[s.id] = s.durableSize }
        let walSegment = commitLock.withLock { wal.segment }
        let (collected, ticket) = head.collectFlush(durableSizes: durable)
        var batch = collected
        let referenced = Set(batch.chunkRefs.flatMap { $0.refs.map(\.segment) })
        batch.segments = segments.all().filter { referenced.contains($0.id) }
        batch.nextSegmentID = (segments.all().map(\.id).max() ?? 0) + 1
        try index.apply(batch)
        head.completeFlush(ticket)
        counters.indexFlushes.add(1)
        return walSegment
    }

    /// Deletes WAL segments before `keepFrom` that memory no longer needs.
    func truncateWALLocked(keepFrom: Int) throws {
        var keep = keepFrom
        if let needed = head.oldestNeededWALSegment() { keep = min(keep, needed) }
        let files = try FileIO.numberedFiles(walDirectory)
        var removed = 0
        for f in files where f.number < keep {
            try FileIO.remove(f.path)
            removed += 1
        }
        if removed > 0 {
            FileIO.syncDirectory(walDirectory)
            counters.walTruncations.add(1)
            counters.walSegmentsRemoved.add(removed)
        }
    }

    /// One round of background work: flush and shrink the WAL; on `slow`
    /// rounds (about a minute apart) also seal idle chunks, evict idle
    /// series and apply retention, which scan every series.
    func runMaintenance(slow: Bool) throws {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { return }
            if slow { _ = head.sealIdleChunks() }
            let walSegment = try flushLocked()
            try truncateWALLocked(keepFrom: walSegment)
            if slow {
                _ = head.collectGarbage(idle: options.idleSeriesMilliseconds)
                try applyRetentionLocked()
            }
        }
    }

    /// Forces a flush of sealed chunks and new series to the index now (tests and tools).
    public func flush() throws {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
            let walSegment = try flushLocked()
            try truncateWALLocked(keepFrom: walSegment)
        }
    }

    /// Runs retention now (tests and tools); normally the background does it.
    public func applyRetention() throws {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
            try applyRetentionLocked()
        }
    }

    /// Syncs the WAL outside the commit lock (interval policy).
    func syncWAL() {
        guard let fd = commitLock.withLock({ wal.syncHandle() }) else { return }
        if fdatasync(fd) != 0 {
            counters.backgroundErrors.add(1)
            logger.error("WAL fdatasync failed: \(errnoDescription(errno))")
        }
        Glibc.close(fd)
    }
}

/// The background thread: WAL syncs on the interval policy, periodic
/// flushes and the rest of `runMaintenance`.
final class MaintenanceThread: @unchecked Sendable {
    private unowned let db: TSDB
    private let signal = WakeSignal()
    private let stopping = PosixLock()
    private var stopRequested = false
    private var thread: pthread_t?

    init(db: TSDB) { self.db = db }

    func start() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var t = pthread_t()
        let rc = pthread_create(&t, nil, { arg in
            let me = Unmanaged<MaintenanceThread>.fromOpaque(arg!).takeRetainedValue()
            me.loop()
            return nil
        }, context)
        if rc == 0 {
            thread = t
        } else {
            Unmanaged<MaintenanceThread>.fromOpaque(context).release()
            db.logger.error("cannot start the maintenance thread: \(errnoDescription(rc))")
        }
    }

    func wake() { signal.signal() }

    func stop() {
        stopping.withLock { stopRequested = true }
        signal.signal()
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }

    private var shouldStop: Bool { stopping.withLock { stopRequested } }

    private func loop() {
        let flushEvery = db.options.flushIntervalMilliseconds
        var syncEvery = flushEvery
        if case .interval(let ms) = db.options.walSyncPolicy { syncEvery = ms }
        let tick = max(10, min(flushEvery, syncEvery))
        var lastFlush = Clock.monotonicNanos()
        var lastSlow = UInt64(0)
        while !shouldStop {
            let woken = signal.wait(milliseconds: tick)
            if shouldStop { break }
            db.syncWAL()
            let now = Clock.monotonicNanos()
            guard woken || now - lastFlush >= UInt64(flushEvery) * 1_000_000 else { continue }
            lastFlush = now
            let slow = now - lastSlow >= 60_000_000_000
            if slow { lastSlow = now }
            do {
                try db.runMaintenance(slow: slow)
            } catch {
                db.counters.backgroundErrors.add(1)
                db.logger.error("background maintenance failed (will retry): \(error)")
            }
        }
    }
}
