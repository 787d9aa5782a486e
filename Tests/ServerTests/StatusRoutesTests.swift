import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// Starts a real server on a loopback port for each test and talks HTTP to it.
@Suite struct StatusRoutesTests {
    func withServer(config: String? = TestServer.quietConfig, _ body: @Sendable (Int, URL) async throws -> Void) async throws {
        try await TestServer.with(config: config) { port, dir in try await body(port, dir) }
    }

    func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        try await withServer { port, _ in try await body(port) }
    }

    @Test func healthAndReadiness() async throws {
        try await withServer { port in
            let healthy = try #require(await Loopback.request(port: port, path: "/-/healthy"))
            #expect(healthy.status == 200)
            #expect(healthy.body.contains("Healthy"))
            #expect(await Loopback.request(port: port, path: "/-/ready")?.status == 200)
            #expect(await Loopback.request(port: port, path: "/no/such/path")?.status == 404)
        }
    }

    @Test func buildInfoAndFlagsUsePrometheusShapes() async throws {
        try await withServer { port in
            let info = try #require(await Loopback.request(port: port, path: "/api/v1/status/buildinfo"))
            let json = try #require(try JSONSerialization.jsonObject(with: Data(info.body.utf8)) as? [String: Any])
            #expect(json["status"] as? String == "success")
            #expect((json["data"] as? [String: Any])?["version"] as? String == BuildInfo.version)
            let flags = try #require(await Loopback.request(port: port, path: "/api/v1/status/flags"))
            let data = try #require((try JSONSerialization.jsonObject(with: Data(flags.body.utf8)) as? [String: Any])?["data"] as? [String: String])
            #expect(data["web.listen-address"] == "127.0.0.1:\(port)")
            #expect(data["storage.tsdb.retention.time"] == "15d")
        }
    }

    @Test func reloadRereadsTheConfigFileAndKeepsTheOldOneOnError() async throws {
        try await withServer(config: "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n") { port, dir in
            let file = dir.appendingPathComponent("prometheus.yml")
            try "global:\n  scrape_interval: 45s\n  scrape_timeout: 10s\n".write(to: file, atomically: false, encoding: .utf8)
            #expect(await Loopback.request(port: port, method: "POST", path: "/-/reload")?.status == 200)
            #expect(await Loopback.request(port: port, path: "/api/v1/status/config")?.body.contains("45s") == true)
            try FileManager.default.removeItem(at: file)
            #expect(await Loopback.request(port: port, method: "POST", path: "/-/reload")?.status == 500)
            #expect(await Loopback.request(port: port, path: "/api/v1/status/config")?.body.contains("45s") == true)
        }
    }

    @Test func selfMetricsAreInTheTextFormat() async throws {
        try await withServer { port in
            let m = try #require(await Loopback.request(port: port, path: "/metrics"))
            #expect(m.status == 200)
            #expect(m.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(m.body.contains("# TYPE process_resident_memory_bytes gauge"))
            #expect(m.body.contains("ember_build_info{"))
        }
    }

    @Test func uiPagesAndAssetsAreServed() async throws {
        try await withServer { port in
            for page in EmberServer.uiPages {
                let r = try #require(await Loopback.request(port: port, path: "/\(page)"))
                #expect(r.status == 200, "/\(page)")
                #expect(r.headers["content-type"]?.hasPrefix("text/html") == true)
                #expect(r.body.contains("/static/app.js"))
            }
            let js = try #require(await Loopback.request(port: port, path: "/static/chart.js"))
            #expect(js.status == 200)
            #expect(js.headers["content-type"]?.hasPrefix("text/javascript") == true)
            #expect(await Loopback.request(port: port, path: "/")?.status == 302)
            #expect(await Loopback.request(port: port, path: "/static/missing.js")?.status == 404)
        }
    }

    @Test func builtInExporterIsServed() async throws {
        try await withServer { port in
            let r = try #require(await Loopback.request(port: port, path: "/exporter/metrics", timeoutSeconds: 20))
            #expect(r.status == 200)
            #expect(r.body.contains("# TYPE node_memory_MemTotal_bytes gauge"))
        }
    }

    @Test func listenAddressParsing() {
        #expect(ListenAddress("127.0.0.1:9090") == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(ListenAddress(":9090") == ListenAddress(host: "0.0.0.0", port: 9090))
        #expect(ListenAddress("[::1]:80") == ListenAddress(host: "::1", port: 80))
        #expect(ListenAddress("localhost") == nil)
        #expect(ListenAddress("a:99999") == nil)
    }
}
