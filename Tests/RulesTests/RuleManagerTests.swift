import Config
import Foundation
import Model
import PromQL
@testable import Rules
import Storage
import Synchronization
import Testing

/// A sink that keeps what it receives.
final class CollectingSink: AlertSink {
    private let received = Mutex<[[Alert]]>([])
    func send(_ alerts: [Alert]) async { received.withLock { $0.append(alerts) } }
    var batches: [[Alert]] { received.withLock { $0 } }
}

/// Waits (bounded) until `condition` holds, yielding to the group tasks.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<2000 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

@Suite struct RuleManagerTests {
    let yaml = """
        groups:
          - name: g
            interval: 1m
            rules:
              - record: job:up:sum
                expr: sum by (job) (up)
              - alert: Down
                expr: up == 0
                labels: {severity: page}
        """

    @Test func loopEvaluatesOnAlignedTimestampsAndCountsMissedIterations() async throws {
        let storage = MemoryStorage()
        let start: Timestamp = 1_700_000_000_000
        let clock = ManualRuleClock(now: start)
        let sink = CollectingSink()
        let manager = RuleManager(options: RuleManagerOptions(group: RuleGroupOptions(storage: storage), clock: clock, sink: sink))
        let (defs, errors) = RuleFileParser.parse(yaml, file: "rules.yml")
        #expect(errors.isEmpty)
        manager.update(groups: defs)
        let group = try #require(manager.groups.first)
        let first = group.evaluationTimestamp(before: start) + minute
        #expect(first > start && first <= start + minute)
        #expect((first - group.evaluationTimestamp(before: 0)) % minute == 0, "stable per-group offset")

        let up: Labels = ["__name__": "up", "job": "node", "instance": "a"]
        put(storage, up, start, 0)
        manager.start()
        #expect(await eventually { clock.sleeperCount == 1 })
        for k in 0..<3 {
            let t = first + Int64(k) * minute
            put(storage, up, t, 0)
            clock.advance(to: t)
            #expect(await eventually { group.stats.evaluations == k + 1 })
            #expect(group.stats.lastEvaluation == t)
        }
        // The second run restored the `for` state; ALERTS series are written from then on.
        #expect(group.alertingRules[0].restored)
        // Jump 3.5 intervals: two runs are missed, the next one is on the grid.
        clock.advance(to: first + 2 * minute + 3 * minute + 30_000)
        #expect(await eventually { group.stats.evaluations == 4 })
        #expect(group.stats.lastEvaluation == first + 5 * minute)
        #expect(group.stats.iterationsMissed == 2)
        #expect(group.stats.iterationsScheduled == 6)
        await manager.stop()

        let recorded = samples(storage, ["__name__": "job:up:sum", "job": "node"])
        #expect(recorded.map(\.t) == [first, first + minute, first + 2 * minute, first + 5 * minute])
        // Firing from the first run (for: 0); re-sent only once more than the 1m resend delay has passed.
        let sent = sink.batches.flatMap { $0 }
        #expect(sent.count == 3 && sent.allSatisfy { $0.labels["alertname"] == "Down" && $0.startsAt == first })
    }

    @Test func recordingRuleWritesStaleMarkerWhenSeriesVanishes() throws {
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        put(storage, ["__name__": "up", "job": "a"], 0, 1)
        put(storage, ["__name__": "up", "job": "b"], 0, 1)
        group.evaluate(at: 0)
        // Later rules see earlier results of the same run: the recorded series exists at t.
        put(storage, ["__name__": "up", "job": "a"], minute, 1)
        put(storage, ["__name__": "up", "job": "b"], minute, StaleNaN.value)
        group.evaluate(at: minute)
        let a = samples(storage, ["__name__": "job:up:sum", "job": "a"])
        let b = samples(storage, ["__name__": "job:up:sum", "job": "b"])
        #expect(a == [Sample(t: 0, v: 1), Sample(t: minute, v: 1)])
        #expect(b.count == 2 && b[0] == Sample(t: 0, v: 1) && StaleNaN.isStale(b[1].v) && b[1].t == minute)
    }

    @Test func laterRulesSeeEarlierResultsAtTheSameTimestamp() throws {
        let chain = """
            groups:
              - name: chain
                rules:
                  - record: step1
                    expr: vector(2)
                  - record: step2
                    expr: step1 * 3
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(chain, storage: storage).first)
        group.evaluate(at: 10 * minute)
        #expect(samples(storage, ["__name__": "step2"]) == [Sample(t: 10 * minute, v: 6)])
    }

    @Test func reloadKeepsStateOfUnchangedRules() throws {
        let storage = MemoryStorage()
        let clock = ManualRuleClock(now: 0)
        let manager = RuleManager(options: RuleManagerOptions(group: RuleGroupOptions(storage: storage), clock: clock))
        let pending = """
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 10m
            """
        manager.update(groups: RuleFileParser.parse(pending, file: "r.yml").groups)
        let original = try #require(manager.groups.first)
        original.markRestored()
        put(storage, ["__name__": "up", "job": "x"], 0, 0)
        original.evaluate(at: 0)

        // Same file again: the very same group object is kept.
        manager.update(groups: RuleFileParser.parse(pending, file: "r.yml").groups)
        #expect(manager.groups.first === original)

        // Expression changed and a rule added: a new group object takes over the state of
        // the rule with the same name and labels, as Prometheus does.
        let changed = pending.replacingOccurrences(of: "up == 0", with: "up < 1") + "\n      - record: extra\n        expr: vector(1)\n"
        manager.update(groups: RuleFileParser.parse(changed, file: "r.yml").groups)
        let replaced = try #require(manager.groups.first)
        #expect(replaced !== original)
        let alert = try #require(replaced.alertingRules.first?.activeAlerts.first)
        #expect(alert.activeAt == 0 && alert.state == .pending)
        #expect(replaced.alertingRules.first?.restored == true)

        // Rule files with errors leave the loaded groups alone.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-rules-\(UUID().uuidString).yml")
        try "groups:\n  - name: g\n    rules:\n      - record: x\n        expr: sum(\n".write(to: dir, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: dir) }
        let errors = manager.update(files: [dir.path])
        #expect(errors.count == 1 && errors[0].description.contains("could not parse expression"))
        #expect(manager.groups.first === replaced)
    }

    @Test func removedGroupSeriesAreMarkedStale() throws {
        let storage = MemoryStorage()
        let clock = ManualRuleClock(now: 5 * minute)
        let manager = RuleManager(options: RuleManagerOptions(group: RuleGroupOptions(storage: storage), clock: clock))
        manager.update(groups: RuleFileParser.parse("groups:\n  - name: g\n    rules:\n      - record: one\n        expr: vector(1)\n",
                                                    file: "r.yml").groups)
        manager.groups[0].evaluate(at: minute)
        manager.update(groups: [])
        let written = samples(storage, ["__name__": "one"])
        #expect(written.count == 2 && StaleNaN.isStale(written[1].v) && written[1].t == 5 * minute)
    }
}

@Suite struct QueryOffsetTests {
    @Test func queryOffsetShiftsQueryAndOutputTime() throws {
        let yaml = """
            groups:
              - name: late
                query_offset: 1m
                rules:
                  - record: seen
                    expr: src
                  - alert: Seen
                    expr: src > 0
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        group.markRestored()
        #expect(group.queryOffset == minute)
        put(storage, ["__name__": "src"], 9 * minute, 5)
        put(storage, ["__name__": "src"], 10 * minute, 7)
        group.evaluate(at: 10 * minute)
        // Evaluated at 10m, queried (and stamped) at 9m: the 9m value, not the 10m one.
        #expect(samples(storage, ["__name__": "seen"]) == [Sample(t: 9 * minute, v: 5)])
        #expect(samples(storage, ["__name__": "ALERTS", "alertname": "Seen", "alertstate": "firing"]).map(\.t) == [9 * minute])
        #expect(group.alertingRules[0].activeAlerts.first?.activeAt == 10 * minute)
    }

    @Test func groupsGetDifferentStableOffsets() throws {
        let storage = MemoryStorage()
        let groups = makeGroups("groups:\n  - name: a\n    rules: []\n  - name: b\n    rules: []\n", storage: storage)
        let offsets = groups.map { $0.evaluationTimestamp(before: 0) + minute }
        #expect(offsets.allSatisfy { $0 >= 0 && $0 < minute })
        #expect(offsets[0] != offsets[1])
        // The same group at any time lands on the same grid.
        #expect(groups[0].evaluationTimestamp(before: 123_456_789) % minute == offsets[0])
    }
}

@Suite struct SnapshotTests {
    @Test func snapshotReportsRuleStateAndAlerts() throws {
        let yaml = """
            groups:
              - name: g
                rules:
                  - record: r
                    expr: vector(1)
                  - alert: Pending
                    expr: vector(1)
                    for: 5m
                  - alert: Joined
                    expr: vector(1) + on(x) group_left vector(2)
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        group.evaluate(at: minute)
        let snap = group.snapshot()
        #expect(snap.name == "g" && snap.file == "rules.yml" && snap.interval == minute)
        #expect(snap.stats.evaluations == 1 && snap.stats.lastEvaluation == minute)
        #expect(snap.rules.map(\.health) == [.ok, .ok, .ok])
        #expect(snap.rules.allSatisfy { $0.lastEvaluation == minute })
        #expect(snap.rules[1].state == .pending && snap.rules[1].activeAlerts.count == 1)
        #expect(snap.rules[0].alerts.isEmpty && snap.rules[0].state == .inactive)
    }
}


@Suite struct ConfigReloadTests {
    @Test func updateFromPrometheusConfig() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: vector(1)\n        annotations: {env: '{{ $externalLabels.env }}'}\n"
            .write(to: dir.appendingPathComponent("a.rules.yml"), atomically: false, encoding: .utf8)
        try "groups:\n  - name: b\n    interval: 10s\n    rules: []\n"
            .write(to: dir.appendingPathComponent("b.rules.yml"), atomically: false, encoding: .utf8)
        func config(_ env: String) throws -> PrometheusConfig {
            try PrometheusConfig.parse(contents: """
                global:
                  evaluation_interval: 30s
                  external_labels: {env: \(env)}
                rule_files: ["*.rules.yml"]
                """, file: dir.appendingPathComponent("prometheus.yml").path)
        }
        let storage = MemoryStorage()
        let manager = RuleManager(options: RuleManagerOptions(group: RuleGroupOptions(storage: storage), clock: ManualRuleClock(now: 0)))
        #expect(manager.update(config: try config("prod")).isEmpty)
        #expect(manager.groups.map(\.name) == ["a", "b"])
        #expect(manager.groups.map(\.interval) == [30_000, 10_000])
        let a = manager.groups[0]
        a.markRestored()
        a.evaluate(at: 0)
        #expect(a.alertingRules[0].activeAlerts.first?.annotations == ["env": "prod"])

        // Same files, new external labels: group a is rebuilt with them, keeping its alert.
        #expect(manager.update(config: try config("staging")).isEmpty)
        let rebuilt = manager.groups[0]
        #expect(rebuilt !== a)
        #expect(rebuilt.alertingRules[0].activeAlerts.first?.activeAt == 0)
        rebuilt.evaluate(at: 30_000)
        #expect(rebuilt.alertingRules[0].activeAlerts.first?.annotations == ["env": "staging"])
    }
}

@Suite struct RuleMetricsTests {
    @Test func groupMetricsExposition() throws {
        let storage = MemoryStorage()
        let group = try #require(makeGroups("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: vector(1)\n      - record: bad\n        expr: vector(1) / on(x) group_left vector(1)\n",
                                            storage: storage).first)
        group.evaluate(at: 120_000)
        group.recordSchedule(missed: 0)
        let text = RuleMetrics.exposition(groups: [group.snapshot()])
        #expect(text.contains("ember_rule_evaluations_total{rule_group=\"rules.yml;g\"} 2\n"))
        #expect(text.contains("ember_rule_group_last_evaluation_timestamp_seconds{rule_group=\"rules.yml;g\"} 120\n"))
        #expect(text.contains("ember_rule_group_interval_seconds{rule_group=\"rules.yml;g\"} 60\n"))
        #expect(text.contains("ember_rule_group_rules{rule_group=\"rules.yml;g\"} 2\n"))
        #expect(text.contains("# TYPE ember_rule_group_iterations_missed_total counter\n"))
    }
}
