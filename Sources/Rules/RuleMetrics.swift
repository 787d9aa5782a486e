import Model

/// Prometheus's self-metrics of the rule manager and notifier, in the text
/// exposition format, so the server can append them to its `/metrics`.
public enum RuleMetrics {
    /// `ember_rule_*` series for every group (label `rule_group="<file>;<name>"`, as Prometheus).
    public static func exposition(groups: [RuleGroupSnapshot]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: (RuleGroupSnapshot) -> Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for g in groups {
                out += "\(name){rule_group=\(quoteLabelValue(g.file + ";" + g.name))} \(number(value(g)))\n"
            }
        }
        family("ember_rule_evaluations_total", "counter", "The total number of rule evaluations.") { Double($0.stats.ruleEvaluations) }
        family("ember_rule_evaluation_failures_total", "counter", "The total number of rule evaluation failures.") {
            Double($0.stats.evaluationFailures)
        }
        family("ember_rule_group_iterations_total", "counter", "The total number of scheduled rule group evaluations, whether executed or missed.") {
            Double($0.stats.iterationsScheduled)
        }
        family("ember_rule_group_iterations_missed_total", "counter", "The total number of rule group evaluations missed due to slow rule group evaluation.") {
            Double($0.stats.iterationsMissed)
        }
        family("ember_rule_group_interval_seconds", "gauge", "The interval of a rule group.") { Double($0.interval) / 1000 }
        family("ember_rule_group_last_duration_seconds", "gauge", "The duration of the last rule group evaluation.") {
            $0.stats.lastDurationSeconds
        }
        family("ember_rule_group_last_evaluation_timestamp_seconds", "gauge", "The timestamp of the last rule group evaluation in seconds.") {
            $0.stats.lastEvaluation == 0 ? 0 : Double($0.stats.lastEvaluation) / 1000
        }
        family("ember_rule_group_rules", "gauge", "The number of rules.") { Double($0.rules.count) }
        return out
    }

    /// `ember_notifications_*` series of an Alertmanager sender.
    public static func exposition(sender: AlertmanagerSender, queueCapacity: Int) -> String {
        var out = ""
        let stats = sender.stats
        func perAlertmanager(_ name: String, _ help: String, _ value: (AlertmanagerStats) -> Int) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for s in stats { out += "\(name){alertmanager=\(quoteLabelValue(s.url))} \(value(s))\n" }
        }
        perAlertmanager("ember_notifications_sent_total", "Total number of alerts sent.") { $0.sent }
        perAlertmanager("ember_notifications_errors_total", "Total number of sent alerts affected by errors.") { $0.errors }
        out += "# HELP ember_notifications_dropped_total Total number of alerts dropped due to errors when sending to Alertmanager.\n"
        out += "# TYPE ember_notifications_dropped_total counter\nember_notifications_dropped_total \(sender.dropped)\n"
        out += "# HELP ember_notifications_queue_length The number of alert notifications in the queue.\n"
        out += "# TYPE ember_notifications_queue_length gauge\nember_notifications_queue_length \(sender.queueLength)\n"
        out += "# HELP ember_notifications_queue_capacity The capacity of the alert notifications queue.\n"
        out += "# TYPE ember_notifications_queue_capacity gauge\nember_notifications_queue_capacity \(queueCapacity)\n"
        out += "# HELP ember_notifications_alertmanagers_discovered The number of alertmanagers discovered and active.\n"
        out += "# TYPE ember_notifications_alertmanagers_discovered gauge\n"
        out += "ember_notifications_alertmanagers_discovered \(sender.endpoints.count)\n"
        return out
    }

    private static func number(_ v: Double) -> String {
        if v == v.rounded(), v.magnitude < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
