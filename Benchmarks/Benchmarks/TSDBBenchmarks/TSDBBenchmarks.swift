import Benchmark
import Foundation
import Model
import Storage
import TSDB

/// The store's hot paths and footprints, in the shapes issue 3 sets goals for:
/// append through the WAL (under 100 ns per sample for 10,000 series × 100
/// samples per commit), chunk decoding, memory per active series (under 1 KiB)
/// and WAL replay of 1 M series.
let benchmarks: @Sendable () -> Void = {
    let seriesCount = 10_000
    let labels = BenchData.labels(count: seriesCount)

    // Existing series, as Prometheus's BenchmarkHeadAppender_Append_Commit_ExistingSeries:
    // one unmeasured round creates the 10,000 series, then 12 rounds of 100
    // samples per series (1,200 per series: several chunk seals each) are timed.
    Benchmark("TSDB append, 10k series x 100 samples per commit",
              configuration: .init(metrics: BenchData.appendMetrics, maxIterations: 1)) { b in
        try BenchData.appendRounds(b, labels: labels) { db, refs, t in
            for step in 0..<100 {
                let ts = t + Int64(step) * 15_000
                let app = db.appender()
                for i in labels.indices {
                    refs[i] = try app.append(ref: refs[i], labels: labels[i], t: ts, v: Double(ts % 1000) + Double(i))
                }
                try app.commit()
            }
        }
    }

    Benchmark("TSDB append, 10k series x 100 samples each in one commit",
              configuration: .init(metrics: BenchData.appendMetrics, maxIterations: 1)) { b in
        try BenchData.appendRounds(b, labels: labels) { db, refs, t in
            let app = db.appender()
            for i in labels.indices {
                for step in 0..<100 {
                    let ts = t + Int64(step) * 15_000
                    refs[i] = try app.append(ref: refs[i], labels: labels[i], t: ts, v: Double(ts % 1000) + Double(i))
                }
            }
            try app.commit()
        }
    }

    Benchmark("TSDB head memory per active series (100k series)",
              configuration: .init(metrics: [.custom("resident bytes per series", polarity: .prefersSmaller, useScalingFactor: false)],
                                   maxIterations: 1)) { b in
        let count = 100_000
        let many = BenchData.labels(count: count)
        let dir = BenchData.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try TSDB.open(directory: dir)
        defer { try? db.close() }
        BenchData.releaseFreeMemory()
        let before = BenchData.residentBytes()
        var refs = [SeriesRef](repeating: 0, count: count)
        var t: Int64 = 1_700_000_000_000
        // 120 samples at 15 s: every series holds an open head chunk of realistic size.
        for _ in 0..<120 {
            let app = db.appender()
            for i in 0..<count {
                refs[i] = try app.append(ref: refs[i], labels: many[i], t: t, v: Double(i % 977) + Double(t % 60_000) / 1000)
            }
            try app.commit()
            t += 15_000
        }
        BenchData.releaseFreeMemory()
        let after = BenchData.residentBytes()
        b.measurement(.custom("resident bytes per series", polarity: .prefersSmaller, useScalingFactor: false),
                      (after - before) / count)
    }

    Benchmark("TSDB WAL replay, 1M series x 10 samples",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 2, thresholds: nil)) { b in
        let count = 1_000_000
        let dir = BenchData.scratchDirectory()
        let copy = dir + "-replay"
        defer {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: copy)
        }
        do {
            var options = TSDBOptions()
            options.flushIntervalMilliseconds = 3_600_000 // nothing moves to chunks and the index before the copy
            let db = try TSDB.open(directory: dir, options: options)
            var refs = [SeriesRef](repeating: 0, count: count)
            var t: Int64 = 1_700_000_000_000
            for _ in 0..<10 {
                let app = db.appender()
                for i in 0..<count {
                    refs[i] = try app.append(ref: refs[i], labels: BenchData.label(i), t: t, v: Double(i % 977))
                }
                try app.commit()
                t += 15_000
            }
            // A copy taken while the store is open holds the WAL as a crash leaves it.
            try FileManager.default.copyItem(atPath: dir, toPath: copy)
            try db.close()
        }
        b.startMeasurement()
        let reopened = try TSDB.open(directory: copy)
        b.stopMeasurement()
        blackHole(reopened.stats.headSeries)
        try reopened.close()
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

/// Inputs shared by the TSDB benchmarks.
enum BenchData {
    static func label(_ i: Int) -> Labels {
        Labels(["__name__": "bench_metric_\(i % 100)", "instance": "127.0.0.1:\(9100 + i / 1000)", "job": "bench", "shard": "\(i)"])
    }

    static func labels(count: Int) -> [Labels] { (0..<count).map(label) }

    static let wallPerSample = BenchmarkMetric.custom("wall ns per sample", polarity: .prefersSmaller, useScalingFactor: false)
    static let cpuPerSample = BenchmarkMetric.custom("CPU ns per sample", polarity: .prefersSmaller, useScalingFactor: false)
    static let appendMetrics = [wallPerSample, cpuPerSample, BenchmarkMetric.peakMemoryResident]
    static let measuredRounds = 12

    /// Opens a scratch store, runs one unmeasured `round` (100 samples of every
    /// series from time `t`) that creates the series, then times `measuredRounds`
    /// more and reports wall and CPU nanoseconds per appended sample.
    static func appendRounds(_ b: Benchmark, labels: [Labels],
                             _ round: (TSDB, inout [SeriesRef], Int64) throws -> Void) throws {
        let dir = scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try TSDB.open(directory: dir)
        defer { try? db.close() }
        var refs = [SeriesRef](repeating: 0, count: labels.count)
        var t: Int64 = 1_700_000_000_000
        try round(db, &refs, t)
        t += 100 * 15_000
        let clock = ContinuousClock()
        let cpu0 = cpuSeconds()
        let start = clock.now
        for _ in 0..<measuredRounds {
            try round(db, &refs, t)
            t += 100 * 15_000
        }
        let wall = clock.now - start
        let samples = Double(measuredRounds * labels.count * 100)
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        b.measurement(wallPerSample, Int(wallSeconds / samples * 1e9))
        b.measurement(cpuPerSample, Int((cpuSeconds() - cpu0) / samples * 1e9))
    }

    /// User and system CPU time of this process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func scratchDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ember-bench-\(UUID().uuidString)").path
    }

    /// Returns memory that earlier benchmarks in this process freed to the
    /// system (glibc's malloc_trim, which Swift's Glibc module does not
    /// export), so a resident-size difference counts live memory only.
    static func releaseFreeMemory() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Resident set size of this process, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
