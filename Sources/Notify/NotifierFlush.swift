import Foundation
import Logging

extension Notifier {
    /// One pass: flushes every group whose time has come and retries failed
    /// deliveries that are due, sending concurrently; then records the outcomes.
    public func process() async {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        let now = clock.now()
        collectGarbage(now: now)
        let inhibition = InhibitionIndex(rules: config.inhibitRules, alerts: Array(alerts.values), now: now)
        var jobs: [DeliveryJob] = []
        var flushed: [String: [UInt64: Alert]] = [:]
        for group in groups.values.sorted(by: { $0.key < $1.key }) {
            if group.nextFlush <= now {
                let (groupJobs, snapshot) = flush(group, now: now, inhibition: inhibition)
                jobs += groupJobs
                flushed[group.key] = snapshot
            } else {
                for (key, retry) in group.retries where retry.nextAttempt <= now {
                    group.retries[key] = nil
                    jobs.append(retry)
                    statistics.retries += 1
                }
            }
        }
        let deliverer = self.deliverer
        let outcomes = await withTaskGroup(of: (Int, DeliveryOutcome).self) { tasks in
            for (i, job) in jobs.enumerated() {
                tasks.addTask { (i, await deliverer.deliver(job.integration, job.context)) }
            }
            var out = [DeliveryOutcome?](repeating: nil, count: jobs.count)
            for await (i, outcome) in tasks { out[i] = outcome }
            return out
        }
        let done = clock.now()
        var failedGroups = Set<String>()
        for (job, outcome) in zip(jobs, outcomes) {
            guard let outcome else { continue }
            if record(job, outcome, now: done) == false { failedGroups.insert(job.groupKey) }
        }
        for (key, snapshot) in flushed where !failedGroups.contains(key) {
            removeResolved(groupKey: key, snapshot: snapshot, now: now)
        }
    }

    /// Runs a group's notification pipeline: time intervals, inhibition and
    /// silences, then the notification log decides per integration whether to send.
    /// Returns the deliveries to make and the alerts as they were flushed.
    private func flush(_ group: AggregationGroup, now: Date, inhibition: InhibitionIndex) -> ([DeliveryJob], [UInt64: Alert]) {
        let options = group.route.options
        group.nextFlush = now.addingTimeInterval(options.groupInterval.seconds)
        group.hasFlushed = true
        group.retries = [:]
        let snapshot = group.alerts
        if !options.activeTimeIntervals.isEmpty && !inIntervals(options.activeTimeIntervals, now) { return ([], snapshot) }
        if inIntervals(options.muteTimeIntervals, now) { return ([], snapshot) }
        let unmuted = group.alerts.values
            .filter { inhibition.inhibitedBy($0.labels).isEmpty && silenceBook.mutedBy($0.labels, now: now).isEmpty }
            .sorted(by: Alert.precedes)
        guard !unmuted.isEmpty, let receiver = config.receiver(named: options.receiver) else { return ([], snapshot) }
        let firing = Set(unmuted.filter { !$0.resolved(at: now) }.map(\.fingerprint))
        let resolved = Set(unmuted.filter { $0.resolved(at: now) }.map(\.fingerprint))
        var jobs: [DeliveryJob] = []
        for integration in Integration.all(of: receiver) {
            let logKey = "\(group.key)|\(receiver.name)|\(integration.name)|\(integration.index)"
            guard needsUpdate(log[logKey], firing: firing, resolved: resolved, sendResolved: integration.sendResolved,
                              repeatInterval: options.repeatInterval.seconds, now: now) else { continue }
            var toSend = unmuted
            if !integration.sendResolved {
                // Nothing to say, but the log must learn the alerts resolved so they are not re-sent.
                if firing.isEmpty {
                    writeLog(logKey, firing: firing, resolved: resolved, now: now)
                    continue
                }
                toSend = unmuted.filter { !$0.resolved(at: now) }
            }
            let context = NotificationContext(receiver: receiver.name, groupKey: group.key, groupLabels: group.labels,
                                              alerts: toSend, now: now)
            jobs.append(DeliveryJob(groupKey: group.key, logKey: logKey, integration: integration, context: context,
                                    firing: firing, resolved: resolved, attempt: 1, nextAttempt: now))
        }
        return (jobs, snapshot)
    }

    /// Alertmanager's DedupStage.needsUpdate.
    func needsUpdate(_ entry: NotificationLogEntry?, firing: Set<UInt64>, resolved: Set<UInt64>, sendResolved: Bool,
                     repeatInterval: Double, now: Date) -> Bool {
        guard let entry else { return !firing.isEmpty }
        if !firing.isSubset(of: entry.firing) { return true }
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return true }
        return entry.timestamp < now.addingTimeInterval(-repeatInterval)
    }

    private func inIntervals(_ names: [String], _ now: Date) -> Bool {
        names.contains { name in (config.timeIntervals[name] ?? []).contains { $0.contains(now) } }
    }

    /// Records a delivery's outcome; returns whether it succeeded.
    private func record(_ job: DeliveryJob, _ outcome: DeliveryOutcome, now: Date) -> Bool {
        let name = job.integration.name
        if outcome.success {
            statistics.notificationsSent[name, default: 0] += 1
            writeLog(job.logKey, firing: job.firing, resolved: job.resolved, now: now)
            logger.debug("notification sent", metadata: ["receiver": "\(job.context.receiver)", "integration": "\(name)",
                                                         "group": "\(job.groupKey)", "attempt": "\(job.attempt)"])
            return true
        }
        statistics.notificationsFailed[name, default: 0] += 1
        statistics.failuresByReceiver[job.context.receiver, default: 0] += 1
        logger.error("notification failed", metadata: [
            "receiver": "\(job.context.receiver)", "integration": "\(name)[\(job.integration.index)]",
            "status": "\(outcome.status.map(String.init) ?? "none")", "error": "\(outcome.detail)",
            "attempt": "\(job.attempt)", "retry": "\(outcome.retryable)",
        ])
        guard outcome.retryable, let group = groups[job.groupKey] else { return false }
        var retry = job
        retry.attempt += 1
        retry.nextAttempt = now.addingTimeInterval(Self.backoff(attempt: job.attempt))
        // Past the next group interval the group's own flush tries again with fresh alerts.
        if retry.nextAttempt < group.nextFlush { group.retries[job.logKey] = retry }
        return false
    }

    /// Exponential backoff with jitter (Alertmanager's defaults: 500 ms initial, ×1.5, ±50 %, at most 60 s).
    static func backoff(attempt: Int) -> Double {
        let base = min(0.5 * pow(1.5, Double(max(0, attempt - 1))), 60)
        return base * Double.random(in: 0.5...1.5)
    }

    private func writeLog(_ key: String, firing: Set<UInt64>, resolved: Set<UInt64>, now: Date) {
        let entry = NotificationLogEntry(firing: firing, resolved: resolved, timestamp: now,
                                         expiresAt: now.addingTimeInterval(retention))
        log[key] = entry
        persist { try $0.saveLogEntry(key: key, entry) }
    }

    /// After a successful flush, resolved alerts that did not change meanwhile leave the group.
    private func removeResolved(groupKey: String, snapshot: [UInt64: Alert], now: Date) {
        guard let group = groups[groupKey] else { return }
        for (fp, flushedAlert) in snapshot where flushedAlert.resolved(at: now) {
            if let current = group.alerts[fp], current == flushedAlert { group.alerts[fp] = nil }
        }
        if group.alerts.isEmpty { groups[groupKey] = nil }
    }

    /// Drops resolved alerts no group still needs, expired log entries and long-expired silences.
    func collectGarbage(now: Date) {
        var inGroups = Set<UInt64>()
        for g in groups.values { inGroups.formUnion(g.alerts.keys) }
        let gone = alerts.values.filter { $0.resolved(at: now) && !inGroups.contains($0.fingerprint) }.map(\.fingerprint)
        if !gone.isEmpty {
            for fp in gone { alerts[fp] = nil }
            persist { try $0.deleteAlerts(gone) }
        }
        let expiredLog = log.filter { $0.value.expiresAt <= now }.map(\.key)
        if !expiredLog.isEmpty {
            for k in expiredLog { log[k] = nil }
            persist { try $0.deleteExpiredLog(before: now) }
        }
        let oldSilences = silenceBook.silences.values.filter { $0.endsAt.addingTimeInterval(retention) <= now }.map(\.id)
        if !oldSilences.isEmpty {
            for id in oldSilences { silenceBook.silences[id] = nil }
            persist { try $0.deleteSilences(oldSilences) }
        }
    }
}

/// Alertmanager's inhibitor over a snapshot of the alerts: a target is muted
/// while a firing source alert agrees on the `equal` labels (absent = empty).
struct InhibitionIndex {
    private let rules: [(rule: InhibitRuleConfig, sources: [Alert])]

    init(rules: [InhibitRuleConfig], alerts: [Alert], now: Date) {
        // Sources in fingerprint order, so the inhibiting alert the API names is stable.
        self.rules = rules.map { rule in
            (rule, alerts.filter { !$0.resolved(at: now) && rule.sourceMatchers.allMatch($0.labels) }
                .sorted { $0.fingerprint < $1.fingerprint })
        }
    }

    /// Fingerprints of the source alerts inhibiting `labels` (empty when none).
    func inhibitedBy(_ labels: [String: String]) -> [UInt64] {
        var out: [UInt64] = []
        for (rule, sources) in rules where rule.targetMatchers.allMatch(labels) {
            // When the target also matches the source side, a source that is itself a target
            // cannot inhibit it: an alert never inhibits itself.
            let twoSided = rule.sourceMatchers.allMatch(labels)
            for s in sources {
                if !rule.equal.allSatisfy({ (s.labels[$0] ?? "") == (labels[$0] ?? "") }) { continue }
                if twoSided && rule.targetMatchers.allMatch(s.labels) { continue }
                out.append(s.fingerprint)
                break
            }
        }
        return out
    }
}
