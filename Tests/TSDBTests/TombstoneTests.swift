import Foundation
import Model
import Storage
import Testing
@testable import TSDB

/// Every sample stored in the chunk files of `dir`, per series id, read
/// straight from the bytes (what is physically on disk, indexed or not).
func samplesInChunkFiles(_ dir: String) throws -> [UInt64: [Int64]] {
    var out: [UInt64: [Int64]] = [:]
    for path in try chunkSegments(dir) {
        let bytes = try FileIO.readWholeFile(path)
        try bytes.withUnsafeBytes { raw in
            var offset = ChunkSegmentFormat.headerSize
            while offset < raw.count {
                let entry = try ChunkSegmentFormat.entry(in: raw, at: offset)
                let it = try makeChunkIterator(rawEncoding: entry.encoding, bytes: entry.data, owner: nil)
                while it.next() { out[entry.series, default: []].append(it.timestamp) }
                offset = entry.end
            }
        }
    }
    return out
}

func matcher(_ name: String, _ value: String) throws -> Matcher { try Matcher(.equal, name, value) }

@Suite struct TombstoneTests {
    let sensors = (0..<3).map { labels(["__name__": "temp", "sensor": "s\($0)"]) }
    let odd = labels(["__name__": "temp", "sensor": "odd", "only_here": "yes"])

    /// 100 samples a second apart per series in several chunk segments; some
    /// chunks indexed, some sealed but only in memory, the newest in open head chunks.
    func filled(_ dir: TemporaryDirectory) throws -> TSDB {
        let db = try TSDB.open(directory: dir.path, options: testOptions {
            $0.maxSamplesPerChunk = 16
            $0.chunkSegmentSpanMilliseconds = 30_000
        })
        try appendGrid(db, series: sensors + [odd], start: 0, step: 1000, count: 60)
        try db.flush()
        try appendGrid(db, series: sensors + [odd], start: 60_000, step: 1000, count: 40)
        return db
    }

    func times(_ db: TSDB, _ l: Labels, mint: Int64 = .min, maxt: Int64 = .max) throws -> [Int64] {
        try readAll(db, mint: mint, maxt: maxt)[l]?.map(\.t) ?? []
    }

    @Test func deletingARangeInTheMiddleHidesOnlyThoseSamples() throws {
        let dir = TemporaryDirectory()
        let db = try filled(dir)
        defer { try? db.close() }
        try db.deleteSeries(matching: [try matcher("sensor", "s1")], mint: 30_000, maxt: 69_500)
        let all = (0..<100).map { Int64($0) * 1000 }
        #expect(try times(db, sensors[1]) == all.filter { $0 < 30_000 || $0 > 69_500 })
        #expect(try times(db, sensors[0]) == all)
        #expect(try times(db, sensors[2]) == all)
        // Seeks land past the deleted range; a window inside it shows nothing of s1.
        #expect(try times(db, sensors[1], mint: 25_000, maxt: 72_000) == [25_000, 26_000, 27_000, 28_000, 29_000, 70_000, 71_000, 72_000])
        #expect(try readAll(db, mint: 40_000, maxt: 50_000)[sensors[1]] == nil)
        let q = try db.querier(mint: 40_000, maxt: 50_000)
        let it = try #require(try q.select([try matcher("sensor", "s0")], hints: nil).first).makeIterator()
        #expect(it.seek(45_000) && it.timestamp == 45_000)
        let hidden = try #require(try db.querier(mint: 0, maxt: .max).select([try matcher("sensor", "s1")], hints: nil).first).makeIterator()
        #expect(hidden.seek(31_000) && hidden.timestamp == 70_000 && hidden.value == 1000 + 70)
        #expect(try db.tombstoneRanges() == [sensors[1]: [DeletedRange(minTime: 30_000, maxTime: 69_500)]])
    }

    @Test func deletingAWholeSeriesRemovesItFromSeriesAndLabelQueries() throws {
        let dir = TemporaryDirectory()
        let db = try filled(dir)
        defer { try? db.close() }
        try db.deleteSeries(matching: [try matcher("only_here", "yes")], mint: APIMin, maxt: APIMax)
        #expect(try readAll(db)[odd] == nil)
        #expect(try readAll(db).count == 3)
        let q = try db.querier(mint: .min, maxt: .max)
        #expect(try q.labelNames(matching: []) == ["__name__", "sensor"])
        #expect(try q.labelValues("sensor", matching: []) == ["s0", "s1", "s2"])
        #expect(try q.labelValues("sensor", matching: [try matcher("__name__", "temp")]) == ["s0", "s1", "s2"])
        #expect(try q.labelNames(matching: [try matcher("sensor", "odd")]) == [])
        // The ranges recorded stop at the data the series had: [0, 99 s].
        #expect(try db.tombstoneRanges()[odd] == [DeletedRange(minTime: 0, maxTime: 99_000)])
        // So a sample appended afterwards is visible again, with its labels.
        let app = db.appender()
        try app.append(odd, 100_000, 7)
        try app.commit()
        #expect(try times(db, odd) == [100_000])
        #expect(try db.querier(mint: .min, maxt: .max).labelValues("only_here", matching: []) == ["yes"])
    }

    @Test func deletionsSurviveARestartAndACrash() throws {
        let dir = TemporaryDirectory()
        let crashed = TemporaryDirectory()
        do {
            let db = try filled(dir)
            try db.deleteSeries(matchingAny: [[try matcher("sensor", "s0")], [try matcher("sensor", "s2")]],
                                mint: 10_000, maxt: 19_000)
            try db.deleteSeries(matching: [try matcher("only_here", "yes")], mint: APIMin, maxt: APIMax)
            try crashCopy(of: dir.path, to: crashed.sub("data"))
            try db.close()
        }
        let expected = (0..<100).map { Int64($0) * 1000 }.filter { $0 < 10_000 || $0 > 19_000 }
        for path in [dir.path, crashed.sub("data")] {
            let db = try TSDB.open(directory: path, options: testOptions())
            #expect(try times(db, sensors[0]) == expected)
            #expect(try times(db, sensors[2]) == expected)
            #expect(try times(db, sensors[1]).count == 100)
            #expect(try readAll(db)[odd] == nil)
            #expect(try db.querier(mint: .min, maxt: .max).labelNames(matching: []) == ["__name__", "sensor"])
            #expect(try db.tombstoneRanges().count == 3)
            try db.close()
        }
    }

    @Test func cleaningRemovesDeletedSamplesFromDiskAndRestartKeepsThemGone() throws {
        let dir = TemporaryDirectory()
        let expected = (0..<100).map { Int64($0) * 1000 }.filter { $0 < 30_000 || $0 > 69_500 }
        let oddID: UInt64
        let s1ID: UInt64
        do {
            let db = try filled(dir)
            oddID = try #require(db.head.lock.withLock { db.head.byID.values.first { db.symbols.labels($0.pairs) == odd }?.id })
            s1ID = try #require(db.head.lock.withLock { db.head.byID.values.first { db.symbols.labels($0.pairs) == sensors[1] }?.id })
            try db.deleteSeries(matching: [try matcher("sensor", "s1")], mint: 30_000, maxt: 69_500)
            try db.deleteSeries(matching: [try matcher("only_here", "yes")], mint: APIMin, maxt: APIMax)
            let result = try db.cleanTombstones()
            #expect(result.segmentsRewritten >= 1)
            #expect(result.chunksReencoded >= 1)
            #expect(result.chunksDropped >= 1)
            #expect(result.seriesRemoved == 1)
            #expect(try db.tombstoneRanges().isEmpty)
            #expect(db.tombstones.isEmpty)
            #expect(try times(db, sensors[1]) == expected)
            #expect(try times(db, sensors[0]).count == 100)
            #expect(try readAll(db)[odd] == nil)
            #expect(try db.querier(mint: .min, maxt: .max).labelNames(matching: []) == ["__name__", "sensor"])
            // Physically gone: no chunk file holds a deleted sample, and the WAL holds no sample at all.
            let onDisk = try samplesInChunkFiles(dir.path)
            #expect(onDisk[oddID] == nil)
            #expect(onDisk[s1ID]?.sorted() == expected)
            #expect(try walSegments(dir.path).allSatisfy { fileSize($0) <= 8 })
            // Cleaning again finds nothing to do.
            #expect(try db.cleanTombstones() == CleanTombstonesResult())
            // Later appends go on as usual.
            try appendGrid(db, series: [sensors[1]], start: 100_000, step: 1000, count: 3)
            try db.close()
        }
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        #expect(try times(db, sensors[1]) == expected + [100_000, 101_000, 102_000])
        #expect(try readAll(db)[odd] == nil)
        #expect(try db.querier(mint: .min, maxt: .max).labelValues("sensor", matching: []) == ["s0", "s1", "s2"])
        #expect(try db.tombstoneRanges().isEmpty)
        #expect(db.openReport.isEmpty)
    }

    @Test func appendsAndRunningQueriesCarryOnThroughCleaning() throws {
        let dir = TemporaryDirectory()
        let db = try filled(dir)
        try db.deleteSeries(matching: [try matcher("sensor", "s1")], mint: 30_000, maxt: 69_500)
        let deletedView = (0..<100).map { Int64($0) * 1000 }.filter { $0 < 30_000 || $0 > 69_500 }
        // Selected before cleaning: it keeps reading the segment files cleaning unlinks.
        let early = try #require(try db.querier(mint: .min, maxt: .max).select([try matcher("sensor", "s1")], hints: nil).first)
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        let series = sensors + [odd]
        let writer = Thread {
            defer { finished.signal() }
            do { try appendGrid(db, series: series, start: 100_000, step: 1000, count: 300) } catch { outcome.error = error }
        }
        writer.start()
        let result = try db.cleanTombstones()
        #expect(finished.wait(timeout: .now() + 120) == .success)
        #expect(outcome.error == nil)
        #expect(result.segmentsRewritten >= 1)
        #expect(early.makeIterator().collect().map(\.t) == deletedView)
        let appended = (100..<400).map { Int64($0) * 1000 }
        #expect(try times(db, sensors[1]) == deletedView + appended)
        #expect(try times(db, sensors[0]).count == 400)
        try db.close()
        let reopened = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? reopened.close() }
        #expect(try times(reopened, sensors[1]) == deletedView + appended)
        #expect(try times(reopened, odd).count == 400)
        #expect(reopened.openReport.isEmpty)
    }

    @Test func tombstonesSurviveAnIndexRebuiltAfterDamage() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try filled(dir)
            try db.deleteSeries(matching: [try matcher("sensor", "s1")], mint: 30_000, maxt: 69_500)
            try db.close()
        }
        // Damage the chunk references' root page: the index is rebuilt from the chunk files.
        let path = dir.sub("index.sqlite")
        let c = try SQLiteConnection(path: path)
        let root = try c.statement("SELECT rootpage FROM sqlite_master WHERE name = 'chunk_refs'")
        #expect(try root.step())
        let page = Int(root.int64(0))
        root.reset()
        let size = try c.statement("PRAGMA page_size")
        #expect(try size.step())
        let pageSize = Int(size.int64(0))
        size.reset()
        c.close()
        try patchFile(path, at: (page - 1) * pageSize, with: [UInt8](repeating: 0xEE, count: 64))

        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        #expect(db.stats.indexCorruptions == 1)
        #expect(try times(db, sensors[0]).count == 100)
        #expect(try times(db, sensors[1]) == (0..<100).map { Int64($0) * 1000 }.filter { $0 < 30_000 || $0 > 69_500 })
        #expect(try db.tombstoneRanges() == [sensors[1]: [DeletedRange(minTime: 30_000, maxTime: 69_500)]])
    }

    @Test func aCrashBeforeCleaningKeepsTheDeletionAndTheCopyCleansToo() throws {
        let dir = TemporaryDirectory()
        let crashed = TemporaryDirectory()
        let db = try filled(dir)
        try db.deleteSeries(matching: [try matcher("sensor", "s2")], mint: 0, maxt: 49_000)
        try crashCopy(of: dir.path, to: crashed.sub("data"))
        try db.cleanTombstones()
        try db.close()
        let restored = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        defer { try? restored.close() }
        #expect(try times(restored, sensors[2]) == (50..<100).map { Int64($0) * 1000 })
        try restored.cleanTombstones()
        #expect(try times(restored, sensors[2]) == (50..<100).map { Int64($0) * 1000 })
    }

    @Test func snapshotsOpenAsADatabaseWithOrWithoutTheHead() throws {
        let dir = TemporaryDirectory()
        let db = try filled(dir)
        defer { try? db.close() }
        try db.deleteSeries(matching: [try matcher("sensor", "s0")], mint: 0, maxt: 4_000)
        let withHead = dir.sub("snapshots/full")
        let indexedOnly = dir.sub("snapshots/indexed")
        try FileManager.default.createDirectory(atPath: dir.sub("snapshots"), withIntermediateDirectories: true)
        try db.snapshot(into: withHead, includeHead: true)
        try db.snapshot(into: indexedOnly, includeHead: false)
        #expect(throws: TSDBError.self) { try db.snapshot(into: withHead, includeHead: true) }
        // The source goes on: appends after the snapshot are not in it.
        try appendGrid(db, series: [sensors[1]], start: 100_000, step: 1000, count: 5)

        let full = try TSDB.open(directory: withHead, options: testOptions())
        let all = (0..<100).map { Int64($0) * 1000 }
        #expect(try times(full, sensors[1]) == all)
        #expect(try times(full, sensors[0]) == all.filter { $0 > 4_000 })
        #expect(try readAll(full).count == 4)
        try full.close()

        let partial = try TSDB.open(directory: indexedOnly, options: testOptions())
        let flushed = try times(partial, sensors[1])
        #expect(!flushed.isEmpty && flushed.count < 100)
        #expect(flushed == Array(all.prefix(flushed.count)))
        #expect(try times(partial, sensors[0]).first == 5_000)
        try partial.close()
        // Closed chunk files are shared with the source, not copied.
        let source = Set(try chunkSegments(dir.path).map(inode))
        let copied = Set(try chunkSegments(withHead).map(inode))
        #expect(!source.isDisjoint(with: copied))
        #expect(copied.count > 1)
    }

    func inode(_ path: String) throws -> UInt64 {
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attrs[.systemFileNumber] as? UInt64)
    }
}

/// Prometheus's default start and end of a deletion (min and max time).
let APIMin: Int64 = -9_223_309_901_257_974
let APIMax: Int64 = 9_223_309_901_257_974

@Suite struct DeletedRangesTests {
    @Test func rangesMergeWhenTheyOverlapOrTouch() {
        var r = DeletedRanges()
        r.add(DeletedRange(minTime: 10, maxTime: 20))
        r.add(DeletedRange(minTime: 30, maxTime: 40))
        r.add(DeletedRange(minTime: 22, maxTime: 25))
        #expect(r.ranges.map(\.description) == ["[10, 20]", "[22, 25]", "[30, 40]"])
        r.add(DeletedRange(minTime: 21, maxTime: 21))
        #expect(r.ranges.map(\.description) == ["[10, 25]", "[30, 40]"])
        r.add(DeletedRange(minTime: 5, maxTime: 35))
        #expect(r.ranges.map(\.description) == ["[5, 40]"])
        r.add(DeletedRange(minTime: 50, maxTime: 45))
        #expect(r.ranges.count == 1)
        r.add(DeletedRange(minTime: .min, maxTime: .min))
        r.add(DeletedRange(minTime: .max, maxTime: .max))
        #expect(r.ranges.count == 3)
    }

    @Test func lookupsAnswerContainsCoversAndOverlaps() {
        let r = DeletedRanges([DeletedRange(minTime: 10, maxTime: 20), DeletedRange(minTime: 30, maxTime: 40)])
        #expect(r.contains(10) && r.contains(20) && r.contains(35))
        #expect(!r.contains(9) && !r.contains(25) && !r.contains(41))
        #expect(r.covers(12, 18) && r.covers(30, 40))
        #expect(!r.covers(15, 32) && !r.covers(5, 12))
        #expect(r.overlaps(18, 32) && r.overlaps(0, 10) && r.overlaps(40, 100))
        #expect(!r.overlaps(21, 29) && !r.overlaps(41, 100))
    }

    @Test func theFilterSkipsDeletedSamplesOnNextAndSeek() {
        let samples = (0..<20).map { Sample(t: Int64($0), v: Double($0)) }
        let deleted = DeletedRanges([DeletedRange(minTime: 0, maxTime: 2), DeletedRange(minTime: 5, maxTime: 9),
                                     DeletedRange(minTime: 15, maxTime: .max)])
        let it = DeletedSamplesFilter(base: ArraySampleIterator(samples), deleted: deleted)
        #expect(it.collect().map(\.t) == [3, 4, 10, 11, 12, 13, 14])
        let seeking = DeletedSamplesFilter(base: ArraySampleIterator(samples), deleted: deleted)
        #expect(seeking.seek(6) && seeking.timestamp == 10 && seeking.value == 10)
        #expect(seeking.seek(11) && seeking.timestamp == 11)
        #expect(!seeking.seek(15))
    }
}
