import Config
import Foundation
import Model
import Testing
@testable import Notify

@Suite struct SilenceRulesTests {
    let now = testEpoch

    func silence(_ matcher: String, start: Double, end: Double, id: String = "") throws -> Silence {
        Silence(id: id, matchers: try AlertmanagerMatchers.parse(matcher), startsAt: now.addingTimeInterval(start),
                endsAt: now.addingTimeInterval(end), createdBy: "t", comment: "c")
    }

    @Test func activeSilenceUpdatesInPlaceOnlyWithSameMatchersAndStart() throws {
        var book = SilenceBook()
        let (id, _) = try book.set(try silence("a=b", start: -10, end: 100), now: now)
        #expect(book.silences[id]?.startsAt == now, "a start in the past becomes now")
        let stored = try #require(book.silences[id])
        var longer = stored
        longer.endsAt = now.addingTimeInterval(500)
        let (sameID, _) = try book.set(longer, now: now)
        #expect(sameID == id && book.silences[id]?.endsAt == now.addingTimeInterval(500))

        var changedMatchers = try silence("a=c", start: 0, end: 500, id: id)
        changedMatchers.startsAt = stored.startsAt
        let (newID, changed) = try book.set(changedMatchers, now: now)
        #expect(newID != id)
        #expect(changed.count == 2)
        #expect(book.silences[id]?.state(at: now) == .expired, "the old one was expired, not rewritten")
        #expect(book.silences[newID]?.state(at: now) == .active)
    }

    @Test func expiringAndValidation() throws {
        var book = SilenceBook()
        let (pendingID, _) = try book.set(try silence("a=b", start: 60, end: 120), now: now)
        #expect(book.silences[pendingID]?.state(at: now) == .pending)
        _ = try book.expire(pendingID, now: now)
        #expect(book.silences[pendingID]?.state(at: now) == .expired)
        #expect(book.silences[pendingID]?.startsAt == now)
        #expect(throws: SilenceError.alreadyExpired(pendingID)) { try book.expire(pendingID, now: now) }
        #expect(throws: SilenceError.notFound("x")) { try book.expire("x", now: now) }
        #expect(throws: SilenceError.self) { try book.set(try silence(#"a=~".*""#, start: 0, end: 10), now: now) }
        #expect(throws: SilenceError.self) { try book.set(try silence("a=b", start: 10, end: 0), now: now) }
        #expect(throws: SilenceError.notFound("missing")) { try book.set(try silence("a=b", start: 0, end: 10, id: "missing"), now: now) }
    }
}

@Suite struct PipelineRulesTests {
    @Test func mergeKeepsEarliestStartAndExplicitResolve() {
        let t0 = testEpoch
        let old = Alert(labels: ["a": "1"], annotations: [:], startsAt: t0, endsAt: t0.addingTimeInterval(300),
                        generatorURL: "", updatedAt: t0, timeout: true)
        let refresh = Alert(labels: ["a": "1"], annotations: ["x": "y"], startsAt: t0.addingTimeInterval(60),
                            endsAt: t0.addingTimeInterval(360), generatorURL: "", updatedAt: t0.addingTimeInterval(60), timeout: true)
        let merged = old.merged(with: refresh)
        #expect(merged.startsAt == t0 && merged.endsAt == t0.addingTimeInterval(360) && merged.annotations == ["x": "y"])
        let resolve = Alert(labels: ["a": "1"], annotations: [:], startsAt: t0, endsAt: t0.addingTimeInterval(90),
                            generatorURL: "", updatedAt: t0.addingTimeInterval(90), timeout: false)
        #expect(merged.merged(with: resolve).endsAt == t0.addingTimeInterval(90))
    }

    @Test func inhibitionNeedsEqualLabelsAndTreatsMissingAsEmpty() throws {
        var rule = InhibitRuleConfig()
        rule.sourceMatchers = try AlertmanagerMatchers.parse(#"severity="critical""#)
        rule.targetMatchers = try AlertmanagerMatchers.parse(#"severity="warning""#)
        rule.equal = ["cluster"]
        let source = Alert(labels: ["alertname": "X", "severity": "critical"], annotations: [:], startsAt: testEpoch,
                           endsAt: testEpoch.addingTimeInterval(600), generatorURL: "", updatedAt: testEpoch, timeout: false)
        let index = InhibitionIndex(rules: [rule], alerts: [source], now: testEpoch)
        #expect(index.inhibitedBy(["alertname": "Y", "severity": "warning"]) == [source.fingerprint], "both lack cluster")
        #expect(index.inhibitedBy(["alertname": "Y", "severity": "warning", "cluster": "eu"]).isEmpty)
        #expect(index.inhibitedBy(["alertname": "Y", "severity": "info"]).isEmpty)
        let later = InhibitionIndex(rules: [rule], alerts: [source], now: testEpoch.addingTimeInterval(601))
        #expect(later.inhibitedBy(["severity": "warning"]).isEmpty, "a resolved source inhibits nothing")
    }

    @Test func backoffGrowsWithJitterAndCap() {
        for attempt in 1...30 {
            let d = Notifier.backoff(attempt: attempt)
            let base = min(0.5 * pow(1.5, Double(attempt - 1)), 60)
            #expect(d >= base * 0.5 && d <= base * 1.5)
        }
    }

    @Test func metricsExposition() {
        var stats = NotifyStats()
        stats.alertsReceived = 7
        stats.notificationsSent = ["webhook": 3]
        stats.notificationsFailed = ["slack": 2]
        stats.failuresByReceiver = ["ops \"eu\"": 2]
        stats.retries = 1
        let text = NotifyMetrics.exposition(stats)
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples == [
            "ember_notify_alerts_received_total 7",
            "ember_notify_alerts_invalid_total 0",
            #"ember_notify_notifications_total{integration="slack"} 0"#,
            #"ember_notify_notifications_total{integration="webhook"} 3"#,
            #"ember_notify_notifications_failed_total{integration="slack"} 2"#,
            #"ember_notify_notifications_failed_total{integration="webhook"} 0"#,
            #"ember_notify_receiver_failures_total{receiver="ops \"eu\""} 2"#,
            "ember_notify_notification_retries_total 1",
        ])
        #expect(text.contains("# TYPE ember_notify_notifications_failed_total counter\n"))
        #expect(NotifyMetrics.exposition(NotifyStats()).components(separatedBy: "# TYPE").count == 7, "every family, even when empty")
    }

    @Test func groupByAllAndGroupKeys() throws {
        let c = try NotifyConfig.load(file: Fixtures.path("routing/continue-and-old-match.yml"))
        let root = Route(config: c.route)
        #expect(root.options.groupByAll)
        #expect(root.groupLabels(["a": "1", "b": "2"]) == ["a": "1", "b": "2"])
        let ops = root.match(["team": "ops", "severity": "page"])
        #expect(ops.first?.key == #"{}/{team="ops"}/{severity=~"crit.*|page"}"#)
        #expect(ops.first?.id == #"{}/{team="ops"}/0/{severity=~"crit.*|page"}/0"#)
        #expect(labelSetString(["b": "x\"y", "a": "1"]) == #"{a="1", b="x\"y"}"#)
    }

    @Test func daysOfMonthAndWeekdayParsing() throws {
        let yaml = """
            route: {receiver: a}
            receivers: [{name: a}]
            time_intervals:
            - name: end-of-month
              time_intervals: [{days_of_month: ['-3:-1'], weekdays: ['monday:friday'], location: 'America/New_York'}]
            """
        let c = try NotifyConfig.parse(yaml, file: "t.yml")
        let ti = try #require(c.timeIntervals["end-of-month"]?.first)
        // 2026-11-30 15:00 UTC is Monday 10:00 in New York, the last day of November.
        #expect(ti.contains(Date(timeIntervalSince1970: 1_796_050_800)))
        // 2026-11-27 is a Friday but not among the last three days.
        #expect(!ti.contains(Date(timeIntervalSince1970: 1_795_791_600)))
        for bad in ["['0']", "['-1:5']", "['10:2']", "['32']"] {
            let text = yaml.replacingOccurrences(of: "['-3:-1']", with: bad)
            #expect(throws: ConfigError.self, "\(bad)") { try NotifyConfig.parse(text, file: "t.yml") }
        }
    }
}

@Suite(.serialized) struct NotifierLifecycleTests {
    @Test func runLoopDeliversOnTheSystemClock() async throws {
        let server = try PythonServer(script: "receiver.py")
        let yaml = """
            route: {receiver: hook, group_wait: 1s, group_interval: 1m}
            receivers: [{name: hook, webhook_configs: [{url: '\(server.url)'}]}]
            """
        let n = try Notifier(config: try NotifyConfig.parse(yaml, file: "t.yml"), dataDirectory: nil)
        let loop = Task { await n.run() }
        await n.receive([PostableAlert(labels: ["alertname": "Live"])])
        for _ in 0..<300 where server.deliveredBodies.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        loop.cancel()
        await loop.value
        #expect(server.deliveredBodies.count == 1)
    }

    @Test func reloadRegroupsWithoutRepeating() async throws {
        let server = try PythonServer(script: "receiver.py")
        let clock = ManualClock(testEpoch)
        let yaml = "route: {receiver: hook, group_by: [alertname]}\nreceivers: [{name: hook, webhook_configs: [{url: '\(server.url)'}]}]\n"
        let n = try makeNotifier(yaml, clock: clock)
        await n.receive([PostableAlert(labels: ["alertname": "R"], startsAt: testEpoch, endsAt: testEpoch.addingTimeInterval(86400))])
        clock.advance(by: 30)
        await n.process()
        try await n.apply(config: try NotifyConfig.parse(yaml + "# reloaded\n", file: "t.yml"))
        clock.advance(by: 30)
        await n.process()
        #expect(server.deliveredBodies.count == 1, "the notification log survives a reload")
        let changed = yaml.replacingOccurrences(of: "[alertname]", with: "[]")
        try await n.apply(config: try NotifyConfig.parse(changed, file: "t.yml"))
        clock.advance(by: 30)
        await n.process()
        #expect(server.deliveredBodies.count == 2, "a different grouping is a different group")
    }
}
