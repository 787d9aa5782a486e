/// The SQLite schema of `index.sqlite` (docs/format/index.md). Every table
/// is keyed by integers; strings appear once, in `symbols`.
enum IndexSchema {
    static let version: Int64 = 2

    static let pragmas = """
        PRAGMA journal_mode=WAL;
        PRAGMA synchronous=FULL;
        PRAGMA temp_store=MEMORY;
        PRAGMA cache_size=-16384;
        """

    static let tables = """
        CREATE TABLE IF NOT EXISTS meta(
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS symbols(
            first INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS pairs(
            first INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS series(
            first INTEGER PRIMARY KEY,
            data BLOB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS postings(
            pair INTEGER NOT NULL,
            first INTEGER NOT NULL,
            ids BLOB NOT NULL,
            PRIMARY KEY(pair, first)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS segments(
            id INTEGER PRIMARY KEY,
            base INTEGER NOT NULL,
            mint INTEGER NOT NULL,
            maxt INTEGER NOT NULL,
            size INTEGER NOT NULL,
            chunks INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS chunk_refs(
            segment INTEGER NOT NULL,
            first INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY(segment, first)
        ) WITHOUT ROWID;
        """

    static let metaSchemaVersion = "schema_version"
    static let metaNextSeriesID = "next_series_id"
    static let metaNextSegmentID = "next_segment_id"
}

/// Blob codecs of the index: series labels and postings lists.
enum IndexBlobs {
    /// A pair's payload: name and value symbol ids.
    static func encodePair(name: UInt32, value: UInt32) -> [UInt8] {
        var b = DiskBuffer(capacity: 6)
        b.putUvarint(UInt64(name))
        b.putUvarint(UInt64(value))
        return b.bytes
    }

    static func decodePair(_ blob: [UInt8]) throws -> (name: UInt32, value: UInt32) {
        try blob.withUnsafeBytes { raw in
            var r = DiskReader(raw)
            let name = try r.uvarint("pair name")
            let value = try r.uvarint("pair value")
            guard name <= UInt64(UInt32.max), value <= UInt64(UInt32.max) else {
                throw DecodeError(offset: 0, field: "pair", reason: "symbol id exceeds 32 bits")
            }
            return (UInt32(name), UInt32(value))
        }
    }

    /// Pair ids of a series, in label-name order, as uvarints.
    static func encodeLabels(_ pairs: [UInt32]) -> [UInt8] {
        var b = DiskBuffer(capacity: pairs.count * 2)
        for p in pairs { b.putUvarint(UInt64(p)) }
        return b.bytes
    }

    static func decodeLabels(_ blob: UnsafeRawBufferPointer) throws -> [UInt32] {
        var r = DiskReader(blob)
        var out: [UInt32] = []
        while !r.isAtEnd {
            let v = try r.uvarint("label pair id")
            guard v <= UInt64(UInt32.max) else {
                throw DecodeError(offset: r.offset, field: "label pair id", reason: "exceeds 32 bits")
            }
            out.append(UInt32(v))
        }
        return out
    }

    /// A postings block: the ids after `first`, as ascending deltas.
    static func encodePostings(_ ids: ArraySlice<UInt64>, first: UInt64) -> [UInt8] {
        var b = DiskBuffer(capacity: ids.count * 2)
        var prev = first
        for id in ids.dropFirst() {
            b.putUvarint(id &- prev)
            prev = id
        }
        return b.bytes
    }

    static func decodePostings(_ blob: UnsafeRawBufferPointer, first: UInt64, into out: inout [UInt64]) throws {
        var r = DiskReader(blob)
        var prev = first
        out.append(first)
        while !r.isAtEnd {
            let d = try r.uvarint("postings delta")
            guard d > 0 else { throw DecodeError(offset: r.offset, field: "postings delta", reason: "ids not ascending") }
            prev &+= d
            out.append(prev)
        }
    }

    /// Blocks are cut at this size so a row fits in its b-tree page (about
    /// 1000 bytes on 4 KiB pages): larger ones spill to overflow pages.
    static let postingsBlockBytes = 980
}
