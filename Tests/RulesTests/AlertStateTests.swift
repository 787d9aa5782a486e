import Model
import Rules
import Storage
import Testing

@Suite struct AlertStateTests {
    let rules = """
        groups:
          - name: g
            rules:
              - alert: Down
                expr: up == 0
                for: 5m
                labels:
                  severity: page
                  instance: "{{ $labels.instance }}-x"
                annotations:
                  summary: "{{ $labels.instance }} down, value {{ $value }}"
        """
    let up0: Labels = ["__name__": "up", "job": "node", "instance": "a"]

    @Test func pendingThenFiringExactlyWhenForElapses() throws {
        let storage = MemoryStorage()
        let group = try #require(makeGroups(rules, storage: storage).first)
        group.markRestored()
        let rule = try #require(group.alertingRules.first)
        for i in 0...7 {
            let t = Int64(i) * minute
            put(storage, up0, t, 0)
            group.evaluate(at: t)
            let alert = try #require(rule.activeAlerts.first)
            #expect(alert.activeAt == 0)
            // Pending at 0..4m; ts - activeAt >= 5m fires exactly at the 5m evaluation.
            #expect(alert.state == (i < 5 ? .pending : .firing), "at \(i)m")
            if i >= 5 { #expect(alert.firedAt == 5 * minute) }
        }
        let alert = try #require(rule.activeAlerts.first)
        #expect(alert.labels == ["alertname": "Down", "job": "node", "instance": "a-x", "severity": "page"])
        #expect(alert.annotations == ["summary": "a down, value 0"])
        let alertsSeries: Labels = ["__name__": "ALERTS", "alertname": "Down", "alertstate": "firing", "job": "node",
                                    "instance": "a-x", "severity": "page"]
        #expect(samples(storage, alertsSeries).map(\.t) == [5, 6, 7].map { $0 * minute })
        let forState = samples(storage, alertsSeries.removing("alertstate").setting("__name__", "ALERTS_FOR_STATE"))
        #expect(forState.count == 8 && forState.allSatisfy { $0.v == 0 })
    }

    @Test func pendingAlertVanishingIsDroppedAndResolvedFiringIsKept() throws {
        let storage = MemoryStorage()
        let group = try #require(makeGroups(rules, storage: storage).first)
        group.markRestored()
        let rule = try #require(group.alertingRules.first)
        put(storage, up0, 0, 0)
        group.evaluate(at: 0)
        put(storage, up0, minute, 1)
        group.evaluate(at: minute)
        #expect(rule.active.isEmpty)
        let pendingSeries: Labels = ["__name__": "ALERTS", "alertname": "Down", "alertstate": "pending", "job": "node",
                                     "instance": "a-x", "severity": "page"]
        // The pending series ends with a stale marker once the alert is gone.
        let written = samples(storage, pendingSeries)
        #expect(written.count == 2 && written[0].v == 1 && StaleNaN.isStale(written[1].v))

        for i in 2...8 { put(storage, up0, Int64(i) * minute, 0); group.evaluate(at: Int64(i) * minute) }
        #expect(rule.activeAlerts.first?.state == .firing)
        put(storage, up0, 9 * minute, 1)
        group.evaluate(at: 9 * minute)
        let resolved = try #require(rule.active.values.first)
        #expect(resolved.state == .inactive && resolved.resolvedAt == 9 * minute)
        // Kept for 15m after resolution, then dropped.
        for i in 10...24 { put(storage, up0, Int64(i) * minute, 1); group.evaluate(at: Int64(i) * minute) }
        #expect(rule.active.count == 1)
        put(storage, up0, 25 * minute, 1)
        group.evaluate(at: 25 * minute)
        #expect(rule.active.isEmpty)
    }

    @Test func forNotAMultipleOfTheIntervalFiresAtTheNextEvaluation() throws {
        let yaml = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 90s\n"
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        var states: [AlertState?] = []
        for i in 0...3 {
            put(storage, up0, Int64(i) * minute, 0)
            group.evaluate(at: Int64(i) * minute)
            states.append(group.alertingRules[0].activeAlerts.first?.state)
        }
        #expect(states == [.pending, .pending, .firing, .firing])
    }

    @Test func resolvedAlertThatReturnsStartsPendingAgain() throws {
        let storage = MemoryStorage()
        let group = try #require(makeGroups(rules, storage: storage).first)
        let rule = try #require(group.alertingRules.first)
        let values: [Double] = [0, 0, 0, 0, 0, 0, 1, 0]
        for (i, v) in values.enumerated() {
            put(storage, up0, Int64(i) * minute, v)
            group.evaluate(at: Int64(i) * minute)
        }
        let alert = try #require(rule.active.values.first)
        #expect(alert.state == .pending && alert.activeAt == 7 * minute && alert.resolvedAt == 0 && alert.firedAt == 0)
    }

    @Test func keepFiringForHoldsTheAlert() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - alert: Hot
                    expr: temp > 10
                    keep_firing_for: 3m
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        group.markRestored()
        let rule = try #require(group.alertingRules.first)
        let temp: Labels = ["__name__": "temp"]
        let values: [Double] = [20, 5, 5, 20, 5, 5, 5, 5]
        var states: [AlertState?] = []
        for (i, v) in values.enumerated() {
            put(storage, temp, Int64(i) * minute, v)
            group.evaluate(at: Int64(i) * minute)
            states.append(rule.active.values.first?.state)
        }
        // for 0 fires at once; below threshold it keeps firing while ts - keepFiringSince < 3m;
        // returning resets keepFiringSince.
        #expect(states == [.firing, .firing, .firing, .firing, .firing, .firing, .firing, .inactive])
        #expect(rule.active.values.first?.resolvedAt == 7 * minute)
    }

    @Test func resendDelayAndEndsAt() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - alert: Always
                    expr: vector(1)
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage, interval: PromDuration(seconds: 15)) {
            $0.externalURL = "http://ember:9090"
        }.first)
        group.markRestored()
        var sentAt: [Int64] = []
        var last: Alert?
        for i in 0..<12 {
            let t = Int64(i) * 15_000
            let sent = group.evaluate(at: t)
            if let a = sent.first {
                sentAt.append(t)
                last = a
            }
        }
        // Sent at first firing, then again once more than the 1m resend delay has passed.
        #expect(sentAt == [0, 75_000, 150_000])
        let a = try #require(last)
        #expect(a.endsAt == 150_000 + 4 * 60_000)
        #expect(a.startsAt == 0)
        #expect(a.generatorURL == "http://ember:9090/graph?g0.expr=vector%281%29&g0.tab=1")
    }

    @Test func restoreForStateAfterRestart() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - alert: Long
                    expr: up == 0
                    for: 30m
            """
        let storage = MemoryStorage()
        let before = try #require(makeGroups(yaml, storage: storage).first)
        before.markRestored()
        // Pending from 0 to 10m, then Ember is down until 20m.
        for i in 0...10 { put(storage, up0, Int64(i) * minute, 0); before.evaluate(at: Int64(i) * minute) }

        let after = try #require(makeGroups(yaml, storage: storage).first)
        for i in [20, 21] { put(storage, up0, Int64(i) * minute, 0); after.evaluate(at: Int64(i) * minute) }
        let rule = try #require(after.alertingRules.first)
        #expect(rule.active.values.first?.activeAt == 20 * minute, "fresh alert before restore")
        // No ALERTS series are written before the restore.
        #expect(samples(storage, ["__name__": "ALERTS", "alertname": "Long", "alertstate": "pending", "job": "node",
                                  "instance": "a"], mint: 20 * minute).isEmpty)
        after.restoreForState(now: 21 * minute)
        // 10m spent pending before the 10m outage: activeAt shifts by the downtime (11m).
        #expect(rule.active.values.first?.activeAt == 0 + (21 - 10) * minute)
        #expect(rule.restored)
        put(storage, up0, 40 * minute, 0)
        after.evaluate(at: 40 * minute)
        #expect(rule.active.values.first?.state == .pending)
        put(storage, up0, 41 * minute, 0)
        after.evaluate(at: 41 * minute)
        #expect(rule.active.values.first?.state == .firing)
    }

    @Test func restoreGivesGracePeriodAndIgnoresOldState() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - alert: Long
                    expr: up == 0
                    for: 30m
            """
        let storage = MemoryStorage()
        let before = try #require(makeGroups(yaml, storage: storage).first)
        before.markRestored()
        for i in 0...25 { put(storage, up0, Int64(i) * minute, 0); before.evaluate(at: Int64(i) * minute) }
        // Restart after 5m: 5m of `for` remained, below the 10m grace period.
        let after = try #require(makeGroups(yaml, storage: storage).first)
        put(storage, up0, 30 * minute, 0)
        after.evaluate(at: 30 * minute)
        after.restoreForState(now: 30 * minute)
        #expect(after.alertingRules[0].active.values.first?.activeAt == 30 * minute + 10 * minute - 30 * minute)

        // Beyond the 1h outage tolerance nothing is restored.
        let late = try #require(makeGroups(yaml, storage: storage).first)
        put(storage, up0, 100 * minute, 0)
        late.evaluate(at: 100 * minute)
        late.restoreForState(now: 100 * minute)
        #expect(late.alertingRules[0].active.values.first?.activeAt == 100 * minute)
    }

    @Test func limitAndDuplicateLabelsAreEvaluationErrors() throws {
        let yaml = """
            groups:
              - name: g
                limit: 1
                rules:
                  - alert: Many
                    expr: up
                  - record: same
                    expr: up
                    labels: {instance: x, job: y}
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        put(storage, up0, 0, 1)
        put(storage, up0.setting("instance", "b"), 0, 1)
        group.evaluate(at: 0)
        #expect(group.rules[0].health == .err)
        #expect(group.rules[0].lastError == "exceeded limit of 1 with 2 alerts")
        #expect(group.rules[1].lastError == "vector contains metrics with the same labelset after applying rule labels")
        #expect(group.stats.evaluationFailures == 2)
    }
}
