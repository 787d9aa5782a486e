import Model

/// What one `cleanTombstones()` run did.
public struct CleanTombstonesResult: Sendable, Equatable {
    /// Chunk segment files rewritten without the deleted samples.
    public var segmentsRewritten = 0
    /// Chunks dropped because all their samples were deleted.
    public var chunksDropped = 0
    /// Chunks re-encoded without their deleted samples.
    public var chunksReencoded = 0
    /// Series removed from the index because no sample was left.
    public var seriesRemoved = 0
}

extension TSDB {
    /// Physically removes deleted samples, then the tombstones, as
    /// Prometheus's `clean_tombstones` does. Head data is first sealed into
    /// chunk files and the WAL cut and truncated, so no deleted sample
    /// survives in memory or can be replayed. Every chunk segment holding a
    /// chunk with deleted samples is rewritten to a new file (untouched
    /// chunks copied, partly deleted ones re-encoded, wholly deleted ones
    /// dropped); one index transaction per segment switches to the new file,
    /// then the old file is unlinked. A crash at any point leaves either
    /// segment, each still hidden by the tombstones, which go last.
    @discardableResult
    public func cleanTombstones() throws -> CleanTombstonesResult {
        try maintenanceLock.withLock {
            guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
            return try tombstones.mutation.withLock {
                let deleted = tombstones.current()
                guard !deleted.isEmpty else { return CleanTombstonesResult() }
                try moveHeadToChunkFilesLocked()
                var result = CleanTombstonesResult()
                let unfinished = try rewriteSegmentsLocked(deleted, result: &result)
                let cleaned = deleted.keys.filter { !unfinished.contains($0) }
                try tombstones.remove(series: cleaned)
                try removeSeriesLeftWithoutSamples(cleaned, result: &result)
                logger.info("""
                    cleaned tombstones of \(cleaned.count) series: \(result.segmentsRewritten) segments rewritten, \
                    \(result.chunksReencoded) chunks re-encoded, \(result.chunksDropped) dropped
                    """)
                return result
            }
        }
    }

    /// Drops from memory and from the index the cleaned series that have
    /// no chunk left, so they leave label results too.
    private func removeSeriesLeftWithoutSamples(_ cleaned: [UInt64], result: inout CleanTombstonesResult) throws {
        let remaining = segments.all().filter { $0.chunks > 0 }.map(\.id)
        let withData = try index.read { c in try IndexMaintenance.withRefs(c, series: cleaned.sorted(), in: remaining) }
        let evicted = head.evictSeriesWithoutSamples(Set(cleaned).subtracting(withData))
        guard !evicted.isEmpty else { return }
        let before = counters.seriesRemovedByRetention.load(ordering: .relaxed)
        try removeSeriesWithoutData(evicted)
        result.seriesRemoved = counters.seriesRemovedByRetention.load(ordering: .relaxed) - before
    }

    /// Seals every open head chunk, makes all sealed chunks durable and
    /// indexed, and drops the WAL up to that point. The WAL is cut and the
    /// chunk writer closed under the commit lock, so later commits land in a
    /// new WAL segment and a new chunk segment. Caller holds `maintenanceLock`.
    func moveHeadToChunkFilesLocked() throws {
        let next: Int = try commitLock.withLock {
            head.sealAll()
            writer.cut()
            try wal.cut()
            return wal.segment
        }
        try flushLocked()
        try truncateWALLocked(keepFrom: next)
    }

    /// Rewrites each segment holding a chunk with deleted samples. Returns
    /// the series whose tombstones must stay (a segment still open for
    /// appends cannot be rewritten; it never is one after `moveHeadToChunkFilesLocked`).
    private func rewriteSegmentsLocked(_ deleted: [UInt64: DeletedRanges], result: inout CleanTombstonesResult) throws -> Set<UInt64> {
        let all = segments.all().filter { $0.chunks > 0 }
        let refs = try index.read { c in try IndexStore.chunkRefs(c, series: deleted.keys.sorted(), segments: all) }
        var affected = Set<UInt32>()
        for (id, list) in refs {
            guard let ranges = deleted[id] else { continue }
            for r in list where ranges.overlaps(r.minTime, r.maxTime) { affected.insert(r.segment) }
        }
        var unfinished = Set<UInt64>()
        for segment in all where affected.contains(segment.id) {
            if segment.active {
                logger.error("chunk segment \(ChunkSegmentFormat.fileName(segment.id)) is still open; its deleted samples stay hidden until the next clean")
                for (id, list) in refs where list.contains(where: { $0.segment == segment.id }) { unfinished.insert(id) }
                continue
            }
            try rewriteSegment(segment, deleted: deleted, result: &result)
        }
        return unfinished
    }

    /// Copies a segment's surviving chunks to new segment files, switches
    /// the index over in one transaction, then unlinks the old file.
    private func rewriteSegment(_ segment: ChunkSegmentInfo, deleted: [UInt64: DeletedRanges],
                                result: inout CleanTombstonesResult) throws {
        let rows = try index.read { try IndexStore.chunkRefs($0, segment: segment) }.sorted { $0.series < $1.series }
        let mapping = try segments.mapping(segment.id, covering: segment.durableSize)
        // No time-span cut: the chunks fitted one segment before and keep their order by series here.
        let out = ChunkSegmentWriter(segments: segments, maxBytes: options.chunkSegmentBytes, maxSpan: .max)
        var rewritten: [(series: UInt64, refs: [ChunkRef])] = []
        var written = Set<UInt32>()
        do {
            for (series, refs) in rows {
                var kept: [ChunkRef] = []
                for ref in refs.sorted(by: { $0.offset < $1.offset }) {
                    let survivor = survivingChunk(ref, series: series, in: mapping, deleted: deleted[series])
                    switch survivor {
                    case .dropped:
                        result.chunksDropped += 1
                    case .kept(let chunk, let reencoded):
                        if reencoded { result.chunksReencoded += 1 }
                        let newRef = out.append(series: series, chunk: chunk)
                        written.insert(newRef.segment)
                        kept.append(newRef)
                        if out.bufferedBytes > 8 << 20 { try out.flush() }
                    }
                }
                if !kept.isEmpty { rewritten.append((series, kept)) }
            }
            try out.close()
            var batch = IndexBatch()
            batch.chunkRefs = rewritten
            batch.segments = segments.all().filter { written.contains($0.id) }
            batch.nextSegmentID = (segments.all().map(\.id).max() ?? 0) + 1
            try index.write { c in
                try IndexMaintenance.dropSegment(c, segment.id)
                try IndexBatchWriter(connection: c).apply(batch)
            }
        } catch {
            // The old segment is still the indexed one; the partial new files go.
            for id in written { try? segments.remove(id) }
            throw error
        }
        try segments.remove(segment.id)
        result.segmentsRewritten += 1
    }

    private enum Survivor {
        case dropped
        case kept(SealedChunk, reencoded: Bool)
    }

    /// The chunk as it should be kept: unchanged when no deleted range
    /// touches it, re-encoded without deleted samples, or none. A damaged
    /// chunk is reported and dropped: queries already skip it.
    private func survivingChunk(_ ref: ChunkRef, series: UInt64, in mapping: FileMapping, deleted: DeletedRanges?) -> Survivor {
        let entry: ChunkSegmentFormat.Entry
        let samples: ChunkIterator
        do {
            entry = try ChunkSegmentFormat.entry(in: mapping.bytes, at: Int(ref.offset))
            guard entry.series == series else {
                throw DecodeError(offset: Int(ref.offset), field: "chunk series id",
                                  reason: "entry belongs to series \(entry.series), not \(series)")
            }
            samples = try makeChunkIterator(rawEncoding: entry.encoding, bytes: entry.data, owner: mapping)
        } catch {
            readFailures.report("segment \(ChunkSegmentFormat.fileName(ref.segment)) offset \(ref.offset) (series \(series)): \(error)")
            return .dropped
        }
        guard let deleted, deleted.overlaps(ref.minTime, ref.maxTime) else {
            // The iterator accepted the encoding byte, so it is a known one.
            guard let encoding = ChunkEncoding(rawValue: entry.encoding) else { return .dropped }
            return .kept(SealedChunk(encoding: encoding, bytes: Array(entry.data), count: samples.count,
                                     minTime: ref.minTime, maxTime: ref.maxTime), reencoded: false)
        }
        var times: [Int64] = []
        var values: [Double] = []
        times.reserveCapacity(samples.count)
        values.reserveCapacity(samples.count)
        while samples.next() {
            let t = samples.timestamp
            if !deleted.contains(t) {
                times.append(t)
                values.append(samples.value)
            }
        }
        if let error = samples.error {
            readFailures.report("segment \(ChunkSegmentFormat.fileName(ref.segment)) offset \(ref.offset) (series \(series)): \(error)")
            return .dropped
        }
        guard !times.isEmpty else { return .dropped }
        return .kept(SealedChunk.encode(timestamps: times, values: values), reencoded: true)
    }
}

extension Head {
    /// Takes out of memory the given series that hold no sample in memory
    /// and no staged append (all their data was cleaned away), so they stop
    /// counting as series with data; returns them with the given series not
    /// in memory, for removal from the index.
    func evictSeriesWithoutSamples(_ ids: Set<UInt64>) -> Set<UInt64> {
        lock.withLock {
            var gone = Set<UInt64>()
            var pairs = Set<UInt32>()
            for id in ids {
                guard let s = byID[id] else {
                    gone.insert(id)
                    continue
                }
                guard s.pendingAppenders == 0, s.chunk.count == 0, s.pendingChunks.isEmpty, s.indexed else { continue }
                gone.insert(id)
                pairs.formUnion(s.pairs)
                if s.lastTime != .min { outsideMaxTime = max(outsideMaxTime, s.lastTime) }
                removeLocked(s)
            }
            postings.remove(gone, pairs: pairs)
            return gone
        }
    }
}
