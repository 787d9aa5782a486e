import Testing
import Model
@testable import Storage

@Suite struct MemoryStorageTests {
    let up = Labels(["__name__": "up", "job": "a"])

    @Test func commitIsAtomicAndRollbackDiscards() throws {
        let s = MemoryStorage()
        let a = s.appender()
        try a.append(up, 1000, 1)
        #expect(try s.querier(mint: 0, maxt: 10_000).select([], hints: nil).isEmpty)
        try a.commit()
        let b = s.appender()
        try b.append(up, 2000, 2)
        b.rollback()
        let got = try s.querier(mint: 0, maxt: 10_000).select([try Matcher(.equal, "job", "a")], hints: nil)
        #expect(got.count == 1)
        #expect(got[0].makeIterator().collect() == [Sample(t: 1000, v: 1)])
    }

    @Test func rejectsOutOfOrderAndDuplicates() throws {
        let s = MemoryStorage()
        let a = s.appender()
        try a.append(up, 1000, 1)
        #expect(throws: AppendError.outOfOrder) { try a.append(up, 500, 1) }
        #expect(throws: AppendError.duplicateSampleForTimestamp) { try a.append(up, 1000, 2) }
        try a.append(up, 1000, 1) // identical duplicate is ignored
        try a.commit()
        #expect(try s.querier(mint: 0, maxt: 2000).select([], hints: nil)[0].makeIterator().collect().count == 1)
    }

    @Test func labelNamesAndValuesRespectMatchersAndTime() throws {
        let s = MemoryStorage()
        let a = s.appender()
        try a.append(Labels(["__name__": "x", "a": "1"]), 100, 1)
        try a.append(Labels(["__name__": "y", "b": "2"]), 5000, 1)
        try a.commit()
        let q = try s.querier(mint: 0, maxt: 1000)
        #expect(try q.labelNames(matching: []) == ["__name__", "a"])
        #expect(try s.querier(mint: 0, maxt: 9000).labelValues("__name__", matching: []) == ["x", "y"])
        #expect(try s.querier(mint: 0, maxt: 9000).labelValues("__name__", matching: [try Matcher(.equal, "b", "2")]) == ["y"])
    }

    @Test func iteratorSeeks() {
        let it = ArraySampleIterator((0..<10).map { Sample(t: Int64($0) * 10, v: Double($0)) })
        #expect(it.seek(35))
        #expect(it.timestamp == 40)
        #expect(it.seek(20)) // never goes backwards
        #expect(it.timestamp == 40)
        #expect(it.next())
        #expect(it.timestamp == 50)
        #expect(!it.seek(1000))
    }
}
