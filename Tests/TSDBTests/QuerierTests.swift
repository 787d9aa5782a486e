import Model
import Storage
import Testing
@testable import TSDB

@Suite struct QuerierTests {
    /// 3 jobs x 4 instances of two metrics, 10 samples each at 15 s.
    static func fill(_ db: TSDB) throws -> [Labels] {
        var series: [Labels] = []
        for job in ["api", "db", "web"] {
            for i in 0..<4 {
                series.append(labels(["__name__": "http_requests_total", "job": job, "instance": "h\(i):80"]))
                series.append(labels(["__name__": "up", "job": job, "instance": "h\(i):80", "zone": i % 2 == 0 ? "a" : ""]))
            }
        }
        try appendGrid(db, series: series, start: 0, step: 15_000, count: 10)
        return series
    }

    func names(_ result: [Labels: [Sample]]) -> Set<String> {
        Set(result.keys.map { "\($0["job"])/\($0["instance"])/\($0.metricName)" })
    }

    @Test(arguments: [false, true])
    func matchersSelectTheRightSeries(flushedToIndex: Bool) throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 4 })
        defer { try? db.close() }
        _ = try Self.fill(db)
        if flushedToIndex { try db.flush() }

        let upAPI = try readAll(db, [try Matcher(.equal, "__name__", "up"), try Matcher(.equal, "job", "api")])
        #expect(upAPI.count == 4)
        #expect(upAPI.values.allSatisfy { $0.count == 10 })

        let notAPI = try readAll(db, [try Matcher(.equal, "__name__", "up"), try Matcher(.notEqual, "job", "api")])
        #expect(Set(notAPI.keys.map { $0["job"] }) == ["db", "web"])

        let regex = try readAll(db, [try Matcher(.regexMatch, "job", "d.*|w.b"), try Matcher(.regexNoMatch, "instance", "h[01]:80")])
        #expect(regex.count == 8)
        #expect(regex.keys.allSatisfy { ["h2:80", "h3:80"].contains($0["instance"]) })

        // zone="" selects series without the label; zone!="" those with it.
        let noZone = try readAll(db, [try Matcher(.equal, "__name__", "up"), try Matcher(.equal, "zone", "")])
        #expect(noZone.count == 6)
        let withZone = try readAll(db, [try Matcher(.notEqual, "zone", "")])
        #expect(withZone.count == 6)
        #expect(try readAll(db, [try Matcher(.equal, "job", "nope")]).isEmpty)

        // Results are sorted by labels.
        let q = try db.querier(mint: .min, maxt: .max)
        let sorted = try q.select([try Matcher(.regexMatch, "job", ".+")], hints: nil).map(\.labels)
        #expect(sorted == sorted.sorted())
        #expect(sorted.count == 24)
    }

    @Test(arguments: [false, true])
    func timeBoundsClipSamples(flushedToIndex: Bool) throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 3 })
        defer { try? db.close() }
        let series = try Self.fill(db)
        if flushedToIndex { try db.flush() }
        let got = try readAll(db, [try Matcher(.equal, "job", "api")], mint: 30_000, maxt: 75_000)
        #expect(got[series[0]]?.map(\.t) == [30_000, 45_000, 60_000, 75_000])
        // Hints narrow further.
        let q = try db.querier(mint: 0, maxt: 1_000_000)
        let s = try q.select([try Matcher(.equal, "job", "api")], hints: SelectHints(start: 100_000, end: 130_000))
        #expect(s.first?.makeIterator().collect().map(\.t) == [105_000, 120_000, 135_000].filter { $0 <= 130_000 })
        // seek skips ahead across chunks.
        let it = try #require(s.first).makeIterator()
        #expect(it.seek(120_000))
        #expect(it.timestamp == 120_000)
        #expect(!it.next())
        // Nothing outside the data.
        #expect(try readAll(db, mint: 1_000_000, maxt: 2_000_000).isEmpty)
    }

    @Test func labelNamesAndValues() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        _ = try Self.fill(db)
        try db.flush()
        let q = try db.querier(mint: .min, maxt: .max)
        #expect(try q.labelNames(matching: []) == ["__name__", "instance", "job", "zone"])
        #expect(try q.labelValues("job", matching: []) == ["api", "db", "web"])
        let http = [try Matcher(.equal, "__name__", "http_requests_total")]
        #expect(try q.labelNames(matching: http) == ["__name__", "instance", "job"])
        #expect(try q.labelValues("zone", matching: [try Matcher(.equal, "job", "db")]) == ["a"])
        #expect(try q.labelValues("instance", matching: [try Matcher(.equal, "instance", "h3:80")]) == ["h3:80"])
        // Outside the stored time range there is nothing.
        let later = try db.querier(mint: 10_000_000, maxt: 20_000_000)
        #expect(try later.labelNames(matching: []).isEmpty)
        #expect(try later.labelValues("job", matching: http).isEmpty)
    }

    @Test func queriesRunWhileIngesting() async throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions {
            $0.maxSamplesPerChunk = 8
            $0.flushIntervalMilliseconds = 20
        })
        defer { try? db.close() }
        let series = (0..<20).map { labels(["__name__": "m", "i": "\($0)"]) }
        let rounds = 300
        async let writer: Void = Task.detached {
            try appendGrid(db, series: series, start: 0, step: 1000, count: rounds) { _, t in Double(t) }
        }.value
        // Every read sees whole commits: all series have the same number of
        // samples, each sample's value equals its timestamp, with no gaps.
        var reads = 0
        for _ in 0..<200 {
            let got = try readAll(db, [try Matcher(.equal, "__name__", "m")])
            let counts = Set(got.values.map(\.count))
            #expect(counts.count <= 1, "a read saw part of a commit: \(counts)")
            for samples in got.values {
                #expect(samples.enumerated().allSatisfy { $0.element.t == Int64($0.offset) * 1000 && $0.element.v == Double($0.element.t) })
            }
            reads += 1
            if counts.first == rounds { break }
        }
        try await writer
        #expect(reads > 0)
        let final = try readAll(db, [try Matcher(.equal, "__name__", "m")])
        #expect(final.count == 20)
        #expect(final.values.allSatisfy { $0.count == rounds })
    }

    @Test func longLivedQuerierKeepsItsSnapshotAtBoundedCost() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions { $0.maxSamplesPerChunk = 16 })
        defer { try? db.close() }
        let s = labels(["__name__": "m"])
        try appendGrid(db, series: [s], start: 0, step: 1000, count: 5)
        let old = try db.querier(mint: .min, maxt: .max)
        try appendGrid(db, series: [s], start: 5000, step: 1000, count: 200)
        try db.flush()
        let selected = try old.select([try Matcher(.equal, "__name__", "m")], hints: nil)
        #expect(selected.first?.makeIterator().collect().count == 5)
        // One isolation mark serves the old reader, however many commits followed.
        let marks = db.head.lock.withLock { db.head.byID.values.first?.isolation?.count ?? 0 }
        #expect(marks == 1)
        #expect(try readAll(db)[s]?.count == 205)
    }
}
