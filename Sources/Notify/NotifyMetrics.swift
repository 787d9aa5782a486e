import Model

/// The built-in notifier's counters in the text exposition format, so the server can
/// append them to its `/metrics`. They follow Alertmanager's `alertmanager_alerts_*`
/// and `alertmanager_notifications_*` families under the `ember_notify_` prefix.
public enum NotifyMetrics {
    /// Every family is present (with its HELP and TYPE) even before anything happened,
    /// so alerting on `rate(ember_notify_notifications_failed_total[5m]) > 0` works from the start.
    public static func exposition(_ stats: NotifyStats) -> String {
        var out = ""
        func header(_ name: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n" }
        func labelled(_ name: String, _ help: String, label: String, _ values: [String: Int]) {
            header(name, help)
            for key in values.keys.sorted() { out += "\(name){\(label)=\(quoteLabelValue(key))} \(values[key] ?? 0)\n" }
        }
        header("ember_notify_alerts_received_total", "The total number of alerts received.")
        out += "ember_notify_alerts_received_total \(stats.alertsReceived)\n"
        header("ember_notify_alerts_invalid_total", "The total number of received alerts that were invalid.")
        out += "ember_notify_alerts_invalid_total \(stats.alertsInvalid)\n"
        // Both families list every integration that was tried, so a failing one shows 0 sent.
        let integrations = Set(stats.notificationsSent.keys).union(stats.notificationsFailed.keys)
        let sent = Dictionary(uniqueKeysWithValues: integrations.map { ($0, stats.notificationsSent[$0] ?? 0) })
        let failed = Dictionary(uniqueKeysWithValues: integrations.map { ($0, stats.notificationsFailed[$0] ?? 0) })
        labelled("ember_notify_notifications_total", "The total number of notifications delivered.", label: "integration", sent)
        labelled("ember_notify_notifications_failed_total", "The total number of failed notification attempts.",
                 label: "integration", failed)
        labelled("ember_notify_receiver_failures_total", "The total number of failed notification attempts by receiver.",
                 label: "receiver", stats.failuresByReceiver)
        header("ember_notify_notification_retries_total", "The total number of delivery retries after a failure.")
        out += "ember_notify_notification_retries_total \(stats.retries)\n"
        return out
    }
}
