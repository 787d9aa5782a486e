import Config
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
            IngestBenchmarkOptions(targets: 3, seriesPerTarget: 100, interval: PromDuration(milliseconds: 200), duration: .seconds(3)),
            storage: storage)
        print(report)
        #expect(report.failedScrapes == 0, "\(report.lastErrors)")
        #expect(report.samples > 0)
        #expect(report.peakRSSBytes > 0)
        // Each scrape commits its 100 series and the 5 report series, all or nothing.
        let perScrape = 100 + ReportSeries.names.count
        #expect(report.samples % perScrape == 0)
        #expect(report.samples >= report.scrapes * perScrape)
        let querier = try storage.querier(mint: .min, maxt: .max)
        var stored = 0
        for series in try querier.select([try Matcher(.regexMatch, "__name__", ".+")], hints: nil) {
            let it = series.makeIterator()
            while it.next() { stored += 1 }
        }
        #expect(stored == report.samples)
    }

    @Test("synthetic values move between scrapes")
    func valuesMove() throws {
        var e = SyntheticExposition(target: 1, seriesCount: 100)
        e.advance()
        let first = try Self.values(e.render())
        e.advance()
        let second = try Self.values(e.render())
        #expect(first.count == e.seriesCount && second.count == first.count)
        let counters = first.keys.filter { $0.hasPrefix("bench_requests_total") }
        #expect(counters.allSatisfy { (second[$0] ?? 0) >= (first[$0] ?? 0) })
        #expect(counters.contains { (second[$0] ?? 0) > (first[$0] ?? 0) })
        let gauges = first.keys.filter { $0.hasPrefix("bench_memory_usage_bytes") }
        #expect(gauges.contains { second[$0] != first[$0] })
        #expect(gauges.allSatisfy { v in
            let cents = (second[v] ?? 0) * 100
            return abs(cents - cents.rounded()) < 1e-6
        }, "two decimals")
    }

    static func values(_ body: [UInt8]) throws -> [String: Double] {
        var parser = ExpositionParser(body, format: .prometheusText)
        var out: [String: Double] = [:]
        while let entry = try parser.next() {
            if case .series(_, let v, _) = entry { out[parser.labels().description] = v }
        }
        return out
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

    @Test("--target URL becomes a job scraping that exporter's path and query")
    func externalTarget() async throws {
        let target = try TestTarget("x 1\n")
        let job = try IngestBenchmark.externalJob("http://\(target.address)/custom?a=1", index: 0, interval: PromDuration(milliseconds: 200))
        #expect(job.metricsPath == "/custom" && job.params == ["a": ["1"]] && job.scheme == "http")
        #expect(job.staticConfigs == [TargetGroup(targets: [target.address])])
        var config = PrometheusConfig()
        config.scrapeConfigs = [job]
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(config)
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        await m.stop()
        #expect(target.requests.first?.target == "/custom?a=1")
        #expect(try ScrapeTest.last(storage, "x") == 1)
        #expect(throws: (any Error).self) {
            _ = try IngestBenchmark.externalJob("ftp://x", index: 0, interval: PromDuration(seconds: 1))
        }
    }
}
