import Model

/// A consistent copy of a group's state, taken under the group's lock, for
/// readers on other tasks (the `/api/v1/rules` and `/api/v1/alerts` handlers).
public struct RuleGroupSnapshot: Sendable {
    /// The group name (unique within its file).
    public var name: String
    /// The rule file.
    public var file: String
    /// Evaluation interval (ms).
    public var interval: Int64
    /// Most alerts or series per rule; 0 is unlimited.
    public var limit: Int
    /// Counters and timings.
    public var stats: RuleGroupStats
    /// Rule states in evaluation order.
    public var rules: [RuleSnapshot]
}

/// One rule's state in a `RuleGroupSnapshot`.
public struct RuleSnapshot: Sendable {
    /// The rule as written in its file.
    public var definition: RuleDefinition
    /// Outcome of the last evaluation.
    public var health: RuleHealth
    /// Error of the last evaluation, nil when it succeeded.
    public var lastError: String?
    /// Time (ms) of the last evaluation; 0 before the first.
    public var lastEvaluation: Timestamp
    /// Wall-clock duration of the last evaluation, in seconds.
    public var lastDurationSeconds: Double
    /// Pending, firing and recently resolved alerts (alerting rules only), sorted by labels.
    public var alerts: [ActiveAlert]

    /// The rule's alerts that are pending or firing.
    public var activeAlerts: [ActiveAlert] { alerts.filter { $0.state != .inactive } }

    /// `firing` if any alert fires, else `pending` if any is pending, else `inactive` (as `/api/v1/rules`).
    public var state: AlertState {
        if alerts.contains(where: { $0.state == .firing }) { return .firing }
        if alerts.contains(where: { $0.state == .pending }) { return .pending }
        return .inactive
    }
}

extension RuleGroup {
    /// The group's state as of now, safe to call while the group is being evaluated.
    public func snapshot() -> RuleGroupSnapshot {
        lock.withLock {
            let rules = self.rules.map { rule -> RuleSnapshot in
                let (time, seconds) = rule.lastEvaluation
                var alerts: [ActiveAlert] = []
                if case .alerting(let a) = rule { alerts = a.active.values.sorted { $0.labels < $1.labels } }
                return RuleSnapshot(definition: rule.definition, health: rule.health, lastError: rule.lastError,
                                    lastEvaluation: time, lastDurationSeconds: seconds, alerts: alerts)
            }
            return RuleGroupSnapshot(name: name, file: file, interval: interval, limit: limit, stats: statsLocked, rules: rules)
        }
    }
}
