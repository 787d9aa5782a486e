/// Applies an `IndexBatch` inside an open write transaction: new symbols,
/// pairs and series, postings blocks, packed chunk refs, segment rows.
struct IndexBatchWriter {
    let connection: SQLiteConnection

    func apply(_ batch: IndexBatch) throws {
        try insertSymbols(batch)
        try insertSeries(batch.newSeries)
        try addPostings(batch.newSeries)
        try writeSegments(batch.segments)
        try addChunkRefs(batch.chunkRefs, segments: batch.segments)
        try deleteSeries(batch.deletedSeries)
        if let next = batch.nextSeriesID {
            try IndexStore.setMeta(connection, IndexSchema.metaNextSeriesID, Int64(bitPattern: next))
        }
        if let next = batch.nextSegmentID {
            try IndexStore.setMeta(connection, IndexSchema.metaNextSegmentID, Int64(next))
        }
    }

    private func insertSymbols(_ batch: IndexBatch) throws {
        let s = try connection.statement("INSERT OR IGNORE INTO symbols(id, s) VALUES(?, ?)")
        for (id, str) in batch.strings {
            s.reset()
            s.bind(1, Int64(id)).bind(2, str)
            try s.run()
        }
        let p = try connection.statement("INSERT OR IGNORE INTO pairs(id, name, value) VALUES(?, ?, ?)")
        for (id, name, value) in batch.pairs {
            p.reset()
            p.bind(1, Int64(id)).bind(2, Int64(name)).bind(3, Int64(value))
            try p.run()
        }
    }

    private func insertSeries(_ series: [(id: UInt64, pairs: [UInt32])]) throws {
        let s = try connection.statement("INSERT OR IGNORE INTO series(id, labels) VALUES(?, ?)")
        for (id, pairs) in series {
            s.reset()
            s.bind(1, Int64(bitPattern: id)).bind(2, IndexBlobs.encodeLabels(pairs))
            try s.run()
        }
    }

    // MARK: Postings

    private func addPostings(_ series: [(id: UInt64, pairs: [UInt32])]) throws {
        var byPair: [UInt32: [UInt64]] = [:]
        for (id, pairs) in series {
            for p in pairs { byPair[p, default: []].append(id) }
        }
        // Key order: b-tree pages fill sequentially instead of splitting half empty.
        for pair in byPair.keys.sorted() {
            try addPostings(pair: pair, ids: byPair[pair]!.sorted())
        }
    }

    /// Merges ids into the pair's blocks: new ids normally exceed all
    /// existing ones and extend the last block until it is full.
    private func addPostings(pair: UInt32, ids: [UInt64]) throws {
        var pending = ids[...]
        while let firstNew = pending.first {
            let block = try blockCovering(pair: pair, id: firstNew)
            var existing: [UInt64] = []
            var first = firstNew
            var upperBound = UInt64.max
            if let block {
                first = block.first
                try block.blob.withUnsafeBytes { try IndexBlobs.decodePostings($0, first: block.first, into: &existing) }
                upperBound = try nextBlockFirst(pair: pair, after: block.first) ?? .max
            }
            // Take the new ids that belong before the next block.
            let take = pending.prefix { $0 < upperBound }
            pending = pending.dropFirst(take.count)
            var merged = existing
            merged.append(contentsOf: take)
            if !(existing.last.map { $0 < take.first! } ?? true) {
                merged = Array(Set(merged)).sorted()
            }
            try deleteBlock(pair: pair, first: first, exists: block != nil)
            try writeBlocks(pair: pair, ids: merged[...])
        }
    }

    private func blockCovering(pair: UInt32, id: UInt64) throws -> (first: UInt64, blob: [UInt8])? {
        let s = try connection.statement(
            "SELECT first, ids FROM postings WHERE pair = ? AND first <= ? ORDER BY first DESC LIMIT 1")
        s.bind(1, Int64(pair)).bind(2, Int64(bitPattern: id))
        if try s.step() { return (UInt64(s.int64(0)), s.blobArray(1)) }
        // Before every block: merge into the first one, if any.
        let f = try connection.statement("SELECT first, ids FROM postings WHERE pair = ? ORDER BY first LIMIT 1")
        f.bind(1, Int64(pair))
        if try f.step() { return (UInt64(f.int64(0)), f.blobArray(1)) }
        return nil
    }

    private func nextBlockFirst(pair: UInt32, after first: UInt64) throws -> UInt64? {
        let s = try connection.statement("SELECT first FROM postings WHERE pair = ? AND first > ? ORDER BY first LIMIT 1")
        s.bind(1, Int64(pair)).bind(2, Int64(bitPattern: first))
        return try s.step() ? UInt64(s.int64(0)) : nil
    }

    private func deleteBlock(pair: UInt32, first: UInt64, exists: Bool) throws {
        guard exists else { return }
        let d = try connection.statement("DELETE FROM postings WHERE pair = ? AND first = ?")
        d.bind(1, Int64(pair)).bind(2, Int64(bitPattern: first))
        try d.run()
    }

    /// Writes sorted ids as one or more blocks of bounded size.
    private func writeBlocks(pair: UInt32, ids: ArraySlice<UInt64>) throws {
        let ins = try connection.statement("INSERT OR REPLACE INTO postings(pair, first, ids) VALUES(?, ?, ?)")
        var rest = ids
        while let first = rest.first {
            // Deltas are 1-3 bytes; cut so a block stays near the rewrite limit.
            var n = 1
            var bytes = 0
            var prev = first
            while n < rest.count {
                let id = rest[rest.startIndex + n]
                let d = id &- prev
                bytes += d < 128 ? 1 : d < 16384 ? 2 : d < 2_097_152 ? 3 : 5
                if bytes > IndexBlobs.postingsBlockBytes { break }
                prev = id
                n += 1
            }
            let block = rest.prefix(n)
            ins.reset()
            ins.bind(1, Int64(pair)).bind(2, Int64(bitPattern: first)).bind(3, IndexBlobs.encodePostings(block, first: first))
            try ins.run()
            rest = rest.dropFirst(n)
        }
    }

    /// Removes ids from every block of the given pairs that holds them.
    func removePostings(_ removals: [UInt32: Set<UInt64>]) throws {
        let sel = try connection.statement("SELECT first, ids FROM postings WHERE pair = ? ORDER BY first")
        for (pair, ids) in removals {
            sel.reset()
            sel.bind(1, Int64(pair))
            var blocks: [(UInt64, [UInt8])] = []
            while try sel.step() { blocks.append((UInt64(sel.int64(0)), sel.blobArray(1))) }
            for (first, blob) in blocks {
                var list: [UInt64] = []
                try blob.withUnsafeBytes { try IndexBlobs.decodePostings($0, first: first, into: &list) }
                let kept = list.filter { !ids.contains($0) }
                guard kept.count != list.count else { continue }
                try deleteBlock(pair: pair, first: first, exists: true)
                if !kept.isEmpty { try writeBlocks(pair: pair, ids: kept[...]) }
            }
        }
    }

    private func deleteSeries(_ series: [(id: UInt64, pairs: [UInt32])]) throws {
        guard !series.isEmpty else { return }
        let d = try connection.statement("DELETE FROM series WHERE id = ?")
        var removals: [UInt32: Set<UInt64>] = [:]
        for (id, pairs) in series {
            d.reset()
            d.bind(1, Int64(bitPattern: id))
            try d.run()
            for p in pairs { removals[p, default: []].insert(id) }
        }
        try removePostings(removals)
    }

    // MARK: Segments and chunk refs

    private func writeSegments(_ segments: [ChunkSegmentInfo]) throws {
        let s = try connection.statement(
            "INSERT OR REPLACE INTO segments(id, base, mint, maxt, size, chunks) VALUES(?, ?, ?, ?, ?, ?)")
        for seg in segments where seg.chunks > 0 {
            s.reset()
            s.bind(1, Int64(seg.id)).bind(2, seg.baseTime).bind(3, seg.minTime).bind(4, seg.maxTime)
                .bind(5, Int64(seg.durableSize)).bind(6, Int64(seg.chunks))
            try s.run()
        }
    }

    /// Appends refs to each (segment, series) row: one row per series per
    /// segment keeps the index small however many chunks a series has.
    private func addChunkRefs(_ perSeries: [(series: UInt64, refs: [ChunkRef])], segments: [ChunkSegmentInfo]) throws {
        guard !perSeries.isEmpty else { return }
        var bases: [UInt32: Int64] = [:]
        for s in segments { bases[s.id] = s.baseTime }
        let sel = try connection.statement("SELECT refs FROM chunk_refs WHERE segment = ? AND series = ?")
        let ins = try connection.statement("INSERT OR REPLACE INTO chunk_refs(segment, series, refs) VALUES(?, ?, ?)")
        let upd = try connection.statement("UPDATE series SET maxt = max(coalesce(maxt, ?1), ?1) WHERE id = ?2")
        let segBase = try connection.statement("SELECT base FROM segments WHERE id = ?")
        var rows: [UInt32: [(series: UInt64, refs: [ChunkRef])]] = [:]
        for (series, refs) in perSeries {
            var bySegment: [UInt32: [ChunkRef]] = [:]
            for r in refs { bySegment[r.segment, default: []].append(r) }
            for (segment, new) in bySegment { rows[segment, default: []].append((series, new)) }
        }
        // Key order (segment, series): sequential b-tree fills.
        for segment in rows.keys.sorted() {
            for (series, new) in rows[segment]!.sorted(by: { $0.series < $1.series }) {
                let base: Int64
                if let b = bases[segment] {
                    base = b
                } else {
                    segBase.reset()
                    segBase.bind(1, Int64(segment))
                    guard try segBase.step() else {
                        throw TSDBError.index(operation: "add chunk refs", code: 0, message: "segment \(segment) is not indexed")
                    }
                    base = segBase.int64(0)
                    bases[segment] = base
                }
                sel.reset()
                sel.bind(1, Int64(segment)).bind(2, Int64(bitPattern: series))
                var all: [ChunkRef] = []
                if try sel.step() { all = try ChunkRefCodec.decode(sel.blob(0), segment: segment, baseTime: base) }
                let known = Set(all.map(\.offset))
                all += new.filter { !known.contains($0.offset) }
                all.sort { $0.offset < $1.offset }
                var blob = DiskBuffer(capacity: all.count * 8)
                ChunkRefCodec.encode(all, baseTime: base, into: &blob)
                ins.reset()
                ins.bind(1, Int64(segment)).bind(2, Int64(bitPattern: series)).bind(3, blob.bytes)
                try ins.run()
            }
        }
        for (series, refs) in perSeries.sorted(by: { $0.series < $1.series }) {
            if let maxT = refs.map(\.maxTime).max() {
                upd.reset()
                upd.bind(1, maxT).bind(2, Int64(bitPattern: series))
                try upd.run()
            }
        }
    }
}
