/// A map from series id to a small byte payload, stored as blocks of
/// consecutive entries: one row per block instead of one per series. A
/// SQLite row costs about ten bytes of keys and headers, more than most
/// payloads here (a series' label pair ids, its chunk refs in one
/// segment), so packing is what keeps the index near 30 bytes per series.
///
/// Block blob: per entry, ascending by id,
///
///     id delta   uvarint (from the block's `first` for the first entry, then from the previous id)
///     shared     uvarint (only in prefix-shared tables: leading bytes equal to the previous payload's)
///     length     uvarint (of the rest)
///     payload    length bytes (the rest)
///
/// Prefix sharing suits the series table: neighbouring series usually
/// share their first label pairs (metric name first), so each stores only
/// where it differs.
/// A block is cut before its blob passes `blockBytes`, so a row stays
/// within its b-tree page. Tables may be scoped by a leading key column
/// (`segment` for chunk refs): every operation then works within one scope.
struct PackedBlocks {
    struct Entry {
        var id: UInt64
        var payload: [UInt8]
    }

    let table: String
    /// Name of the leading key column, if any.
    let scopeColumn: String?
    /// Blob size limit. SQLite keeps a row in its b-tree page up to about
    /// 4060 bytes in a rowid table and about 1000 in a WITHOUT ROWID table
    /// (4 KiB pages); these sizes fill pages with little slack.
    let blockBytes: Int
    /// Whether payloads are stored as (shared prefix length, rest).
    let sharesPrefixes: Bool

    static let symbols = PackedBlocks(table: "symbols", scopeColumn: nil, blockBytes: 2000, sharesPrefixes: true)
    static let pairs = PackedBlocks(table: "pairs", scopeColumn: nil, blockBytes: 2000, sharesPrefixes: true)
    static let series = PackedBlocks(table: "series", scopeColumn: nil, blockBytes: 2000, sharesPrefixes: true)
    static let chunkRefs = PackedBlocks(table: "chunk_refs", scopeColumn: "segment", blockBytes: 980, sharesPrefixes: false)

    private var scopeWhere: String { scopeColumn.map { "\($0) = ?1" } ?? "?1 IS NULL" }

    // MARK: Codec

    func decode(first: UInt64, _ blob: UnsafeRawBufferPointer) throws -> [Entry] {
        var r = DiskReader(blob)
        var out: [Entry] = []
        var id = first
        while !r.isAtEnd {
            let delta = try r.uvarint("packed entry id delta")
            if !out.isEmpty && delta == 0 {
                throw DecodeError(offset: r.offset, field: "packed entry id", reason: "ids not ascending")
            }
            id &+= delta
            var payload: [UInt8] = []
            if sharesPrefixes {
                let previous = out.last?.payload ?? []
                let shared = try r.length("packed entry shared prefix", limit: previous.count)
                payload = Array(previous[..<shared])
            }
            let n = try r.length("packed entry length", limit: r.remaining)
            payload += try r.bytes(n, "packed entry payload")
            out.append(Entry(id: id, payload: payload))
        }
        return out
    }

    /// Splits sorted entries into blocks of at most about `blockBytes`.
    func encode(_ entries: ArraySlice<Entry>) -> [(first: UInt64, data: [UInt8])] {
        var blocks: [(UInt64, [UInt8])] = []
        var buffer = DiskBuffer(capacity: blockBytes + 64)
        var first: UInt64 = 0
        var previous: UInt64 = 0
        var previousPayload: [UInt8] = []
        for e in entries {
            let size = 3 + e.payload.count + (e.id &- previous < 128 ? 1 : 5)
            if buffer.count > 0 && buffer.count + size > blockBytes {
                blocks.append((first, buffer.bytes))
                buffer.reset()
            }
            if buffer.count == 0 {
                first = e.id
                previous = e.id
                previousPayload = []
            }
            buffer.putUvarint(e.id &- previous)
            var rest = e.payload[...]
            if sharesPrefixes {
                let shared = zip(previousPayload, e.payload).prefix { $0 == $1 }.count
                buffer.putUvarint(UInt64(shared))
                rest = e.payload[shared...]
            }
            buffer.putUvarint(UInt64(rest.count))
            buffer.bytes.append(contentsOf: rest)
            previous = e.id
            previousPayload = e.payload
        }
        if buffer.count > 0 { blocks.append((first, buffer.bytes)) }
        return blocks
    }

    // MARK: Block access

    private func bindScope(_ s: SQLiteStatement, _ scope: Int64?) {
        if let scope { s.bind(1, scope) }
    }

    /// The block with the greatest first <= id, else the scope's first block.
    private func covering(_ c: SQLiteConnection, _ scope: Int64?, _ id: UInt64) throws -> (first: UInt64, entries: [Entry])? {
        let s = try c.statement("SELECT first, data FROM \(table) WHERE \(scopeWhere) AND first <= ?2 ORDER BY first DESC LIMIT 1")
        bindScope(s, scope)
        s.bind(2, Int64(bitPattern: id))
        if try s.step() { return (UInt64(s.int64(0)), try decode(first: UInt64(s.int64(0)), s.blob(1))) }
        let f = try c.statement("SELECT first, data FROM \(table) WHERE \(scopeWhere) ORDER BY first LIMIT 1")
        bindScope(f, scope)
        if try f.step() { return (UInt64(f.int64(0)), try decode(first: UInt64(f.int64(0)), f.blob(1))) }
        return nil
    }

    private func nextFirst(_ c: SQLiteConnection, _ scope: Int64?, after first: UInt64) throws -> UInt64 {
        let s = try c.statement("SELECT first FROM \(table) WHERE \(scopeWhere) AND first > ?2 ORDER BY first LIMIT 1")
        bindScope(s, scope)
        s.bind(2, Int64(bitPattern: first))
        return try s.step() ? UInt64(s.int64(0)) : .max
    }

    private func deleteBlock(_ c: SQLiteConnection, _ scope: Int64?, _ first: UInt64) throws {
        let s = try c.statement("DELETE FROM \(table) WHERE \(scopeWhere) AND first = ?2")
        bindScope(s, scope)
        s.bind(2, Int64(bitPattern: first))
        try s.run()
    }

    private func writeBlocks(_ c: SQLiteConnection, _ scope: Int64?, _ entries: ArraySlice<Entry>) throws {
        let sql = scopeColumn.map { "INSERT OR REPLACE INTO \(table)(\($0), first, data) VALUES(?1, ?2, ?3)" }
            ?? "INSERT OR REPLACE INTO \(table)(first, data) VALUES(?2, ?3)"
        let s = try c.statement(sql)
        for (first, data) in encode(entries) {
            s.reset()
            bindScope(s, scope)
            s.bind(2, Int64(bitPattern: first)).bind(3, data)
            try s.run()
        }
    }

    // MARK: Operations

    /// Payloads of the given ids (ascending) that exist.
    func lookup(_ c: SQLiteConnection, scope: Int64?, ids: [UInt64]) throws -> [UInt64: [UInt8]] {
        var out: [UInt64: [UInt8]] = [:]
        var i = 0
        while i < ids.count {
            guard let block = try covering(c, scope, ids[i]) else { break }
            let upper = try nextFirst(c, scope, after: block.first)
            var k = 0
            while i < ids.count && ids[i] < upper {
                let id = ids[i]
                while k < block.entries.count && block.entries[k].id < id { k += 1 }
                if k < block.entries.count && block.entries[k].id == id { out[id] = block.entries[k].payload }
                i += 1
            }
            if upper == .max { break }
        }
        return out
    }

    /// Inserts entries (ascending, unique); for ids already present,
    /// `merge(old, new)` gives the stored payload.
    func upsert(_ c: SQLiteConnection, scope: Int64?, _ entries: [Entry],
                merge: ([UInt8], [UInt8]) throws -> [UInt8]) throws {
        var pending = entries[...]
        while let head = pending.first {
            let block = try covering(c, scope, head.id)
            let upper = try block.map { try nextFirst(c, scope, after: $0.first) } ?? .max
            let take = pending.prefix { $0.id < upper }
            pending = pending.dropFirst(take.count)
            var merged: [Entry] = []
            merged.reserveCapacity((block?.entries.count ?? 0) + take.count)
            var old = (block?.entries ?? [])[...]
            for e in take {
                while let o = old.first, o.id < e.id { merged.append(o); old = old.dropFirst() }
                if let o = old.first, o.id == e.id {
                    merged.append(Entry(id: e.id, payload: try merge(o.payload, e.payload)))
                    old = old.dropFirst()
                } else {
                    merged.append(e)
                }
            }
            merged.append(contentsOf: old)
            if let block { try deleteBlock(c, scope, block.first) }
            try writeBlocks(c, scope, merged.filter { !$0.payload.isEmpty }[...])
        }
    }

    /// Removes the given ids (ascending).
    func remove(_ c: SQLiteConnection, scope: Int64?, ids: [UInt64]) throws {
        var pending = ids[...]
        while let head = pending.first {
            guard let block = try covering(c, scope, head) else { return }
            let upper = try nextFirst(c, scope, after: block.first)
            let take = Set(pending.prefix { $0 < upper })
            pending = pending.dropFirst(take.count)
            let kept = block.entries.filter { !take.contains($0.id) }
            guard kept.count != block.entries.count else { continue }
            try deleteBlock(c, scope, block.first)
            try writeBlocks(c, scope, kept[...])
        }
    }

    /// Every entry of a scope, ascending; stops at the first error (a damaged page).
    func scan(_ c: SQLiteConnection, scope: Int64?, _ body: (Entry) throws -> Void) throws {
        let s = try c.statement("SELECT first, data FROM \(table) WHERE \(scopeWhere) ORDER BY first")
        bindScope(s, scope)
        while try s.step() {
            for e in try decode(first: UInt64(s.int64(0)), s.blob(1)) { try body(e) }
        }
    }

    /// Deletes a whole scope.
    func deleteScope(_ c: SQLiteConnection, scope: Int64) throws {
        let s = try c.statement("DELETE FROM \(table) WHERE \(scopeWhere)")
        s.bind(1, scope)
        try s.run()
    }
}
