import Foundation
import Model
import PromQL
import Storage
import Template

/// Metric names of the series alerting rules write.
public enum AlertSeries {
    /// One series per pending or firing alert, value 1.
    public static let alerts = "ALERTS"
    /// One series per active alert holding its activeAt (Unix seconds), read back on restart.
    public static let forState = "ALERTS_FOR_STATE"
    /// The label of `ALERTS` holding `pending` or `firing`.
    public static let stateLabel = "alertstate"
}

/// An alerting rule and the state of its alerts.
///
/// Its mutable state belongs to its group: read it directly only while the
/// group is not running (tests, the unit-test runner), otherwise through
/// `RuleGroup.snapshot()`.
public final class AlertingRule: @unchecked Sendable {
    /// How long a resolved alert is kept so that receivers hear about the resolution.
    public static let resolvedRetention: Int64 = 15 * 60_000

    /// The rule as written in its file.
    public let definition: RuleDefinition
    let labels: [(name: String, value: String)]
    /// Active alerts (pending, firing and recently resolved), by label set.
    public internal(set) var active: [Labels: ActiveAlert] = [:]
    /// False until the `for` state was restored after start-up; ALERTS series are
    /// written only once it is true, as in Prometheus.
    public internal(set) var restored = false
    /// Outcome of the last evaluation.
    public internal(set) var health = RuleHealth.unknown
    /// Error of the last evaluation, nil when it succeeded.
    public internal(set) var lastError: String?
    /// Time (ms) of the last evaluation; 0 before the first.
    public internal(set) var lastEvaluation: Timestamp = 0
    /// Wall-clock duration of the last evaluation, in seconds.
    public internal(set) var lastDurationSeconds: Double = 0
    var previousSeries: Set<Labels> = []

    let templates: AlertTemplates

    init(_ definition: RuleDefinition, groupLabels: [(name: String, value: String)], externalURL: String) {
        self.definition = definition
        self.labels = mergedLabels(rule: definition.labels, group: groupLabels)
        templates = AlertTemplates(ruleName: definition.name, labels: labels, annotations: definition.annotations,
                                   externalURL: externalURL)
    }

    /// The alert name.
    public var name: String { definition.name }
    /// `for` in ms.
    public var holdDuration: Int64 { definition.holdDuration.milliseconds }
    /// `keep_firing_for` in ms.
    public var keepFiringFor: Int64 { definition.keepFiringFor.milliseconds }

    /// Alerts currently pending or firing (not resolved), sorted by labels.
    public var activeAlerts: [ActiveAlert] {
        active.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels }
    }

    /// Evaluates the rule at `ctx.time`, advances every alert's state and returns
    /// the `ALERTS` / `ALERTS_FOR_STATE` samples to write.
    func evaluate(_ ctx: EvaluationContext) throws(RuleEvaluationError) -> [OutputSample] {
        let returned = try currentAlerts(ctx)
        for (key, fresh) in returned {
            // An alert already pending or firing keeps its state; only value and annotations follow.
            if var existing = active[key], existing.state != .inactive {
                existing.value = fresh.value
                existing.annotations = fresh.annotations
                active[key] = existing
            } else {
                active[key] = fresh
            }
        }
        var out: [OutputSample] = []
        var activeCount = 0
        for key in Array(active.keys) {
            guard let alert = advance(key, returned: returned[key] != nil, at: ctx.time) else { continue }
            activeCount += 1
            if restored {
                out.append(OutputSample(labels: seriesLabels(alert, AlertSeries.alerts, state: alert.state), t: ctx.queryTime, v: 1))
                out.append(OutputSample(labels: seriesLabels(alert, AlertSeries.forState, state: nil), t: ctx.queryTime,
                                        v: Double(alert.activeAt / 1000)))
            }
        }
        if ctx.limit > 0 && activeCount > ctx.limit {
            active = [:]
            throw RuleEvaluationError(message: "exceeded limit of \(ctx.limit) with \(activeCount) alerts")
        }
        return out
    }

    /// The alerts the expression returns now, by label set.
    private func currentAlerts(_ ctx: EvaluationContext) throws(RuleEvaluationError) -> [Labels: ActiveAlert] {
        let vector = try RuleQuery.run(definition.expr, text: definition.exprText, ctx)
        var current: [Labels: ActiveAlert] = [:]
        guard !vector.isEmpty else { return current }
        templates.binding.bind(engine: ctx.engine, storage: ctx.storage, time: ctx.queryTime)
        for sample in vector {
            let alert = makeAlert(sample, at: ctx.time, ctx: ctx)
            if current.updateValue(alert, forKey: alert.labels) != nil {
                throw RuleEvaluationError(message: "vector contains metrics with the same labelset after applying alert labels")
            }
        }
        return current
    }

    /// Moves one alert through the state machine at `ts`. Returns it when it is
    /// still pending or firing (and so written to ALERTS), nil when dropped or resolved.
    private func advance(_ key: Labels, returned: Bool, at ts: Timestamp) -> ActiveAlert? {
        guard var alert = active[key] else { return nil }
        if returned {
            alert.keepFiringSince = 0
        } else {
            var keepFiring = false
            if alert.state == .firing && keepFiringFor > 0 {
                if alert.keepFiringSince == 0 { alert.keepFiringSince = ts }
                keepFiring = ts - alert.keepFiringSince < keepFiringFor
            }
            // Pending alerts vanish at once; resolved ones are kept a while so receivers hear of it.
            if alert.state == .pending || (alert.resolvedAt != 0 && ts - alert.resolvedAt > Self.resolvedRetention) {
                active[key] = nil
                return nil
            }
            if alert.state != .inactive && !keepFiring {
                alert.state = .inactive
                alert.resolvedAt = ts
            }
            active[key] = alert
            if !keepFiring { return nil }
        }
        if alert.state == .pending && ts - alert.activeAt >= holdDuration {
            alert.state = .firing
            alert.firedAt = ts
        }
        active[key] = alert
        return alert
    }

    private func makeAlert(_ sample: OutputSample, at ts: Timestamp, ctx: EvaluationContext) -> ActiveAlert {
        let data = PrometheusTemplateData(labels: sample.labels, externalLabels: ctx.externalLabels,
                                          externalURL: ctx.externalURL, value: sample.v).templateValue
        var b = LabelsBuilder(sample.labels)
        b.remove(LabelName.metricName)
        for l in templates.labels { b.set(l.name, templates.expand(l.compiled, data: data)) }
        b.set(LabelName.alertName, name)
        var annotations: [Label] = []
        for a in templates.annotations {
            annotations.append(Label(a.name, templates.expand(a.compiled, data: data)))
        }
        return ActiveAlert(labels: b.labels(), annotations: Labels(annotations), state: .pending, value: sample.v, activeAt: ts)
    }

    func seriesLabels(_ alert: ActiveAlert, _ metric: String, state: AlertState?) -> Labels {
        var b = LabelsBuilder(alert.labels)
        b.set(LabelName.metricName, metric)
        if let state { b.set(AlertSeries.stateLabel, state.rawValue) }
        return b.labels()
    }

    /// Marks alerts due for (re)sending as sent at `ts` and returns them as receivers see them.
    func alertsToSend(at ts: Timestamp, resendDelay: Int64, interval: Int64, externalURL: String) -> [Alert] {
        var out: [Alert] = []
        let link = externalURL + "/graph?g0.expr=" + queryEscape(definition.exprText) + "&g0.tab=1"
        for key in active.keys.sorted() {
            guard var a = active[key], a.needsSending(at: ts, resendDelay: resendDelay) else { continue }
            a.lastSentAt = ts
            a.validUntil = ts + 4 * max(resendDelay, interval)
            active[key] = a
            out.append(Alert(labels: a.labels, annotations: a.annotations, startsAt: a.firedAt, endsAt: a.endsAt, generatorURL: link))
        }
        return out
    }
}

/// Go's url.QueryEscape: space becomes `+`, everything but unreserved characters is %-encoded.
func queryEscape(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(UnicodeScalar(b))
        case UInt8(ascii: " "):
            out += "+"
        default:
            out += String(format: "%%%02X", b)
        }
    }
    return out
}
