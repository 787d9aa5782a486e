import Model
import Testing
@testable import TSDB

@Suite struct StoreCodecTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(Castagnoli.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(Castagnoli.checksum([]) == 0)
        // Chaining equals one pass.
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = Castagnoli.checksum(bytes)
        let chained = bytes.withUnsafeBytes { raw in
            Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[500...]),
                                continuing: Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[..<500])))
        }
        #expect(whole == chained)
        bytes.withUnsafeBytes { raw in
            #expect(Castagnoli.tableChecksum(raw) == whole)
            #expect(Castagnoli.tableChecksum(UnsafeRawBufferPointer(rebasing: raw[..<9])) == Castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[..<9])))
        }
    }

    /// The CPU instruction (when present) and the tables agree at every
    /// length and alignment, including the tails shorter than a word.
    @Test func crc32cInstructionAgreesWithTheTables() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { raw in
            for start in 0..<9 {
                for length in [0, 1, 7, 8, 9, 15, 16, 63, 64, 65, 1000, 4000] {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])
                    let seed = UInt32.random(in: 0...UInt32.max, using: &generator)
                    #expect(Castagnoli.checksum(slice, continuing: seed) == Castagnoli.tableChecksum(slice, continuing: seed),
                            "start \(start), length \(length)")
                }
            }
        }
    }

    @Test func walCommitRecordRoundTripsAndNamesDamage() throws {
        let series = [WALSeries(id: 7, labels: labels(["__name__": "up", "job": "ä"]))]
        let samples = [WALSample(id: 7, t: 1_000, v: StaleNaN.value), WALSample(id: 3, t: 999, v: -1.5)]
        var buffer = DiskBuffer()
        samples.withUnsafeBufferPointer { WALFormat.encode(series: series, samples: $0, into: &buffer) }
        var commit = WALCommit()
        try buffer.bytes.withUnsafeBytes { raw in
            try WALFormat.decodeCommit(UnsafeRawBufferPointer(rebasing: raw[WALFormat.recordHeaderSize...]), into: &commit)
        }
        #expect(commit.series.map(\.labels) == series.map(\.labels))
        #expect(commit.samples.map(\.id) == [7, 3])
        #expect(commit.samples.map(\.t) == [1_000, 999])
        #expect(commit.samples.map(\.v.bitPattern) == samples.map(\.v.bitPattern))
        // A payload cut short reports the field it was reading.
        let cut = Array(buffer.bytes[WALFormat.recordHeaderSize..<(buffer.count - 3)])
        #expect {
            try cut.withUnsafeBytes { try WALFormat.decodeCommit($0, into: &commit) }
        } throws: { error in
            (error as? DecodeError)?.field == "value"
        }
    }

    @Test func chunkRefsRoundTripWithAnyTimes() throws {
        let refs = [
            ChunkRef(segment: 4, offset: 16, minTime: 1_000_000, maxTime: 1_120_000),
            ChunkRef(segment: 4, offset: 900, minTime: 1_120_015, maxTime: 1_300_001),
            // Overlapping backfill data: a negative delta.
            ChunkRef(segment: 4, offset: 70_000, minTime: 5, maxTime: 5),
        ]
        var blob = DiskBuffer()
        ChunkRefCodec.encode(refs, baseTime: 1_000_000, into: &blob)
        let back = try blob.bytes.withUnsafeBytes { try ChunkRefCodec.decode($0, segment: 4, baseTime: 1_000_000) }
        #expect(back == refs)
    }

    @Test func packedBlocksSplitShareAndMergeInSQLite() throws {
        let dir = TemporaryDirectory()
        let c = try SQLiteConnection(path: dir.sub("t.sqlite"))
        try c.execute(IndexSchema.tables)
        let table = PackedBlocks.series
        // 3000 series with similar labels: several blocks, prefixes shared.
        let entries = (1...3000).map { i in
            PackedBlocks.Entry(id: UInt64(i * 2), payload: IndexBlobs.encodeLabels([1, 200, 300, 4000, UInt32(i / 10), UInt32(i)]))
        }
        try c.transaction { try table.upsert(c, scope: nil, entries) { old, _ in old } }
        let blocks = try c.statement("SELECT count(*), sum(length(data)) FROM series")
        #expect(try blocks.step())
        #expect(blocks.int64(0) > 1)
        #expect(blocks.int64(1) < Int64(entries.reduce(0) { $0 + $1.payload.count }))
        let some: [UInt64] = [2, 4, 3, 5998, 6000, 6002]
        let found = try table.lookup(c, scope: nil, ids: some.sorted())
        #expect(Set(found.keys) == [2, 4, 5998, 6000])
        #expect(found[5998] == entries[2998].payload)
        // Inserting between existing ids and removing keep everything else.
        try c.transaction {
            try table.upsert(c, scope: nil, [PackedBlocks.Entry(id: 3, payload: [9])]) { old, _ in old }
            try table.remove(c, scope: nil, ids: [4, 6000])
        }
        var all: [UInt64] = []
        try table.scan(c, scope: nil) { all.append($0.id) }
        #expect(all.count == 2999)
        #expect(all == all.sorted())
        #expect(all.contains(3) && !all.contains(4) && !all.contains(6000))
        #expect(try table.lookup(c, scope: nil, ids: [3])[3] == [9])
        c.close()
    }
}
