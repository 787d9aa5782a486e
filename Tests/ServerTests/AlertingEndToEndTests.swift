import Foundation
import Logging
import Testing
import TestSupport
@testable import Server

/// A target goes down; InstanceDown fires in /api/v1/alerts and reaches a real Alertmanager 0.25.
@Suite struct AlertingEndToEndTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager")))
    func instanceDownReachesAlertmanager() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let amPort = Loopback.freePort()
        try "route:\n  receiver: default\nreceivers:\n  - name: default\n".write(to: dir.appendingPathComponent("am.yml"), atomically: true, encoding: .utf8)
        let am = try ChildProcess("/usr/bin/prometheus-alertmanager", [
            "--config.file=\(dir.appendingPathComponent("am.yml").path)", "--storage.path=\(dir.appendingPathComponent("am").path)",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
        ])
        defer { am.stop() }
        try """
        groups:
          - name: availability
            interval: 1s
            rules:
              - alert: InstanceDown
                expr: up == 0
                for: 2s
                labels: {severity: page}
                annotations:
                  summary: "{{ $labels.instance }} of job {{ $labels.job }} is down"
        """.write(to: dir.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let port = Loopback.freePort()
        let deadPort = Loopback.freePort()
        try """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        rule_files: [rules.yml]
        alerting:
          alertmanagers: [{static_configs: [{targets: ['127.0.0.1:\(amPort)']}]}]
        scrape_configs:
          - job_name: app
            static_configs: [{targets: ['127.0.0.1:\(deadPort)']}]
        """.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.storagePath = dir.appendingPathComponent("data").path
        options.configFile = dir.appendingPathComponent("prometheus.yml").path
        let server = try EmberServer(options: options, logger: Logger(label: "test"))
        try await server.serving {
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            #expect(await Loopback.waitUntilHealthy(port: amPort, timeoutSeconds: 20), "alertmanager: \(am.stderr.suffix(500))")
            var firing = false
            for _ in 0..<150 where !firing { // bounded: about 30 s; `for` + one interval is 3 s
                let r = await Loopback.request(port: port, path: "/api/v1/alerts")
                firing = r?.body.contains(#""state":"firing""#) == true
                if !firing { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(firing)
            let alerts = try #require(await Loopback.request(port: port, path: "/api/v1/alerts")).body
            #expect(alerts.contains(#""alertname":"InstanceDown""#))
            #expect(alerts.contains("127.0.0.1:\(deadPort) of job app is down"))
            var received = false
            for _ in 0..<150 where !received {
                received = await Loopback.request(port: amPort, path: "/api/v2/alerts")?.body.contains("InstanceDown") == true
                if !received { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(received, "InstanceDown never reached Alertmanager")
            let rules = try #require(await Loopback.request(port: port, path: "/api/v1/rules?type=alert")).body
            #expect(rules.contains(#""name":"InstanceDown""#) && rules.contains(#""health":"ok""#), "\(rules)")
            let metrics = try #require(await Loopback.request(port: port, path: "/metrics")).body
            #expect(metrics.contains("ember_rule_evaluations_total{"), "rule metrics missing")
            #expect(metrics.contains("ember_notifications_sent_total{"), "notification metrics missing")
        }
    }

    /// The built-in notifier: rule alerts arrive at its Alertmanager v2 API, and silences work through it.
    @Test func builtInNotifierReceivesRuleAlertsAndServesSilences() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        groups:
          - name: availability
            interval: 1s
            rules:
              - alert: InstanceDown
                expr: up == 0
        """.write(to: dir.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let port = Loopback.freePort()
        try """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        rule_files: [rules.yml]
        scrape_configs:
          - job_name: app
            static_configs: [{targets: ['127.0.0.1:\(Loopback.freePort())']}]
        notify:
          route: {receiver: team, group_wait: 1s}
          receivers: [{name: team}]
        """.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        var options = ServerOptions()
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.storagePath = dir.appendingPathComponent("data").path
        options.configFile = dir.appendingPathComponent("prometheus.yml").path
        let server = try EmberServer(options: options, logger: Logger(label: "test"))
        try await server.serving {
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            var received = false
            for _ in 0..<150 where !received { // bounded: about 30 s
                received = await Loopback.request(port: port, path: "/api/v2/alerts")?.body.contains("InstanceDown") == true
                if !received { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(received, "the rule's alert never reached the built-in notifier")
            let silence = #"{"matchers":[{"name":"alertname","value":"InstanceDown","isRegex":false,"isEqual":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"test","comment":"maintenance"}"#
            let created = try #require(await Loopback.request(port: port, method: "POST", path: "/api/v2/silences", body: silence,
                                                              headers: ["Content-Type": "application/json"]))
            #expect(created.status == 200, "\(created.body)")
            #expect(created.body.contains("silenceID"))
            let list = try #require(await Loopback.request(port: port, path: "/api/v2/silences")).body
            #expect(list.contains(#""comment":"maintenance""#) && list.contains(#""state":"active""#), "\(list)")
            let status = try #require(await Loopback.request(port: port, path: "/api/v2/status"))
            #expect(status.status == 200)
            let metrics = try #require(await Loopback.request(port: port, path: "/metrics")).body
            let receivedLine = metrics.split(separator: "\n").first { $0.hasPrefix("ember_notify_alerts_received_total ") }
            #expect(receivedLine.flatMap { Double($0.split(separator: " ").last ?? "") }.map { $0 >= 1 } == true,
                    "the built-in notifier's counters are missing from /metrics")
        }
    }

    @Test func notifyAPIIsNotFoundWithoutANotifier() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = Loopback.freePort()
        var options = ServerOptions()
        options.listenAddress = ListenAddress(host: "127.0.0.1", port: port)
        options.storagePath = dir.path
        let server = try EmberServer(options: options, logger: Logger(label: "test"))
        try await server.serving {
            #expect(await Loopback.waitUntilHealthy(port: port, timeoutSeconds: 20))
            #expect(await Loopback.request(port: port, path: "/api/v2/silences")?.status == 404)
        }
    }
}
