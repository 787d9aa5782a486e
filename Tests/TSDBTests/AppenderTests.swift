import Model
import Storage
import Testing
@testable import TSDB

@Suite struct AppenderTests {
    let up = labels(["__name__": "up", "job": "node", "instance": "a:9100"])
    let up2 = labels(["__name__": "up", "job": "node", "instance": "b:9100"])

    @Test func committedSamplesAreReadable() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let app = db.appender()
        let ref = try app.append(ref: 0, labels: up, t: 1000, v: 1)
        #expect(ref != 0)
        #expect(try app.append(ref: ref, labels: up, t: 2000, v: 0) == ref)
        try app.commit()
        #expect(try readAll(db) == [up: [Sample(t: 1000, v: 1), Sample(t: 2000, v: 0)]])
        #expect(db.stats.samplesAppended == 2)
        #expect(db.stats.commits == 1)
        #expect(db.stats.headSeries == 1)
        #expect(throws: TSDBError.self) { try app.append(up, 3000, 1) }
    }

    @Test func uncommittedSamplesAreInvisibleAndRollbackDiscards() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let app = db.appender()
        try app.append(up, 1000, 1)
        try app.append(up2, 1000, 2)
        #expect(try readAll(db).isEmpty)
        app.rollback()
        #expect(try readAll(db).isEmpty)
        #expect(db.stats.rollbacks == 1)
        // The rolled-back timestamps are free again.
        let again = db.appender()
        try again.append(up, 1000, 5)
        try again.commit()
        #expect(try readAll(db) == [up: [Sample(t: 1000, v: 5)]])
    }

    @Test func commitIsAtomicForOpenQueriers() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        try appendGrid(db, series: [up, up2], start: 0, step: 1000, count: 3)
        let before = try db.querier(mint: .min, maxt: .max)
        let app = db.appender()
        try app.append(up, 5000, 7)
        try app.append(up2, 5000, 8)
        try app.commit()
        // The querier opened before the commit sees neither sample, in any select.
        let name = try Matcher(.equal, "__name__", "up")
        for s in try before.select([name], hints: nil) {
            #expect(s.makeIterator().collect().count == 3)
        }
        let a = try before.select([try Matcher(.equal, "instance", "a:9100")], hints: nil)
        #expect(a.first?.makeIterator().collect().last?.t == 2000)
        let after = try readAll(db, [name])
        #expect(after.values.allSatisfy { $0.count == 4 })
    }

    @Test func outOfOrderAndDuplicatesAreRejectedPerSample() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let first = db.appender()
        try first.append(up, 2000, 1)
        try first.commit()

        let app = db.appender()
        #expect(throws: AppendError.outOfOrder) { try app.append(up, 1000, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(up, 2000, 9) }
        try app.append(up, 2000, 1)  // identical sample: silently ignored
        try app.append(up, 3000, 3)
        // Within one transaction too.
        #expect(throws: AppendError.outOfOrder) { try app.append(up, 2500, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(up, 3000, 4) }
        // The appender stays usable after a rejection.
        try app.append(up2, 1000, 1)
        try app.commit()

        #expect(try readAll(db)[up] == [Sample(t: 2000, v: 1), Sample(t: 3000, v: 3)])
        let stats = db.stats
        #expect(stats.outOfOrderSamples == 2)
        #expect(stats.duplicateSamples == 2)
        #expect(stats.samplesAppended == 3)
    }

    @Test func concurrentAppendersToOneSeriesResolveAtCommit() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let a = db.appender(), b = db.appender()
        try a.append(up, 2000, 1)
        try b.append(up, 1000, 1)  // valid when staged: nothing committed yet
        try a.commit()
        try b.commit()  // its sample is now out of order and is dropped, counted
        #expect(try readAll(db)[up] == [Sample(t: 2000, v: 1)])
        #expect(db.stats.outOfOrderSamples == 1)
    }

    @Test func emptyLabelsAreRejected() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let app = db.appender()
        #expect(throws: AppendError.self) { try app.append(Labels(), 1, 1) }
        app.rollback()
    }

    @Test func staleMarkersAndSpecialValuesRoundTrip() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let values = [1.5, .infinity, -.infinity, StaleNaN.value, .nan, -0.0]
        let app = db.appender()
        for (i, v) in values.enumerated() { try app.append(up, Int64(i) * 1000, v) }
        try app.commit()
        try db.flush()
        let got = try #require(try readAll(db)[up])
        #expect(got.map(\.v.bitPattern) == values.map(\.bitPattern))
    }
}
