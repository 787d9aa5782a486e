import Foundation
import Model

/// An alert as the API shows it (Alertmanager's gettableAlert); fields as in its JSON.
public struct AlertView: Sendable, Equatable {
    /// Suppressed when silenced or inhibited.
    public enum State: String, Sendable { case active, suppressed, unprocessed }
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: Date
    public var endsAt: Date
    public var updatedAt: Date
    public var generatorURL: String
    public var fingerprint: String
    public var receivers: [String]
    public var silencedBy: [String]
    /// Fingerprints of the alerts inhibiting this one.
    public var inhibitedBy: [String]
    public var state: State
}

/// An aggregation group as the API shows it.
public struct AlertGroupView: Sendable, Equatable {
    public var labels: [String: String]
    public var receiver: String
    public var alerts: [AlertView]
}

extension Notifier {
    /// The unresolved alerts, with their routing and muting state.
    public func alertViews() -> [AlertView] {
        let now = clock.now()
        let inhibition = InhibitionIndex(rules: config.inhibitRules, alerts: Array(alerts.values), now: now)
        return alerts.values.filter { !$0.resolved(at: now) }.sorted(by: Alert.precedes).map { view($0, inhibition, now) }
    }

    /// The aggregation groups and their unresolved alerts.
    public func groupViews() -> [AlertGroupView] {
        let now = clock.now()
        let inhibition = InhibitionIndex(rules: config.inhibitRules, alerts: Array(alerts.values), now: now)
        return groups.values.sorted { $0.key < $1.key }.compactMap { g in
            let list = g.alerts.values.filter { !$0.resolved(at: now) }.sorted(by: Alert.precedes).map { view($0, inhibition, now) }
            return list.isEmpty ? nil : AlertGroupView(labels: g.labels, receiver: g.route.options.receiver, alerts: list)
        }
    }

    private func view(_ a: Alert, _ inhibition: InhibitionIndex, _ now: Date) -> AlertView {
        let silenced = silenceBook.mutedBy(a.labels, now: now)
        let inhibited = inhibition.inhibitedBy(a.labels).map { fp in
            let s = String(fp, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
        var receivers: [String] = []
        for r in root.match(a.labels) where !receivers.contains(r.options.receiver) { receivers.append(r.options.receiver) }
        return AlertView(labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt,
                         updatedAt: a.updatedAt, generatorURL: a.generatorURL, fingerprint: a.fingerprintHex,
                         receivers: receivers, silencedBy: silenced, inhibitedBy: inhibited,
                         state: silenced.isEmpty && inhibited.isEmpty ? .active : .suppressed)
    }

    /// The receiver names of the configuration.
    public func receiverNames() -> [String] { config.receivers.map(\.name) }

    /// The configuration text and start time, for /api/v2/status.
    public func statusInfo() -> (original: String, startedAt: Date) { (config.original, startedAt) }

    // MARK: Silences

    /// Creates a silence, or updates it when `silence.id` names one (Alertmanager's rules
    /// decide between an in-place update and expire-and-replace). Returns the stored id.
    public func setSilence(_ silence: Silence) throws(SilenceError) -> String {
        let result = try silenceBook.set(silence, now: clock.now())
        persist { try $0.saveSilences(result.changed) }
        return result.id
    }

    /// Expires a silence now.
    public func expireSilence(id: String) throws(SilenceError) {
        let s = try silenceBook.expire(id, now: clock.now())
        persist { try $0.saveSilences([s]) }
    }

    /// The silence with this id, in any state.
    public func silence(id: String) -> Silence? { silenceBook.silences[id] }

    /// All silences (active, pending and recently expired).
    public func silences() -> [Silence] { Array(silenceBook.silences.values) }

    /// The current time of the notifier's clock.
    public func now() -> Date { clock.now() }
}
