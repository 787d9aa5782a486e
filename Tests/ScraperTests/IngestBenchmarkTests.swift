import Foundation
import Model
import Storage
import Testing
@testable import Scraper

/// The benchmark's parts, run briefly: the figures are printed, never asserted.
@Suite("Ingest benchmark")
struct IngestBenchmarkTests {
    @Test("synthetic targets are scraped into the storage and every committed sample is counted")
    func syntheticRun() async throws {
        let storage = MemoryStorage()
        let report = try await IngestBenchmark.run(
            IngestBenchmarkOptions(targets: 3, seriesPerTarget: 100, interval: PromDuration(milliseconds: 200), duration: .milliseconds(1200)),
            storage: storage)
        print(report)
        #expect(report.failedScrapes == 0, "\(report.lastErrors)")
        #expect(report.scrapes >= 3)
        #expect(report.peakRSSBytes > 0)
        let querier = try storage.querier(mint: .min, maxt: .max)
        var stored = 0
        for series in try querier.select([try Matcher(.regexMatch, "__name__", ".+")], hints: nil) {
            let it = series.makeIterator()
            while it.next() { stored += 1 }
        }
        #expect(stored == report.samples)
        #expect(storage.seriesCount == 3 * (100 + ReportSeries.names.count))

        // Values move between scrapes: counters grow, histogram counts too.
        let counts = try ScrapeTest.samples(storage, "bench_request_duration_seconds_count")
        let one = try #require(counts.values.first { $0.count >= 2 })
        #expect(one.last!.v > one.first!.v)
        let gauges = try ScrapeTest.samples(storage, "bench_memory_usage_bytes")
        #expect(gauges.values.contains { Set($0.map(\.v)).count > 1 })
    }

    @Test("synthetic payload is valid text exposition with cumulative buckets")
    func payloadShape() throws {
        var e = SyntheticExposition(target: 0, seriesCount: 200)
        e.advance()
        e.advance()
        var parser = ExpositionParser(e.render(), format: .prometheusText)
        var buckets: [Double] = []
        var samples = 0
        while let entry = try parser.next() {
            guard case .series(_, let v, _) = entry else { continue }
            samples += 1
            let labels = parser.labels()
            if labels.metricName == "bench_request_duration_seconds_bucket", labels["handler"] == "/handler0" { buckets.append(v) }
        }
        #expect(samples == e.seriesCount)
        #expect(buckets.count == 11)
        #expect(buckets == buckets.sorted(), "cumulative")
        #expect(buckets.last == 16)
    }

    @Test("--target URL scrapes a given exporter with its path and query")
    func externalTarget() async throws {
        let target = try TestTarget("x 1\n")
        let report = try await IngestBenchmark.run(
            IngestBenchmarkOptions(interval: PromDuration(milliseconds: 200), duration: .milliseconds(1500),
                                   externalTargets: ["http://\(target.address)/custom?a=1"]),
            storage: MemoryStorage())
        #expect(report.samples >= 1 + ReportSeries.names.count)
        #expect(target.requests.first?.target == "/custom?a=1")
        #expect(throws: (any Error).self) {
            _ = try IngestBenchmark.externalJob("ftp://x", index: 0, interval: PromDuration(seconds: 1))
        }
    }
}
