import Benchmark
import Foundation
import Model
import Storage
import TSDB

/// The store's hot paths: appending through the WAL (the goal is under
/// 100 ns per sample for 10,000 series × 100 samples per commit) and chunk decoding.
let benchmarks: @Sendable () -> Void = {
    let seriesCount = 10_000
    let labels = (0..<seriesCount).map { i in
        Labels(["__name__": "bench_metric_\(i % 100)", "instance": "127.0.0.1:\(9100 + i / 1000)", "job": "bench", "shard": "\(i)"])
    }

    Benchmark("TSDB append, 10k series x 100 samples per commit",
              configuration: .init(metrics: [.wallClock, .throughput, .peakMemoryResident], scalingFactor: .mega, maxIterations: 3)) { b in
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try TSDB.open(directory: dir)
        defer { try? db.close() }
        var refs = [SeriesRef](repeating: 0, count: seriesCount)
        var t: Int64 = 1_700_000_000_000
        b.startMeasurement()
        // With the mega scaling factor one iteration is 1M samples: 100 commits of one sample for each of 10,000 series.
        for _ in 0..<(b.scaledIterations.count / (seriesCount * 100)) {
            for _ in 0..<100 {
                let app = db.appender()
                for i in 0..<seriesCount {
                    refs[i] = try app.append(ref: refs[i], labels: labels[i], t: t, v: Double(t % 1000) + Double(i))
                }
                try app.commit()
                t += 15_000
            }
        }
        b.stopMeasurement()
    }

    var chunk = HeadChunk()
    var v = 100.0
    for i in 0..<480 {
        v += Double(i % 7) * 0.125
        chunk.append(1_700_000_000_000 + Int64(i) * 15_000, v)
    }
    let sealed = chunk.seal()

    Benchmark("Chunk decode (sealed, 480 samples)", configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo)) { b in
        for _ in b.scaledIterations {
            let it = sealed.makeIterator()
            var sum = 0.0
            while it.next() { sum += it.value }
            blackHole(sum)
        }
    }
}
