import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// The server scrapes itself and its built-in exporter, stores the samples in its
/// TSDB, and answers for them through the query and targets APIs.
@Suite struct ScrapeEndToEndTests {
    @Test func scrapesItselfAndTheBuiltInExporter() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Loopback.freePort()
        let config = dir.appendingPathComponent("prometheus.yml")
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
        scrape_configs:
          - job_name: ember
            static_configs: [{targets: ['127.0.0.1:\(port)']}]
          - job_name: node
            metrics_path: /exporter/metrics
            static_configs: [{targets: ['127.0.0.1:\(port)']}]
        """.write(to: config, atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.storagePath = dir.appendingPathComponent("data").path
        options.configFile = config.path
        let server = try EmberServer(options: options, logger: Logger(label: "test"))
        try await server.serving {
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            var upJobs: [String] = []
            for _ in 0..<100 where upJobs.count < 2 { // bounded: about 20 s
                let r = await Loopback.request(port: port, path: "/api/v1/query?query=up%3D%3D1")
                let data = (try? JSONSerialization.jsonObject(with: Data((r?.body ?? "").utf8)) as? [String: Any])?["data"] as? [String: Any]
                upJobs = ((data?["result"] as? [[String: Any]]) ?? []).compactMap { ($0["metric"] as? [String: String])?["job"] }.sorted()
                if upJobs.count < 2 { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(upJobs == ["ember", "node"])
            let cpu = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=count(node_cpu_seconds_total)"))
            #expect(cpu.body.contains(#""resultType":"vector""#) && !cpu.body.contains(#""result":[]"#), "\(cpu.body)")
            let targets = try #require(await Loopback.request(port: port, path: "/api/v1/targets"))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(targets.body.utf8)) as? [String: Any])
            let active = try #require((json["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]])
            #expect(active.count == 2)
            #expect(active.allSatisfy { $0["health"] as? String == "up" })
            #expect(Set(active.compactMap { $0["scrapePool"] as? String }) == ["ember", "node"])
            let meta = try #require(await Loopback.request(port: port, path: "/api/v1/metadata?metric=node_load1"))
            #expect(meta.body.contains(#""node_load1":[{"type":"gauge""#), "\(meta.body)")
        }
    }
}
