import Foundation
import Testing
@testable import Notify

/// Nothing lost, nothing doubled: failing receivers and restarts.
@Suite(.serialized) struct FaultAndRestartTests {
    static func config(_ url: String, integration: String = "webhook") -> String {
        let receiver = switch integration {
        case "slack": "slack_configs: [{api_url: '\(url)'}]"
        case "msteamsv2": "msteamsv2_configs: [{webhook_url: '\(url)'}]"
        default: "webhook_configs: [{url: '\(url)'}]"
        }
        return """
            route:
              receiver: hook
              group_by: [alertname]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 4h
            receivers:
            - name: hook
              \(receiver)
            """
    }

    static func firing(_ name: String, at start: Date) -> PostableAlert {
        PostableAlert(labels: ["alertname": name], startsAt: start, endsAt: start.addingTimeInterval(86400))
    }

    /// Each fault lasts several minutes of the notifier's clock, through many backoff retries.
    @Test(arguments: ["500", "slow", "refused"], ["webhook", "slack", "msteamsv2"])
    func deliveredExactlyOnceAfterRecovery(fault: String, integration: String) async throws {
        let server = try PythonServer(script: "receiver.py")
        if fault == "refused" { server.stop() } else { try server.setMode(fault) }
        let clock = ManualClock(testEpoch)
        let n = try makeNotifier(Self.config(server.url, integration: integration), clock: clock,
                                 sendTimeout: .milliseconds(500))
        await n.receive([Self.firing("Flaky", at: testEpoch)])
        clock.advance(by: 30)
        await n.process()
        for _ in 0..<28 {  // seven minutes of failing retries and group flushes
            clock.advance(by: 15)
            await n.process()
        }
        #expect(server.deliveredBodies.isEmpty)
        let stats = await n.stats
        let failed = stats.notificationsFailed[integration] ?? 0
        #expect(failed >= 4, "failures are counted: \(stats)")
        #expect(stats.failuresByReceiver["hook"] == failed)
        #expect(stats.retries >= 2, "backoff retries between the group flushes: \(stats)")
        let metrics = NotifyMetrics.exposition(stats)
        #expect(metrics.contains("ember_notify_notifications_failed_total{integration=\"\(integration)\"} \(failed)\n"), "\(metrics)")
        #expect(metrics.contains("ember_notify_receiver_failures_total{receiver=\"hook\"} \(failed)\n"), "\(metrics)")
        #expect(metrics.contains("ember_notify_notifications_total{integration=\"\(integration)\"} 0\n"), "\(metrics)")
        if fault != "refused" { #expect(server.records("all.jsonl").count == failed, "every attempt reached the receiver") }
        if fault == "refused" { try server.start() } else { try server.setMode("ok") }
        for _ in 0..<200 where server.deliveredBodies.isEmpty {  // retries (or the next flush) deliver
            clock.advance(by: 2)
            await n.process()
        }
        #expect(server.deliveredBodies.count == 1)
        for _ in 0..<3 {  // later flushes of the unchanged group stay quiet
            clock.advance(by: 300)
            await n.process()
        }
        #expect(server.deliveredBodies.count == 1, "exactly once")
    }

    /// A 4xx (or Slack's non-"ok" answer) will not get better by repeating: no backoff
    /// retries, but the next group interval tries again.
    @Test(arguments: [("400", "webhook"), ("notok", "slack")])
    func permanentErrorsWaitForTheNextInterval(mode: String, kind: String) async throws {
        let server = try PythonServer(script: "receiver.py")
        try server.setMode(mode)
        let clock = ManualClock(testEpoch)
        let receiver = kind == "slack" ? "slack_configs: [{api_url: '\(server.url)'}]" : "webhook_configs: [{url: '\(server.url)'}]"
        let yaml = "route: {receiver: r, group_by: [alertname]}\nreceivers:\n- name: r\n  \(receiver)\n"
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive([Self.firing("Rejected", at: testEpoch)])
        clock.advance(by: 30)
        await n.process()
        for _ in 0..<10 {
            clock.advance(by: 5)
            await n.process()
        }
        #expect(server.records("all.jsonl").count == 1, "no retries for a permanent error")
        #expect(await n.stats.failuresByReceiver["r"] == 1)
        clock.advance(by: 300)
        await n.process()
        #expect(server.records("all.jsonl").count == 2, "the next flush tries again")
        try server.setMode("ok")
        clock.advance(by: 300)
        await n.process()
        #expect(server.deliveredBodies.count == 1)
    }

    @Test func restartNeitherRepeatsNorForgets() async throws {
        let server = try PythonServer(script: "receiver.py")
        let dir = try Fixtures.tempDir().path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = ManualClock(testEpoch)
        var n = try makeNotifier(Self.config(server.url), clock: clock, dataDirectory: dir)
        await n.receive([Self.firing("Delivered", at: testEpoch)])
        clock.advance(by: 30)
        await n.process()
        #expect(server.deliveredBodies.count == 1)
        clock.advance(by: 10)  // t=40: a second alert arrives and is still in group_wait at shutdown
        await n.receive([Self.firing("Pending", at: clock.now())])
        let silenceID = try await n.setSilence(Silence(matchers: try AlertmanagerMatchers.parse("alertname=Muted"),
                                                       startsAt: clock.now(), endsAt: clock.now().addingTimeInterval(3600),
                                                       createdBy: "t", comment: "c"))
        await n.receive([Self.firing("Muted", at: clock.now())])
        await n.close()

        n = try makeNotifier(Self.config(server.url), clock: clock, dataDirectory: dir)
        #expect(await n.silence(id: silenceID)?.comment == "c")
        #expect(await n.alertViews().count == 3)
        for _ in 0..<4 {  // t=50 ... 80: through the pending group's wait
            clock.advance(by: 10)
            await n.process()
        }
        let names = server.deliveredBodies.compactMap { ($0["groupLabels"] as? [String: String])?["alertname"] }
        #expect(names == ["Delivered", "Pending"], "delivered once each, the silenced one not at all")
        clock.advance(by: 300)
        await n.process()
        #expect(server.deliveredBodies.count == 2)
        await n.close()
    }
}
