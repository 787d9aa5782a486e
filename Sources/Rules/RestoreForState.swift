import Model
import Storage

extension RuleGroup {
    /// Restores the `for` state of active alerts after a restart from their
    /// `ALERTS_FOR_STATE` series, as Prometheus's RestoreForState does.
    ///
    /// Only series seen within the outage tolerance before `now` count. A rule
    /// whose `for` is shorter than the grace period is not restored. An alert that
    /// was still pending gets its `activeAt` shifted by the downtime, and never
    /// fires sooner than `forGracePeriod` after `now`.
    public func restoreForState(now: Timestamp) {
        lock.withLock { restoreLocked(now: now) }
    }

    private func restoreLocked(now: Timestamp) {
        let querier = try? options.storage.querier(mint: now - options.outageTolerance, maxt: now)
        for rule in alertingRules {
            defer { rule.restored = true }
            let hold = rule.holdDuration
            guard hold >= options.forGracePeriod, let querier else { continue }
            for key in Array(rule.active.keys) {
                guard var alert = rule.active[key], let (downAt, activeSeconds) = lastForState(of: alert, querier) else { continue }
                let restoredActiveAt = activeSeconds * 1000
                let remaining = hold - (downAt - restoredActiveAt)
                if remaining <= 0 {
                    alert.activeAt = restoredActiveAt
                } else if remaining < options.forGracePeriod {
                    alert.activeAt = now + options.forGracePeriod - hold
                } else {
                    alert.activeAt = restoredActiveAt + (now - downAt)
                }
                rule.active[key] = alert
            }
        }
        shouldRestore = false
    }

    /// The last sample of the alert's `ALERTS_FOR_STATE` series: when it was
    /// written (ms, truncated to seconds as Prometheus does) and the activeAt it held (s).
    private func lastForState(of alert: ActiveAlert, _ querier: any Querier) -> (Timestamp, Int64)? {
        var matchers: [Matcher] = []
        guard let nameMatcher = try? Matcher(.equal, LabelName.metricName, AlertSeries.forState) else { return nil }
        matchers.append(nameMatcher)
        for l in alert.labels {
            guard let m = try? Matcher(.equal, l.name, l.value) else { return nil }
            matchers.append(m)
        }
        guard let series = try? querier.select(matchers, hints: nil),
              let match = series.first(where: { $0.labels.count == alert.labels.count + 1 }) else { return nil }
        let it = match.makeIterator()
        var t: Timestamp = 0, v = Double.nan, found = false
        while it.next() {
            t = it.timestamp
            v = it.value
            found = true
        }
        // A value that is not a plausible Unix time (in seconds) cannot be an activeAt.
        guard found, !StaleNaN.isStale(v), v.isFinite, v.magnitude < 1e12 else { return nil }
        return ((t / 1000) * 1000, Int64(v))
    }
}
