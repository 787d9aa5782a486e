/// Where a sealed chunk lives: segment file number and byte offset of its
/// entry, with the time range it covers (for pruning without reading it).
struct ChunkRef: Hashable {
    var segment: UInt32
    var offset: UInt32
    var minTime: Int64
    var maxTime: Int64

    var location: UInt64 { UInt64(segment) << 32 | UInt64(offset) }
}

/// Byte layout of chunk segment files (docs/format/chunk-files.md):
///
///     header:  "EMBC" | version u8 | 3 reserved bytes | base time i64 LE
///     entry:   series id uvarint | encoding u8 | length uvarint | data | CRC-32C u32 LE
///
/// The CRC covers the entry from the series id to the end of the data.
enum ChunkSegmentFormat {
    static let magic: [UInt8] = Array("EMBC".utf8)
    static let version: UInt8 = 1
    static let headerSize = 16
    /// Largest chunk body accepted when reading, so a damaged length is caught early.
    static let maxChunkBytes = 1 << 24

    static func header(baseTime: Int64) -> [UInt8] {
        var b = DiskBuffer(capacity: headerSize)
        b.putBytes(magic)
        b.putByte(version)
        b.putBytes([0, 0, 0])
        b.putUInt64(UInt64(bitPattern: baseTime))
        return b.bytes
    }

    static func fileName(_ segment: UInt32) -> String {
        let digits = String(segment)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Parses a segment header; returns the base time.
    static func parseHeader(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        guard bytes.count >= headerSize else {
            throw DecodeError(offset: 0, field: "segment header", reason: "file shorter than its header")
        }
        guard Array(bytes[0..<4]) == magic else {
            throw DecodeError(offset: 0, field: "segment magic", reason: "not an Ember chunk segment")
        }
        guard bytes[4] == version else {
            throw DecodeError(offset: 4, field: "segment version", reason: "unsupported version \(bytes[4])")
        }
        var r = DiskReader(bytes, offset: 8)
        return Int64(bitPattern: try r.uint64("base time"))
    }

    /// Appends one entry to `out`.
    static func appendEntry(series: UInt64, encoding: UInt8, data: [UInt8], to out: inout DiskBuffer) {
        let start = out.count
        out.putUvarint(series)
        out.putByte(encoding)
        out.putUvarint(UInt64(data.count))
        out.putBytes(data)
        let crc = out.bytes.withUnsafeBytes { Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        out.putUInt32(crc)
    }

    /// One decoded entry: the chunk data is a view into the segment bytes.
    struct Entry {
        var series: UInt64
        var encoding: UInt8
        var data: UnsafeRawBufferPointer
        /// Offset just past the entry.
        var end: Int
    }

    /// Reads and checks the entry at `offset`.
    static func entry(in bytes: UnsafeRawBufferPointer, at offset: Int) throws -> Entry {
        guard offset >= headerSize, offset < bytes.count else {
            throw DecodeError(offset: offset, field: "chunk entry", reason: "offset outside the file (\(bytes.count) bytes)")
        }
        var r = DiskReader(bytes, offset: offset)
        let series = try r.uvarint("chunk series id")
        let encoding = try r.byte("chunk encoding")
        let length = try r.length("chunk length", limit: maxChunkBytes)
        let data = try r.bytes(length, "chunk data")
        let bodyEnd = r.offset
        let stored = try r.uint32("chunk checksum")
        let computed = Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: bytes[offset..<bodyEnd]))
        guard stored == computed else {
            throw DecodeError(offset: offset, field: "chunk entry", reason: "checksum mismatch")
        }
        return Entry(series: series, encoding: encoding, data: data, end: r.offset)
    }
}

/// Packed chunk references of one series in one segment (its entry in the
/// index's `chunk_refs` blocks): per chunk, ascending by offset,
///
///     offset      uvarint (first: absolute; then: delta from the previous offset)
///     min time    time delta (first: minus the segment base time; then: minus the previous max time)
///     max - min   time delta
///
/// A time delta d is written as uvarint(zigzag(d / 1000) << 1 | 1) when d is
/// a whole number of seconds, else uvarint(zigzag(d) << 1): scrapes and
/// imports often land on whole seconds, which saves two bytes per chunk.
enum ChunkRefCodec {
    static func encode(_ refs: [ChunkRef], baseTime: Int64, into out: inout DiskBuffer) {
        var prevOffset: UInt32 = 0
        var prevMax = baseTime
        for (i, r) in refs.enumerated() {
            out.putUvarint(UInt64(i == 0 ? r.offset : r.offset &- prevOffset))
            putTimeDelta(r.minTime &- prevMax, into: &out)
            putTimeDelta(r.maxTime &- r.minTime, into: &out)
            prevOffset = r.offset
            prevMax = r.maxTime
        }
    }

    static func decode(_ blob: UnsafeRawBufferPointer, segment: UInt32, baseTime: Int64) throws -> [ChunkRef] {
        var r = DiskReader(blob)
        var out: [ChunkRef] = []
        var offset: UInt64 = 0
        var prevMax = baseTime
        while !r.isAtEnd {
            let o = try r.uvarint("ref offset")
            offset = out.isEmpty ? o : offset &+ o
            let minT = prevMax &+ (try timeDelta(&r, "ref min time"))
            let maxT = minT &+ (try timeDelta(&r, "ref span"))
            guard offset <= UInt64(UInt32.max) else {
                throw DecodeError(offset: r.offset, field: "ref offset", reason: "beyond 4 GiB")
            }
            out.append(ChunkRef(segment: segment, offset: UInt32(offset), minTime: minT, maxTime: maxT))
            prevMax = maxT
        }
        return out
    }

    private static func putTimeDelta(_ d: Int64, into out: inout DiskBuffer) {
        let seconds = d % 1000 == 0
        let v = seconds ? d / 1000 : d
        let zigzag = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        out.putUvarint(zigzag << 1 | (seconds ? 1 : 0))
    }

    private static func timeDelta(_ r: inout DiskReader, _ field: String) throws -> Int64 {
        let u = try r.uvarint(field)
        let zigzag = u >> 1
        let v = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
        return u & 1 == 1 ? v &* 1000 : v
    }
}
