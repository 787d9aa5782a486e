import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// Starts a real server on a loopback port for each test and talks HTTP to it.
@Suite struct StatusRoutesTests {
    func withServer(configFile: String? = nil, _ body: @Sendable (Int) async throws -> Void) async throws {
        let port = Loopback.freePort()
        let dataDir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dataDir) }
        var options = ServerOptions()
        options.storagePath = dataDir.path
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.configFile = configFile
        let server = try EmberServer(options: options, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            try await body(port)
            group.cancelAll()
        }
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
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("prometheus.yml")
        try "global:\n  scrape_interval: 30s\n  scrape_timeout: 10s\n".write(to: file, atomically: true, encoding: .utf8)
        try await withServer(configFile: file.path) { port in
            try "global:\n  scrape_interval: 45s\n  scrape_timeout: 10s\n".write(to: file, atomically: true, encoding: .utf8)
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
