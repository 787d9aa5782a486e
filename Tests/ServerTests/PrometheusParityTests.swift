import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// JSON details where Ember once differed from Prometheus (found by tests-py/test_api_vs_prometheus.py,
/// which compares against a real Prometheus); kept here so they hold without a Prometheus binary.
@Suite(.serialized) struct PrometheusParityTests { // one server at a time: fewer ports taken while other suites pick theirs
    func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let rules = """
        groups:
          - name: parity
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
              - alert: Never
                expr: up > 100
                labels: {severity: page}
        """
        let config = """
        global: {scrape_interval: 1m, evaluation_interval: 1m}
        rule_files: [rules.yml]
        scrape_configs:
          - job_name: dropped
            static_configs: [{targets: ['127.0.0.1:1']}]
            relabel_configs: [{action: drop, source_labels: [__address__], regex: '.*'}]
        """
        try await TestServer.with(config: config, files: ["rules.yml": rules]) { port, _ in try await body(port) }
    }

    func data(_ r: Loopback.Response?) throws -> [String: Any] {
        let r = try #require(r)
        #expect(r.status == 200, "\(r.body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any])
        return try #require(json["data"] as? [String: Any])
    }

    @Test func scalarResultsUsePlainDecimalsButSamplesSwitchToExponents() async throws {
        try await withServer { port in
            let scalar = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=-1e-10&time=1"))
            #expect(scalar.body.contains(#""result":[1,"-0.0000000001"]"#), "\(scalar.body)")
            let big = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=1e22&time=1"))
            #expect(big.body.contains(#""result":[1,"10000000000000000000000"]"#), "\(big.body)")
            let vector = try #require(await Loopback.request(port: port, path: "/api/v1/query?query=vector(-1e-10)&time=1"))
            #expect(vector.body.contains(#""value":[1,"-1e-10"]"#), "\(vector.body)")
        }
    }

    @Test func unknownPathsGetPrometheusPlainNotFoundPage() async throws {
        try await withServer { port in
            for path in ["/api/v1/nonexistent", "/no/such/page"] {
                let r = try #require(await Loopback.request(port: port, path: path))
                #expect(r.status == 404)
                #expect(r.body == "404 page not found\n", "\(path): \(r.body)")
                #expect(r.headers["content-type"] == "text/plain; charset=utf-8")
            }
        }
    }

    @Test func unknownTargetStateSelectsNothing() async throws {
        try await withServer { port in
            let none = try data(await Loopback.request(port: port, path: "/api/v1/targets?state=bogus"))
            #expect((none["activeTargets"] as? [Any])?.isEmpty == true)
            #expect((none["droppedTargets"] as? [Any])?.isEmpty == true)
            #expect(none["droppedTargetCounts"] is NSNull)
            var dropped: [String: Any] = [:]
            for _ in 0..<50 where (dropped["droppedTargets"] as? [Any])?.isEmpty != false { // bounded: about 10 s
                dropped = try data(await Loopback.request(port: port, path: "/api/v1/targets?state=Dropped"))
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect((dropped["droppedTargets"] as? [Any])?.count == 1)
            #expect(dropped["droppedTargetCounts"] as? [String: Int] == ["dropped": 1])
        }
    }

    @Test func rulesOmitEmptyLastErrorAndEmptyRecordingLabels() async throws {
        try await withServer { port in
            let groups = try #require(try data(await Loopback.request(port: port, path: "/api/v1/rules"))["groups"] as? [[String: Any]])
            let rules = try #require(groups.first?["rules"] as? [[String: Any]])
            let recording = try #require(rules.first { $0["type"] as? String == "recording" })
            let alerting = try #require(rules.first { $0["type"] as? String == "alerting" })
            #expect(recording["labels"] == nil && recording["lastError"] == nil, "\(recording)")
            #expect(alerting["labels"] as? [String: String] == ["severity": "page"])
            #expect(alerting["lastError"] == nil && alerting["annotations"] as? [String: String] == [:], "\(alerting)")
        }
    }
}
