import Config
import Foundation
import HTTPClient
import Logging
import Model

/// Counters of what the notifier did, for /metrics and tests (names say what each counts).
public struct NotifyStats: Sendable, Equatable {
    public var alertsReceived = 0
    public var alertsInvalid = 0
    /// Successful deliveries by integration name ("slack", "email", ...).
    public var notificationsSent: [String: Int] = [:]
    /// Failed attempts by integration name.
    public var notificationsFailed: [String: Int] = [:]
    /// Failed attempts by receiver name.
    public var failuresByReceiver: [String: Int] = [:]
    public var retries = 0
    public init() {}
}

/// An alert that POST /api/v2/alerts refuses; `message` says why.
public struct AlertValidationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// An aggregation group: the alerts of one route that share group labels.
final class AggregationGroup {
    let key: String
    let route: Route
    let labels: [String: String]
    var alerts: [UInt64: Alert] = [:]
    var nextFlush: Date
    var hasFlushed = false
    /// Failed deliveries waiting for their next attempt, by notification-log key.
    var retries: [String: DeliveryJob] = [:]

    init(key: String, route: Route, labels: [String: String], nextFlush: Date) {
        self.key = key
        self.route = route
        self.labels = labels
        self.nextFlush = nextFlush
    }
}

/// One delivery to one integration of one group.
struct DeliveryJob: Sendable {
    var groupKey: String
    var logKey: String
    var integration: Integration
    var context: NotificationContext
    var firing: Set<UInt64>
    var resolved: Set<UInt64>
    var attempt: Int
    var nextAttempt: Date
}

/// Alertmanager's dispatcher, inhibitor, silencer and notification pipeline in
/// one actor: alerts come in (``receive(_:)``), are routed into aggregation
/// groups, and ``process()`` flushes the groups that are due and retries failed
/// deliveries. Every timing decision reads the injected clock.
public actor Notifier: AlertSink {
    let clock: any NotifyClock
    let logger: Logger
    let store: NotifyStore?
    let http: HTTPClient
    let externalURL: String
    let sendTimeout: Duration
    var config: NotifyConfig
    var root: Route
    var deliverer: Deliverer
    var alerts: [UInt64: Alert] = [:]
    var groups: [String: AggregationGroup] = [:]
    var silenceBook = SilenceBook()
    var log: [String: NotificationLogEntry] = [:]
    var statistics = NotifyStats()
    var processing = false
    let startedAt: Date
    /// How long notification-log entries and expired silences are kept (Alertmanager's --data.retention).
    let retention: TimeInterval = 120 * 3600

    /// Opens the notifier and its persistent state in `dataDirectory/notify.sqlite` (nil keeps everything in memory).
    public init(config: NotifyConfig, dataDirectory: String?, clock: any NotifyClock = SystemClock(),
                http: HTTPClient = HTTPClient(), externalURL: String = "", sendTimeout: Duration = .seconds(30),
                logger: Logger = Logger(label: "ember.notify")) throws {
        self.clock = clock
        self.logger = logger
        self.http = http
        self.externalURL = externalURL
        self.sendTimeout = sendTimeout
        self.config = config
        self.root = Route(config: config.route)
        let templates = try NotificationTemplates.load(files: config.templateFiles, now: { clock.now() })
        self.deliverer = Deliverer(http: http, templates: templates, externalURL: externalURL, timeout: sendTimeout)
        self.startedAt = clock.now()
        if let dir = dataDirectory {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try NotifyStore(path: dir + "/notify.sqlite")
            self.store = store
            for s in try store.loadSilences() { silenceBook.silences[s.id] = s }
            log = try store.loadLog()
            let restored = try store.loadAlerts()
            let now = clock.now()
            for a in restored {
                alerts[a.fingerprint] = a
                Self.place(a, root: root, groups: &groups, now: now)
            }
        } else {
            store = nil
        }
    }

    /// Closes the persistent state; the notifier must not be used afterwards.
    public func close() { store?.close() }

    /// Replaces the configuration (a reload): groups are rebuilt from the current alerts;
    /// the notification log keeps later flushes from repeating what was sent.
    public func apply(config new: NotifyConfig) throws {
        let templates = try NotificationTemplates.load(files: new.templateFiles, now: { [clock] in clock.now() })
        config = new
        root = Route(config: new.route)
        deliverer = Deliverer(http: http, templates: templates, externalURL: externalURL, timeout: sendTimeout)
        groups = [:]
        let now = clock.now()
        for a in alerts.values { route(a, now: now) }
    }

    /// What the notifier has done so far.
    public var stats: NotifyStats { statistics }

    // MARK: Ingest

    /// Takes alerts from an alert source; invalid ones are logged and dropped.
    public func receive(_ incoming: [PostableAlert]) async {
        let now = clock.now()
        var valid: [Alert] = []
        for p in incoming {
            do {
                valid.append(try normalize(p, now: now))
            } catch {
                statistics.alertsInvalid += 1
                logger.warning("dropping invalid alert", metadata: ["labels": "\(labelSetString(p.labels))", "error": "\(error)"])
            }
        }
        ingest(valid, now: now)
    }

    /// Takes alerts from the API: all are validated first and none is stored when one is invalid.
    public func post(_ incoming: [PostableAlert]) throws(AlertValidationError) {
        let now = clock.now()
        var valid: [Alert] = []
        for p in incoming { valid.append(try normalize(p, now: now)) }
        ingest(valid, now: now)
    }

    func normalize(_ p: PostableAlert, now: Date) throws(AlertValidationError) -> Alert {
        if p.labels.isEmpty { throw AlertValidationError(message: "at least one label pair required") }
        for (k, v) in p.labels {
            if !isValidLegacyLabelName(k) { throw AlertValidationError(message: "invalid label set: invalid name \"\(k)\"") }
            if v.isEmpty { throw AlertValidationError(message: "invalid label set: empty value for \"\(k)\"") }
        }
        for k in p.annotations.keys where !isValidLegacyLabelName(k) {
            throw AlertValidationError(message: "invalid annotations: invalid name \"\(k)\"")
        }
        let startsAt = p.startsAt ?? now
        var endsAt = p.endsAt
        var timeout = false
        if endsAt == nil {
            timeout = true
            endsAt = now.addingTimeInterval(config.global.resolveTimeout.seconds)
        }
        guard let end = endsAt, end >= startsAt else { throw AlertValidationError(message: "start time must be before end time") }
        return Alert(labels: p.labels, annotations: p.annotations, startsAt: startsAt, endsAt: end,
                     generatorURL: p.generatorURL, updatedAt: now, timeout: timeout)
    }

    func ingest(_ batch: [Alert], now: Date) {
        var changed: [Alert] = []
        for var a in batch {
            statistics.alertsReceived += 1
            if let old = alerts[a.fingerprint],
               (a.endsAt > old.startsAt && a.endsAt < old.endsAt) || (a.startsAt > old.startsAt && a.startsAt < old.endsAt) {
                a = old.merged(with: a)
            }
            alerts[a.fingerprint] = a
            changed.append(a)
            route(a, now: now)
        }
        persist { try $0.saveAlerts(changed) }
    }

    /// Puts an alert into the group of every route it matches, creating groups as needed.
    func route(_ a: Alert, now: Date) { Self.place(a, root: root, groups: &groups, now: now) }

    private static func place(_ a: Alert, root: Route, groups: inout [String: AggregationGroup], now: Date) {
        for r in root.match(a.labels) {
            let labels = r.groupLabels(a.labels)
            let key = "\(r.key):\(labelSetString(labels))"
            let group: AggregationGroup
            if let g = groups[key] {
                group = g
            } else {
                group = AggregationGroup(key: key, route: r, labels: labels, nextFlush: now.addingTimeInterval(r.options.groupWait.seconds))
                groups[key] = group
            }
            group.alerts[a.fingerprint] = a
            // An alert older than group_wait is not held back on a new group.
            if !group.hasFlushed && a.startsAt.addingTimeInterval(r.options.groupWait.seconds) < now {
                group.nextFlush = min(group.nextFlush, now)
            }
        }
    }

    func persist(_ body: (NotifyStore) throws -> Void) {
        guard let store else { return }
        do {
            try body(store)
        } catch {
            logger.error("cannot persist notifier state", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Running

    /// The earliest moment something is due (a group flush or a retry).
    public func nextWakeup() -> Date? {
        var next: Date?
        for g in groups.values {
            next = min(next ?? g.nextFlush, g.nextFlush)
            for r in g.retries.values { next = min(next ?? r.nextAttempt, r.nextAttempt) }
        }
        return next
    }

    /// Runs ``process()`` whenever something is due, until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await process()
            let wait = (nextWakeup()?.timeIntervalSince(clock.now()) ?? 1).clamped(to: 0.05...1)
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }
}

extension Double {
    func clamped(to r: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, r.lowerBound), r.upperBound) }
}
