import Model
import Testing
@testable import Config

@Suite struct EmbeddedConfigTests {
    @Test func scrapesEmberAndItsExporterEvery15s() throws {
        let c = try PrometheusConfig.embeddedDefault(listenAddress: "127.0.0.1:9090")
        #expect(c.scrapeConfigs.map(\.jobName) == ["ember", "node"])
        for job in c.scrapeConfigs {
            #expect(job.scrapeInterval == PromDuration(seconds: 15))
            #expect(job.scrapeTimeout == PromDuration(seconds: 10))
            #expect(job.staticConfigs == [TargetGroup(targets: ["127.0.0.1:9090"])])
            #expect(job.scheme == "http")
        }
        #expect(c.scrapeConfigs[0].metricsPath == "/metrics")
        #expect(c.scrapeConfigs[1].metricsPath == "/exporter/metrics")
        #expect(c.global.evaluationInterval == PromDuration(seconds: 15))
        #expect(c.warnings.isEmpty)
    }

    @Test func yamlTextIsWhatIsLoaded() throws {
        let text = PrometheusConfig.embeddedDefaultYAML(listenAddress: "10.1.2.3:9999")
        #expect(text.contains(#"targets: ["10.1.2.3:9999"]"#))
        #expect(text.contains("metrics_path: /exporter/metrics"))
        let reparsed = try PrometheusConfig.parse(contents: text, file: "prometheus.yml", environment: [:])
        #expect(reparsed == (try PrometheusConfig.embeddedDefault(listenAddress: "10.1.2.3:9999")))
    }

    @Test func wildcardListenAddressesBecomeLoopback() throws {
        #expect(PrometheusConfig.scrapeTarget(forListenAddress: ":9090") == "127.0.0.1:9090")
        #expect(PrometheusConfig.scrapeTarget(forListenAddress: "0.0.0.0:9090") == "127.0.0.1:9090")
        #expect(PrometheusConfig.scrapeTarget(forListenAddress: "[::]:9090") == "[::1]:9090")
        #expect(PrometheusConfig.scrapeTarget(forListenAddress: "localhost:8080") == "localhost:8080")
        let c = try PrometheusConfig.embeddedDefault(listenAddress: ":9090")
        #expect(c.scrapeConfigs[0].staticConfigs[0].targets == ["127.0.0.1:9090"])
    }

    @Test func unusableListenAddressIsAnError() {
        let err = #expect(throws: ConfigErrors.self) { try PrometheusConfig.embeddedDefault(listenAddress: "http://x/") }
        #expect(err?.errors.first?.description.hasPrefix("<embedded>:11:") == true)
        #expect(err?.errors.first?.message == #""http://x/" is not a valid hostname"#)
    }
}

/// The YAML `/api/v1/status/config` shows: defaults filled in, secrets hidden.
@Suite struct ConfigYAMLTests {
    @Test(arguments: ["prometheus-docs-default.yml", "prometheus3-fields.yml", "ember-notify.yml", "prometheus-example.yml"])
    func renderedYAMLLoadsBackToTheSameConfig(_ fixture: String) throws {
        var config = try Fixtures.load(fixture)
        // Secrets are shown as <secret>; blank them so the round trip can compare the rest.
        for i in config.scrapeConfigs.indices {
            config.scrapeConfigs[i].httpClient.basicAuth?.password = ""
            config.scrapeConfigs[i].httpClient.authorization?.credentials = ""
        }
        for i in config.remoteWrite.indices { config.remoteWrite[i].headers = [:] }
        let rendered = config.yaml.replacingOccurrences(of: "password: <secret>\n", with: "")
            .replacingOccurrences(of: "credentials: <secret>\n", with: "")
        let reparsed = try PrometheusConfig.parse(contents: rendered, file: "/elsewhere/prometheus.yml", environment: [:])
        #expect(reparsed == config, "\(rendered)")
    }

    @Test func secretsAreHidden() throws {
        let yaml = try Fixtures.load("ember-full.yml").yaml + (try Fixtures.load("prometheus-example.yml")).yaml
        for secret in ["s3cret", "mysecret", "user:pass@", "tenant1"] {
            #expect(!yaml.contains(secret), "\(secret) leaked")
        }
        #expect(yaml.contains("https://user:xxxxx@vm.example:8428/api/v1/write"))
        #expect(yaml.contains("credentials: <secret>"))
    }

    @Test func embeddedDefaultRendersLikePrometheus() throws {
        let c = try PrometheusConfig.embeddedDefault(listenAddress: "127.0.0.1:9090")
        #expect(c.yaml == """
            global:
              scrape_interval: 15s
              scrape_timeout: 10s
              evaluation_interval: 15s
              metric_name_validation_scheme: utf8
            scrape_configs:
            - job_name: ember
              honor_timestamps: true
              track_timestamps_staleness: false
              scrape_interval: 15s
              scrape_timeout: 10s
              scrape_protocols:
              - OpenMetricsText1.0.0
              - OpenMetricsText0.0.1
              - PrometheusText1.0.0
              - PrometheusText0.0.4
              metrics_path: /metrics
              scheme: http
              enable_compression: true
              metric_name_validation_scheme: utf8
              follow_redirects: true
              enable_http2: true
              static_configs:
              - targets:
                - "127.0.0.1:9090"
            - job_name: node
              honor_timestamps: true
              track_timestamps_staleness: false
              scrape_interval: 15s
              scrape_timeout: 10s
              scrape_protocols:
              - OpenMetricsText1.0.0
              - OpenMetricsText0.0.1
              - PrometheusText1.0.0
              - PrometheusText0.0.4
              metrics_path: /exporter/metrics
              scheme: http
              enable_compression: true
              metric_name_validation_scheme: utf8
              follow_redirects: true
              enable_http2: true
              static_configs:
              - targets:
                - "127.0.0.1:9090"

            """)
    }
}
