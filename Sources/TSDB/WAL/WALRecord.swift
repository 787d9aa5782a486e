import Model

/// One sample as the WAL stores it: series id, timestamp, value.
struct WALSample: WALSampleFields {
    var id: UInt64
    var t: Int64
    var v: Double
}

/// What the WAL stores of a sample; the commit path encodes its staged
/// samples directly instead of copying them into `WALSample`s first.
protocol WALSampleFields {
    var id: UInt64 { get }
    var t: Int64 { get }
    var v: Double { get }
}

/// A series definition logged before its first samples.
struct WALSeries {
    var id: UInt64
    var labels: Labels
}

/// The content of one WAL record: one appender commit (new series first,
/// then samples), so replay applies whole commits or nothing.
/// Layout: docs/format/wal.md.
struct WALCommit {
    var series: [WALSeries] = []
    var samples: [WALSample] = []

    mutating func clear() {
        series.removeAll(keepingCapacity: true)
        samples.removeAll(keepingCapacity: true)
    }
}

enum WALFormat {
    static let magic: [UInt8] = Array("EMBW".utf8)
    static let version: UInt8 = 1
    /// magic, version, three reserved bytes.
    static let segmentHeaderSize = 8
    /// type, payload length, CRC-32C.
    static let recordHeaderSize = 9
    static let commitRecord: UInt8 = 1
    /// Bounds a record length read from disk, so a damaged length cannot
    /// make replay allocate or skip absurd amounts.
    static let maxRecordSize = 1 << 30

    static var segmentHeader: [UInt8] { magic + [version, 0, 0, 0] }

    static func segmentName(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// Encodes `commit` as a complete record (header included) into `out`.
    static func encode<Sample: WALSampleFields>(series: [WALSeries], samples: UnsafeBufferPointer<Sample>, into out: inout DiskBuffer) {
        out.reset()
        out.putByte(commitRecord)
        out.putUInt32(0)
        out.putUInt32(0)
        out.putUvarint(UInt64(series.count))
        for s in series {
            out.putUvarint(s.id)
            out.putUvarint(UInt64(s.labels.count))
            for l in s.labels {
                out.putString(l.name)
                out.putString(l.value)
            }
        }
        out.putUvarint(UInt64(samples.count))
        if let first = samples.first {
            out.putUvarint(first.id)
            out.putVarint(first.t)
            encodeSamples(samples, base: first, into: &out)
        }
        let payloadLength = out.count - recordHeaderSize
        out.setUInt32(UInt32(payloadLength), at: 1)
        let crc = out.bytes.withUnsafeBytes { raw -> UInt32 in
            let typeCRC = Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<1]))
            return Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[recordHeaderSize...]), continuing: typeCRC)
        }
        out.setUInt32(crc, at: 5)
    }

    /// Samples per block of `encodeSamples`; at most 28 bytes each, so a
    /// block's scratch space stays in L1.
    private static let sampleBlock = 1024

    /// Writes the sample entries block by block into scratch space with
    /// plain stores, then appends each block at once: appending byte by byte
    /// to the array checked capacity and uniqueness for every byte.
    private static func encodeSamples<Sample: WALSampleFields>(_ samples: UnsafeBufferPointer<Sample>, base: Sample, into out: inout DiskBuffer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: sampleBlock * 28) { scratch in
            guard let start = scratch.baseAddress else { return }
            var i = 0
            while i < samples.count {
                let end = min(samples.count, i + sampleBlock)
                var p = start
                for s in samples[i..<end] {
                    p = putVarint(Int64(bitPattern: s.id &- base.id), at: p)
                    p = putVarint(s.t &- base.t, at: p)
                    UnsafeMutableRawPointer(p).storeBytes(of: s.v.bitPattern.littleEndian, as: UInt64.self)
                    p += 8
                }
                out.putBytes(UnsafeRawBufferPointer(start: start, count: p - start))
                i = end
            }
        }
    }

    /// A zig-zag varint at `p`; returns the position after it.
    @inline(__always)
    private static func putVarint(_ v: Int64, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var x = UInt64(bitPattern: (v << 1) ^ (v >> 63))
        var q = p
        while x >= 0x80 {
            q.pointee = UInt8(truncatingIfNeeded: x) | 0x80
            q += 1
            x >>= 7
        }
        q.pointee = UInt8(x)
        return q + 1
    }

    /// Decodes a commit payload (after the header and CRC check).
    static func decodeCommit(_ payload: UnsafeRawBufferPointer, into commit: inout WALCommit) throws {
        commit.clear()
        var r = DiskReader(payload)
        let seriesCount = try r.length("series count", limit: payload.count)
        for _ in 0..<seriesCount {
            let id = try r.uvarint("series id")
            let n = try r.length("label count", limit: r.remaining)
            var pairs: [Label] = []
            pairs.reserveCapacity(n)
            for _ in 0..<n {
                let name = try r.string("label name")
                let value = try r.string("label value")
                pairs.append(Label(name, value))
            }
            commit.series.append(WALSeries(id: id, labels: Labels(pairs)))
        }
        let sampleCount = try r.length("sample count", limit: payload.count)
        guard sampleCount > 0 else { return }
        let baseID = try r.uvarint("base series id")
        let baseT = try r.varint("base timestamp")
        commit.samples.reserveCapacity(sampleCount)
        for _ in 0..<sampleCount {
            let dID = try r.varint("series id delta")
            let dT = try r.varint("timestamp delta")
            let bits = try r.uint64("value")
            commit.samples.append(WALSample(id: baseID &+ UInt64(bitPattern: dID), t: baseT &+ dT, v: Double(bitPattern: bits)))
        }
        if !r.isAtEnd {
            throw DecodeError(offset: r.offset, field: "commit record", reason: "\(r.remaining) bytes after the last sample")
        }
    }
}
