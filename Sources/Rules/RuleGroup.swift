import Foundation
import Model
import PromQL
import Storage

/// A rule of a group: recording or alerting.
public enum Rule: Sendable {
    case recording(RecordingRule)
    case alerting(AlertingRule)

    /// The rule as written in its file.
    public var definition: RuleDefinition {
        switch self {
        case .recording(let r): return r.definition
        case .alerting(let r): return r.definition
        }
    }

    /// Outcome of the last evaluation.
    public var health: RuleHealth {
        switch self {
        case .recording(let r): return r.health
        case .alerting(let r): return r.health
        }
    }

    /// Error of the last evaluation, nil when it succeeded.
    public var lastError: String? {
        switch self {
        case .recording(let r): return r.lastError
        case .alerting(let r): return r.lastError
        }
    }

    /// Name and labels: what identifies a rule across reloads.
    var identity: String {
        definition.name + "\u{ff}" + definition.labels.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: "\u{ff}")
    }

    /// Series the rule wrote at its last evaluation.
    var previousSeries: Set<Labels> {
        get {
            switch self {
            case .recording(let r): return r.previousSeries
            case .alerting(let a): return a.previousSeries
            }
        }
        nonmutating set {
            switch self {
            case .recording(let r): r.previousSeries = newValue
            case .alerting(let a): a.previousSeries = newValue
            }
        }
    }

    /// Evaluation time (ms) and wall-clock duration (s) of the rule's last evaluation.
    public var lastEvaluation: (time: Timestamp, seconds: Double) {
        switch self {
        case .recording(let r): return (r.lastEvaluation, r.lastDurationSeconds)
        case .alerting(let r): return (r.lastEvaluation, r.lastDurationSeconds)
        }
    }
}

extension Rule {
    fileprivate func setHealth(_ health: RuleHealth, error: String?) {
        switch self {
        case .recording(let r):
            r.health = health
            r.lastError = error
        case .alerting(let a):
            a.health = health
            a.lastError = error
        }
    }

    fileprivate func recordTiming(at ts: Timestamp, since started: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        switch self {
        case .recording(let r):
            r.lastEvaluation = ts
            r.lastDurationSeconds = seconds
        case .alerting(let a):
            a.lastEvaluation = ts
            a.lastDurationSeconds = seconds
        }
    }
}

/// Counters and timings of a group, as Prometheus exports them (`ember_rule_group_*`).
public struct RuleGroupStats: Sendable, Equatable {
    /// Evaluation time (ms) of the last run; 0 before the first.
    public var lastEvaluation: Timestamp = 0
    /// Wall-clock duration of the last run, in seconds.
    public var lastDurationSeconds: Double = 0
    /// Runs completed.
    public var evaluations = 0
    /// Rule evaluations (one per rule per run), as `ember_rule_evaluations_total`.
    public var ruleEvaluations = 0
    /// Rule evaluations that failed (query error, duplicate labels, limit).
    public var evaluationFailures = 0
    /// Runs due by the schedule, including missed ones.
    public var iterationsScheduled = 0
    /// Scheduled runs skipped because an earlier run took too long.
    public var iterationsMissed = 0
    /// Samples rejected by the storage (out of order, duplicates).
    public var appendFailures = 0
}

/// Settings shared by all groups of a manager.
public struct RuleGroupOptions: Sendable {
    /// Where rules read from and write to.
    public var storage: any Storage
    /// The PromQL engine rules and the `query` template function use.
    public var engine: Engine
    /// `global.external_labels`, visible to templates as `$externalLabels`.
    public var externalLabels: Labels
    /// `--web.external-url`, for templates and alert generator URLs.
    public var externalURL: String
    /// `--rules.alert.resend-delay` (ms).
    public var resendDelay: Int64
    /// `--rules.alert.for-outage-tolerance` (ms).
    public var outageTolerance: Int64
    /// `--rules.alert.for-grace-period` (ms).
    public var forGracePeriod: Int64

    /// Options with Prometheus's defaults: resend delay 1m, outage tolerance 1h, grace period 10m.
    public init(storage: any Storage, engine: Engine = Engine(), externalLabels: Labels = .empty, externalURL: String = "",
                resendDelay: Int64 = 60_000, outageTolerance: Int64 = 3_600_000, forGracePeriod: Int64 = 600_000) {
        self.storage = storage
        self.engine = engine
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.resendDelay = resendDelay
        self.outageTolerance = outageTolerance
        self.forGracePeriod = forGracePeriod
    }
}

/// A group of rules evaluated in order at one timestamp per run.
///
/// Not reentrant: one run at a time (the manager gives each group one task). The
/// lock makes state reads from other tasks (API, tests) safe.
public final class RuleGroup: @unchecked Sendable {
    /// The group name.
    public let name: String
    /// The file the group came from.
    public let file: String
    /// Evaluation interval (ms).
    public let interval: Int64
    /// Query offset (ms).
    public let queryOffset: Int64
    /// Most alerts or series per rule; 0 is unlimited.
    public let limit: Int
    /// The rules, evaluated in this order.
    public let rules: [Rule]
    let options: RuleGroupOptions
    let definition: RuleGroupDefinition
    let lock = NSLock()
    private var _stats = RuleGroupStats()
    /// True until the first restore of `for` state has run (fresh start, not reload).
    var shouldRestore = true

    /// Builds a group; `defaultInterval` and `defaultQueryOffset` apply when the file leaves them out.
    public init(_ definition: RuleGroupDefinition, options: RuleGroupOptions, defaultInterval: PromDuration,
                defaultQueryOffset: PromDuration = .zero) {
        self.definition = definition
        name = definition.name
        file = definition.file
        let ms = (definition.interval ?? defaultInterval).milliseconds
        // A zero interval would spin; Prometheus's default evaluation_interval is 1m.
        interval = ms > 0 ? ms : 60_000
        queryOffset = (definition.queryOffset ?? defaultQueryOffset).milliseconds
        limit = definition.limit
        self.options = options
        rules = definition.rules.map { r in
            switch r.kind {
            case .recording: return .recording(RecordingRule(r, groupLabels: definition.labels))
            case .alerting: return .alerting(AlertingRule(r, groupLabels: definition.labels, externalURL: options.externalURL))
            }
        }
    }

    /// Counters and timings; safe to read while the group runs.
    public var stats: RuleGroupStats { lock.withLock { _stats } }
    var statsLocked: RuleGroupStats { _stats }

    /// Alerting rules of the group, in order.
    public var alertingRules: [AlertingRule] {
        rules.compactMap { if case .alerting(let a) = $0 { return a } else { return nil } }
    }

    /// `name` and `file` identify a group across reloads.
    public var key: String { file + "\u{ff}" + name }

    /// Prometheus's EvalTimestamp: the latest evaluation time at or before `now`,
    /// aligned to the interval plus a stable per-group offset so that groups spread out.
    public func evaluationTimestamp(before now: Timestamp) -> Timestamp {
        let offset = GroupOffset.milliseconds(name: name, file: file, intervalMs: interval)
        let adjusted = now - offset
        var base = adjusted - adjusted % interval
        if adjusted % interval < 0 { base -= interval }
        return base + offset
    }

    /// Evaluates every rule at `ts` in order, committing each rule's output before
    /// the next rule runs, and returns the alerts due for sending.
    @discardableResult
    public func evaluate(at ts: Timestamp) -> [Alert] {
        lock.lock()
        defer { lock.unlock() }
        let started = DispatchTime.now().uptimeNanoseconds
        var toSend: [Alert] = []
        var failures = 0, appendFailures = 0
        let ctx = EvaluationContext(engine: options.engine, storage: options.storage, time: ts, queryOffset: queryOffset,
                                    limit: limit, externalLabels: options.externalLabels, externalURL: options.externalURL)
        for rule in rules {
            let ruleStarted = DispatchTime.now().uptimeNanoseconds
            defer { rule.recordTiming(at: ts, since: ruleStarted) }
            do {
                appendFailures += try evaluate(rule, ctx, alerts: &toSend)
                rule.setHealth(.ok, error: nil)
            } catch {
                rule.setHealth(.err, error: error.message)
                failures += 1
            }
        }
        _stats.lastEvaluation = ts
        _stats.lastDurationSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        _stats.evaluations += 1
        _stats.ruleEvaluations += rules.count
        _stats.evaluationFailures += failures
        _stats.appendFailures += appendFailures
        return toSend
    }

    /// Evaluates one rule and writes its output; alerts due for sending are added to `alerts`.
    /// Returns how many samples the storage rejected.
    private func evaluate(_ rule: Rule, _ ctx: EvaluationContext, alerts: inout [Alert]) throws(RuleEvaluationError) -> Int {
        switch rule {
        case .recording(let r):
            let out = try r.evaluate(ctx)
            return write(out, previous: &r.previousSeries, staleAt: ctx.queryTime)
        case .alerting(let a):
            let out = try a.evaluate(ctx)
            alerts += a.alertsToSend(at: ctx.time, resendDelay: options.resendDelay, interval: interval,
                                     externalURL: options.externalURL)
            return write(out, previous: &a.previousSeries, staleAt: ctx.queryTime)
        }
    }

    /// Appends one rule's output plus StaleNaN for series it wrote last time but not now.
    /// Returns how many samples the storage rejected.
    private func write(_ samples: [OutputSample], previous: inout Set<Labels>, staleAt: Timestamp) -> Int {
        let app = options.storage.appender()
        var rejected = 0
        var now = Set<Labels>(minimumCapacity: samples.count)
        for s in samples {
            do {
                try app.append(ref: 0, labels: s.labels, t: s.t, v: s.v)
            } catch {
                rejected += 1
            }
            now.insert(s.labels)
        }
        for gone in previous where !now.contains(gone) {
            // Rejections here (the series already has a newer sample) are expected and harmless.
            _ = try? app.append(ref: 0, labels: gone, t: staleAt, v: StaleNaN.value)
        }
        do {
            try app.commit()
        } catch {
            rejected += samples.count
        }
        previous = now
        return rejected
    }

    /// Counts a scheduled run and the runs skipped before it.
    func recordSchedule(missed: Int) {
        lock.withLock {
            _stats.iterationsScheduled += 1 + missed
            _stats.iterationsMissed += missed
        }
    }

    /// Takes over alert state and series-staleness memory from the rules of `old`
    /// with the same name and labels, as Prometheus's CopyState does on reload
    /// (so an alert keeps its `for` progress when only its expression changed).
    /// Series of old rules without a counterpart are marked stale at `now`.
    func copyState(from old: RuleGroup, now: Timestamp) {
        lock.lock()
        old.lock.lock()
        defer {
            old.lock.unlock()
            lock.unlock()
        }
        _stats = old._stats
        var unmatched: [String: [Int]] = [:]
        for (i, r) in old.rules.enumerated() { unmatched[r.identity, default: []].append(i) }
        for rule in rules {
            guard let j = unmatched[rule.identity]?.first else { continue }
            unmatched[rule.identity]?.removeFirst()
            rule.previousSeries = old.rules[j].previousSeries
            if case .alerting(let n) = rule, case .alerting(let o) = old.rules[j] {
                n.active = o.active
            }
        }
        let app = options.storage.appender()
        for j in unmatched.values.joined() {
            for l in old.rules[j].previousSeries { _ = try? app.append(ref: 0, labels: l, t: now, v: StaleNaN.value) }
        }
        try? app.commit()
    }

    /// Marks every alerting rule as restored (unit tests and groups without restore).
    public func markRestored() {
        lock.withLock {
            for a in alertingRules { a.restored = true }
            shouldRestore = false
        }
    }
}
