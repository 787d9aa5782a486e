import Foundation
import Model
import Storage
import Testing
@testable import Scraper

@Suite("Scrape loop")
struct ScrapeLoopTests {
    static let payload = """
        # HELP http_requests_total Requests served.
        # TYPE http_requests_total counter
        http_requests_total{code="200",method="get"} 1027
        http_requests_total{code="500",method="get"} 3
        # TYPE temperature_celsius gauge
        temperature_celsius 21.5

        """

    @Test("samples land with job and instance, report series in the same commit")
    func scrapesSamplesAndReports() async throws {
        let target = try TestTarget(Self.payload)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 2))
        let state = try #require(m.targets.first)
        await m.stop()
        #expect(state.health == .up)
        #expect(state.lastError == "")

        let ok = try ScrapeTest.samples(storage, "http_requests_total", ["code": "200"])
        let labels = try #require(ok.keys.first)
        #expect(labels == Labels(["__name__": "http_requests_total", "code": "200", "method": "get", "job": "test", "instance": target.address]))
        #expect(ok[labels]?.first?.v == 1027)
        #expect(try ScrapeTest.last(storage, "temperature_celsius") == 21.5)
        #expect(try ScrapeTest.last(storage, "up", ["job": "test", "instance": target.address]) == 1)
        #expect(try ScrapeTest.last(storage, "scrape_samples_scraped") == 3)
        #expect(try ScrapeTest.last(storage, "scrape_samples_post_metric_relabeling") == 3)
        let added = try #require(try ScrapeTest.samples(storage, "scrape_series_added").values.first)
        #expect(added.first?.v == 3, "first scrape adds every series")
        #expect(added.dropFirst().first?.v == 0, "steady state adds none")
        let duration = try #require(try ScrapeTest.last(storage, "scrape_duration_seconds"))
        #expect(duration > 0 && duration < 60)

        // Report series and samples share the scrape timestamp.
        let upTimes = try #require(try ScrapeTest.samples(storage, "up").values.first).map(\.t)
        let sampleTimes = try #require(ok[labels]).map(\.t)
        #expect(Array(upTimes.prefix(sampleTimes.count)) == sampleTimes)

        let request = try #require(target.requests.first)
        #expect(request.target == "/metrics")
        #expect(request.headers["accept"]?.hasPrefix("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,") == true)
        #expect(request.headers["accept"]?.hasSuffix("*/*;q=0.2") == true)
        #expect(request.headers["x-prometheus-scrape-timeout-seconds"] == "0.2")
    }

    @Test("target state, metadata and targets API fields")
    func targetStateAndMetadata() async throws {
        let target = try TestTarget(Self.payload)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let state = try #require(m.targets.first)
        #expect(state.scrapePool == "test")
        #expect(state.scrapeURL == "http://\(target.address)/metrics")
        #expect(state.globalURL == "http://testhost:\(target.port)/metrics")
        #expect(state.labels == Labels(["job": "test", "instance": target.address]))
        #expect(state.discoveredLabels[LabelName.address] == target.address)
        #expect(state.discoveredLabels[LabelName.scrapeInterval] == "200ms")
        #expect(state.scrapeInterval == PromDuration(milliseconds: 200))
        #expect(state.lastScrape != nil)
        let meta = m.metadata()
        #expect(meta["http_requests_total"] == [MetricMetadata(type: "counter", help: "Requests served.")])
        #expect(meta["temperature_celsius"] == [MetricMetadata(type: "gauge")])
        #expect(m.metadata(metric: "temperature_celsius").count == 1)
        #expect(m.metadata(limit: 1).count == 1)
        await m.stop()
        #expect(m.targets.isEmpty)
    }

    @Test("honor_labels false moves conflicting labels to exported_*, true keeps them")
    func honorLabels() async throws {
        let body = "m{job=\"other\",instance=\"x\",exported_job=\"taken\"} 1\n"
        let target = try TestTarget(body)
        for honor in [false, true] {
            let storage = MemoryStorage()
            let m = ScrapeTest.manager(storage)
            await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: "honor_labels: \(honor)")))
            #expect(await ScrapeTest.waitForScrapes(m, 1))
            await m.stop()
            let labels = try #require(try ScrapeTest.samples(storage, "m").keys.first)
            if honor {
                #expect(labels == Labels(["__name__": "m", "job": "other", "instance": "x", "exported_job": "taken"]))
            } else {
                #expect(labels == Labels([
                    "__name__": "m", "job": "test", "instance": target.address, "exported_exported_job": "other",
                    "exported_job": "taken", "exported_instance": "x",
                ]))
            }
            // Report series always carry the target's own labels.
            #expect(try ScrapeTest.last(storage, "up", ["job": "test"]) == 1)
        }
    }

    @Test("honor_timestamps decides between the exposed and the scrape timestamp")
    func honorTimestamps() async throws {
        let target = try TestTarget("with_ts 5 1700000000000\nwithout_ts 6\n")
        for honor in [true, false] {
            let storage = MemoryStorage()
            let m = ScrapeTest.manager(storage)
            await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: "honor_timestamps: \(honor)")))
            #expect(await ScrapeTest.waitForScrapes(m, 1))
            await m.stop()
            let t = try #require(try ScrapeTest.samples(storage, "with_ts").values.first?.first?.t)
            let upT = try #require(try ScrapeTest.samples(storage, "up").values.first?.first?.t)
            #expect(honor ? t == 1_700_000_000_000 : t == upT)
            #expect(try ScrapeTest.samples(storage, "without_ts").values.first?.first?.t == upT)
        }
    }

    @Test("an exceeded limit or a malformed payload fails the whole scrape", arguments: [
        ("sample_limit: 2", "a 1\nb 2\nc 3\n", "sample limit exceeded"),
        ("label_limit: 2", "a{x=\"1\",y=\"2\"} 1\n", "label_limit exceeded"),
        ("label_name_length_limit: 3", "a{long=\"1\"} 1\n", "label_name_length_limit exceeded"),
        ("label_value_length_limit: 3", "a{x=\"long\"} 1\n", "label_value_length_limit exceeded"),
        ("body_size_limit: 10B", "a_long_metric_name 1\n", "size limit"),
        ("", "a 1\nb{ 2\n", "line 2"),
    ])
    func failedScrape(extra: String, body: String, error: String) async throws {
        let target = try TestTarget(body)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: extra)))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let state = try #require(m.targets.first)
        await m.stop()
        #expect(state.health == .down)
        #expect(state.lastError.contains(error), "\(state.lastError)")
        #expect(try ScrapeTest.samples(storage, "a").isEmpty, "rolled back")
        #expect(try ScrapeTest.last(storage, "up") == 0)
        #expect(try ScrapeTest.last(storage, "scrape_samples_scraped") == 0)
    }

    @Test("HTTP errors and content types")
    func statusAndContentType() async throws {
        let target = try TestTarget("a 1\n")
        target.set(status: 500)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        #expect(m.targets.first?.lastError == "server returned HTTP status 500 Internal Server Error")

        target.set(status: 200)
        target.set(contentType: nil)
        let before = m.targets.first?.scrapes ?? 0
        #expect(await ScrapeTest.waitForScrapes(m, before + 2))
        #expect(m.targets.first?.lastError.contains("blank Content-Type") == true)

        target.set(contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8")
        target.set("# TYPE a gauge\na 7\n# EOF\n")
        #expect(await ScrapeTest.wait { m.targets.first?.health == .up })
        await m.stop()
        #expect(try ScrapeTest.last(storage, "a") == 7)
    }

    @Test("the media type of a Content-Type header: before parameters, trimmed, lower case")
    func mediaTypes() {
        #expect(ScrapeLoop.mediaType("text/plain; version=0.0.4; charset=utf-8") == "text/plain")
        #expect(ScrapeLoop.mediaType(" \tApplication/OpenMetrics-Text ;version=1.0.0") == "application/openmetrics-text")
        #expect(ScrapeLoop.mediaType("TEXT/PLAIN") == "text/plain")
        #expect(ScrapeLoop.mediaType("   ") == "")
        #expect(ScrapeLoop.mediaType(";charset=utf-8") == "")
        #expect(ScrapeLoop.mediaType("text/plain\u{00C4}") == "text/plain\u{00C4}", "non-ASCII bytes kept as they are")
    }

    @Test("fallback_scrape_protocol parses a target without Content-Type")
    func fallbackProtocol() async throws {
        let target = try TestTarget("a 3\n", contentType: nil)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: "fallback_scrape_protocol: PrometheusText0.0.4")))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        await m.stop()
        #expect(try ScrapeTest.last(storage, "a") == 3)
    }

    @Test("basic auth, bearer token file, params and metrics_path reach the target")
    func requestSettings() async throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: "/tmp"), create: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "s3cret\n".write(to: dir.appendingPathComponent("token"), atomically: false, encoding: .utf8)
        let target = try TestTarget("a 1\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        let yaml = """
            scrape_configs:
              - job_name: bearer
                scrape_interval: 200ms
                metrics_path: /probe
                params: {module: [http_2xx], target: ['a b']}
                bearer_token_file: token
                static_configs: [{targets: ['\(target.address)']}]
              - job_name: basic
                scrape_interval: 200ms
                basic_auth: {username: alice, password: pw}
                static_configs: [{targets: ['\(target.address)'], labels: {which: basic}}]
            """
        await m.apply(try ScrapeTest.config(yaml, file: dir.appendingPathComponent("prometheus.yml").path))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        await m.stop()
        let requests = target.requests
        let probe = try #require(requests.first { $0.target.hasPrefix("/probe") })
        #expect(probe.target == "/probe?module=http_2xx&target=a+b")
        #expect(probe.headers["authorization"] == "Bearer s3cret")
        let basic = try #require(requests.first { $0.target == "/metrics" })
        #expect(basic.headers["authorization"] == "Basic " + Data("alice:pw".utf8).base64EncodedString())
    }
}

@Suite("Target limit")
struct TargetLimitTests {
    @Test("more targets than target_limit fail every scrape of the job with up 0")
    func targetLimit() async throws {
        let a = try TestTarget("x 1\n")
        let b = try TestTarget("x 2\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [a.address, b.address], extra: "target_limit: 1")))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let states = m.targets
        #expect(states.count == 2)
        #expect(states.allSatisfy { $0.health == .down && $0.lastError == "target_limit exceeded (number of targets: 2, limit: 1)" })
        #expect(a.requests.isEmpty && b.requests.isEmpty)
        #expect(try ScrapeTest.samples(storage, "x").isEmpty)

        // Raising the limit lets the same targets scrape.
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [a.address, b.address], extra: "target_limit: 2")))
        #expect(await ScrapeTest.wait { m.targets.count == 2 && m.targets.allSatisfy { $0.health == .up } })
        await m.stop()
        #expect(try ScrapeTest.samples(storage, "x").count == 2)
    }
}

@Suite("Manager lifecycle")
struct ManagerLifecycleTests {
    @Test("scrapes of a target reuse one kept-alive connection of the shared client")
    func connectionReuse() async throws {
        let target = try TestTarget("a 1\n")
        let m = ScrapeTest.manager(MemoryStorage())
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 4))
        await m.stop()
        #expect(target.requests.count >= 4)
        #expect(target.server.connections == 1)
    }

    @Test("run() scrapes until its task is cancelled, then stops every loop")
    func runUntilCancelled() async throws {
        let target = try TestTarget("a 1\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        let runner = Task { await m.run() }
        #expect(await ScrapeTest.waitForScrapes(m, 2))
        runner.cancel()
        await runner.value
        #expect(m.targets.isEmpty)
        let count = target.requests.count
        try await Task.sleep(for: .milliseconds(500))
        #expect(target.requests.count == count, "no scrapes after stop")
        #expect(try ScrapeTest.samples(storage, "a").values.first?.contains { StaleNaN.isStale($0.v) } == false,
                "shutdown writes no staleness markers, as Prometheus")
    }

    @Test("a scrape that fails before its request keeps to the interval")
    func failureBeforeTheRequestKeepsTheInterval() async throws {
        let target = try TestTarget(ScrapeLoopTests.payload)
        let m = ScrapeTest.manager(MemoryStorage())
        let job = ScrapeTest.job(targets: [target.address],
                                 extra: "basic_auth: {username: u, password_file: /nonexistent/ember-test-secret}")
        await m.apply(try ScrapeTest.config(job))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let first = m.targets.first?.scrapes ?? 0
        try await Task.sleep(for: .seconds(1))
        let later = m.targets.first?.scrapes ?? 0
        let state = try #require(m.targets.first)
        await m.stop()
        #expect(state.health == .down)
        #expect(state.lastError.contains("unable to read secret file /nonexistent/ember-test-secret"), "\(state.lastError)")
        // 200 ms interval: about five scrapes in a second, not a loop running ahead of the clock.
        #expect(later - first >= 2 && later - first <= 10, "\(later - first) scrapes in one second")
        #expect(target.requests.isEmpty)
    }

    @Test("metadata follows the target's changes, not its failed scrapes")
    func metadataFollowsChanges() async throws {
        let target = try TestTarget(ScrapeLoopTests.payload)
        let m = ScrapeTest.manager(MemoryStorage())
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 2))
        #expect(m.metadata()["http_requests_total"] == [MetricMetadata(type: "counter", help: "Requests served.")])

        // A changed HELP text (with an escape) shows after the next scrape.
        target.set(ScrapeLoopTests.payload.replacingOccurrences(of: "Requests served.", with: #"Requests\nserved \\ now."#))
        #expect(await ScrapeTest.wait(20) { m.metadata()["http_requests_total"]?.first?.help == "Requests\nserved \\ now." })

        // A failed scrape keeps the last good metadata; the target coming back with the
        // first payload brings the first metadata back.
        let scrapes = m.targets.first?.scrapes ?? 0
        target.set(status: 500)
        #expect(await ScrapeTest.wait(20) { (m.targets.first?.scrapes ?? 0) >= scrapes + 2 && m.targets.first?.health == .down })
        #expect(m.metadata()["http_requests_total"]?.first?.help == "Requests\nserved \\ now.")
        target.set(status: 200)
        target.set(ScrapeLoopTests.payload)
        #expect(await ScrapeTest.wait(20) { m.metadata()["http_requests_total"]?.first?.help == "Requests served." })
        // A family losing its TYPE line becomes unknown.
        target.set(ScrapeLoopTests.payload.replacingOccurrences(of: "# TYPE temperature_celsius gauge\n", with: ""))
        #expect(await ScrapeTest.wait(20) { m.metadata()["temperature_celsius"] == nil })
        await m.stop()
    }

    @Test("metadata limits per metric and overall")
    func metadataLimits() async throws {
        let a = try TestTarget("# HELP m one\n# TYPE m gauge\nm 1\n# TYPE n counter\nn_total 1\n")
        let b = try TestTarget("# HELP m two\n# TYPE m gauge\nm 1\n")
        let m = ScrapeTest.manager(MemoryStorage())
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [a.address, b.address])))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        #expect(m.metadata(metric: "m").mapValues(Set.init) == ["m": [MetricMetadata(type: "gauge", help: "one"), MetricMetadata(type: "gauge", help: "two")]])
        #expect(m.metadata(metric: "m", limitPerMetric: 1)["m"]?.count == 1)
        #expect(m.metadata()["n"] == [MetricMetadata(type: "counter")])
        #expect(m.targetMetadata().count == 2)
        await m.stop()
    }
}
