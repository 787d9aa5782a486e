import Foundation
import Testing
import Model
import Storage
@testable import PromQL

@Suite struct ZZBenchScratch {
    @Test func bench() throws {
        guard ProcessInfo.processInfo.environment["PROMQL_BENCH"] != nil else { return }
        let s = MemoryStorage()
        let app = s.appender()
        let steps = 480
        for i in 0..<10_000 {
            let l = Labels(["__name__": "m_total", "job": "job\(i % 10)", "instance": "i\(i)"])
            let g = Labels(["__name__": "g", "job": "job\(i % 10)", "instance": "i\(i)"])
            var v = 0.0
            for k in 0...steps {
                v += Double((i * 7 + k) % 13)
                try app.append(l, Int64(k) * 15_000, v)
                try app.append(g, Int64(k) * 15_000, Double((i * 31 + k * 17) % 1000))
            }
        }
        for i in 0..<1_000 {
            for le in ["0.1", "0.5", "1", "5", "10", "50", "100", "500", "1000", "+Inf"] {
                let l = Labels(["__name__": "h_bucket", "job": "job\(i % 10)", "instance": "i\(i)", "le": le])
                var v = 0.0
                for k in 0...steps {
                    v += Double((i + k) % 5) * (Double(le) ?? 100)
                    try app.append(l, Int64(k) * 15_000, v)
                }
            }
        }
        try app.commit()
        let e = Engine()
        let fast = try FastStore(s)
        for _ in 0..<(ProcessInfo.processInfo.environment["PROMQL_BENCH_REPEAT"].flatMap { Int($0) } ?? 1) {
        for q in ["sum by (job) (rate(m_total[5m]))", "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
                  "topk(10, max_over_time(g[10m]))"] {
            let t0 = Clock.monotonicNanos()
            let r = try e.rangeQuery(fast, q, start: 0, end: 7_200_000, step: 15_000)
            let ms = Double(Clock.monotonicNanos() - t0) / 1e6
            var n = 0
            if case .matrix(let m) = r.value { n = m.count }
            print("BENCH \(q): \(ms) ms, \(n) series")
        }
        }
    }
}

final class FastStore: Queryable, @unchecked Sendable, Querier {
    let series: [(Labels, [Sample])]
    init(_ m: MemoryStorage) throws {
        let q = try m.querier(mint: .min, maxt: .max)
        series = try q.select([], hints: nil).map { ($0.labels, $0.makeIterator().collect()) }
    }
    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier { self }
    func select(_ matchers: [Matcher], hints: SelectHints?) throws -> [SelectedSeries] {
        series.filter { s in matchers.allSatisfy { $0.matches(s.0) } }.map { s in SelectedSeries(labels: s.0) { ArraySampleIterator(s.1) } }
    }
    func labelNames(matching matchers: [Matcher]) throws -> [String] { [] }
    func labelValues(_ name: String, matching matchers: [Matcher]) throws -> [String] { [] }
}
