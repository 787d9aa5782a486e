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
