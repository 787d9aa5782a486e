extension TSDB {
    /// Drops whole chunk segments past the retention time or beyond the
    /// size limit (oldest first), their refs, and series left without data.
    /// Caller holds `maintenanceLock`.
    func applyRetentionLocked() throws {
        let all = segments.all().filter { $0.chunks > 0 && $0.durableSize > 0 }
        guard !all.isEmpty else { return }
        let newest = max(head.lock.withLock { head.maxTime }, all.map(\.maxTime).max() ?? .min)
        let cutoff = newest &- options.retentionMilliseconds
        var drop = Set(all.filter { !$0.active && $0.maxTime < cutoff }.map(\.id))
        // An expired segment still open for appends is closed now and dropped next time.
        if all.contains(where: { $0.active && $0.maxTime < cutoff }) { writer.cut() }
        if options.retentionBytes > 0 {
            var total = Int64(segments.totalBytes + walBytes + index.fileBytes)
            for s in all where drop.contains(s.id) { total -= Int64(s.durableSize) }
            let byAge = all.filter { !drop.contains($0.id) }.sorted { $0.maxTime < $1.maxTime }
            for s in byAge where total > options.retentionBytes {
                if s.active {
                    // The oldest data is in the segment still being written: close
                    // it so the next round can drop it.
                    writer.cut()
                    break
                }
                drop.insert(s.id)
                total -= Int64(s.durableSize)
            }
        }
        guard !drop.isEmpty else {
            try removeSeriesWithoutData([])
            return
        }
        var candidates = Set<UInt64>()
        try index.write { c in
            for id in drop { candidates.formUnion(try IndexMaintenance.dropSegment(c, id)) }
        }
        for id in drop.sorted() {
            try segments.remove(id)
            counters.segmentsRemovedByRetention.add(1)
        }
        logger.info("retention dropped chunk segments \(drop.sorted().map { ChunkSegmentFormat.fileName($0) })")
        try removeSeriesWithoutData(candidates)
    }

    /// Deletes indexed series that have no chunk left and are not in memory.
    /// Holds the head lock across the index transaction so no appender can
    /// bring such a series back while it is being deleted.
    /// Series still in memory are remembered and checked again on later runs,
    /// once they have left memory.
    func removeSeriesWithoutData(_ dropped: Set<UInt64>) throws {
        let candidates = retentionCandidates.withLock { c in
            c.formUnion(dropped)
            return c
        }
        guard !candidates.isEmpty else { return }
        let remaining = segments.all().filter { $0.chunks > 0 }.sorted { $0.id > $1.id }
        try head.lock.withLock {
            var removed: [(id: UInt64, pairs: [UInt32])] = []
            try index.write { c in
                var stillInMemory = Set<UInt64>()
                var outside: [UInt64] = []
                for id in candidates.sorted() {
                    if head.byID[id] != nil { stillInMemory.insert(id) } else { outside.append(id) }
                }
                let withData = try IndexMaintenance.withRefs(c, series: outside, in: remaining.map(\.id))
                let gone = outside.filter { !withData.contains($0) }
                let pairs = try IndexStore.seriesPairs(c, gone)
                var batch = IndexBatch()
                batch.deletedSeries = gone.compactMap { id in pairs[id].map { (id: id, pairs: $0) } }
                try IndexBatchWriter(connection: c).apply(batch)
                removed = batch.deletedSeries
                retentionCandidates.withLock { $0 = stillInMemory }
            }
            for r in removed {
                head.removeKnownLocked(id: r.id, hash: symbols.stableHash(r.pairs))
                head.indexedMaxTimes[r.id] = nil
            }
            counters.seriesRemovedByRetention.add(removed.count)
        }
    }

    var walBytes: Int {
        ((try? FileIO.numberedFiles(walDirectory)) ?? []).reduce(0) { $0 + (FileIO.size(of: $1.path) ?? 0) }
    }
}
