import Config
import Foundation
import HTTPClient
import Logging
import Model
import Synchronization

/// Counters of one Alertmanager, as Prometheus's `ember_notifications_*`.
public struct AlertmanagerStats: Sendable, Equatable {
    /// The Alertmanager's alerts endpoint.
    public var url: String
    /// Alerts delivered.
    public var sent = 0
    /// Alerts in batches that failed after all retries.
    public var errors = 0

    /// Counters for one endpoint.
    public init(url: String, sent: Int = 0, errors: Int = 0) {
        self.url = url
        self.sent = sent
        self.errors = errors
    }
}

/// Tuning of `AlertmanagerSender`.
public struct AlertmanagerSenderOptions: Sendable {
    /// `--alertmanager.notification-queue-capacity`: oldest alerts are dropped beyond it.
    public var queueCapacity: Int
    /// Alerts per POST.
    public var maxBatchSize: Int
    /// Extra attempts per Alertmanager after a failed POST.
    public var retries: Int
    /// Pause before a retry.
    public var retryDelay: Duration

    /// Prometheus's queue capacity and batch size, two retries half a second apart.
    public init(queueCapacity: Int = 10_000, maxBatchSize: Int = 256, retries: Int = 2, retryDelay: Duration = .milliseconds(500)) {
        self.queueCapacity = queueCapacity
        self.maxBatchSize = maxBatchSize
        self.retries = retries
        self.retryDelay = retryDelay
    }
}

/// Sends alerts to the external Alertmanagers of `alerting.alertmanagers`, as
/// Prometheus's notifier does: external labels added, `alert_relabel_configs`
/// applied (global, then per Alertmanager), a bounded queue, batches posted to
/// every Alertmanager as `POST /api/v2/alerts`.
///
/// `send` only enqueues; `run()` delivers in the background, `flush()` delivers now.
public final class AlertmanagerSender: AlertSink {
    /// The Alertmanagers alerts go to, resolved from static and file targets at creation.
    public let endpoints: [AlertmanagerEndpoint]
    private let alerting: AlertingConfig
    private let externalLabels: Labels
    private let options: AlertmanagerSenderOptions
    private let client: HTTPClient
    private let logger: Logger
    private let state: Mutex<State>
    private let wake: AsyncStream<Void>.Continuation
    private let wakeups: AsyncStream<Void>
    /// One delivery at a time, so batches keep their order.
    private let delivering = Mutex(false)

    private struct State {
        var queue: [Alert] = []
        var dropped = 0
        var stats: [AlertmanagerStats]
    }

    /// A sender for the `alerting` section; `externalLabels` are added to every alert that lacks them.
    public init(alerting: AlertingConfig, externalLabels: Labels = .empty, client: HTTPClient,
                options: AlertmanagerSenderOptions = AlertmanagerSenderOptions(), logger: Logger = Logger(label: "ember.notifier")) {
        self.alerting = alerting
        self.externalLabels = externalLabels
        self.options = options
        self.client = client
        self.logger = logger
        endpoints = AlertmanagerEndpoint.resolve(alerting.alertmanagers)
        state = Mutex(State(stats: endpoints.map { AlertmanagerStats(url: $0.url) }))
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Per-Alertmanager counters.
    public var stats: [AlertmanagerStats] { state.withLock { $0.stats } }
    /// Alerts dropped because the queue was full.
    public var dropped: Int { state.withLock { $0.dropped } }
    /// Alerts waiting to be delivered.
    public var queueLength: Int { state.withLock { $0.queue.count } }

    /// Prepares (external labels, global alert relabelling) and enqueues the alerts; delivery happens in `run()` or `flush()`.
    public func send(_ alerts: [Alert]) async {
        let prepared = alerts.compactMap(prepare)
        guard !prepared.isEmpty else { return }
        let overflow = state.withLock { s -> Int in
            s.queue += prepared
            let overflow = s.queue.count - options.queueCapacity
            if overflow > 0 {
                s.queue.removeFirst(overflow)
                s.dropped += overflow
            }
            return overflow
        }
        if overflow > 0 { logger.warning("alert notification queue full, dropped oldest alerts", metadata: ["dropped": "\(overflow)"]) }
        wake.yield()
    }

    /// External labels (unless the alert has the label) then the global alert relabelling;
    /// an alert relabelled to nothing is dropped.
    private func prepare(_ alert: Alert) -> Alert? {
        var b = LabelsBuilder(alert.labels)
        for l in externalLabels where b.get(l.name).isEmpty { b.set(l.name, l.value) }
        guard let labels = relabel(b.labels(), alerting.alertRelabelConfigs), !labels.isEmpty else { return nil }
        var a = alert
        a.labels = labels
        return a
    }

    /// Delivers queued alerts in the background until the task is cancelled.
    public func run() async {
        for await _ in wakeups {
            if Task.isCancelled { break }
            await flush()
        }
    }

    /// Stops `run()` after its current delivery.
    public func stop() { wake.finish() }

    /// Delivers everything queued now, batch by batch. Returns at once if another
    /// delivery (from `run()`) is in progress: that one drains the queue.
    public func flush() async {
        guard delivering.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) else { return }
        defer { delivering.withLock { $0 = false } }
        while true {
            let batch: [Alert] = state.withLock { s in
                let n = min(options.maxBatchSize, s.queue.count)
                defer { s.queue.removeFirst(n) }
                return Array(s.queue.prefix(n))
            }
            if batch.isEmpty { return }
            await deliver(batch)
        }
    }

    private func deliver(_ batch: [Alert]) async {
        await withTaskGroup(of: (Int, Int, Bool).self) { group in
            for (i, endpoint) in endpoints.enumerated() {
                let config = alerting.alertmanagers[endpoint.configIndex]
                let alerts = config.alertRelabelConfigs.isEmpty ? batch : batch.compactMap { a -> Alert? in
                    guard let l = relabel(a.labels, config.alertRelabelConfigs), !l.isEmpty else { return nil }
                    var copy = a
                    copy.labels = l
                    return copy
                }
                if alerts.isEmpty { continue }
                let request = config.request(url: endpoint.url, body: AlertmanagerJSON.encode(alerts))
                group.addTask { [client, options, logger] in
                    for attempt in 0...options.retries {
                        if attempt > 0 { try? await Task.sleep(for: options.retryDelay) }
                        do {
                            let response = try await client.execute(request)
                            if response.isSuccess { return (i, alerts.count, true) }
                            logger.warning("Alertmanager rejected alerts", metadata: [
                                "url": "\(endpoint.url)", "status": "\(response.status)",
                                "body": "\(String(decoding: response.body.prefix(512), as: UTF8.self))",
                            ])
                        } catch {
                            logger.warning("error sending alerts", metadata: ["url": "\(endpoint.url)", "error": "\(error)"])
                        }
                    }
                    return (i, alerts.count, false)
                }
            }
            for await (i, count, ok) in group {
                state.withLock { s in
                    if ok { s.stats[i].sent += count } else { s.stats[i].errors += count }
                }
            }
        }
    }
}
