import Benchmark
import Foundation
import Model
import PromQL
import Storage
import TSDB

/// Issue 5's three range queries over 10,000 series × 2 h at 15 s, read from
/// the real TSDB (chunk files, SQLite postings) the way the server reads them.
/// Prometheus's latency on the same shape of data comes from
/// Benchmarks/peers/promql_side_by_side.py (docs/BENCHMARKS.md).
let benchmarks: @Sendable () -> Void = {
    let fixture: QueryFixture
    do {
        fixture = try QueryFixture.build()
    } catch {
        fatalError("benchmark fixture: \(error)")
    }
    let engine = Engine()
    let queries = [
        "sum by (job) (rate(m[5m]))",
        "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
        "topk(10, max_over_time(g[10m]))",
    ]
    for query in queries {
        Benchmark("PromQL range \(query), 10k series x 2h, step 15s",
                  configuration: .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal],
                                       maxIterations: 10)) { b in
            for _ in b.scaledIterations {
                let result = try engine.rangeQuery(fixture.db, query, start: fixture.start, end: fixture.end, step: 15_000)
                guard case .matrix(let m) = result.value, !m.isEmpty else {
                    throw QueryFixture.Failure.emptyResult(query)
                }
                blackHole(m)
            }
        }
    }
}

/// The data set: 4,000 counters `m` over 10 jobs, 250 classic histograms
/// `h_bucket` of 12 buckets (3,000 series) and 3,000 gauges `g`, one sample
/// every 15 s for 2 h (4.8 M samples), values moving like a busy service's.
struct QueryFixture: @unchecked Sendable {
    enum Failure: Error { case emptyResult(String) }

    let db: TSDB
    let start: Int64
    let end: Int64

    static func build() throws -> QueryFixture {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-promql-bench-\(UUID().uuidString)").path
        let db = try TSDB.open(directory: dir)
        var series: [Labels] = []
        for i in 0..<4_000 {
            series.append(Labels(["__name__": "m", "job": "job\(i % 10)", "instance": "10.0.\(i / 250).\(i % 250):9100", "path": "/p\(i % 40)"]))
        }
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        for h in 0..<250 {
            for le in bounds {
                series.append(Labels(["__name__": "h_bucket", "job": "job\(h % 10)", "instance": "10.1.0.\(h):9100", "le": le]))
            }
        }
        for i in 0..<3_000 {
            series.append(Labels(["__name__": "g", "job": "job\(i % 10)", "instance": "10.2.\(i / 250).\(i % 250):9100"]))
        }
        let start: Int64 = 1_700_000_000_000
        var refs = [SeriesRef](repeating: 0, count: series.count)
        var values = [Double](repeating: 0, count: series.count)
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        for step in 0..<480 {
            let t = start + Int64(step) * 15_000
            let app = db.appender()
            for i in series.indices {
                rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                if i < 4_000 {
                    values[i] += Double(rng % 100)
                } else if i < 7_000 {
                    // Cumulative buckets: each bucket grows at least as fast as the one before.
                    let bucket = (i - 4_000) % 12
                    values[i] += Double(bucket * 3) + Double(rng % 4)
                    if bucket > 0, values[i] < values[i - 1] { values[i] = values[i - 1] }
                } else {
                    values[i] = Double(Int64(rng % 10_000) - 5_000) / 100
                }
                refs[i] = try app.append(ref: refs[i], labels: series[i], t: t, v: values[i])
            }
            try app.commit()
        }
        return QueryFixture(db: db, start: start, end: start + 479 * 15_000)
    }
}
