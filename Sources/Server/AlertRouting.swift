import Config
import HTTPClient
import Logging
import Model
import Rules
import Synchronization

/// Where the rule manager's alerts go: external Alertmanagers from
/// `alerting.alertmanagers` (rebuilt on reload) and any in-process receivers.
final class AlertRouter: AlertSink, Sendable {
    private struct Current {
        var sender: AlertmanagerSender?
        var task: Task<Void, Never>?
    }

    private let client: HTTPClient
    private let logger: Logger
    private let current = Mutex(Current())
    private let local = Mutex<[any AlertSink]>([])

    init(client: HTTPClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Replaces the external Alertmanager sender with one for `config`.
    func apply(_ config: PrometheusConfig) {
        let sender: AlertmanagerSender? = config.alerting.alertmanagers.isEmpty ? nil
            : AlertmanagerSender(alerting: config.alerting, externalLabels: config.global.externalLabels, client: client, logger: logger)
        let task = sender.map { s in Task { await s.run() } }
        let old = current.withLock { c -> Current in
            let old = c
            c = Current(sender: sender, task: task)
            return old
        }
        old.sender?.stop()
        old.task?.cancel()
    }

    /// The current external Alertmanager sender, for self-metrics.
    var sender: AlertmanagerSender? { current.withLock { $0.sender } }

    /// Adds an in-process receiver (the built-in notifier).
    func addLocal(_ sink: any AlertSink) {
        local.withLock { $0.append(sink) }
    }

    func send(_ alerts: [Alert]) async {
        if let sender = current.withLock({ $0.sender }) { await sender.send(alerts) }
        for sink in local.withLock({ $0 }) { await sink.send(alerts) }
    }

    func stop() {
        let old = current.withLock { c -> Current in
            let old = c
            c = Current()
            return old
        }
        old.sender?.stop()
        old.task?.cancel()
    }
}
