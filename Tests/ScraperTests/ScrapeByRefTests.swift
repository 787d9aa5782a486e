import Foundation
import Model
import Storage
import TSDB
import Testing
import TestSupport
@testable import Scraper

/// The cache keeps a series's labels only until the storage names it by ref;
/// these tests drive one loop scrape by scrape against a real TSDB to check
/// every path that needs the labels again.
@Suite("Appends by ref")
struct ScrapeByRefTests {
    /// A loop for `target` with `extra` scrape config lines, not started: the test calls `scrapeAndReport()`.
    static func loop(_ target: TestTarget, storage: any Appendable, extra: String = "") throws -> ScrapeLoop {
        let config = try #require(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: extra)).scrapeConfigs.first)
        guard case .success(.target(let scrapeTarget)) = TargetPopulator.populate(Labels(["__address__": target.address]), config: config) else {
            throw ScrapeError("no target for \(target.address)")
        }
        let status = LoopStatus(TargetState(
            discoveredLabels: .empty, labels: .empty, scrapePool: "test", scrapeURL: "", globalURL: "", lastError: "",
            lastScrape: nil, lastScrapeDuration: 0, health: .unknown, scrapeInterval: scrapeTarget.interval,
            scrapeTimeout: scrapeTarget.timeout, rejectedSamples: 0, missedScrapes: 0, scrapes: 0, failedScrapes: 0))
        return ScrapeLoop(settings: LoopSettings(target: scrapeTarget, config: config), status: status, storage: storage,
                          client: ScrapeTest.client, logger: .init(label: "test"))
    }

    /// One scrape, a few milliseconds after the previous one so that timestamps differ.
    static func scrape(_ loop: ScrapeLoop) async throws {
        try await Task.sleep(for: .milliseconds(3))
        await loop.scrapeAndReport()
    }

    /// Every stored sample of the series named `name`, by label set.
    static func samples(_ storage: any Queryable, _ name: String) throws -> [Labels: [Sample]] {
        var out: [Labels: [Sample]] = [:]
        for series in try storage.querier(mint: .min, maxt: .max).select([try Matcher(.equal, LabelName.metricName, name)], hints: nil) {
            let it = series.makeIterator()
            var list: [Sample] = []
            while it.next() { list.append(Sample(t: it.timestamp, v: it.value)) }
            out[series.labels] = list
        }
        return out
    }

    /// Removes the series named `names` from the TSDB, head included, so their refs go away.
    static func forget(_ db: TSDB, _ names: String) throws {
        try db.deleteSeries(matching: [try Matcher(.regexMatch, LabelName.metricName, names)], mint: .min, maxt: .max)
        try db.cleanTombstones()
    }

    static func withTSDB(_ body: (TSDB) async throws -> Void) async throws {
        let dir = try TestPaths.makeTempDir("ember-scrape-byref")
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try TSDB.open(directory: dir.path)
        do {
            try await body(db)
        } catch {
            try? db.close()
            throw error
        }
        try db.close()
    }

    @Test("after the labels are released, vanished series and a failing target still get their markers")
    func markersByRef() async throws {
        try await Self.withTSDB { db in
            let target = try TestTarget("a{x=\"1\"} 1\nb 2\n")
            let loop = try Self.loop(target, storage: db)
            try await Self.scrape(loop)
            try await Self.scrape(loop)
            let cache = await loop.cache
            #expect(cache.count == 2)
            #expect((0..<cache.count).allSatisfy { cache.ref(at: $0) != 0 && cache.heldLabels(at: $0) == nil },
                    "every series has a ref and no labels kept")

            target.set("a{x=\"1\"} 1\n")
            try await Self.scrape(loop)
            let b = try Self.samples(db, "b")
            #expect(Array(b.keys) == [Labels(["__name__": "b", "instance": target.address, "job": "test"])])
            #expect(b.values.first.map { $0.count == 3 && StaleNaN.isStale($0[2].v) } == true, "b: two values, then a marker")

            target.set(status: 503)
            try await Self.scrape(loop)
            let a = try Self.samples(db, "a")
            #expect(Array(a.keys) == [Labels(["__name__": "a", "x": "1", "instance": target.address, "job": "test"])])
            #expect(a.values.first.map { $0.count == 4 && StaleNaN.isStale($0[3].v) } == true, "a: three values, then a marker")
            #expect(try Self.samples(db, "b").values.first?.count == 3, "no second marker for b")
        }
    }

    @Test("a series whose ref the storage forgot lands again under its relabeled labels, and is marked stale by them")
    func forgottenRefs() async throws {
        try await Self.withTSDB { db in
            let target = try TestTarget("a{x=\"1\"} 1\nkeep_me 2\ndropped_metric 3\n")
            let loop = try Self.loop(target, storage: db, extra: """
                metric_relabel_configs:
                  - {source_labels: [__name__], regex: 'dropped_.*', action: drop}
                  - {target_label: env, replacement: prod}
                  - {source_labels: [x], target_label: y, replacement: 'from_$1'}
                """)
            try await Self.scrape(loop)
            try await Self.scrape(loop)
            let before = await loop.cache
            try Self.forget(db, "a|keep_me")
            #expect(try Self.samples(db, "a").isEmpty)

            target.set("a{x=\"1\"} 10\nkeep_me 20\ndropped_metric 3\n")
            try await Self.scrape(loop)
            let a = try Self.samples(db, "a")
            let labels = Labels(["__name__": "a", "x": "1", "y": "from_1", "env": "prod", "instance": target.address, "job": "test"])
            #expect(Array(a.keys) == [labels])
            #expect(a[labels]?.map(\.v) == [10])
            let after = await loop.cache
            #expect(after.ref(at: 0) != 0 && after.ref(at: 0) != before.ref(at: 0), "a new ref for the re-created series")
            #expect(after.heldLabels(at: 0) == nil)
            #expect(try Self.samples(db, "dropped_metric").isEmpty)
            #expect(loop.status.state.withLock { $0.rejectedSamples } == 0)

            // keep_me vanishes after its ref went away again: its marker needs the re-derived labels.
            try Self.forget(db, "keep_me")
            target.set("a{x=\"1\"} 11\ndropped_metric 3\n")
            try await Self.scrape(loop)
            let keep = try Self.samples(db, "keep_me")
            #expect(Array(keep.keys) == [Labels(["__name__": "keep_me", "env": "prod", "y": "from_", "instance": target.address, "job": "test"])])
            #expect(keep.values.first.map { $0.count == 1 && StaleNaN.isStale($0[0].v) } == true)
            #expect(try Self.samples(db, "a")[labels]?.map(\.v) == [10, 11])
        }
    }

    @Test("labels re-derived from the raw key equal those of the first scrape", arguments: [false, true])
    func rederivedLabels(openMetrics: Bool) async throws {
        let common = """
            esc{path="C:\\\\dir\\\\",quote="a\\"b",nl="x\\ny"} 1
            {"my.metric","a.b"="x"} 2
            empty{a="",b="1"} 3
            conflict{job="scraped",instance="i"} 4
            dropped_total 5
            relabeled{code="200"} 6
            """
        let body = openMetrics ? common + "\n# EOF\n" : common + "\nspaced { a = \"1\" , } 7\n"
        let target = try TestTarget(body, contentType: openMetrics ? "application/openmetrics-text; version=1.0.0" : "text/plain; version=0.0.4")
        let storage = MemoryStorage()
        let loop = try Self.loop(target, storage: storage, extra: """
            metric_relabel_configs:
              - {source_labels: [__name__], regex: 'dropped_.*', action: drop}
              - {source_labels: [code], regex: '2..', target_label: class, replacement: ok}
              - {regex: code, action: labeldrop}
            """)
        try await Self.scrape(loop)
        let cache = await loop.cache
        #expect(cache.count == (openMetrics ? 6 : 7))
        var rederived = Set<Labels>()
        for i in 0..<cache.count where !cache.isDropped(i) {
            #expect(cache.heldLabels(at: i) == nil)
            if let labels = await loop.finalLabels(ofEntry: i) { rederived.insert(labels) }
        }
        let stored = Set(try storage.querier(mint: .min, maxt: .max)
            .select([try Matcher(.regexNoMatch, LabelName.metricName, "up|scrape_.*")], hints: nil).map(\.labels))
        #expect(rederived == stored)
        #expect(stored.count == (openMetrics ? 5 : 6))
        #expect(stored.contains(Labels(["__name__": "conflict", "exported_job": "scraped", "exported_instance": "i",
                                        "job": "test", "instance": target.address])))
        #expect(stored.contains(Labels(["__name__": "relabeled", "class": "ok", "job": "test", "instance": target.address])))
        #expect(stored.contains(Labels(["__name__": "esc", "path": "C:\\dir\\", "quote": "a\"b", "nl": "x\ny",
                                        "job": "test", "instance": target.address])))
    }

    @Test("raw series bytes parse back to the labels the parser gave, and non-series bytes to nil")
    func rawSeriesLabels() throws {
        for (format, line) in [(ExpositionFormat.prometheusText, "m{a=\"1\",b=\"x\\\\y\"} 1\n"), (.openMetrics, "{\"m.x\",\"a b\"=\"1\"} 1\n# EOF\n")] {
            var parser = ExpositionParser(Array(line.utf8), format: format)
            guard case .series? = try parser.next() else { Issue.record("no series in \(line)"); continue }
            let fromRaw = parser.withRawSeries { ExpositionParser.labels(ofRawSeries: $0) }
            #expect(fromRaw == parser.labels())
        }
        for bad in ["", "m{", "m 1", "# HELP m x", "m{a=\"1\"} junk"] {
            #expect(Array(bad.utf8).withUnsafeBytes { ExpositionParser.labels(ofRawSeries: $0) } == nil, "\(bad)")
        }
    }
}
