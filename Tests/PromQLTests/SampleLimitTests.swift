import Testing
import Model
import Storage
@testable import PromQL

/// `--query.max-samples` limits the samples held in memory at once (Prometheus's
/// engine semantics), not the total loaded over the whole query.
@Suite struct SampleLimitTests {
    /// 10 series with a sample every 15 s: a 5m lookback window at t=600s holds 20 of each.
    private func storage() throws -> MemoryStorage {
        let s = MemoryStorage()
        let app = s.appender()
        for i in 0..<10 {
            let l = Labels(["__name__": "m", "i": "\(i)"])
            for k in 0...40 { try app.append(l, Int64(k) * 15_000, Double(k)) }
        }
        try app.commit()
        return s
    }

    private func isLimitError(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as PromQLError {
            return error == .execution("query processing would load too many samples into memory in query execution")
        } catch {
            return false
        }
    }

    @Test func aSelectionLargerThanTheLimitFails() throws {
        let s = try storage()
        // rate(m[5m]) at 600 s loads the 20 samples in (300 s, 600 s] of each of the 10 series.
        let engine = Engine(EngineOptions(maxSamples: 150))
        #expect(isLimitError { _ = try engine.instantQuery(s, "sum(rate(m[5m]))", at: 600_000) })
        let roomy = Engine(EngineOptions(maxSamples: 250))
        #expect(!isLimitError { _ = try roomy.instantQuery(s, "sum(rate(m[5m]))", at: 600_000) })
    }

    @Test func samplesOfFinishedSubexpressionsAreReleased() throws {
        let s = try storage()
        let engine = Engine(EngineOptions(maxSamples: 250))
        // Each side loads 200 samples; the first side's are released before the second side loads.
        let result = try engine.instantQuery(s, "sum(rate(m[5m])) + sum(rate(m[5m]))", at: 600_000)
        guard case .vector(let v) = result.value else {
            Issue.record("expected a vector")
            return
        }
        #expect(v.count == 1)
        // While the right side loads, the left side's 10-series output is still held: 10 + 200 > 205.
        let tight = Engine(EngineOptions(maxSamples: 205))
        #expect(isLimitError { _ = try tight.instantQuery(s, "rate(m[5m]) + sum(rate(m[5m]))", at: 600_000) })
        #expect(!isLimitError { _ = try tight.instantQuery(s, "sum(rate(m[5m])) + sum(rate(m[5m]))", at: 600_000) })
    }
}
