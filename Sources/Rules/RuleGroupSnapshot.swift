import Model

/// A consistent copy of a group's state, taken under the group's lock, for
/// readers on other tasks (the `/api/v1/rules` and `/api/v1/alerts` handlers).
public struct RuleGroupSnapshot: Sendable {
    public var name: String
    public var file: String
    /// Evaluation interval (ms).
    public var interval: Int64
    public var limit: Int
    public var stats: RuleGroupStats
    public var rules: [RuleSnapshot]
}

/// One rule's state in a `RuleGroupSnapshot`.
public struct RuleSnapshot: Sendable {
    public var definition: RuleDefinition
    public var health: RuleHealth
    public var lastError: String?
    /// Time (ms) of the last evaluation; 0 before the first.
    public var lastEvaluation: Timestamp
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
