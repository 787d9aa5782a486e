import CSQLite
import Foundation
import Model
import Storage
import Testing
@testable import TSDB

@Suite struct CorruptionTests {
    let series = (0..<6).map { labels(["__name__": "load", "host": "h\($0)"]) }

    /// Writes 6 series x 40 samples in chunks of 10 and closes.
    func makeStore(_ dir: String) throws {
        let db = try TSDB.open(directory: dir, options: testOptions { $0.maxSamplesPerChunk = 10 })
        try appendGrid(db, series: series, start: 0, step: 1000, count: 40)
        try db.close()
    }

    @Test func damagedChunkBytesAreDetectedAndTheRestIsServed() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.path)
        let segment = try #require(try chunkSegments(dir.path).first)
        // Find the entry of series 2's second chunk and damage its data.
        let db0 = try TSDB.open(directory: dir.path, options: testOptions())
        let id = try #require(db0.head.lock.withLock { db0.head.known[series[2].stableHash] })
        let info = try #require(db0.segments.all().first)
        let refs = try db0.index.read { try IndexStore.chunkRefs($0, series: id, segments: [info]) }
        try db0.close()
        #expect(refs.count == 4)
        try patchFile(segment, at: Int(refs[1].offset) + 8, with: [0xFF, 0x00, 0xFF])

        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        #expect(db.stats.chunkCorruptions == 1)
        let report = db.openReport.joined(separator: "\n")
        #expect(report.contains("damaged chunks"), "open says what it lost: \(report)")
        #expect(report.contains("series \(id)"))
        let got = try readAll(db)
        #expect(got.count == 6)
        for (k, s) in series.enumerated() {
            let expected = k == 2 ? (0..<40).filter { !(10..<20).contains($0) } : Array(0..<40)
            #expect(got[s]?.map(\.t) == expected.map { Int64($0) * 1000 })
        }
    }

    @Test func damageFoundWhileReadingIsSkippedAndCounted() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.path)
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.verifyChunksOnOpen = false })
        defer { try? db.close() }
        let segment = try #require(try chunkSegments(dir.path).first)
        // Damage the first chunk entry after opening (the mapping sees the change).
        try patchFile(segment, at: ChunkSegmentFormat.headerSize + 6, with: [0x5A, 0xA5])
        let got = try readAll(db)
        #expect(db.stats.chunkCorruptions == 1)
        #expect(got.values.map(\.count).sorted() == [30, 40, 40, 40, 40, 40])
    }

    /// Overwrites the first page of a table's b-tree with garbage.
    func damageTable(_ table: String, in path: String) throws {
        let c = try SQLiteConnection(path: path)
        let root = try c.statement("SELECT rootpage FROM sqlite_master WHERE name = '\(table)'")
        #expect(try root.step())
        let page = Int(root.int64(0))
        let size = try c.statement("PRAGMA page_size")
        #expect(try size.step())
        let pageSize = Int(size.int64(0))
        c.close()
        try patchFile(path, at: (page - 1) * pageSize, with: [UInt8](repeating: 0xEE, count: 64))
    }

    @Test func damagedChunkRefsAreRebuiltFromChunkFiles() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.path)
        try damageTable("chunk_refs", in: dir.sub("index.sqlite"))
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        #expect(db.stats.indexCorruptions == 1)
        #expect(db.openReport.contains { $0.contains("damaged") })
        #expect(db.openReport.contains { $0.contains("index rebuilt: 6 series, 24 chunks") })
        let got = try readAll(db)
        #expect(got.count == 6)
        #expect(got.values.allSatisfy { $0.map(\.t) == (0..<40).map { Int64($0) * 1000 } })
        // The damaged file is kept aside for inspection.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.hasPrefix("index.sqlite.damaged-") })
    }

    @Test func unreadableIndexLosesOnlyWhatCannotBeRebuilt() throws {
        let dir = TemporaryDirectory()
        try makeStore(dir.path)
        // Newer samples of a new series live only in the WAL (a crash before any flush).
        let crashed = TemporaryDirectory()
        let db0 = try TSDB.open(directory: dir.path, options: testOptions())
        let fresh = labels(["__name__": "fresh", "host": "x"])
        try appendGrid(db0, series: [fresh], start: 100_000, step: 1000, count: 5)
        try crashCopy(of: dir.path, to: crashed.sub("data"))
        try db0.close()
        // Destroy the whole header: SQLite no longer recognises the file.
        try patchFile(crashed.sub("data/index.sqlite"), at: 0, with: [UInt8](repeating: 0, count: 100))

        let db = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        defer { try? db.close() }
        #expect(db.stats.indexCorruptions == 1)
        let report = db.openReport.joined(separator: "\n")
        #expect(report.contains("24 chunks of 6 series lost"), "says what it lost: \(report)")
        // The store runs and serves what the WAL holds.
        let got = try readAll(db)
        #expect(got[fresh]?.count == 5)
        let app = db.appender()
        try app.append(series[0], 500_000, 1)
        try app.commit()
        #expect(try readAll(db)[series[0]] == [Sample(t: 500_000, v: 1)])
    }
}
