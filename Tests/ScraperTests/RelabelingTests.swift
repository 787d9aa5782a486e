import Config
import Foundation
import Model
import Storage
import Testing
@testable import Scraper

@Suite("Relabeling")
struct RelabelingTests {
    static func scrapeConfig(_ yaml: String) throws -> ScrapeConfig {
        try #require(try ScrapeTest.config(yaml).scrapeConfigs.first)
    }

    @Test("target population: defaults, instance from address, __meta_ and __tmp_ removed, params in the URL")
    func population() throws {
        let config = try Self.scrapeConfig("""
            scrape_configs:
              - job_name: node
                scrape_interval: 15s
                params: {format: [prometheus]}
                relabel_configs:
                  - {action: labelmap, regex: '__meta_(.+)'}
                  - {source_labels: [__address__], target_label: __tmp_host, regex: '([^:]+):.*'}
                  - {source_labels: [__tmp_host], target_label: host}
            """)
        let discovered = Labels(["__address__": "db1:9100", "__meta_env": "prod"])
        guard case .success(.target(let t)) = TargetPopulator.populate(discovered, config: config) else {
            Issue.record("no target"); return
        }
        #expect(t.labels == Labels(["job": "node", "instance": "db1:9100", "env": "prod", "host": "db1"]))
        #expect(t.url == "http://db1:9100/metrics?format=prometheus")
        #expect(t.interval == PromDuration(seconds: 15))
        #expect(t.discoveredLabels == Labels([
            "__address__": "db1:9100", "__meta_env": "prod", "__metrics_path__": "/metrics", "__param_format": "prometheus",
            "__scheme__": "http", "__scrape_interval__": "15s", "__scrape_timeout__": "10s", "job": "node",
        ]))
        #expect(!t.fullLabels.contains { $0.name.hasPrefix("__meta_") || $0.name.hasPrefix("__tmp_") })
    }

    @Test("relabeling can set scheme, path, interval and timeout per target; bad ones are errors")
    func perTargetSettings() throws {
        let config = try Self.scrapeConfig("""
            scrape_configs:
              - job_name: j
                relabel_configs:
                  - {target_label: __scheme__, replacement: https}
                  - {target_label: __metrics_path__, replacement: /federate}
                  - {target_label: __scrape_interval__, replacement: 30s}
                  - {target_label: __scrape_timeout__, replacement: 20s}
                  - {target_label: __param_match, replacement: 'up{job="x"}'}
            """)
        guard case .success(.target(let t)) = TargetPopulator.populate(Labels(["__address__": "h:1"]), config: config) else {
            Issue.record("no target"); return
        }
        #expect(t.url == "https://h:1/federate?match=up%7Bjob%3D%22x%22%7D")
        #expect(t.interval == PromDuration(seconds: 30))
        #expect(t.timeout == PromDuration(seconds: 20))

        let broken = try Self.scrapeConfig("""
            scrape_configs:
              - job_name: j
                relabel_configs:
                  - {target_label: __scrape_timeout__, replacement: 2m}
            """)
        guard case .failure(let e) = TargetPopulator.populate(Labels(["__address__": "h:1"]), config: broken) else {
            Issue.record("timeout above interval accepted"); return
        }
        #expect(e.message.contains("scrape timeout cannot be greater than scrape interval"))
        let noAddress = try Self.scrapeConfig("""
            scrape_configs:
              - job_name: j
                relabel_configs: [{action: labeldrop, regex: __address__}]
            """)
        guard case .failure(let e2) = TargetPopulator.populate(Labels(["__address__": "h:1"]), config: noAddress) else {
            Issue.record("target without address accepted"); return
        }
        #expect(e2.message == "no address")
    }

    @Test("the blackbox exporter pattern from the Prometheus docs, scraped for real")
    func blackboxPattern() async throws {
        let exporter = try TestTarget("probe_success 1\n")
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config("""
            scrape_configs:
              - job_name: blackbox
                scrape_interval: 200ms
                metrics_path: /probe
                params: {module: [http_2xx]}
                static_configs:
                  - targets: ['http://prometheus.io', 'https://prometheus.io']
                    labels: {__meta_team: web}
                  - targets: ['skip.me']
                relabel_configs:
                  - {source_labels: [__address__], regex: 'skip.*', action: drop}
                  - {source_labels: [__address__], target_label: __param_target}
                  - {source_labels: [__param_target], target_label: instance}
                  - {source_labels: [__meta_team], target_label: team}
                  - {target_label: __address__, replacement: '\(exporter.address)'}
            """))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let targets = m.targets
        let dropped = m.droppedTargets
        await m.stop()
        #expect(Set(targets.map(\.scrapeURL)) == [
            "http://\(exporter.address)/probe?module=http_2xx&target=http%3A%2F%2Fprometheus.io",
            "http://\(exporter.address)/probe?module=http_2xx&target=https%3A%2F%2Fprometheus.io",
        ])
        #expect(dropped.map { $0.discoveredLabels[LabelName.address] } == ["skip.me"])
        let series = try ScrapeTest.samples(storage, "probe_success")
        #expect(Set(series.keys) == [
            Labels(["__name__": "probe_success", "job": "blackbox", "instance": "http://prometheus.io", "team": "web"]),
            Labels(["__name__": "probe_success", "job": "blackbox", "instance": "https://prometheus.io", "team": "web"]),
        ])
        #expect(Set(exporter.requests.map(\.target)).count == 2)
    }

    @Test("metric_relabel_configs drop, labeldrop and rewrite every sample, steady scrapes hit the cache")
    func metricRelabeling() async throws {
        let target = try TestTarget("""
            go_goroutines 12
            http_requests_total{id="1",code="200"} 5
            http_errors_total{id="2"} 1
            node_load1 0.5

            """)
        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config(ScrapeTest.job(targets: [target.address], extra: """
            metric_relabel_configs:
              - {source_labels: [__name__], regex: 'go_.*', action: drop}
              - {regex: id, action: labeldrop}
              - {source_labels: [__name__], regex: 'http_(.*)_total', target_label: kind, replacement: '$1'}
            """)))
        #expect(await ScrapeTest.waitForScrapes(m, 3))
        await m.stop()
        #expect(try ScrapeTest.samples(storage, "go_goroutines").isEmpty)
        #expect(try ScrapeTest.samples(storage, "http_requests_total").keys.first == Labels([
            "__name__": "http_requests_total", "code": "200", "kind": "requests", "job": "test", "instance": target.address,
        ]))
        #expect(try ScrapeTest.samples(storage, "http_errors_total").keys.first?["kind"] == "errors")
        #expect(try ScrapeTest.last(storage, "scrape_samples_scraped") == 4)
        #expect(try ScrapeTest.last(storage, "scrape_samples_post_metric_relabeling") == 3)
        let added = try #require(try ScrapeTest.samples(storage, "scrape_series_added").values.first).map(\.v)
        #expect(added.first == 3 && added.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test("sample labels: target labels win and conflicts become exported_ (shortest names first)")
    func conflictResolution() {
        let labeler = SampleLabeler(targetLabels: Labels(["job": "j", "instance": "i"]), honorLabels: false, metricRelabelConfigs: [])
        let out = labeler.attachTargetLabels(Labels(["__name__": "m", "job": "a", "instance": "b", "exported_job": "c"]))
        #expect(out == Labels([
            "__name__": "m", "job": "j", "instance": "i", "exported_instance": "b", "exported_job": "c", "exported_exported_job": "a",
        ]))
    }

    @Test("Accept header follows scrape_protocols with falling weights")
    func acceptHeader() {
        #expect(ScrapeRequestTemplate.acceptHeader([.prometheusText0_0_4], scheme: .utf8) == "text/plain;version=0.0.4;q=0.6,*/*;q=0.5")
        #expect(ScrapeRequestTemplate.acceptHeader([.openMetricsText1_0_0, .prometheusText1_0_0], scheme: .legacy)
            == "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,text/plain;version=1.0.0;escaping=underscores;q=0.5,*/*;q=0.4")
    }
}
