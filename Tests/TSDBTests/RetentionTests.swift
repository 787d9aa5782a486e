import Foundation
import Model
import Storage
import Testing
@testable import TSDB

@Suite struct RetentionTests {
    static let hour: Int64 = 3_600_000

    func options(_ tweak: (inout TSDBOptions) -> Void = { _ in }) -> TSDBOptions {
        testOptions {
            $0.retentionMilliseconds = 3 * Self.hour
            $0.chunkRangeMilliseconds = Self.hour / 2
            $0.chunkSegmentSpanMilliseconds = Self.hour
            tweak(&$0)
        }
    }

    @Test func oldSegmentsAndSeriesLeftWithoutDataAreDropped() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: options())
        defer { try? db.close() }
        let old = labels(["__name__": "gone", "job": "old"])
        let live = labels(["__name__": "kept", "job": "live"])
        // 'old' stops after 2 h; 'live' goes on for 8 h, one sample a minute.
        // Background work runs every simulated hour, as it would.
        for hour in 0..<8 {
            let start = Int64(hour) * Self.hour
            if hour < 2 { try appendGrid(db, series: [old], start: start, step: 60_000, count: 60) }
            try appendGrid(db, series: [live], start: start, step: 60_000, count: 60)
            _ = db.head.sealIdleChunks()
            try db.flush()
        }
        let segmentsBefore = db.stats.chunkSegments
        #expect(segmentsBefore >= 6)

        try db.applyRetention()
        let stats = db.stats
        #expect(stats.segmentsRemovedByRetention > 0)
        #expect(stats.chunkSegments < segmentsBefore)
        let got = try readAll(db)
        let kept = try #require(got[live])
        // Data newer than max time - retention is all there; the oldest is gone.
        let cutoff = 479 * 60_000 - 3 * Self.hour
        #expect(kept.first!.t > 0)
        #expect(kept.first!.t <= cutoff)
        #expect(kept.last!.t == 479 * 60_000)
        #expect(kept.map(\.t) == Array(stride(from: kept.first!.t, through: 479 * 60_000, by: 60_000)))
        #expect(got[old] == nil)

        // 'old' left memory long ago and now has no data: it is gone from the index too.
        _ = db.head.collectGarbage(idle: Self.hour)
        try db.applyRetention()
        let q = try db.querier(mint: .min, maxt: .max)
        #expect(try q.labelValues("job", matching: []) == ["live"])
        #expect(db.stats.seriesRemovedByRetention == 1)
    }

    @Test func sizeRetentionDropsTheOldestSegments() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: options {
            $0.retentionMilliseconds = 1000 * Self.hour
            $0.retentionBytes = 100_000
        })
        defer { try? db.close() }
        let series = (0..<40).map { labels(["__name__": "noise", "i": "\($0)"]) }
        // Values that do not compress: a few bytes per sample whatever the encoding.
        try appendGrid(db, series: series, start: 0, step: 60_000, count: 600) { s, t in sin(Double(t / 60_000 + Int64(s) * 7919)) * 1e6 }
        _ = db.head.sealIdleChunks()
        try db.flush()
        let before = db.stats
        #expect(before.chunkBytes > 100_000)
        try db.applyRetention()
        let after = db.stats
        #expect(after.segmentsRemovedByRetention > 0)
        #expect(after.chunkBytes < before.chunkBytes)
        // The newest data stays.
        let got = try readAll(db)
        #expect(got.values.allSatisfy { $0.last?.t == 599 * 60_000 && $0.first!.t > 0 })
    }
}
