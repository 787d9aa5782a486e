/// Appends little-endian integers and varints to a growable byte array: the
/// encoder of WAL records, chunk-file entries and index blobs.
struct DiskBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    @inline(__always) mutating func putByte(_ b: UInt8) { bytes.append(b) }

    mutating func putUInt32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func putUInt64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func putUvarint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }

    /// Zig-zag encoded, so small negative numbers stay short.
    @inline(__always) mutating func putVarint(_ v: Int64) {
        putUvarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func putBytes(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }

    mutating func putBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A length-prefixed UTF-8 string.
    mutating func putString(_ s: String) {
        var s = s
        s.withUTF8 { u in
            putUvarint(UInt64(u.count))
            bytes.append(contentsOf: u)
        }
    }

    /// Overwrites 4 bytes at `offset` (used for patching lengths and checksums).
    mutating func setUInt32(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.littleEndian) { src in
            for i in 0..<4 { bytes[offset + i] = src[i] }
        }
    }
}

/// Why bytes could not be decoded: the field and its byte position.
struct DecodeError: Error, CustomStringConvertible {
    let offset: Int
    let field: String
    let reason: String
    var description: String { "\(field) at byte \(offset): \(reason)" }
}

/// Reads what `DiskBuffer` writes from borrowed bytes. Every read checks
/// bounds and throws `DecodeError` naming the field, so damaged input
/// never traps or reads outside the buffer.
struct DiskReader {
    let base: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    var remaining: Int { base.count - offset }
    var isAtEnd: Bool { offset >= base.count }

    private func fail(_ field: String, _ why: String = "truncated") -> DecodeError {
        DecodeError(offset: offset, field: field, reason: why)
    }

    mutating func byte(_ field: String) throws -> UInt8 {
        guard offset < base.count else { throw fail(field) }
        defer { offset += 1 }
        return base[offset]
    }

    mutating func uint32(_ field: String) throws -> UInt32 {
        guard remaining >= 4 else { throw fail(field) }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(base[offset + i]) << (8 * UInt32(i)) }
        offset += 4
        return v
    }

    mutating func uint64(_ field: String) throws -> UInt64 {
        guard remaining >= 8 else { throw fail(field) }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(base[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }

    @inline(__always) mutating func uvarint(_ field: String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < base.count else { throw fail(field) }
            let b = base[offset]
            offset += 1
            if shift == 63 && b > 1 { throw fail(field, "varint overflows 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw fail(field, "varint overflows 64 bits") }
        }
    }

    @inline(__always) mutating func varint(_ field: String) throws -> Int64 {
        let u = try uvarint(field)
        return Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
    }

    /// A varint that must fit in `Int` and be at most `limit`.
    mutating func length(_ field: String, limit: Int) throws -> Int {
        let start = offset
        let v = try uvarint(field)
        guard v <= UInt64(limit) else {
            throw DecodeError(offset: start, field: field, reason: "\(v) exceeds the limit \(limit)")
        }
        return Int(v)
    }

    mutating func bytes(_ n: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, remaining >= n else { throw fail(field) }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<offset + n])
    }

    mutating func string(_ field: String) throws -> String {
        let n = try length("\(field) length", limit: remaining)
        let raw = try bytes(n, field)
        guard let s = String(validating: raw.bindMemory(to: UInt8.self), as: UTF8.self) else {
            throw DecodeError(offset: offset - n, field: field, reason: "invalid UTF-8")
        }
        return s
    }
}
