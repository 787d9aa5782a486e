import Model
import Storage
import Testing
@testable import TSDB

@Suite struct BulkAppenderTests {
    @Test func backfillIsInvisibleUntilCommitThenDurable() throws {
        let dir = TemporaryDirectory()
        let series = (0..<30).map { labels(["__name__": "hist", "i": "\($0)"]) }
        do {
            let db = try TSDB.open(directory: dir.path, options: testOptions())
            let bulk = db.bulkAppender()
            // Series-major input, as an import file has it: 2000 samples each at 15 s.
            for (k, s) in series.enumerated() {
                try bulk.append(s, samples: (0..<2000).map { Sample(t: Int64($0) * 15_000, v: Double(k + $0)) })
            }
            #expect(try readAll(db).isEmpty)
            #expect(try bulk.commit() == 60_000)
            let got = try readAll(db)
            #expect(got.count == 30)
            #expect(got[series[7]]?.count == 2000)
            #expect(got[series[7]]?.last == Sample(t: 1999 * 15_000, v: 7 + 1999))
            #expect(db.stats.bulkSamplesAppended == 60_000)
            // Nothing of it went through the WAL.
            #expect(db.stats.walBytes <= 8 * db.stats.walSegments)
            try db.close()
        }
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        #expect(try readAll(db).values.allSatisfy { $0.count == 2000 })
    }

    @Test func backfillUnderLiveDataMergesAndRejectsDisorder() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let s = labels(["__name__": "m", "job": "x"])
        try appendGrid(db, series: [s], start: 100_000, step: 10_000, count: 5) { _, t in Double(t) }
        let bulk = db.bulkAppender()
        // Older data, plus points interleaved with the live ones and one duplicate timestamp.
        for t in stride(from: Int64(0), through: 125_000, by: 5_000) { try bulk.append(s, t, Double(t)) }
        #expect(throws: AppendError.outOfOrder) { try bulk.append(s, 125_000, 1) }
        try bulk.commit()
        let got = try #require(try readAll(db)[s])
        #expect(got.map(\.t) == Array(stride(from: Int64(0), through: 125_000, by: 5_000)) + [130_000, 140_000])
        #expect(got.allSatisfy { $0.v == Double($0.t) })
        // Live appends go on as before.
        let app = db.appender()
        try app.append(s, 150_000, 150_000)
        try app.commit()
        #expect(try readAll(db)[s]?.last?.t == 150_000)
    }

    @Test func rolledBackBulkLeavesNothing() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let bulk = db.bulkAppender()
        try bulk.append(labels(["__name__": "n"]), 1000, 1)
        bulk.rollback()
        try db.flush()
        #expect(try readAll(db).isEmpty)
        let q = try db.querier(mint: .min, maxt: .max)
        #expect(try q.labelNames(matching: []).isEmpty)
    }
}
