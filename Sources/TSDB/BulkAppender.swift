import Model
import Storage

/// Writes historical samples straight into chunk files, bypassing the WAL
/// and the head's open chunks: the path of backfills and imports. Samples
/// of one series must come in increasing time order; series may be
/// interleaved, though series-by-series input uses the least memory.
/// Nothing is visible or durable until `commit()`, which syncs the chunk
/// files and indexes everything in one transaction. Data may overlap
/// what the store already has; queries merge it.
public final class BulkAppender {
    fileprivate struct Builder {
        var series: MemSeries
        var chunk = HeadChunk()
        var lastTime: Int64 = .min
    }

    private let db: TSDB
    private let writer: ChunkSegmentWriter
    private let limits: ChunkLimits
    private var builders: [Labels: Builder] = [:]
    private var current: Labels?
    private var refs: [UInt64: [ChunkRef]] = [:]
    /// Series held (pending mark) until commit, and their last time once their builder is gone.
    private var held: [UInt64: (series: MemSeries, lastTime: Int64)] = [:]
    private var samples = 0
    private var finished = false
    /// Builders kept open at most; beyond it all are sealed (interleaved input).
    private let maxOpenBuilders = 4096

    init(db: TSDB) {
        self.db = db
        writer = ChunkSegmentWriter(segments: db.segments, maxBytes: db.options.chunkSegmentBytes,
                                    maxSpan: db.options.chunkSegmentSpanMilliseconds)
        limits = ChunkLimits(maxSamples: db.options.bulkMaxSamplesPerChunk, maxBytes: .max,
                             range: db.options.chunkRangeMilliseconds)
    }

    deinit {
        if !finished { release() }
    }

    /// Adds one sample. Throws `AppendError.outOfOrder` when it is not newer
    /// than the previous sample of its series in this bulk.
    public func append(_ labels: Labels, _ t: Timestamp, _ v: Double) throws {
        guard !finished else { throw TSDBError.appenderFinished }
        if current != labels || builders[labels] == nil { try open(labels) }
        try builders[labels]!.append(t, v, limits: limits, writer: writer, refs: &refs)
        samples += 1
    }

    /// Adds a series' samples (increasing time).
    public func append(_ labels: Labels, samples list: [Sample]) throws {
        for s in list { try append(labels, s.t, s.v) }
    }

    private func open(_ labels: Labels) throws {
        current = labels
        guard builders[labels] == nil else { return }
        if builders.count >= maxOpenBuilders { sealAll() }
        let series = try db.head.getOrCreate(labels)
        if held[series.id] == nil {
            db.head.lock.withLock { series.pendingAppenders &+= 1 }
            held[series.id] = (series, .min)
        }
        var b = Builder(series: series)
        b.lastTime = held[series.id]!.lastTime
        builders[labels] = b
    }

    private func sealAll() {
        for (labels, var b) in builders {
            b.seal(writer: writer, refs: &refs)
            held[b.series.id]?.lastTime = b.lastTime
            builders[labels] = nil
        }
        current = nil
    }

    /// Makes everything appended durable and visible; returns the number of samples.
    @discardableResult
    public func commit() throws -> Int {
        guard !finished else { throw TSDBError.appenderFinished }
        sealAll()
        try writer.close()
        try db.indexBulk(refs: refs, series: held.values.map(\.series))
        finished = true
        release()
        db.counters.bulkSamplesAppended.add(samples)
        return samples
    }

    /// Discards what was not committed (chunks already written become unreachable).
    public func rollback() {
        guard !finished else { return }
        finished = true
        builders = [:]
        release()
    }

    private func release() {
        let series = held.values.map(\.series)
        held = [:]
        db.head.lock.withLock {
            for s in series where s.pendingAppenders > 0 { s.pendingAppenders -= 1 }
        }
    }
}

extension BulkAppender.Builder {
    fileprivate mutating func append(_ t: Int64, _ v: Double, limits: ChunkLimits, writer: ChunkSegmentWriter,
                                     refs: inout [UInt64: [ChunkRef]]) throws {
        guard t > lastTime else { throw AppendError.outOfOrder }
        if chunk.count > 0 && (chunk.count >= limits.maxSamples || t >= limits.windowEnd(of: chunk.minTime)) {
            seal(writer: writer, refs: &refs)
        }
        chunk.append(t, v)
        lastTime = t
    }

    fileprivate mutating func seal(writer: ChunkSegmentWriter, refs: inout [UInt64: [ChunkRef]]) {
        guard chunk.count > 0 else { return }
        let ref = writer.append(series: series.id, chunk: chunk.seal())
        refs[series.id, default: []].append(ref)
        chunk = HeadChunk()
    }
}

extension TSDB {
    /// Starts a bulk (backfill) write.
    public func bulkAppender() -> BulkAppender { BulkAppender(db: self) }

    /// Indexes a bulk's series and chunk refs in one transaction.
    func indexBulk(refs: [UInt64: [ChunkRef]], series: [MemSeries]) throws {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
            var batch = IndexBatch()
            let newSeries: [MemSeries] = head.lock.withLock { series.filter { !$0.indexed } }
            batch.newSeries = newSeries.map { ($0.id, $0.pairs) }
            let sym = symbols.unpersisted()
            batch.strings = sym.strings
            batch.pairs = sym.pairs
            batch.chunkRefs = refs.map { ($0.key, $0.value.sorted { $0.location < $1.location }) }
            let referenced = Set(refs.values.flatMap { $0.map(\.segment) })
            batch.segments = segments.all().filter { referenced.contains($0.id) }
            batch.nextSeriesID = head.lock.withLock { head.nextSeriesID }
            batch.nextSegmentID = (segments.all().map(\.id).max() ?? 0) + 1
            try index.apply(batch)
            symbols.markPersisted(sym.marks)
            head.lock.withLock {
                for s in newSeries {
                    s.indexed = true
                    s.walLogged = true
                }
                for s in series {
                    if let maxTime = refs[s.id]?.map(\.maxTime).max() {
                        s.persistedMaxTime = max(s.persistedMaxTime, maxTime)
                        head.indexedMaxTimes[s.id] = max(head.indexedMaxTimes[s.id] ?? .min, maxTime)
                        head.outsideMaxTime = max(head.outsideMaxTime, maxTime)
                    }
                }
                head.unindexed.removeAll { $0.indexed }
            }
        }
    }
}
