import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rebuilds a damaged index. The damaged file is moved aside; rows that
/// can still be read (symbols, pairs, series) are copied into a fresh
/// index; postings are rebuilt from the series; segments and chunk refs
/// are rebuilt by scanning the chunk files, which name each chunk's series.
/// Chunks whose series labels are unreadable are reported lost.
struct IndexRecovery {
    let directory: String
    let logger: Logger

    init(directory: String, logger: Logger) throws {
        self.directory = directory
        self.logger = logger
    }

    func run() throws -> [String] {
        let path = directory + "/index.sqlite"
        let aside = path + ".damaged-\(time(nil))"
        for suffix in ["", "-wal", "-shm"] where FileIO.exists(path + suffix) {
            try FileIO.rename(path + suffix, aside + suffix)
        }
        var messages = ["damaged index moved to \(aside)"]
        let salvage = Salvage(path: aside)
        messages.append(contentsOf: salvage.problems)
        let fresh = try IndexStore(path: path)
        defer { fresh.close() }
        let usable = Set(salvage.pairs.map(\.0))
        var series: [(id: UInt64, pairs: [UInt32])] = []
        var unusable = 0
        for s in salvage.series {
            if s.pairs.allSatisfy(usable.contains) { series.append(s) } else { unusable += 1 }
        }
        let known = Set(series.map(\.id))
        let scan = try scanChunkFiles(known: known)
        var batch = IndexBatch()
        batch.strings = salvage.strings
        batch.pairs = salvage.pairs
        batch.newSeries = series
        batch.segments = scan.segments
        batch.chunkRefs = scan.refs.map { ($0.key, $0.value) }
        batch.nextSeriesID = max(series.map(\.id).max() ?? 0, scan.maxSeriesID) + 1
        batch.nextSegmentID = (scan.segments.map(\.id).max() ?? 0) + 1
        try fresh.apply(batch)
        messages.append("index rebuilt: \(series.count) series, \(scan.indexedChunks) chunks in \(scan.segments.count) segments")
        if unusable > 0 { messages.append("\(unusable) series lost: their label strings were unreadable") }
        if scan.orphanChunks > 0 {
            messages.append("\(scan.orphanChunks) chunks of \(scan.orphanSeries) series lost: the series' labels were unreadable")
        }
        messages += scan.problems
        for m in messages { logger.warning("index recovery: \(m)") }
        return messages
    }

    /// Readable rows of the damaged file; reading each table stops at the first damaged page.
    private struct Salvage {
        var strings: [(UInt32, String)] = []
        var pairs: [(UInt32, UInt32, UInt32)] = []
        var series: [(id: UInt64, pairs: [UInt32])] = []
        var problems: [String] = []

        init(path: String) {
            guard let c = try? SQLiteConnection(path: path, readOnly: true) else {
                problems.append("damaged index cannot be opened at all; nothing salvaged from it")
                return
            }
            defer { c.close() }
            var strings: [(UInt32, String)] = []
            var pairs: [(UInt32, UInt32, UInt32)] = []
            var series: [(id: UInt64, pairs: [UInt32])] = []
            read(c, "SELECT first, data FROM symbols ORDER BY first", table: "symbols") { s in
                for e in (try? PackedBlocks.symbols.decode(first: UInt64(s.int64(0)), s.blob(1))) ?? [] {
                    if let str = String(validating: e.payload, as: UTF8.self) {
                        strings.append((UInt32(truncatingIfNeeded: e.id), str))
                    }
                }
            }
            let known = Set(strings.map(\.0))
            read(c, "SELECT first, data FROM pairs ORDER BY first", table: "pairs") { s in
                for e in (try? PackedBlocks.pairs.decode(first: UInt64(s.int64(0)), s.blob(1))) ?? [] {
                    if let p = try? IndexBlobs.decodePair(e.payload), known.contains(p.name), known.contains(p.value) {
                        pairs.append((UInt32(truncatingIfNeeded: e.id), p.name, p.value))
                    }
                }
            }
            read(c, "SELECT first, data FROM series ORDER BY first", table: "series") { s in
                // A block that does not decode is lost; the others are kept.
                for e in (try? PackedBlocks.series.decode(first: UInt64(s.int64(0)), s.blob(1))) ?? [] {
                    if let p = try? e.payload.withUnsafeBytes({ try IndexBlobs.decodeLabels($0) }), !p.isEmpty {
                        series.append((e.id, p))
                    }
                }
            }
            self.strings = strings
            self.pairs = pairs
            self.series = series
        }

        private mutating func read(_ c: SQLiteConnection, _ sql: String, table: String, row: (SQLiteStatement) -> Void) {
            do {
                let s = try c.statement(sql)
                while try s.step() { row(s) }
            } catch {
                problems.append("table \(table): reading stopped at damage (\(error))")
            }
        }
    }

    private struct Scan {
        var segments: [ChunkSegmentInfo] = []
        var refs: [UInt64: [ChunkRef]] = [:]
        var indexedChunks = 0
        var orphanChunks = 0
        var orphanSeries = 0
        var maxSeriesID: UInt64 = 0
        var problems: [String] = []
    }

    /// Walks every chunk segment entry by entry; a damaged entry ends the
    /// walk of its file (its length can no longer be trusted).
    private func scanChunkFiles(known: Set<UInt64>) throws -> Scan {
        var scan = Scan()
        var orphans = Set<UInt64>()
        for file in try FileIO.numberedFiles(directory + "/chunks") {
            let id = UInt32(truncatingIfNeeded: file.number)
            guard let size = FileIO.size(of: file.path), size > 0 else { continue }
            let mapping = try FileMapping(path: file.path, length: size)
            guard let base = try? ChunkSegmentFormat.parseHeader(mapping.bytes) else {
                scan.problems.append("chunk segment \(file.path) has no valid header; skipped")
                continue
            }
            var info = ChunkSegmentInfo(id: id, baseTime: base, minTime: .max, maxTime: .min, durableSize: 0, chunks: 0, active: false)
            var offset = ChunkSegmentFormat.headerSize
            while offset < size {
                guard let entry = try? ChunkSegmentFormat.entry(in: mapping.bytes, at: offset),
                      let range = timeRange(entry, owner: mapping) else {
                    scan.problems.append("chunk segment \(file.path): unreadable entry at byte \(offset); "
                        + "\(size - offset) bytes after it skipped")
                    break
                }
                scan.maxSeriesID = max(scan.maxSeriesID, entry.series)
                if known.contains(entry.series) {
                    scan.refs[entry.series, default: []].append(
                        ChunkRef(segment: id, offset: UInt32(offset), minTime: range.0, maxTime: range.1))
                    info.minTime = min(info.minTime, range.0)
                    info.maxTime = max(info.maxTime, range.1)
                    info.chunks += 1
                    scan.indexedChunks += 1
                } else {
                    scan.orphanChunks += 1
                    orphans.insert(entry.series)
                }
                offset = entry.end
            }
            info.durableSize = offset
            if info.chunks > 0 { scan.segments.append(info) }
        }
        scan.orphanSeries = orphans.count
        return scan
    }

    /// First and last timestamp of a chunk, by decoding it.
    private func timeRange(_ entry: ChunkSegmentFormat.Entry, owner: FileMapping) -> (Int64, Int64)? {
        guard let it = try? makeChunkIterator(rawEncoding: entry.encoding, bytes: entry.data, owner: owner) else { return nil }
        var first: Int64?
        var last: Int64 = 0
        while it.next() {
            if first == nil { first = it.timestamp }
            last = it.timestamp
        }
        guard it.error == nil, let first else { return nil }
        return (first, last)
    }
}
