/// What a flush took from the head, to be marked done after the index commit.
struct FlushTicket {
    var newSeries: [MemSeries] = []
    /// Series and how many of their oldest pending chunks were indexed.
    var flushed: [(series: MemSeries, count: Int, maxTime: Int64)] = []
    var symbolMarks: (Int, Int) = (0, 0)
}

extension Head {
    /// Collects new series and durable sealed chunks into an index batch.
    func collectFlush(durableSizes: [UInt32: Int]) -> (IndexBatch, FlushTicket) {
        lock.withLock {
            var batch = IndexBatch()
            var ticket = FlushTicket()
            for s in unindexed where s.walLogged && !s.indexed {
                batch.newSeries.append((s.id, s.pairs))
                ticket.newSeries.append(s)
            }
            for s in withPendingChunks {
                var refs: [ChunkRef] = []
                for p in s.pendingChunks {
                    // Only entries already written and synced; later ones wait for the next flush.
                    guard let size = durableSizes[p.ref.segment], Int(p.ref.offset) < size else { break }
                    refs.append(p.ref)
                }
                guard !refs.isEmpty else { continue }
                if !s.indexed && !s.walLogged { continue }
                batch.chunkRefs.append((s.id, refs))
                ticket.flushed.append((s, refs.count, refs.map(\.maxTime).max()!))
            }
            batch.nextSeriesID = nextSeriesID
            let sym = symbols.unpersisted()
            batch.strings = sym.strings
            batch.pairs = sym.pairs
            ticket.symbolMarks = sym.marks
            return (batch, ticket)
        }
    }

    /// Marks a committed flush: indexed chunks leave memory.
    func completeFlush(_ ticket: FlushTicket) {
        symbols.markPersisted(ticket.symbolMarks)
        lock.withLock {
            for s in ticket.newSeries { s.indexed = true }
            for (s, count, maxTime) in ticket.flushed {
                if count >= s.pendingChunks.count {
                    // A fresh empty array frees the buffer; removeFirst would keep it.
                    s.pendingChunks = []
                } else {
                    s.pendingChunks.removeFirst(count)
                }
                s.persistedMaxTime = max(s.persistedMaxTime, maxTime)
                indexedMaxTimes[s.id] = s.persistedMaxTime
            }
            unindexed.removeAll { $0.indexed }
            withPendingChunks.removeAll { $0.pendingChunks.isEmpty }
        }
    }

    /// Seals open chunks whose time window the head has moved past (idle
    /// series), so their samples reach chunk files and the WAL can shrink.
    func sealIdleChunks() -> Int {
        lock.withLock {
            guard maxTime != .min else { return 0 }
            var sealed = 0
            for s in byID.values where s.chunk.count > 0 && limits.windowEnd(of: s.chunk.minTime) <= maxTime {
                let hadPending = !s.pendingChunks.isEmpty
                s.seal(writer: writer)
                if !hadPending { withPendingChunks.append(s) }
                sealed += 1
            }
            stats.chunksCreated.add(sealed)
            return sealed
        }
    }

    /// Seals every open chunk (at close).
    func sealAll() {
        lock.withLock {
            var sealed = 0
            for s in byID.values where s.chunk.count > 0 {
                let hadPending = !s.pendingChunks.isEmpty
                s.seal(writer: writer)
                if !hadPending { withPendingChunks.append(s) }
                sealed += 1
            }
            stats.chunksCreated.add(sealed)
        }
    }

    /// The oldest WAL segment still needed: it holds samples of an open or
    /// not yet indexed chunk. Nil when memory holds no such samples.
    func oldestNeededWALSegment() -> Int? {
        lock.withLock {
            var oldest = Int32.max
            for s in byID.values {
                if s.chunkFirstWALSegment >= 0 { oldest = min(oldest, s.chunkFirstWALSegment) }
                if let p = s.pendingChunks.first { oldest = min(oldest, p.firstWALSegment) }
            }
            return oldest == .max ? nil : Int(oldest)
        }
    }

    /// Drops series idle for `idle` ms of sample time that hold nothing in
    /// memory; they stay in the index. Returns how many left.
    func collectGarbage(idle: Int64) -> Int {
        lock.withLock {
            guard maxTime != .min else { return 0 }
            let horizon = maxTime &- idle
            var gone = Set<UInt64>()
            var evicted: [MemSeries] = []
            var pairs = Set<UInt32>()
            for s in byID.values {
                guard s.pendingAppenders == 0, s.chunk.count == 0, s.pendingChunks.isEmpty,
                      s.lastTime < horizon, s.indexed || !s.walLogged else { continue }
                gone.insert(s.id)
                evicted.append(s)
                pairs.formUnion(s.pairs)
                if s.lastTime != .min { outsideMaxTime = max(outsideMaxTime, s.lastTime) }
                if !s.indexed {
                    removeKnownLocked(id: s.id, hash: symbols.stableHash(s.pairs))
                }
            }
            guard !gone.isEmpty else { return 0 }
            for s in evicted { removeLocked(s) }
            postings.remove(gone, pairs: pairs)
            unindexed.removeAll { gone.contains($0.id) }
            stats.seriesEvicted.add(gone.count)
            return gone.count
        }
    }
}
