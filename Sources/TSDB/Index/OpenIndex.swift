import CSQLite
import Logging

/// Opens the index of a data directory and the chunk segment registry,
/// falling back to `IndexRecovery` when the SQLite file is damaged.
enum OpenIndex {
    struct Opened {
        var index: IndexStore
        var symbols: SymbolTable
        var segments: ChunkSegments
        var nextSeriesID: UInt64
    }

    static func open(directory: String, logger: Logger, counters: StatsCounters, report: inout [String]) throws -> Opened {
        let path = directory + "/index.sqlite"
        let chunks = directory + "/chunks"
        do {
            return try load(path: path, chunks: chunks, logger: logger, report: &report)
        } catch let error where isDamage(error) {
            counters.indexCorruptions.add(1)
            let message = "index \(path) is damaged (\(error)); rebuilding it from what is readable and the chunk files"
            logger.error("\(message)")
            report.append(message)
            let recovery = try IndexRecovery(directory: directory, logger: logger)
            report += try recovery.run()
            return try load(path: path, chunks: chunks, logger: logger, report: &report)
        }
    }

    /// Errors that mean the file content is bad (not, say, a full disk).
    static func isDamage(_ error: Error) -> Bool {
        switch error {
        case TSDBError.index(_, let code, let message):
            let primary = code & 0xff
            return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || message.contains("malformed")
                || message.contains("unsupported index schema")
        case is DecodeError, TSDBError.corrupt:
            return true
        default:
            return false
        }
    }

    private static func load(path: String, chunks: String, logger: Logger, report: inout [String]) throws -> Opened {
        let index = try IndexStore(path: path)
        let symbols = SymbolTable()
        try index.loadSymbols(into: symbols)
        var infos = try index.loadSegments()
        // Segment rows whose file is gone: their chunks are lost.
        let files = Set(try FileIO.numberedFiles(chunks).map { UInt32(truncatingIfNeeded: $0.number) })
        let missing = infos.filter { !files.contains($0.id) }
        if !missing.isEmpty {
            let lost = missing.reduce(0) { $0 + $1.chunks }
            let message = "chunk segments \(missing.map { ChunkSegmentFormat.fileName($0.id) }.joined(separator: ", ")) "
                + "are missing: \(lost) chunks lost"
            logger.error("\(message)")
            report.append(message)
            try index.write { c in
                for m in missing { try IndexMaintenance.dropSegment(c, m.id) }
            }
            infos.removeAll { !files.contains($0.id) }
        }
        // Files the index does not know were written but never indexed: their
        // samples are still in the WAL, which replays them into new chunks.
        let known = Set(infos.map(\.id))
        for f in try FileIO.numberedFiles(chunks) where !known.contains(UInt32(truncatingIfNeeded: f.number)) {
            try FileIO.remove(f.path)
        }
        let nextSegment = UInt32(truncatingIfNeeded: try index.meta(IndexSchema.metaNextSegmentID) ?? 1)
        let segments = ChunkSegments(directory: chunks, existing: infos, nextID: nextSegment)
        let nextSeries = UInt64(bitPattern: try index.meta(IndexSchema.metaNextSeriesID) ?? 1)
        return Opened(index: index, symbols: symbols, segments: segments, nextSeriesID: nextSeries)
    }
}

/// Index changes shared by open-time repair and retention.
enum IndexMaintenance {
    /// Removes a segment's row and every chunk ref into it; returns the series that had refs there.
    @discardableResult
    static func dropSegment(_ c: SQLiteConnection, _ id: UInt32) throws -> [UInt64] {
        var series: [UInt64] = []
        try PackedBlocks.chunkRefs.scan(c, scope: Int64(id)) { series.append($0.id) }
        try PackedBlocks.chunkRefs.deleteScope(c, scope: Int64(id))
        let d = try c.statement("DELETE FROM segments WHERE id = ?")
        d.bind(1, Int64(id))
        try d.run()
        return series
    }

    /// Replaces a series' refs in one segment (removing the entry when empty).
    static func replaceRefs(_ c: SQLiteConnection, segment: ChunkSegmentInfo, series: UInt64, refs: [ChunkRef]) throws {
        if refs.isEmpty {
            try PackedBlocks.chunkRefs.remove(c, scope: Int64(segment.id), ids: [series])
            return
        }
        var blob = DiskBuffer()
        ChunkRefCodec.encode(refs, baseTime: segment.baseTime, into: &blob)
        try PackedBlocks.chunkRefs.upsert(c, scope: Int64(segment.id), [PackedBlocks.Entry(id: series, payload: blob.bytes)]) { _, new in new }
    }

    /// Which of the given series (ascending) have refs in any of the given segments.
    static func withRefs(_ c: SQLiteConnection, series: [UInt64], in segments: [UInt32]) throws -> Set<UInt64> {
        var found = Set<UInt64>()
        for seg in segments {
            let rest = series.filter { !found.contains($0) }
            guard !rest.isEmpty else { break }
            found.formUnion(try PackedBlocks.chunkRefs.lookup(c, scope: Int64(seg), ids: rest).keys)
        }
        return found
    }
}
