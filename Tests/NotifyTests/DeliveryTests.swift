import Foundation
import Testing
@testable import Notify

/// Payload shapes over real loopback receivers, and mail through a real SMTP server.
@Suite(.serialized) struct DeliveryTests {
    static let alerts = [
        PostableAlert(labels: ["alertname": "DiskFull", "severity": "critical", "instance": "db1:9100", "job": "node"],
                      annotations: ["summary": "Disk almost full on db1", "description": "Only 3% left on <b>/var</b>"],
                      startsAt: testEpoch, endsAt: testEpoch.addingTimeInterval(86400), generatorURL: "http://prom:9090/graph"),
        PostableAlert(labels: ["alertname": "DiskFull", "severity": "critical", "instance": "db2:9100", "job": "node"],
                      annotations: ["summary": "Disk almost full on db2"],
                      startsAt: testEpoch, endsAt: testEpoch.addingTimeInterval(86400), generatorURL: "http://prom:9090/graph"),
    ]

    /// Sends the two alerts through `receiverYAML` (a receivers entry named "r") and returns the server.
    func deliver(_ receiverYAML: (PythonServer) -> String, script: String = "receiver.py", serverArgs: [String] = []) async throws -> PythonServer {
        let server = try PythonServer(script: script, arguments: serverArgs)
        let clock = ManualClock(testEpoch)
        let yaml = """
            route:
              receiver: r
              group_by: [alertname]
            receivers:
            \(receiverYAML(server))
            """
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive(Self.alerts)
        clock.advance(by: 30)
        await n.process()
        let stats = await n.stats
        #expect(stats.notificationsFailed.isEmpty, "\(stats)")
        return server
    }

    @Test func slackIncomingWebhook() async throws {
        let server = try await deliver { server in let url = server.url; return
            """
            - name: r
              slack_configs:
              - api_url: '\(url)'
                channel: '#ops'
                text: '{{ range .Alerts }}{{ .Annotations.summary }}\\n{{ end }}'
                fields:
                - {title: Severity, value: '{{ .CommonLabels.severity }}', short: true}
                actions:
                - {type: button, text: Runbook, url: 'https://wiki/{{ .GroupLabels.alertname }}', name: dropped}
                - type: button
                  text: Acknowledge
                  name: ack
                  value: '{{ .GroupLabels.alertname }}'
                  style: danger
                  confirm: {text: 'Acknowledge {{ .Alerts | len }} alerts?', ok_text: 'Yes'}
            """
        }
        let body = try #require(server.deliveredBodies.first)
        #expect(body["channel"] as? String == "#ops")
        #expect(body["username"] as? String == "Alertmanager")
        let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["title"] as? String == "[FIRING:2] DiskFull (node critical)")
        #expect(attachment["title_link"] as? String == "http://ember.example:9093/#/alerts?receiver=r")
        // Single-quoted YAML keeps `\n` literal, as it does for Alertmanager.
        #expect(attachment["text"] as? String == #"Disk almost full on db1\nDisk almost full on db2\n"#)
        #expect(attachment["color"] as? String == "danger")
        #expect(attachment["fallback"] as? String == "[FIRING:2] DiskFull (node critical) | http://ember.example:9093/#/alerts?receiver=r")
        #expect(attachment["mrkdwn_in"] as? [String] == ["fallback", "pretext", "text"])
        let field = try #require((attachment["fields"] as? [[String: Any]])?.first)
        #expect(field["title"] as? String == "Severity" && field["value"] as? String == "critical" && field["short"] as? Bool == true)
        // A url makes a link button (its name is dropped); empty strings are left out, as Go's omitempty does.
        let actions = try #require(attachment["actions"] as? [NSDictionary])
        #expect(actions == [
            ["type": "button", "text": "Runbook", "url": "https://wiki/DiskFull"],
            ["type": "button", "text": "Acknowledge", "style": "danger", "name": "ack", "value": "DiskFull",
             "confirm": ["text": "Acknowledge 2 alerts?", "ok_text": "Yes"]],
        ])
    }

    @Test func teamsWorkflowAdaptiveCard() async throws {
        let server = try await deliver { server in let url = server.url; return "- name: r\n  msteamsv2_configs: [{webhook_url: '\(url)'}]" }
        let body = try #require(server.deliveredBodies.first)
        #expect(body["type"] as? String == "message")
        let attachment = try #require((body["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let content = try #require(attachment["content"] as? [String: Any])
        #expect(content["type"] as? String == "AdaptiveCard" && content["version"] as? String == "1.2")
        let blocks = try #require(content["body"] as? [[String: Any]])
        #expect(blocks.count == 2)
        #expect(blocks[0]["text"] as? String == "[FIRING:2] DiskFull (node critical)")
        #expect(blocks[0]["color"] as? String == "Attention")
        #expect((blocks[1]["text"] as? String)?.contains("Disk almost full on db1") == true)
    }

    @Test func teamsConnectorMessageCard() async throws {
        let server = try await deliver { server in let url = server.url; return "- name: r\n  msteams_configs: [{webhook_url: '\(url)'}]" }
        let body = try #require(server.deliveredBodies.first)
        #expect(body["@context"] as? String == "http://schema.org/extensions")
        #expect(body["type"] as? String == "MessageCard")
        #expect(body["title"] as? String == "[FIRING:2] DiskFull (node critical)")
        #expect(body["summary"] as? String == "[FIRING:2] DiskFull (node critical)")
        #expect(body["themeColor"] as? String == "8C1A1A")
        #expect((body["text"] as? String)?.contains("Disk almost full on db2") == true)
    }

    @Test func webhookVersion4WithMaxAlerts() async throws {
        let server = try await deliver { server in let url = server.url; return "- name: r\n  webhook_configs: [{url: '\(url)', max_alerts: 1}]" }
        let record = try #require(server.records("delivered.jsonl").first)
        #expect((record["headers"] as? [String: String])?["Content-Type"] == "application/json")
        let body = try #require(server.deliveredBodies.first)
        #expect(body["version"] as? String == "4")
        #expect(body["status"] as? String == "firing")
        #expect(body["receiver"] as? String == "r")
        #expect(body["groupKey"] as? String == #"{}:{alertname="DiskFull"}"#)
        #expect(body["truncatedAlerts"] as? Int == 1)
        #expect(body["groupLabels"] as? [String: String] == ["alertname": "DiskFull"])
        // As in Alertmanager, the common labels describe the alerts left after truncation.
        #expect(body["commonLabels"] as? [String: String] == ["alertname": "DiskFull", "severity": "critical", "job": "node", "instance": "db1:9100"])
        #expect(body["externalURL"] as? String == "http://ember.example:9093")
        let alert = try #require((body["alerts"] as? [[String: Any]])?.first)
        #expect(alert["status"] as? String == "firing")
        #expect((alert["labels"] as? [String: String])?["instance"] == "db1:9100")
        #expect(alert["startsAt"] as? String == "2026-11-18T11:06:40Z")
        #expect(alert["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect(alert["generatorURL"] as? String == "http://prom:9090/graph")
        #expect((alert["fingerprint"] as? String)?.count == 16)
    }

    @Test func webhookHTTPConfigAuthAndSecretFiles() async throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let passwordFile = dir.appendingPathComponent("password").path
        try "p4ss\n".write(toFile: passwordFile, atomically: false, encoding: .utf8)
        let urlFile = dir.appendingPathComponent("url").path
        let server = try await deliver { server in
            try? (server.url + "\n").write(toFile: urlFile, atomically: false, encoding: .utf8)
            return """
                - name: r
                  webhook_configs:
                  - url: '\(server.url)'
                    http_config: {basic_auth: {username: ember, password_file: '\(passwordFile)'}}
                  slack_configs:
                  - api_url_file: '\(urlFile)'
                    http_config: {authorization: {credentials: t0ken}}
                """
        }
        let headers = server.records("delivered.jsonl").compactMap { $0["headers"] as? [String: String] }
        #expect(headers.count == 2)
        #expect(headers.contains { $0["Authorization"] == "Basic ZW1iZXI6cDRzcw==" }, "ember:p4ss")
        #expect(headers.contains { $0["Authorization"] == "Bearer t0ken" })
    }

    @Test func emailThroughRealSMTPServerWithAuth() async throws {
        let server = try await deliver({ server in
            """
            - name: r
              email_configs:
              - to: 'Oncall <oncall@example.org>, ops@example.org'
                from: 'ember@example.org'
                smarthost: '127.0.0.1:\(server.port)'
                hello: ember.test
                auth_username: ember
                auth_password: s3cret
                require_tls: false
                text: '{{ range .Alerts }}{{ .Labels.instance }}: {{ .Annotations.summary }}{{ "\\n" }}{{ end }}'
                headers: {X-Ember-Test: yes}
            """
        }, script: "smtp_server.py", serverArgs: ["--auth", "ember", "s3cret"])
        let mail = try #require(server.records("mail.jsonl").first)
        #expect(mail["from"] as? String == "ember@example.org")
        #expect(mail["to"] as? [String] == ["oncall@example.org", "ops@example.org"])
        #expect(mail["helo"] as? String == "ember.test")
        #expect(mail["auth"] as? Bool == true)
        let data = try #require(mail["data"] as? String)
        #expect(data.contains("Subject: [FIRING:2] DiskFull (node critical)"))
        #expect(data.contains("To: Oncall <oncall@example.org>, ops@example.org"))
        #expect(data.contains("X-Ember-Test: yes"))
        #expect(data.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(data.contains("Content-Type: text/html; charset=UTF-8"))
        #expect(data.contains("db1:9100: Disk almost full on db1"))
        // The HTML part escapes values (quoted-printable turns `=` into `=3D`).
        #expect(data.contains("Only 3% left on &lt;b&gt;/var&lt;/b&gt;"))
        #expect(!data.contains("<b>/var"))
    }

    @Test func emailOverSTARTTLSVerifiedAgainstCA() async throws {
        let dir = try Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let openssl = try runProcess("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                                                          "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                                                          "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(openssl.status == 0, "\(openssl.stderr)")
        let server = try await deliver({ server in
            """
            - name: r
              email_configs:
              - to: 'oncall@example.org'
                from: 'ember@example.org'
                smarthost: '127.0.0.1:\(server.port)'
                auth_username: ember
                auth_password: s3cret
                tls_config: {ca_file: '\(cert)'}
            """
        }, script: "smtp_server.py", serverArgs: ["--auth", "ember", "s3cret", "--starttls", cert, key])
        let mail = try #require(server.records("mail.jsonl").first)
        #expect(mail["tls"] as? Bool == true)
        #expect(mail["auth"] as? Bool == true)
    }

    @Test func requireTLSRefusesAServerWithoutSTARTTLS() async throws {
        let server = try PythonServer(script: "smtp_server.py")
        let clock = ManualClock(testEpoch)
        let yaml = """
            route: {receiver: r}
            receivers:
            - name: r
              email_configs: [{to: a@example.org, from: b@example.org, smarthost: '127.0.0.1:\(server.port)'}]
            """
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive(Self.alerts)
        clock.advance(by: 30)
        await n.process()
        #expect(server.records("mail.jsonl").isEmpty, "no mail in clear text when require_tls is true")
        #expect(await n.stats.notificationsFailed["email"] == 1)
    }
}
