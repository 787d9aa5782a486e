import Model

/// Where an alert is in its life: pending while `for` has not elapsed, firing
/// after, inactive once resolved.
public enum AlertState: String, Sendable, Equatable {
    case inactive
    case pending
    case firing
}

/// The state of one alert of an alerting rule: a label set the rule's expression returned.
/// Timestamps are Unix milliseconds; 0 means "not set".
public struct ActiveAlert: Sendable, Equatable {
    /// Sample labels without `__name__`, plus rule (and group) labels, plus `alertname`.
    public var labels: Labels
    /// Expanded annotations.
    public var annotations: Labels
    /// Pending, firing or inactive (resolved).
    public var state: AlertState
    /// The expression's value at the last evaluation that returned this alert.
    public var value: Double
    /// When the alert became pending (may be shifted by a `for`-state restore).
    public var activeAt: Timestamp
    /// When the alert started firing (ms); 0 while pending.
    public var firedAt: Timestamp = 0
    /// When the alert was resolved (ms); 0 while active.
    public var resolvedAt: Timestamp = 0
    /// When the alert was last handed to the sink; nil if never.
    public var lastSentAt: Timestamp?
    /// Until when a receiver should consider the alert firing without news (Alertmanager `endsAt`).
    public var validUntil: Timestamp = 0
    /// The first evaluation at which the expression stopped returning a firing alert held by `keep_firing_for`.
    public var keepFiringSince: Timestamp = 0

    /// An alert in `state` since `activeAt`.
    public init(labels: Labels, annotations: Labels, state: AlertState, value: Double, activeAt: Timestamp) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
    }

    /// `endsAt` as Prometheus sends it: the resolve time, or `validUntil` while firing.
    public var endsAt: Timestamp { resolvedAt != 0 ? resolvedAt : validUntil }

    /// Pending alerts are never sent; a resolved alert is sent once more; a firing
    /// one again when `resendDelay` has passed since it was last sent.
    func needsSending(at ts: Timestamp, resendDelay: Int64) -> Bool {
        if state == .pending { return false }
        guard let lastSentAt else { return true }
        if resolvedAt > lastSentAt { return true }
        return lastSentAt + resendDelay < ts
    }

    /// Field-wise equality; values compare by bit pattern so NaN equals itself.
    public static func == (a: ActiveAlert, b: ActiveAlert) -> Bool {
        a.labels == b.labels && a.annotations == b.annotations && a.state == b.state
            && a.value.bitPattern == b.value.bitPattern && a.activeAt == b.activeAt && a.firedAt == b.firedAt
            && a.resolvedAt == b.resolvedAt && a.lastSentAt == b.lastSentAt && a.validUntil == b.validUntil
            && a.keepFiringSince == b.keepFiringSince
    }
}

/// An alert as handed to receivers (Prometheus's notifier.Alert; Alertmanager's
/// API v2 postable alert).
public struct Alert: Sendable, Equatable {
    /// The alert's identifying labels, `alertname` included.
    public var labels: Labels
    /// Expanded annotations.
    public var annotations: Labels
    /// Unix ms; when the alert started firing.
    public var startsAt: Timestamp
    /// Unix ms; the resolve time, or the time until which the alert is valid.
    public var endsAt: Timestamp
    /// Link back to the expression (`<external URL>/graph?g0.expr=...&g0.tab=1`).
    public var generatorURL: String

    /// An alert to hand to receivers; times in Unix ms.
    public init(labels: Labels, annotations: Labels, startsAt: Timestamp, endsAt: Timestamp, generatorURL: String) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    /// True when `endsAt` is not after `now`.
    public func isResolved(at now: Timestamp) -> Bool { endsAt != 0 && endsAt <= now }
}

/// Receives alerts from the rule manager: the built-in notifier and
/// `AlertmanagerSender` implement it.
public protocol AlertSink: Sendable {
    /// Takes a batch of new, changed or re-sent alerts. Must not block for long:
    /// the rule group that produced them waits for this call.
    func send(_ alerts: [Alert]) async
}
