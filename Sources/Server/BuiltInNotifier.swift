import Config
import Foundation
import HTTPClient
import Logging
import Model
import Notify
import Rules

/// The in-process Alertmanager: configured by `--notify.config.file` (an
/// alertmanager.yml) or the `notify:` section of the Prometheus configuration.
final class BuiltInNotifier: Rules.AlertSink, Sendable {
    let notifier: Notifier
    let api: NotifyAPI

    init(config: NotifyConfig, dataDirectory: String, http: HTTPClient, externalURL: String, logger: Logger) throws {
        notifier = try Notifier(config: config, dataDirectory: dataDirectory, http: http, externalURL: externalURL, logger: logger)
        api = NotifyAPI(notifier: notifier, version: BuildInfo.version)
    }

    /// The notifier's configuration, or nil when neither source configures one.
    static func configuration(options: ServerOptions, prometheus: PrometheusConfig) throws -> NotifyConfig? {
        if let file = options.notifyConfigFile { return try NotifyConfig.load(file: file) }
        guard let node = prometheus.notify else { return nil }
        let base = URL(fileURLWithPath: node.file).deletingLastPathComponent().path
        return try NotifyConfig.parse(node: node, baseDirectory: base)
    }

    /// Rule alerts, handed over as Alertmanager's postable alerts.
    func send(_ alerts: [Rules.Alert]) async {
        await notifier.receive(alerts.map { a in
            PostableAlert(labels: a.labels.dictionary, annotations: a.annotations.dictionary,
                          startsAt: Date(timeIntervalSince1970: Double(a.startsAt) / 1000),
                          endsAt: a.endsAt > 0 ? Date(timeIntervalSince1970: Double(a.endsAt) / 1000) : nil,
                          generatorURL: a.generatorURL)
        })
    }
}
