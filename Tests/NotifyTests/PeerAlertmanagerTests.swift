import Foundation
import HTTPClient
import Testing
@testable import Notify

/// Differential test: the same configuration and alerts through Alertmanager 0.25
/// (Debian's prometheus-alertmanager) and through Ember must produce the same payloads.
@Suite(.serialized) struct PeerAlertmanagerTests {
    static let binary = "/usr/bin/prometheus-alertmanager"

    static func config(_ base: String) -> String {
        """
        route:
          receiver: r
          group_by: [alertname]
          group_wait: 1s
          group_interval: 2s
        receivers:
        - name: r
          webhook_configs:
          - url: '\(base)/hook'
            max_alerts: 1
          slack_configs:
          - api_url: '\(base)/slack'
            channel: '#ops'
            text: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}{{ "\\n" }}{{ end }}'
            fields: [{title: Severity, value: '{{ .CommonLabels.severity }}'}]
            actions:
            - {type: button, text: 'Runbook {{ .CommonLabels.job }}', url: '{{ .CommonAnnotations.runbook }}', style: primary}
            - {type: button, text: Silence, name: silence, value: '{{ .GroupLabels.alertname }}',
               confirm: {text: 'Silence {{ .Alerts.Firing | len }}?', title: Sure, dismiss_text: Cancel}}
        inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [alertname]
        """
    }

    /// Alerts starting now: with an older startsAt Alertmanager flushes a new group at once,
    /// racing its own inhibitor, and the comparison would depend on that race.
    static let alerts = alertsTemplate.replacingOccurrences(of: "START", with: apiTimestamp(Date()))

    static let alertsTemplate = """
        [{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1:9100", "job": "node"},
          "annotations": {"summary": "Disk almost full on db1", "runbook": "https://wiki/disk"},
          "startsAt": "START", "endsAt": "2099-01-01T00:00:00Z", "generatorURL": "http://prom:9090/graph?g0.expr=x"},
         {"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db2:9100", "job": "node"},
          "annotations": {"summary": "Disk <almost> full & on db2", "runbook": "https://wiki/disk"},
          "startsAt": "START", "endsAt": "2099-01-01T00:00:00Z", "generatorURL": "http://prom:9090/graph"},
         {"labels": {"alertname": "DiskFull", "severity": "warning", "instance": "db3:9100", "job": "node"},
          "startsAt": "START", "endsAt": "2099-01-01T00:00:00Z"}]
        """

    func body(_ server: PythonServer, path: String) -> NSDictionary? {
        guard let raw = server.records("delivered.jsonl").first(where: { $0["path"] as? String == path })?["body"] as? String else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? NSDictionary
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func payloadsAndAPIMatchAlertmanager() async throws {
        let amReceiver = try PythonServer(script: "receiver.py")
        let emberReceiver = try PythonServer(script: "receiver.py")
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let configPath = dir.appendingPathComponent("am.yml").path
        try Self.config("http://127.0.0.1:\(amReceiver.port)").write(toFile: configPath, atomically: false, encoding: .utf8)
        let port = freePort()
        let am = Process()
        am.executableURL = URL(fileURLWithPath: Self.binary)
        am.arguments = ["--config.file=\(configPath)", "--storage.path=\(dir.path)/data", "--web.listen-address=127.0.0.1:\(port)",
                        "--cluster.listen-address=", "--web.external-url=http://ember.example:9093"]
        am.standardOutput = FileHandle.nullDevice
        am.standardError = FileHandle.nullDevice
        try am.run()
        defer { stopChild(am) }
        let http = HTTPClient()
        let base = "http://127.0.0.1:\(port)"
        var ready = false
        for _ in 0..<150 where !ready {
            ready = (try? await http.execute(HTTPRequest(url: base + "/-/ready", timeout: .seconds(1))))?.status == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(ready, "Alertmanager did not start")
        let posted = try await http.execute(HTTPRequest(url: base + "/api/v2/alerts", method: .post,
                                                        headers: ["Content-Type": "application/json"], body: Array(Self.alerts.utf8)))
        #expect(posted.status == 200)

        let clock = ManualClock(Date())
        let notifier = try makeNotifier(Self.config("http://127.0.0.1:\(emberReceiver.port)"), clock: clock)
        let api = NotifyAPI(notifier: notifier)
        #expect(await api.handle(method: "POST", path: "/api/v2/alerts", query: [:], body: Array(Self.alerts.utf8)).status == 200)
        clock.advance(by: 2)
        await notifier.process()

        for _ in 0..<150 where amReceiver.records("delivered.jsonl").count < 2 { try await Task.sleep(for: .milliseconds(100)) }
        for path in ["/hook", "/slack"] {
            let theirs = try #require(body(amReceiver, path: path), "Alertmanager sent nothing to \(path)")
            let ours = try #require(body(emberReceiver, path: path), "Ember sent nothing to \(path)")
            #expect(ours == theirs, "\(path)\nember: \(ours)\nalertmanager: \(theirs)")
        }

        let theirAlerts = try await http.execute(HTTPRequest(url: base + "/api/v2/alerts"))
        let ourAlerts = await api.handle(method: "GET", path: "/api/v2/alerts", query: [:], body: [])
        func withoutUpdatedAt(_ bytes: [UInt8]) -> NSArray? {
            guard let list = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [[String: Any]] else { return nil }
            return list.map { a -> NSDictionary in
                var a = a
                a["updatedAt"] = nil
                // Which of several sources Alertmanager names depends on Go's map order: compare the count.
                if var status = a["status"] as? [String: Any] {
                    status["inhibitedBy"] = (status["inhibitedBy"] as? [Any])?.count
                    a["status"] = status
                }
                return a as NSDictionary
            } as NSArray
        }
        let theirList = try #require(withoutUpdatedAt(theirAlerts.body))
        #expect(theirList.count == 3)
        #expect(withoutUpdatedAt(ourAlerts.body) == theirList)

        let theirGroups = try await http.execute(HTTPRequest(url: base + "/api/v2/alerts/groups"))
        let ourGroups = await api.handle(method: "GET", path: "/api/v2/alerts/groups", query: [:], body: [])
        func groupsWithoutUpdatedAt(_ bytes: [UInt8]) -> NSArray? {
            guard let list = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [[String: Any]] else { return nil }
            return list.map { g -> NSDictionary in
                var g = g
                g["alerts"] = withoutUpdatedAt(Array((try? JSONSerialization.data(withJSONObject: g["alerts"] ?? [])) ?? Data()))
                return g as NSDictionary
            } as NSArray
        }
        #expect(groupsWithoutUpdatedAt(ourGroups.body) == groupsWithoutUpdatedAt(theirGroups.body))

        let silence = #"{"matchers": [{"name": "instance", "value": "db1:.*", "isRegex": true, "isEqual": true}], "startsAt": "2026-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z", "createdBy": "peer", "comment": "compare"}"#
        _ = try await http.execute(HTTPRequest(url: base + "/api/v2/silences", method: .post,
                                               headers: ["Content-Type": "application/json"], body: Array(silence.utf8)))
        #expect(await api.handle(method: "POST", path: "/api/v2/silences", query: [:], body: Array(silence.utf8)).status == 200)
        func silencesWithoutTimes(_ bytes: [UInt8]) -> NSArray? {
            guard let list = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [[String: Any]] else { return nil }
            return list.map { s -> NSDictionary in
                var s = s
                for k in ["id", "updatedAt", "startsAt"] { s[k] = nil }
                return s as NSDictionary
            } as NSArray
        }
        let theirSilences = try await http.execute(HTTPRequest(url: base + "/api/v2/silences"))
        let ourSilences = await api.handle(method: "GET", path: "/api/v2/silences", query: [:], body: [])
        #expect(silencesWithoutTimes(theirSilences.body)?.count == 1)
        #expect(silencesWithoutTimes(ourSilences.body) == silencesWithoutTimes(theirSilences.body))
        let theirMuted = try await http.execute(HTTPRequest(url: base + "/api/v2/alerts?silenced=false"))
        let ourMuted = await api.handle(method: "GET", path: "/api/v2/alerts", query: ["silenced": ["false"]], body: [])
        #expect(withoutUpdatedAt(theirMuted.body)?.count == 2)
        #expect(withoutUpdatedAt(ourMuted.body) == withoutUpdatedAt(theirMuted.body))

        // Resolve both (an endsAt in the past): the next group interval reports it.
        let resolved = Self.alerts.replacingOccurrences(of: "2099-01-01T00:00:00Z", with: apiTimestamp(clock.now().addingTimeInterval(-1)))
        _ = try await http.execute(HTTPRequest(url: base + "/api/v2/alerts", method: .post,
                                               headers: ["Content-Type": "application/json"], body: Array(resolved.utf8)))
        #expect(await api.handle(method: "POST", path: "/api/v2/alerts", query: [:], body: Array(resolved.utf8)).status == 200)
        clock.advance(by: 2)
        await notifier.process()
        func hooks(_ s: PythonServer) -> [NSDictionary] {
            s.records("delivered.jsonl").filter { $0["path"] as? String == "/hook" }.compactMap {
                ($0["body"] as? String).flatMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? NSDictionary }
            }
        }
        for _ in 0..<150 where hooks(amReceiver).count < 2 { try await Task.sleep(for: .milliseconds(100)) }
        let theirResolved = try #require(hooks(amReceiver).dropFirst().first)
        #expect(theirResolved["status"] as? String == "resolved")
        #expect(hooks(emberReceiver).dropFirst().first == theirResolved)
        #expect(amReceiver.records("delivered.jsonl").count == emberReceiver.records("delivered.jsonl").count,
                "Slack (send_resolved: false) stays quiet on both")
        http.shutdown()
    }
}
