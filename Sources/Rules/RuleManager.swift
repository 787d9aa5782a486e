import Config
import Foundation
import Logging
import Model
import Storage

/// Settings of a rule manager.
public struct RuleManagerOptions: Sendable {
    /// Settings every group gets.
    public var group: RuleGroupOptions
    /// The global `evaluation_interval`, for groups without their own.
    public var evaluationInterval: PromDuration
    /// The global `rule_query_offset`, for groups without their own.
    public var queryOffset: PromDuration
    /// The time source of the schedules.
    public var clock: any RuleClock
    /// Where alerts due for sending go; nil drops them (state and ALERTS series still kept).
    public var sink: (any AlertSink)?

    /// Options with Prometheus's defaults (1m evaluation interval, no query offset, wall clock).
    public init(group: RuleGroupOptions, evaluationInterval: PromDuration = PromDuration(seconds: 60),
                queryOffset: PromDuration = .zero, clock: any RuleClock = SystemRuleClock(), sink: (any AlertSink)? = nil) {
        self.group = group
        self.evaluationInterval = evaluationInterval
        self.queryOffset = queryOffset
        self.clock = clock
        self.sink = sink
    }
}

/// Loads rule files and evaluates their groups on their intervals, as
/// Prometheus's rules.Manager does. Each group runs in its own task.
public final class RuleManager: @unchecked Sendable {
    /// The settings the manager was created with.
    public let options: RuleManagerOptions
    private let logger: Logger
    private let lock = NSLock()
    private var current: [RuleGroup] = []
    private var tasks: [ObjectIdentifier: Task<Void, Never>] = [:]
    private var running = false
    /// After the first load, new groups do not wait to restore `for` state (as Prometheus).
    private var loadedOnce = false
    /// Settings for groups built from now on; `update(config:)` replaces them.
    private var groupDefaults: (options: RuleGroupOptions, interval: PromDuration, queryOffset: PromDuration)

    /// A manager without groups; load them with `update`, run them with `start` or `run`.
    public init(options: RuleManagerOptions, logger: Logger = Logger(label: "ember.rules")) {
        self.options = options
        self.logger = logger
        groupDefaults = (options.group, options.evaluationInterval, options.queryOffset)
    }

    /// Applies a (re)loaded prometheus.yml: its evaluation interval, rule query offset
    /// and external labels for the groups, and its rule files (globs expanded).
    /// On rule-file errors nothing changes and the errors are returned.
    @discardableResult
    public func update(config: PrometheusConfig) -> [RuleFileError] {
        var definitions: [RuleGroupDefinition] = []
        var errors: [RuleFileError] = []
        for file in config.expandedRuleFiles() {
            let (groups, problems) = RuleFileParser.load(file: file, nameValidation: config.global.metricNameValidationScheme)
            definitions += groups
            errors += problems
        }
        if !errors.isEmpty { return errors }
        lock.withLock {
            groupDefaults.options.externalLabels = config.global.externalLabels
            groupDefaults.interval = config.global.evaluationInterval
            groupDefaults.queryOffset = config.global.ruleQueryOffset
        }
        update(groups: definitions)
        return []
    }

    /// The loaded groups, in file and then file order.
    public var groups: [RuleGroup] { lock.withLock { current } }

    /// All alerting rules of all groups.
    public var alertingRules: [AlertingRule] { groups.flatMap(\.alertingRules) }

    /// Loads `files` (globs are not expanded here). On any error nothing changes and
    /// the errors are returned, as a failed Prometheus reload keeps the old rules.
    @discardableResult
    public func update(files: [String], ignoreUnknownFields: Bool = false,
                       nameValidation: NameValidationScheme = .utf8) -> [RuleFileError] {
        var all: [RuleGroupDefinition] = []
        var errors: [RuleFileError] = []
        for file in files {
            let (groups, errs) = RuleFileParser.load(file: file, ignoreUnknownFields: ignoreUnknownFields, nameValidation: nameValidation)
            all += groups
            errors += errs
        }
        if !errors.isEmpty { return errors }
        update(groups: all)
        return []
    }

    /// Replaces the groups. A group whose definition did not change keeps running
    /// untouched; a changed group takes over the alert state of rules that stayed
    /// the same; removed groups stop and their series are marked stale.
    public func update(groups definitions: [RuleGroupDefinition]) {
        let (old, firstLoad, defaults) = lock.withLock { (current, !loadedOnce, groupDefaults) }
        let now = options.clock.now()
        var oldByKey: [String: RuleGroup] = [:]
        for g in old { oldByKey[g.key] = g }
        var next: [RuleGroup] = []
        var kept = Set<ObjectIdentifier>()
        for def in definitions {
            let fresh = RuleGroup(def, options: defaults.options, defaultInterval: defaults.interval,
                                  defaultQueryOffset: defaults.queryOffset)
            if !firstLoad { fresh.markRestored() }
            if let previous = oldByKey[fresh.key] {
                if previous.sameDefinition(as: fresh) {
                    next.append(previous)
                    kept.insert(ObjectIdentifier(previous))
                    continue
                }
                fresh.copyState(from: previous, now: now)
            }
            next.append(fresh)
        }
        let removed = old.filter { !kept.contains(ObjectIdentifier($0)) }
        let stopping: [Task<Void, Never>] = lock.withLock {
            current = next
            loadedOnce = true
            let stop = removed.compactMap { tasks.removeValue(forKey: ObjectIdentifier($0)) }
            if running {
                for g in next where tasks[ObjectIdentifier(g)] == nil { tasks[ObjectIdentifier(g)] = startTask(g) }
            }
            return stop
        }
        for t in stopping { t.cancel() }
        let replacedKeys = Set(next.map(\.key))
        for g in removed where !replacedKeys.contains(g.key) { g.markSeriesStale(at: now) }
    }

    /// Starts evaluating every group on its schedule; returns at once.
    public func start() {
        lock.withLock {
            running = true
            for g in current where tasks[ObjectIdentifier(g)] == nil { tasks[ObjectIdentifier(g)] = startTask(g) }
        }
    }

    /// Stops all group tasks and waits for them to end.
    public func stop() async {
        let all: [Task<Void, Never>] = lock.withLock {
            running = false
            defer { tasks = [:] }
            return Array(tasks.values)
        }
        for t in all { t.cancel() }
        for t in all { await t.value }
    }

    /// Runs until the calling task is cancelled, then stops the groups.
    public func run() async {
        start()
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
        await stop()
    }

    private func startTask(_ group: RuleGroup) -> Task<Void, Never> {
        let clock = options.clock, sink = options.sink, logger = logger
        return Task {
            await GroupLoop(group: group, clock: clock, sink: sink, logger: logger).run()
        }
    }
}

/// The schedule of one group: Prometheus's Group.run.
struct GroupLoop {
    let group: RuleGroup
    let clock: any RuleClock
    let sink: (any AlertSink)?
    let logger: Logger

    func run() async {
        var evalTime = group.evaluationTimestamp(before: clock.now()) + group.interval
        do {
            try await clock.sleep(until: evalTime)
            group.recordSchedule(missed: 0)
            await iterate(evalTime)
            if group.shouldRestore {
                // As Prometheus: wait for a second evaluation so recording rules the
                // alerts depend on have fresh values, then restore.
                evalTime = try await nextTick(after: evalTime)
                await iterate(evalTime)
                group.restoreForState(now: clock.now())
            }
            while true {
                evalTime = try await nextTick(after: evalTime)
                await iterate(evalTime)
            }
        } catch {
            return
        }
    }

    private func nextTick(after evalTime: Timestamp) async throws -> Timestamp {
        try await clock.sleep(until: evalTime + group.interval)
        let missed = max(0, Int((clock.now() - evalTime) / group.interval) - 1)
        if missed > 0 { logger.warning("rule group missed iterations", metadata: ["group": "\(group.name)", "missed": "\(missed)"]) }
        group.recordSchedule(missed: missed)
        return evalTime + Int64(missed + 1) * group.interval
    }

    private func iterate(_ ts: Timestamp) async {
        let alerts = group.evaluate(at: ts)
        if let sink, !alerts.isEmpty { await sink.send(alerts) }
    }
}

extension RuleGroup {
    /// Same name, file, interval, offset, limit, labels and rules: a reload leaves it alone.
    func sameDefinition(as other: RuleGroup) -> Bool {
        key == other.key && interval == other.interval && queryOffset == other.queryOffset && limit == other.limit
            && options.externalLabels == other.options.externalLabels && options.externalURL == other.options.externalURL
            && definition.labels.elementsEqual(other.definition.labels, by: ==)
            && definition.rules.count == other.definition.rules.count
            && zip(definition.rules, other.definition.rules).allSatisfy { $0.sameDefinition(as: $1) }
    }

    /// Ends every series the group's rules wrote (the group was removed).
    func markSeriesStale(at ts: Timestamp) {
        lock.withLock {
            let app = options.storage.appender()
            for rule in rules {
                let series = rule.previousSeries
                rule.previousSeries = []
                for l in series { _ = try? app.append(ref: 0, labels: l, t: ts, v: StaleNaN.value) }
            }
            try? app.commit()
        }
    }
}
