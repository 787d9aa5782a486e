import Logging
import Synchronization

/// Deleted time ranges per series (tombstones). They live in the index's
/// `tombstones` table (docs/format/tombstones.md), written in SQLite
/// transactions, so after a crash a deletion is either wholly there or
/// wholly absent; a copy in memory serves queries.
final class TombstoneStore: @unchecked Sendable {
    /// Created when missing: an index written before tombstones existed
    /// simply gains the empty table, so the schema version stays the same.
    static let schema = """
        CREATE TABLE IF NOT EXISTS tombstones(
            series INTEGER NOT NULL,
            mint INTEGER NOT NULL,
            maxt INTEGER NOT NULL,
            PRIMARY KEY(series, mint)
        ) WITHOUT ROWID;
        """

    private let index: IndexStore
    private let state = Mutex<[UInt64: DeletedRanges]>([:])
    /// Series with tombstones; queries skip all tombstone work while it is 0.
    private let seriesCount = Atomic<Int>(0)
    /// Serializes the read-modify-write of deletions and cleaning.
    let mutation = PosixLock()

    /// Creates the table if needed and loads every tombstone. When the
    /// index was just rebuilt after damage (`salvageFrom` names the damaged
    /// file moved aside), the tombstones still readable there are copied
    /// into the new index first, so deleted samples stay deleted.
    init(index: IndexStore, logger: Logger? = nil, salvageFrom damaged: String? = nil) throws {
        self.index = index
        var loaded: [UInt64: DeletedRanges] = [:]
        try index.write { c in
            try c.execute(Self.schema)
            let s = try c.statement("SELECT series, mint, maxt FROM tombstones ORDER BY series, mint")
            while try s.step() {
                let id = UInt64(bitPattern: s.int64(0))
                loaded[id, default: DeletedRanges()].add(DeletedRange(minTime: s.int64(1), maxTime: s.int64(2)))
            }
        }
        loaded = loaded.filter { !$0.value.isEmpty }
        if loaded.isEmpty, let damaged {
            let salvaged = Self.salvage(from: damaged, logger: logger)
            if !salvaged.isEmpty {
                try index.write { c in
                    for (id, ranges) in salvaged.sorted(by: { $0.key < $1.key }) { try Self.replaceRows(c, series: id, ranges: ranges) }
                }
                logger?.warning("index recovery: kept the tombstones of \(salvaged.count) series from \(damaged)")
                loaded = salvaged
            }
        }
        let count = loaded.count
        state.withLock { $0 = loaded }
        seriesCount.store(count, ordering: .releasing)
    }

    /// The rows of the damaged index's `tombstones` table up to the first
    /// unreadable one (none when the file or table cannot be read).
    private static func salvage(from path: String, logger: Logger?) -> [UInt64: DeletedRanges] {
        var out: [UInt64: DeletedRanges] = [:]
        do {
            let c = try SQLiteConnection(path: path, readOnly: true)
            defer { c.close() }
            let s = try c.statement("SELECT series, mint, maxt FROM tombstones")
            while try s.step() {
                out[UInt64(bitPattern: s.int64(0)), default: DeletedRanges()].add(DeletedRange(minTime: s.int64(1), maxTime: s.int64(2)))
            }
            s.reset()
        } catch {
            logger?.error("index recovery: tombstones of \(path) not (all) readable: \(error)")
        }
        return out.filter { !$0.value.isEmpty }
    }

    /// The damaged index the last recovery moved aside in `directory`
    /// (`index.sqlite.damaged-<unix time>`, the newest), if any.
    static func newestDamagedIndex(in directory: String) -> String? {
        let prefix = "index.sqlite.damaged-"
        let stamped = ((try? FileIO.list(directory)) ?? []).compactMap { name -> (Int, String)? in
            guard name.hasPrefix(prefix), let stamp = Int(name.dropFirst(prefix.count)) else { return nil }
            return (stamp, directory + "/" + name)
        }
        return stamped.max { $0.0 < $1.0 }?.1
    }

    var isEmpty: Bool { seriesCount.load(ordering: .acquiring) == 0 }

    /// Every series' deleted ranges as they are now (a copy; cheap until written).
    func current() -> [UInt64: DeletedRanges] {
        if isEmpty { return [:] }
        return state.withLock { $0 }
    }

    /// Adds ranges to series, durably first, then for queries. Caller holds `mutation`.
    func add(_ additions: [UInt64: [DeletedRange]]) throws {
        guard !additions.isEmpty else { return }
        let before = current()
        var merged: [UInt64: DeletedRanges] = [:]
        for (id, list) in additions {
            var ranges = before[id] ?? DeletedRanges()
            for r in list { ranges.add(r) }
            if ranges != before[id] && !ranges.isEmpty { merged[id] = ranges }
        }
        guard !merged.isEmpty else { return }
        try index.write { c in
            for (id, ranges) in merged.sorted(by: { $0.key < $1.key }) {
                try Self.replaceRows(c, series: id, ranges: ranges)
            }
        }
        publish { state in
            for (id, ranges) in merged { state[id] = ranges }
        }
    }

    /// Removes the tombstones of `series`, durably first. Caller holds `mutation`.
    func remove(series: [UInt64]) throws {
        guard !series.isEmpty else { return }
        try index.write { c in
            for id in series.sorted() { try Self.replaceRows(c, series: id, ranges: DeletedRanges()) }
        }
        publish { state in
            for id in series { state[id] = nil }
        }
    }

    private func publish(_ change: (inout [UInt64: DeletedRanges]) -> Void) {
        let count = state.withLock { s in
            change(&s)
            return s.count
        }
        seriesCount.store(count, ordering: .releasing)
    }

    private static func replaceRows(_ c: SQLiteConnection, series id: UInt64, ranges: DeletedRanges) throws {
        let delete = try c.statement("DELETE FROM tombstones WHERE series = ?")
        delete.bind(1, Int64(bitPattern: id))
        try delete.run()
        let insert = try c.statement("INSERT INTO tombstones(series, mint, maxt) VALUES(?, ?, ?)")
        for r in ranges.ranges {
            insert.reset()
            insert.bind(1, Int64(bitPattern: id)).bind(2, r.minTime).bind(3, r.maxTime)
            try insert.run()
        }
    }
}
