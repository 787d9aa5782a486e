import Config
import Foundation
import HTTPClient
import Model
import Rules
import Storage
import TestSupport
import Testing

/// A real Alertmanager 0.25 on 127.0.0.1, stopped and cleaned up by `stop()`.
final class RunningAlertmanager {
    let port: Int
    let dir: URL
    let process: ChildProcess

    static var binary: String? {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager") ? "/usr/bin/prometheus-alertmanager" : nil
    }

    init(binary: String) throws {
        dir = try TestPaths.makeTempDir("ember-am")
        let config = dir.appendingPathComponent("alertmanager.yml")
        try "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n".write(to: config, atomically: false, encoding: .utf8)
        port = Loopback.freePort()
        process = try ChildProcess(binary, [
            "--config.file=\(config.path)", "--storage.path=\(dir.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
        ])
    }

    func stop() {
        process.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The alerts Alertmanager holds, as decoded JSON objects.
    func alerts() async throws -> [[String: Any]] {
        guard let r = await Loopback.request(port: port, path: "/api/v2/alerts"), r.status == 200 else { return [] }
        return try JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [[String: Any]] ?? []
    }
}

@Suite(.serialized) struct AlertmanagerSenderTests {
    func alertingConfig(targets: [String], extra: String = "") throws -> (AlertingConfig, Labels) {
        let yaml = """
            global:
              external_labels: {cluster: lab, severity: ignored-because-alert-has-it}
            alerting:
              alert_relabel_configs:
                - source_labels: [drop]
                  regex: "yes"
                  action: drop
              alertmanagers:
                - static_configs:
                    - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]
                  alert_relabel_configs:
                    - target_label: via
                      replacement: ember
            \(extra)
            """
        let config = try PrometheusConfig.parse(contents: yaml, file: "prometheus.yml")
        return (config.alerting, config.global.externalLabels)
    }

    @Test func deliversToRealAlertmanager() async throws {
        guard let binary = RunningAlertmanager.binary else { return }
        let am = try RunningAlertmanager(binary: binary)
        defer { am.stop() }
        #expect(await Loopback.waitUntilHealthy(port: am.port, timeoutSeconds: 30))

        let (alerting, external) = try alertingConfig(targets: ["127.0.0.1:\(am.port)"])
        let client = HTTPClient()
        let sender = AlertmanagerSender(alerting: alerting, externalLabels: external, client: client,
                                        options: AlertmanagerSenderOptions(retryDelay: .milliseconds(50)))
        #expect(sender.endpoints.map(\.url) == ["http://127.0.0.1:\(am.port)/api/v2/alerts"])
        let now = Clock.nowMillis()
        let firing = Alert(labels: ["alertname": "Down", "instance": "a:9100", "severity": "page"],
                           annotations: ["summary": "a:9100 is \"down\""], startsAt: now - 60_000, endsAt: now + 240_000,
                           generatorURL: "http://ember:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1")
        let dropped = Alert(labels: ["alertname": "Noise", "drop": "yes"], annotations: [:], startsAt: now, endsAt: now + 240_000,
                            generatorURL: "")
        await sender.send([firing, dropped])
        await sender.flush()
        #expect(sender.stats == [AlertmanagerStats(url: "http://127.0.0.1:\(am.port)/api/v2/alerts", sent: 1, errors: 0)])

        let held = try await am.alerts()
        #expect(held.count == 1)
        let alert = try #require(held.first)
        let labels = alert["labels"] as? [String: String]
        #expect(labels == ["alertname": "Down", "instance": "a:9100", "severity": "page", "cluster": "lab", "via": "ember"])
        #expect(alert["annotations"] as? [String: String] == ["summary": "a:9100 is \"down\""])
        #expect(alert["generatorURL"] as? String == firing.generatorURL)
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")
        let startsAt = try #require(alert["startsAt"] as? String)
        #expect(startsAt.hasPrefix(String(AlertmanagerJSONProbe.rfc3339(now - 60_000).prefix(19))))

        // Resolving: endsAt in the past makes Alertmanager drop it from the active list.
        var resolved = firing
        resolved.endsAt = now - 1000
        await sender.send([resolved])
        await sender.flush()
        let after = try await am.alerts()
        #expect(after.isEmpty, "\(after)")
        client.shutdown()
    }

    @Test func countsErrorsPerAlertmanager() async throws {
        guard let binary = RunningAlertmanager.binary else { return }
        let am = try RunningAlertmanager(binary: binary)
        defer { am.stop() }
        #expect(await Loopback.waitUntilHealthy(port: am.port, timeoutSeconds: 30))
        let deadPort = Loopback.freePort()
        let (alerting, external) = try alertingConfig(targets: ["127.0.0.1:\(am.port)", "127.0.0.1:\(deadPort)"])
        let client = HTTPClient()
        let sender = AlertmanagerSender(alerting: alerting, externalLabels: external, client: client,
                                        options: AlertmanagerSenderOptions(retries: 1, retryDelay: .milliseconds(20)))
        let now = Clock.nowMillis()
        let alerts = (0..<3).map {
            Alert(labels: ["alertname": "A\($0)"], annotations: [:], startsAt: now, endsAt: now + 60_000, generatorURL: "")
        }
        await sender.send(alerts)
        await sender.flush()
        let stats = sender.stats
        #expect(stats.count == 2)
        #expect(stats[0].sent == 3 && stats[0].errors == 0)
        #expect(stats[1].sent == 0 && stats[1].errors == 3)
        #expect(try await am.alerts().count == 3)
        client.shutdown()
    }

    @Test func queueDropsOldestBeyondCapacity() async throws {
        let (alerting, _) = try alertingConfig(targets: ["127.0.0.1:1"])
        let client = HTTPClient()
        let sender = AlertmanagerSender(alerting: alerting, client: client, options: AlertmanagerSenderOptions(queueCapacity: 2))
        let alerts = (0..<5).map { Alert(labels: ["alertname": "A\($0)"], annotations: [:], startsAt: 1, endsAt: 2, generatorURL: "") }
        await sender.send(alerts)
        #expect(sender.queueLength == 2)
        #expect(sender.dropped == 3)
        let metrics = RuleMetrics.exposition(sender: sender, queueCapacity: 2)
        #expect(metrics.contains("ember_notifications_dropped_total 3\n"))
        #expect(metrics.contains("ember_notifications_queue_length 2\n"))
        #expect(metrics.contains("ember_notifications_sent_total{alertmanager=\"http://127.0.0.1:1/api/v2/alerts\"} 0\n"))
        #expect(metrics.contains("ember_notifications_alertmanagers_discovered 1\n"))
        client.shutdown()
    }
}

/// Formats like the sender, to compare Alertmanager's echo of startsAt.
enum AlertmanagerJSONProbe {
    static func rfc3339(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

@Suite(.serialized) struct RulesToAlertmanagerTests {
    /// A rule group evaluated on the wall clock hands its firing alert to the sender,
    /// which delivers it to a real Alertmanager.
    @Test func firingRuleReachesAlertmanager() async throws {
        guard let binary = RunningAlertmanager.binary else { return }
        let am = try RunningAlertmanager(binary: binary)
        defer { am.stop() }
        #expect(await Loopback.waitUntilHealthy(port: am.port, timeoutSeconds: 30))
        var alerting = AlertingConfig()
        var entry = AlertmanagerConfig()
        entry.staticConfigs = [TargetGroup(targets: ["127.0.0.1:\(am.port)"])]
        alerting.alertmanagers = [entry]
        let client = HTTPClient()
        let sender = AlertmanagerSender(alerting: alerting, externalLabels: ["replica": "a"], client: client)
        let delivery = Task { await sender.run() }

        let storage = MemoryStorage()
        let options = RuleManagerOptions(
            group: RuleGroupOptions(storage: storage, externalURL: "http://ember:9090"),
            evaluationInterval: PromDuration(seconds: 1), clock: SystemRuleClock(), sink: sender)
        let manager = RuleManager(options: options)
        let yaml = """
            groups:
              - name: always
                rules:
                  - alert: Always
                    expr: vector(42)
                    labels: {severity: info}
                    annotations: {summary: "value {{ $value }}"}
            """
        manager.update(groups: RuleFileParser.parse(yaml, file: "always.yml").groups)
        manager.start()
        var held: [[String: Any]] = []
        for _ in 0..<100 where held.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            held = try await am.alerts()
        }
        await manager.stop()
        sender.stop()
        await delivery.value
        client.shutdown()

        let alert = try #require(held.first)
        #expect(alert["labels"] as? [String: String] == ["alertname": "Always", "severity": "info", "replica": "a"])
        #expect(alert["annotations"] as? [String: String] == ["summary": "value 42"])
        #expect(alert["generatorURL"] as? String == "http://ember:9090/graph?g0.expr=vector%2842%29&g0.tab=1")
        // Evaluations ran on the group's grid: interval-aligned plus its stable offset.
        let group = try #require(manager.groups.first)
        let last = group.stats.lastEvaluation
        #expect(last > 0 && (last - group.evaluationTimestamp(before: 0)) % 1000 == 0)
    }
}

@Suite struct AlertmanagerEndpointTests {
    @Test func staticAndFileTargetsWithRelabelling() throws {
        let dir = try TestPaths.makeTempDir("ember-am-sd")
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"[{"targets": ["10.0.0.1:9093", "10.0.0.2:9093"], "labels": {"dc": "west"}}]"#
            .write(to: dir.appendingPathComponent("am.json"), atomically: false, encoding: .utf8)
        let yaml = """
            alerting:
              alertmanagers:
                - path_prefix: /am
                  static_configs:
                    - targets: ["127.0.0.1:9093"]
                  file_sd_configs:
                    - files: ["\(dir.path)/*.json"]
                  relabel_configs:
                    - source_labels: [dc]
                      regex: east
                      action: drop
                - scheme: https
                  static_configs:
                    - targets: ["am.example:443"]
                      labels: {dc: east}
                  relabel_configs:
                    - source_labels: [dc]
                      regex: east
                      action: drop
            """
        let config = try PrometheusConfig.parse(contents: yaml, file: dir.appendingPathComponent("prometheus.yml").path)
        let client = HTTPClient()
        defer { client.shutdown() }
        let sender = AlertmanagerSender(alerting: config.alerting, client: client)
        #expect(sender.endpoints.map(\.url) == [
            "http://127.0.0.1:9093/am/api/v2/alerts", "http://10.0.0.1:9093/am/api/v2/alerts", "http://10.0.0.2:9093/am/api/v2/alerts",
        ])
        #expect(sender.endpoints.map(\.configIndex) == [0, 0, 0])
    }
}
