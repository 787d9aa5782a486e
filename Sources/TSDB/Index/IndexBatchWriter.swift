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
        if !batch.strings.isEmpty {
            let entries = batch.strings.map { PackedBlocks.Entry(id: UInt64($0.0), payload: Array($0.1.utf8)) }
            try PackedBlocks.symbols.upsert(connection, scope: nil, entries.sorted { $0.id < $1.id }) { old, _ in old }
        }
        if !batch.pairs.isEmpty {
            let entries = batch.pairs.map { PackedBlocks.Entry(id: UInt64($0.0), payload: IndexBlobs.encodePair(name: $0.1, value: $0.2)) }
            try PackedBlocks.pairs.upsert(connection, scope: nil, entries.sorted { $0.id < $1.id }) { old, _ in old }
        }
    }

    private func insertSeries(_ series: [(id: UInt64, pairs: [UInt32])]) throws {
        guard !series.isEmpty else { return }
        let entries = series.map { PackedBlocks.Entry(id: $0.id, payload: IndexBlobs.encodeLabels($0.pairs)) }
            .sorted { $0.id < $1.id }
        // A series' labels never change: keep what is there.
        try PackedBlocks.series.upsert(connection, scope: nil, entries) { old, _ in old }
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
        try PackedBlocks.series.remove(connection, scope: nil, ids: series.map(\.id).sorted())
        var removals: [UInt32: Set<UInt64>] = [:]
        for (id, pairs) in series {
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

    /// Appends refs to each series' entry in the segment's packed blocks:
    /// per series per segment one short entry however many chunks it has.
    private func addChunkRefs(_ perSeries: [(series: UInt64, refs: [ChunkRef])], segments: [ChunkSegmentInfo]) throws {
        guard !perSeries.isEmpty else { return }
        var bases: [UInt32: Int64] = [:]
        for s in segments { bases[s.id] = s.baseTime }
        var bySegment: [UInt32: [UInt64: [ChunkRef]]] = [:]
        for (series, refs) in perSeries {
            for r in refs { bySegment[r.segment, default: [:]][series, default: []].append(r) }
        }
        for segment in bySegment.keys.sorted() {
            let base = try baseTime(of: segment, known: &bases)
            let entries = bySegment[segment]!.sorted { $0.key < $1.key }.map { id, refs in
                var blob = DiskBuffer(capacity: refs.count * 8)
                ChunkRefCodec.encode(refs.sorted { $0.offset < $1.offset }, baseTime: base, into: &blob)
                return PackedBlocks.Entry(id: id, payload: blob.bytes)
            }
            try PackedBlocks.chunkRefs.upsert(connection, scope: Int64(segment), entries) { old, new in
                try Self.mergeRefs(old, new, segment: segment, base: base)
            }
        }
    }

    /// Union of two packed ref lists, ascending by offset.
    static func mergeRefs(_ old: [UInt8], _ new: [UInt8], segment: UInt32, base: Int64) throws -> [UInt8] {
        var all = try old.withUnsafeBytes { try ChunkRefCodec.decode($0, segment: segment, baseTime: base) }
        let known = Set(all.map(\.offset))
        let added = try new.withUnsafeBytes { try ChunkRefCodec.decode($0, segment: segment, baseTime: base) }
        all += added.filter { !known.contains($0.offset) }
        all.sort { $0.offset < $1.offset }
        var blob = DiskBuffer(capacity: all.count * 8)
        ChunkRefCodec.encode(all, baseTime: base, into: &blob)
        return blob.bytes
    }

    private func baseTime(of segment: UInt32, known: inout [UInt32: Int64]) throws -> Int64 {
        if let b = known[segment] { return b }
        let s = try connection.statement("SELECT base FROM segments WHERE id = ?")
        s.bind(1, Int64(segment))
        guard try s.step() else {
            throw TSDBError.index(operation: "add chunk refs", code: 0, message: "segment \(segment) is not indexed")
        }
        known[segment] = s.int64(0)
        return s.int64(0)
    }
}
