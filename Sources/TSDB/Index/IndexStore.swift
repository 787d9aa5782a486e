import CSQLite

/// Everything one index flush writes, in one transaction.
struct IndexBatch {
    var strings: [(UInt32, String)] = []
    var pairs: [(UInt32, UInt32, UInt32)] = []
    var newSeries: [(id: UInt64, pairs: [UInt32])] = []
    /// Sealed chunks whose refs become visible, per series, ascending by location.
    var chunkRefs: [(series: UInt64, refs: [ChunkRef])] = []
    var deletedSeries: [(id: UInt64, pairs: [UInt32])] = []
    var segments: [ChunkSegmentInfo] = []
    var nextSeriesID: UInt64?
    var nextSegmentID: UInt32?

    var isEmpty: Bool {
        strings.isEmpty && pairs.isEmpty && newSeries.isEmpty && chunkRefs.isEmpty && deletedSeries.isEmpty
            && segments.isEmpty && nextSeriesID == nil && nextSegmentID == nil
    }
}

/// The SQLite index: series, label pairs, postings, chunk segments and chunk
/// refs. One writer connection (flushes, retention) and a pool of reader
/// connections; WAL journal mode lets readers run beside the writer.
final class IndexStore: @unchecked Sendable {
    let path: String
    let writer: SQLiteConnection
    private let writerLock = PosixLock()
    private let poolLock = PosixLock()
    private var pool: [SQLiteConnection] = []

    /// Opens (creating when missing) and checks the index. Throws
    /// `TSDBError.index` when the file is not a usable database.
    init(path: String) throws {
        self.path = path
        writer = try SQLiteConnection(path: path)
        try writer.execute(IndexSchema.pragmas)
        try Self.check(writer)
        try writer.execute(IndexSchema.tables)
        let version = try Self.meta(writer, IndexSchema.metaSchemaVersion)
        if version == nil {
            try Self.setMeta(writer, IndexSchema.metaSchemaVersion, IndexSchema.version)
        } else if version != IndexSchema.version {
            throw TSDBError.index(operation: "open \(path)", code: 0,
                                  message: "unsupported index schema version \(version!)")
        }
    }

    /// Runs SQLite's structural check; damage is reported as an error.
    static func check(_ c: SQLiteConnection) throws {
        let s = try c.statement("PRAGMA quick_check")
        var problems: [String] = []
        while try s.step() {
            let line = s.string(0)
            if line != "ok" { problems.append(line) }
        }
        if !problems.isEmpty {
            throw TSDBError.index(operation: "integrity check of \(c.path)", code: SQLITE_CORRUPT,
                                  message: problems.prefix(5).joined(separator: "; "))
        }
    }

    /// Closes every connection. An index smaller than `compactBelow` bytes
    /// is rewritten compactly first (VACUUM): cheap at that size, and it
    /// returns the slack pages that batched updates leave behind.
    func close(compactBelow: Int = 0) {
        poolLock.withLock {
            for c in pool { c.close() }
            pool.removeAll()
        }
        let size = fileBytes
        writerLock.withLock {
            writer.resetStatements()
            if size < compactBelow { try? writer.execute("VACUUM") }
            // Folds SQLite's own WAL back into the main file and empties it.
            try? writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            writer.close()
        }
    }

    // MARK: Meta

    static func meta(_ c: SQLiteConnection, _ key: String) throws -> Int64? {
        let s = try c.statement("SELECT value FROM meta WHERE key = ?")
        s.bind(1, key)
        return try s.step() ? s.int64(0) : nil
    }

    static func setMeta(_ c: SQLiteConnection, _ key: String, _ value: Int64) throws {
        let s = try c.statement("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)")
        s.bind(1, key).bind(2, value)
        try s.run()
    }

    func meta(_ key: String) throws -> Int64? {
        try onWriter { try Self.meta($0, key) }
    }

    /// Runs reads on the writer connection outside a transaction, leaving no statement open.
    private func onWriter<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writerLock.withLock {
            defer { writer.resetStatements() }
            return try body(writer)
        }
    }

    // MARK: Connections

    /// Runs `body` with a reader connection inside a read transaction, so all
    /// reads see one consistent snapshot.
    func read<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let c: SQLiteConnection = try poolLock.withLock {
            if let c = pool.popLast() { return c }
            let c = try SQLiteConnection(path: path)
            try c.execute("PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY;")
            return c
        }
        defer { poolLock.withLock { pool.append(c) } }
        try c.execute("BEGIN")
        defer {
            c.resetStatements()
            try? c.execute("COMMIT")
        }
        return try body(c)
    }

    /// Runs `body` in a write transaction on the writer connection.
    func write<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try writerLock.withLock { try writer.transaction { try body(writer) } }
    }

    // MARK: Loading at open

    func loadSymbols(into symbols: SymbolTable) throws {
        try onWriter { writer in
            let (strings, pairs) = try Self.readSymbols(writer)
            symbols.load(strings: strings, pairs: pairs)
        }
    }

    /// Every symbol and pair; stops at the first unreadable page.
    static func readSymbols(_ c: SQLiteConnection) throws -> ([(UInt32, String)], [(UInt32, UInt32, UInt32)]) {
        var strings: [(UInt32, String)] = []
        try PackedBlocks.symbols.scan(c, scope: nil) { e in
            guard let s = String(validating: e.payload, as: UTF8.self) else {
                throw DecodeError(offset: 0, field: "symbol \(e.id)", reason: "invalid UTF-8")
            }
            strings.append((UInt32(truncatingIfNeeded: e.id), s))
        }
        var pairs: [(UInt32, UInt32, UInt32)] = []
        try PackedBlocks.pairs.scan(c, scope: nil) { e in
            let p = try IndexBlobs.decodePair(e.payload)
            pairs.append((UInt32(truncatingIfNeeded: e.id), p.name, p.value))
        }
        return (strings, pairs)
    }

    /// Calls `body` for every indexed series: id and pair ids.
    func forEachSeries(_ body: (UInt64, [UInt32]) throws -> Void) throws {
        try onWriter { writer in
            try PackedBlocks.series.scan(writer, scope: nil) { e in
                try e.payload.withUnsafeBytes { try body(e.id, try IndexBlobs.decodeLabels($0)) }
            }
        }
    }

    /// The newest indexed sample time of every series with chunks, reading
    /// segments newest first and stopping once `wanted` series are found.
    func indexedMaxTimes(segments: [ChunkSegmentInfo], wanted: Int) throws -> [UInt64: Int64] {
        var out: [UInt64: Int64] = [:]
        try onWriter { writer in
            var byAge = segments.filter { $0.chunks > 0 }.sorted { $0.maxTime > $1.maxTime }[...]
            // A series' newest chunk can sit in an older-ending segment (after a
            // backfill), so go on while a segment could still raise a value.
            var floor = Int64.min
            while let seg = byAge.first, out.count < wanted || seg.maxTime > floor {
                byAge = byAge.dropFirst()
                try PackedBlocks.chunkRefs.scan(writer, scope: Int64(seg.id)) { e in
                    let refs = try e.payload.withUnsafeBytes {
                        try ChunkRefCodec.decode($0, segment: seg.id, baseTime: seg.baseTime)
                    }
                    if let m = refs.map(\.maxTime).max(), m > out[e.id] ?? .min { out[e.id] = m }
                }
                if out.count >= wanted { floor = out.values.min() ?? .min }
            }
        }
        return out
    }

    func loadSegments() throws -> [ChunkSegmentInfo] {
        try onWriter { writer in
            let s = try writer.statement("SELECT id, base, mint, maxt, size, chunks FROM segments ORDER BY id")
            var out: [ChunkSegmentInfo] = []
            while try s.step() {
                out.append(ChunkSegmentInfo(id: UInt32(truncatingIfNeeded: s.int64(0)), baseTime: s.int64(1),
                                            minTime: s.int64(2), maxTime: s.int64(3), durableSize: Int(s.int64(4)),
                                            chunks: Int(s.int64(5)), active: false))
            }
            return out
        }
    }

    // MARK: Flush

    /// Writes a batch atomically.
    func apply(_ batch: IndexBatch) throws {
        guard !batch.isEmpty else { return }
        try write { c in
            try IndexBatchWriter(connection: c).apply(batch)
        }
    }

    // MARK: Reads (on a connection from `read`)

    /// Starts the read transaction's snapshot (SQLite takes it at the first read, not at BEGIN).
    static func pinSnapshot(_ c: SQLiteConnection) throws {
        let s = try c.statement("SELECT count(*) FROM meta")
        _ = try s.step()
        s.reset()
    }

    /// Pair ids of a series, or nil when the index does not have it.
    static func seriesPairs(_ c: SQLiteConnection, _ id: UInt64) throws -> [UInt32]? {
        guard let payload = try PackedBlocks.series.lookup(c, scope: nil, ids: [id])[id] else { return nil }
        return try payload.withUnsafeBytes { try IndexBlobs.decodeLabels($0) }
    }

    /// Pair ids of several series (ids ascending).
    static func seriesPairs(_ c: SQLiteConnection, _ ids: [UInt64]) throws -> [UInt64: [UInt32]] {
        var out: [UInt64: [UInt32]] = [:]
        for (id, payload) in try PackedBlocks.series.lookup(c, scope: nil, ids: ids) {
            out[id] = try payload.withUnsafeBytes { try IndexBlobs.decodeLabels($0) }
        }
        return out
    }

    static func postings(_ c: SQLiteConnection, pair: UInt32) throws -> [UInt64] {
        let s = try c.statement("SELECT first, ids FROM postings WHERE pair = ? ORDER BY first")
        s.bind(1, Int64(pair))
        var out: [UInt64] = []
        while try s.step() {
            try IndexBlobs.decodePostings(s.blob(1), first: UInt64(s.int64(0)), into: &out)
        }
        return out
    }

    static func allSeriesIDs(_ c: SQLiteConnection) throws -> [UInt64] {
        var out: [UInt64] = []
        try PackedBlocks.series.scan(c, scope: nil) { out.append($0.id) }
        return out
    }

    /// Pairs that have at least one indexed series.
    static func pairsWithPostings(_ c: SQLiteConnection) throws -> [UInt32] {
        let s = try c.statement("SELECT DISTINCT pair FROM postings")
        var out: [UInt32] = []
        while try s.step() { out.append(UInt32(truncatingIfNeeded: s.int64(0))) }
        return out
    }

    /// Refs of one series in the given segments.
    static func chunkRefs(_ c: SQLiteConnection, series: UInt64, segments: [ChunkSegmentInfo]) throws -> [ChunkRef] {
        var out: [ChunkRef] = []
        for seg in segments {
            if let payload = try PackedBlocks.chunkRefs.lookup(c, scope: Int64(seg.id), ids: [series])[series] {
                out += try payload.withUnsafeBytes { try ChunkRefCodec.decode($0, segment: seg.id, baseTime: seg.baseTime) }
            }
        }
        return out
    }

    /// Refs of several series (ids ascending) in the given segments.
    static func chunkRefs(_ c: SQLiteConnection, series ids: [UInt64], segments: [ChunkSegmentInfo]) throws -> [UInt64: [ChunkRef]] {
        var out: [UInt64: [ChunkRef]] = [:]
        for seg in segments {
            for (id, payload) in try PackedBlocks.chunkRefs.lookup(c, scope: Int64(seg.id), ids: ids) {
                out[id, default: []] += try payload.withUnsafeBytes {
                    try ChunkRefCodec.decode($0, segment: seg.id, baseTime: seg.baseTime)
                }
            }
        }
        return out
    }

    /// Every (series, refs) of one segment.
    static func chunkRefs(_ c: SQLiteConnection, segment: ChunkSegmentInfo) throws -> [(series: UInt64, refs: [ChunkRef])] {
        var out: [(UInt64, [ChunkRef])] = []
        try PackedBlocks.chunkRefs.scan(c, scope: Int64(segment.id)) { e in
            out.append((e.id, try e.payload.withUnsafeBytes {
                try ChunkRefCodec.decode($0, segment: segment.id, baseTime: segment.baseTime)
            }))
        }
        return out
    }

    /// Bytes of the index files (main file and SQLite's own WAL).
    var fileBytes: Int {
        (FileIO.size(of: path) ?? 0) + (FileIO.size(of: path + "-wal") ?? 0)
    }
}
