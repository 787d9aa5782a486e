import Foundation
import Testing
@testable import Notify

/// Alertmanager's group_wait / group_interval / repeat_interval timing, with a controlled clock.
@Suite(.serialized) struct DispatcherTimingTests {
    static func config(_ url: String, extra: String = "") -> String {
        """
        route:
          receiver: hook
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 1h
        receivers:
        - name: hook
          webhook_configs: [{url: '\(url)'}]
        \(extra)
        """
    }

    @Test func groupWaitIntervalRepeatAndResolve() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let n = try makeNotifier(Self.config(server.url), clock: clock)
        await n.receive([firing(["alertname": "A", "instance": "1"], at: testEpoch)])
        await n.process()
        clock.advance(by: 29)
        await n.process()
        #expect(server.deliveredBodies.isEmpty, "nothing before group_wait")
        clock.advance(by: 1)
        await n.process()
        #expect(server.deliveredBodies.count == 1, "first notification after group_wait")
        #expect((server.deliveredBodies.first?["alerts"] as? [Any])?.count == 1)

        clock.advance(by: 30)  // t=60: a new alert joins the flushed group
        await n.receive([firing(["alertname": "A", "instance": "2"], at: clock.now())])
        await n.process()
        clock.advance(by: 269)  // t=329
        await n.process()
        #expect(server.deliveredBodies.count == 1, "new alerts wait for group_interval")
        clock.advance(by: 1)  // t=330
        await n.process()
        #expect(server.deliveredBodies.count == 2)
        #expect((server.deliveredBodies.last?["alerts"] as? [Any])?.count == 2)

        // Unchanged group: no notification until repeat_interval (1h after t=330) has passed at a flush.
        for _ in 0..<12 {  // t=630 ... 3930
            clock.advance(by: 300)
            await n.process()
        }
        #expect(server.deliveredBodies.count == 2, "no repeat before repeat_interval")
        clock.advance(by: 300)  // t=4230
        await n.process()
        #expect(server.deliveredBodies.count == 3, "repeat after repeat_interval")

        // Resolve both: the next flush says so, then the group is gone.
        await n.receive([PostableAlert(labels: ["alertname": "A", "instance": "1"], startsAt: testEpoch, endsAt: clock.now()),
                         PostableAlert(labels: ["alertname": "A", "instance": "2"], startsAt: testEpoch, endsAt: clock.now())])
        clock.advance(by: 300)
        await n.process()
        let last = try #require(server.deliveredBodies.last)
        #expect(server.deliveredBodies.count == 4)
        #expect(last["status"] as? String == "resolved")
        clock.advance(by: 300)
        await n.process()
        #expect(server.deliveredBodies.count == 4)
        #expect(await n.groupViews().isEmpty)
    }

    @Test func oldAlertOnNewGroupFlushesAtOnce() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let n = try makeNotifier(Self.config(server.url), clock: clock)
        await n.receive([PostableAlert(labels: ["alertname": "Old"], startsAt: testEpoch.addingTimeInterval(-120))])
        await n.process()
        #expect(server.deliveredBodies.count == 1)
    }

    /// A firing alert that stays firing for the whole test (a day), as a rule manager re-sending it would keep it.
    func firing(_ labels: [String: String], at start: Date) -> PostableAlert {
        PostableAlert(labels: labels, startsAt: start, endsAt: start.addingTimeInterval(86400))
    }

    @Test func resolveTimeoutResolvesSilentAlerts() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let n = try makeNotifier(Self.config(server.url), clock: clock)
        await n.receive([PostableAlert(labels: ["alertname": "T"], startsAt: testEpoch)])
        clock.advance(by: 30)
        await n.process()
        #expect(server.deliveredBodies.count == 1)
        #expect((server.deliveredBodies[0]["alerts"] as? [[String: Any]])?.first?["endsAt"] as? String == "0001-01-01T00:00:00Z")
        clock.advance(by: 300)  // 5m30s: past the default resolve_timeout of 5m
        await n.process()
        #expect(server.deliveredBodies.count == 2)
        #expect(server.deliveredBodies[1]["status"] as? String == "resolved")
    }

    @Test func inhibitionWhileSourceFiresThenResumes() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let yaml = """
            route:
              receiver: hook
              group_by: [alertname, severity]
              group_wait: 30s
              group_interval: 5m
            receivers:
            - name: hook
              webhook_configs: [{url: '\(server.url)'}]
            inhibit_rules:
            - source_matchers: [severity="critical"]
              target_matchers: [severity="warning"]
              equal: [alertname, cluster]
            - source_matchers: [severity="page"]
              target_matchers: [alertname="Self"]
            """
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive([
            firing(["alertname": "Disk", "severity": "critical"], at: testEpoch),
            firing(["alertname": "Disk", "severity": "warning"], at: testEpoch),
            firing(["alertname": "Self", "severity": "page"], at: testEpoch),
        ])
        clock.advance(by: 30)
        await n.process()
        let severities = server.deliveredBodies.compactMap { ($0["commonLabels"] as? [String: String])?["severity"] }
        #expect(severities.sorted() == ["critical", "page"], "warning inhibited; an alert does not inhibit itself")
        let warning = await n.alertViews().first { $0.labels["severity"] == "warning" }
        #expect(warning?.state == .suppressed && warning?.inhibitedBy.count == 1)

        clock.advance(by: 60)
        await n.receive([PostableAlert(labels: ["alertname": "Disk", "severity": "critical"], startsAt: testEpoch, endsAt: clock.now())])
        clock.advance(by: 240)  // next group interval
        await n.process()
        let after = server.deliveredBodies.dropFirst(2)
        #expect(after.contains { ($0["commonLabels"] as? [String: String])?["severity"] == "warning" && $0["status"] as? String == "firing" })
        #expect(after.contains { ($0["commonLabels"] as? [String: String])?["severity"] == "critical" && $0["status"] as? String == "resolved" })
    }

    @Test func silencesMuteWhileActive() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let n = try makeNotifier(Self.config(server.url), clock: clock)
        let id = try await n.setSilence(Silence(matchers: try AlertmanagerMatchers.parse(#"alertname="Quiet""#),
                                                startsAt: testEpoch.addingTimeInterval(10), endsAt: testEpoch.addingTimeInterval(400),
                                                createdBy: "test", comment: "maintenance"))
        #expect(await n.silence(id: id)?.state(at: clock.now()) == .pending)
        await n.receive([firing(["alertname": "Quiet"], at: testEpoch)])
        clock.advance(by: 30)
        #expect(await n.silence(id: id)?.state(at: clock.now()) == .active)
        await n.process()
        #expect(server.deliveredBodies.isEmpty)
        #expect(await n.alertViews().first?.silencedBy == [id])
        clock.advance(by: 300)  // t=330: still silenced
        await n.process()
        #expect(server.deliveredBodies.isEmpty)
        clock.advance(by: 300)  // t=630: silence expired at 400
        #expect(await n.silence(id: id)?.state(at: clock.now()) == .expired)
        await n.process()
        #expect(server.deliveredBodies.count == 1)
    }

    @Test func muteAndActiveTimeIntervals() async throws {
        let server = try PythonServer(script: "receiver.py")
        let start = Date(timeIntervalSince1970: 1_794_970_800)  // 2026-11-18 03:00 UTC
        let clock = ManualClock(start)
        let yaml = """
            route:
              receiver: hook
              group_by: [alertname]
              repeat_interval: 24h
              routes:
              - matchers: [alertname="Muted"]
                mute_time_intervals: [night]
              - matchers: [alertname="DayOnly"]
                active_time_intervals: [day]
            receivers:
            - name: hook
              webhook_configs: [{url: '\(server.url)'}]
            time_intervals:
            - name: night
              time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]
            - name: day
              time_intervals: [{times: [{start_time: '08:00', end_time: '20:00'}]}]
            """
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive([firing(["alertname": "Muted"], at: start),
                         firing(["alertname": "DayOnly"], at: start),
                         firing(["alertname": "Always"], at: start)])
        clock.advance(by: 30)
        await n.process()
        let names = { server.deliveredBodies.compactMap { ($0["groupLabels"] as? [String: String])?["alertname"] } }
        #expect(names() == ["Always"])
        clock.advance(by: 5 * 3600)  // 08:00:30: night over, day begun
        await n.process()
        #expect(names().sorted() == ["Always", "DayOnly", "Muted"])
    }
}
