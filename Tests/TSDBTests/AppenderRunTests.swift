import Model
import Storage
import Testing
@testable import TSDB

/// Consecutive samples of one series in one transaction take the appender's
/// lock-free path; its checks must match the locked path's exactly.
@Suite struct AppenderRunTests {
    let a = labels(["__name__": "m", "i": "a"])
    let b = labels(["__name__": "m", "i": "b"])

    @Test func aRunRejectsOutOfOrderAndDuplicatesAtAppendTime() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let app = db.appender()
        var ref = try app.append(ref: 0, labels: a, t: 1000, v: 1)
        ref = try app.append(ref: ref, labels: a, t: 2000, v: 2)
        #expect(throws: AppendError.outOfOrder) { try app.append(ref: ref, labels: a, t: 1500, v: 9) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(ref: ref, labels: a, t: 2000, v: 3) }
        #expect(try app.append(ref: ref, labels: a, t: 2000, v: 2) == ref) // identical: silently ignored
        ref = try app.append(ref: ref, labels: a, t: 3000, v: 3)
        try app.commit()
        #expect(try readAll(db) == [a: [Sample(t: 1000, v: 1), Sample(t: 2000, v: 2), Sample(t: 3000, v: 3)]])
        #expect(db.stats.outOfOrderSamples == 1)
        #expect(db.stats.duplicateSamples == 1)
        #expect(db.stats.samplesAppended == 3)
    }

    /// After a run ends, the series remembers the run's newest sample: a later
    /// append of the same series in the transaction is checked against it.
    @Test func returningToASeriesComparesWithItsNewestStagedSample() throws {
        let dir = TemporaryDirectory()
        let db = try TSDB.open(directory: dir.path, options: testOptions())
        defer { try? db.close() }
        let app = db.appender()
        var refA = try app.append(ref: 0, labels: a, t: 1000, v: 1)
        refA = try app.append(ref: refA, labels: a, t: 2000, v: 2)
        refA = try app.append(ref: refA, labels: a, t: 3000, v: 3)
        _ = try app.append(ref: 0, labels: b, t: 1000, v: 10)
        #expect(throws: AppendError.outOfOrder) { try app.append(ref: refA, labels: a, t: 2500, v: 9) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try app.append(ref: refA, labels: a, t: 3000, v: 4) }
        _ = try app.append(ref: refA, labels: a, t: 4000, v: 4)
        try app.commit()
        #expect(try readAll(db)[a] == [Sample(t: 1000, v: 1), Sample(t: 2000, v: 2), Sample(t: 3000, v: 3), Sample(t: 4000, v: 4)])
        #expect(try readAll(db)[b] == [Sample(t: 1000, v: 10)])
    }
}
