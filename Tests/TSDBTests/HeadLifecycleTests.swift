import Model
import Storage
import Testing
@testable import TSDB

@Suite struct HeadLifecycleTests {
    @Test func idleSeriesLeaveMemoryAndComeBackWithTheirHistory() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.chunkRangeMilliseconds = 600_000 })
        defer { try? db.close() }
        let idle = labels(["__name__": "m", "s": "idle"])
        let busy = labels(["__name__": "m", "s": "busy"])
        try appendGrid(db, series: [idle, busy], start: 0, step: 10_000, count: 30)
        try appendGrid(db, series: [busy], start: 300_000, step: 10_000, count: 200)
        #expect(db.head.sealIdleChunks() >= 1)
        try db.flush()
        #expect(db.head.collectGarbage(idle: 600_000) == 1)
        #expect(db.stats.headSeries == 1)
        #expect(db.stats.seriesEvicted == 1)

        // Out of memory, still queryable from the index.
        #expect(try readAll(db)[idle]?.count == 30)
        let q = try db.querier(mint: .min, maxt: .max)
        #expect(try q.labelValues("s", matching: []) == ["busy", "idle"])

        // It comes back under the same identity, with its out-of-order bound.
        let app = db.appender()
        #expect(throws: AppendError.outOfOrder) { try app.append(idle, 100_000, 1) }
        try app.append(idle, 2_400_000, 7)
        try app.commit()
        #expect(db.stats.headSeries == 2)
        let got = try #require(try readAll(db)[idle])
        #expect(got.count == 31)
        #expect(got.last == Sample(t: 2_400_000, v: 7))
        #expect(try readAll(db).count == 2)
        #expect(db.stats.seriesCreated == 2)
    }

    @Test func statsFollowActivity() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions {
            $0.maxSamplesPerChunk = 10
            $0.walSyncPolicy = .everyCommit
        })
        defer { try? db.close() }
        let series = (0..<3).map { labels(["__name__": "x", "i": "\($0)"]) }
        try appendGrid(db, series: series, start: 1000, step: 1000, count: 25)
        try db.flush()
        let s = db.stats
        #expect(s.headSeries == 3)
        #expect(s.indexedSeries == 3)
        #expect(s.samplesAppended == 75)
        #expect(s.commits == 25)
        #expect(s.chunksCreated == 6)
        #expect(s.headChunks == 3)
        #expect(s.chunkSegments == 1)
        #expect(s.chunkBytes > 0)
        #expect(s.walSegments >= 1)
        #expect(s.indexBytes > 0)
        #expect(s.indexFlushes >= 1)
        #expect(s.minTime == 1000)
        #expect(s.maxTime == 25_000)
        #expect(s.walCorruptions == 0 && s.chunkCorruptions == 0 && s.indexCorruptions == 0)
    }

    /// Series created together (a target's) cut their first chunk at
    /// different sizes, so they do not all seal in the same moment; later
    /// chunks use the full limit, and nothing is lost either way.
    @Test func firstChunksOfSeriesCreatedTogetherAreStaggered() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions {
            $0.staggerFirstChunks = true
            $0.maxSamplesPerChunk = 100
            $0.maxHeadChunkBytes = 100_000
        })
        defer { try? db.close() }
        let series = (0..<64).map { labels(["__name__": "m", "i": "\($0)"]) }
        try appendGrid(db, series: series, start: 1_000, step: 1_000, count: 260)
        let chunkSizes = db.head.lock.withLock {
            db.head.slots.compactMap { $0 }.map { s in s.pendingChunks.map(\.chunk.count) }
        }
        #expect(chunkSizes.count == 64)
        let firsts = chunkSizes.compactMap(\.first)
        #expect(firsts.count == 64)
        #expect(firsts.allSatisfy { (50...100).contains($0) }, "\(firsts)")
        #expect(Set(firsts).count >= 16, "first chunks should spread over the range: \(firsts)")
        #expect(chunkSizes.allSatisfy { $0.dropFirst().allSatisfy { $0 == 100 } }, "\(chunkSizes)")
        let read = try readAll(db)
        #expect(read.count == 64)
        #expect(read.values.allSatisfy { $0.count == 260 })
    }

    @Test func invalidOptionsAreRejectedClearly() throws {
        let dir = TemporaryDirectory()
        #expect {
            _ = try TSDB.open(directory: dir.path, options: testOptions { $0.retentionMilliseconds = 0 })
        } throws: { "\($0)".contains("retention time must be positive") }
        #expect(throws: TSDBError.self) {
            _ = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 0 })
        }
    }

    @Test func closedDatabaseRefusesWork() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        let app = db.appender()
        try app.append(labels(["__name__": "x"]), 1, 1)
        try db.close()
        #expect(throws: TSDBError.self) { try app.commit() }
        #expect(throws: TSDBError.self) { _ = try db.querier(mint: 0, maxt: 1) }
        try db.close()  // idempotent
    }
}
