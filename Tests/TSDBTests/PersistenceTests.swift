import Foundation
import Model
import Storage
import Testing
@testable import TSDB

@Suite struct PersistenceTests {
    let series = (0..<5).map { labels(["__name__": "temp", "sensor": "s\($0)"]) }

    @Test func dataSurvivesCloseAndReopen() throws {
        let dir = TemporaryDirectory()
        do {
            let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 7 })
            try appendGrid(db, series: series, start: 1_000_000, step: 10_000, count: 50)
            try db.close()
        }
        // A clean close leaves everything in chunk files and the index: no WAL records.
        #expect(try walSegments(dir.path).allSatisfy { fileSize($0) <= 8 })
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let got = try readAll(db)
        #expect(got.count == 5)
        #expect(got.values.allSatisfy { $0.count == 50 })
        #expect(got[series[3]]?.last == Sample(t: 1_000_000 + 49 * 10_000, v: 3000 + Double(1_000_000 + 49 * 10_000) / 1000))
        // Out-of-order detection still knows the newest indexed sample...
        let app = db.appender()
        #expect(throws: AppendError.outOfOrder) { try app.append(series[0], 1_000_000, 1) }
        // ...and its value, for duplicates.
        let last = try #require(got[series[0]]?.last)
        try app.append(series[0], last.t, last.v)
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(series[0], last.t, last.v + 1) }
        // Appending continues the series under the same id.
        let ref = try app.append(ref: 0, labels: series[0], t: last.t + 10_000, v: 42)
        try app.commit()
        #expect(try readAll(db)[series[0]]?.count == 51)
        #expect(db.stats.headSeries >= 1)
        #expect(ref != 0)
    }

    @Test func walReplayRestoresCommitsAfterACrash() throws {
        let dir = TemporaryDirectory()
        let crashed = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 6 })
        try appendGrid(db, series: series, start: 0, step: 1000, count: 20)
        try db.flush()  // some chunks indexed...
        try appendGrid(db, series: series, start: 20_000, step: 1000, count: 9)  // ...the rest only in the WAL
        let pending = db.appender()
        try pending.append(series[0], 99_000, 1)  // never committed
        try crashCopy(of: dir.path, to: crashed.sub("data"))
        pending.rollback()
        try db.close()

        let restored = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        defer { try? restored.close() }
        let got = try readAll(restored)
        #expect(got.count == 5)
        for s in series {
            #expect(got[s]?.map(\.t) == (0..<29).map { Int64($0) * 1000 })
        }
        #expect(restored.stats.replayedSamples > 0)
        #expect(restored.stats.walCorruptions == 0)
    }

    @Test func tornWALTailIsTruncatedAndEverythingBeforeItKept() throws {
        let dir = TemporaryDirectory()
        let crashed = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        try appendGrid(db, series: series, start: 0, step: 1000, count: 10)
        try crashCopy(of: dir.path, to: crashed.sub("data"))
        try db.close()

        // Cut the last record in half, as a crash in the middle of a write would.
        let segment = try #require(try walSegments(crashed.sub("data")).last)
        let size = fileSize(segment)
        try truncateFile(segment, to: size - 20)
        let restored = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        let got = try readAll(restored)
        #expect(got.values.allSatisfy { $0.map(\.t) == (0..<9).map { Int64($0) * 1000 } })
        #expect(got.count == 5)
        #expect(restored.stats.walCorruptions == 1)
        #expect(restored.openReport.contains { $0.contains("WAL damaged") })
        // The damaged tail was cut off: appending and reopening works cleanly.
        let app = restored.appender()
        for s in series { try app.append(s, 9000, 1) }
        try app.commit()
        try restored.close()
        let again = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        defer { try? again.close() }
        #expect(again.stats.walCorruptions == 0)
        #expect(try readAll(again).values.allSatisfy { $0.count == 10 })
    }

    @Test func corruptWALRecordInTheMiddleStopsReplayThere() throws {
        let dir = TemporaryDirectory()
        let crashed = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        try appendGrid(db, series: series, start: 0, step: 1000, count: 10)
        try crashCopy(of: dir.path, to: crashed.sub("data"))
        try db.close()
        let segment = try #require(try walSegments(crashed.sub("data")).last)
        // Flip a byte in the last quarter of the segment: a checksum mismatch, not a short file.
        let size = fileSize(segment)
        try patchFile(segment, at: size * 3 / 4, with: [0xAB, 0xCD])
        let restored = try TSDB.open(directory: crashed.sub("data"), options: testOptions())
        defer { try? restored.close() }
        let got = try readAll(restored)
        let counts = Set(got.values.map(\.count))
        #expect(counts.count == 1, "commits are replayed whole")
        let n = try #require(counts.first)
        #expect(n >= 5 && n < 10)
        #expect(got.values.allSatisfy { $0.map(\.t) == (0..<n).map { Int64($0) * 1000 } })
        #expect(restored.stats.walCorruptions == 1)
        #expect(fileSize(segment) < size)
    }

    @Test func walSegmentsAreRemovedOnceTheirDataIsInChunks() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions {
            $0.walSegmentBytes = 64 << 10
            $0.maxSamplesPerChunk = 10
        })
        defer { try? db.close() }
        let many = (0..<200).map { labels(["__name__": "m", "i": "\($0)"]) }
        try appendGrid(db, series: many, start: 0, step: 1000, count: 200)
        let before = try walSegments(dir.path).count
        #expect(before > 3)
        try db.flush()
        let after = try walSegments(dir.path).count
        #expect(after < before)
        #expect(db.stats.walSegmentsRemoved > 0)
        #expect(try readAll(db).values.allSatisfy { $0.count == 200 })
    }

    @Test func secondOpenOfTheSameDirectoryFails() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        #expect {
            _ = try TSDB.open(directory: dir.path, options: testOptions())
        } throws: { error in
            guard case TSDBError.directoryLocked = error else { return false }
            return "\(error)".contains("in use by another process")
        }
        try db.close()
        // Released on close.
        let again = try TSDB.open(directory: dir.path, options: testOptions())
        try again.close()
    }
}
