import Config
import Exporter
import HTTPClient
import Foundation
import Logging
import Model
import PromQL
import Rules
import Scraper
import Storage
import Synchronization
import TSDB

/// What the routes share: configuration, storage, the query engine.
final class ServerState: Sendable {
    let options: ServerOptions
    let logger: Logger
    let startTime = Date()
    let storage: TSDB
    let engine: Engine
    let queryLimiter: ConcurrencyLimiter
    let queryStats = QueryStats()
    /// The built-in host exporter the embedded default configuration scrapes.
    let exporter: Exporter
    /// One libcurl client for every outgoing request (scrapes, notifications).
    let httpClient: HTTPClient
    let scrapeManager: ScrapeManager
    let ruleManager: RuleManager
    let alertRouter: AlertRouter
    /// The in-process Alertmanager, when configured.
    let notifier: BuiltInNotifier?
    private let current: Mutex<Current>

    struct Current {
        var config: PrometheusConfig
        var lastReloadSuccess = true
        var lastReloadTime = Date()
    }

    init(options: ServerOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        let config = try Self.loadConfig(options)
        for warning in config.warnings { logger.warning("\(warning)") }
        current = Mutex(Current(config: config))
        var tsdbOptions = TSDBOptions()
        tsdbOptions.retentionMilliseconds = options.retentionTime.milliseconds
        tsdbOptions.retentionBytes = options.retentionSize
        tsdbOptions.logger = logger
        do {
            storage = try TSDB.open(directory: options.storagePath, options: tsdbOptions)
        } catch {
            throw ServerError.config("opening storage at \(options.storagePath): \(error)")
        }
        engine = Engine(EngineOptions(lookbackDelta: options.lookbackDelta.milliseconds, maxSamples: options.queryMaxSamples,
                                      timeoutSeconds: options.queryTimeout.seconds))
        queryLimiter = ConcurrencyLimiter(limit: options.queryMaxConcurrency)
        do {
            let checks = try options.checksFile.map { try ChecksFile.load($0) } ?? ChecksConfig()
            exporter = try Exporter(config: checks, options: ExporterOptions())
        } catch {
            try? storage.close()
            throw ServerError.config("built-in exporter: \(error)")
        }
        var clientConfig = HTTPClientConfiguration()
        clientConfig.maxIdleConnections = 1024
        httpClient = HTTPClient(configuration: clientConfig)
        var logger = logger
        logger[metadataKey: "component"] = "scrape"
        scrapeManager = ScrapeManager(storage: storage, httpClient: httpClient, logger: logger)
        logger[metadataKey: "component"] = "rules"
        alertRouter = AlertRouter(client: httpClient, logger: logger)
        let groupOptions = RuleGroupOptions(storage: storage, engine: engine, externalLabels: config.global.externalLabels,
                                            externalURL: options.externalURL ?? "http://\(options.listenAddress)",
                                            resendDelay: options.ruleResendDelay.milliseconds,
                                            outageTolerance: options.ruleOutageTolerance.milliseconds,
                                            forGracePeriod: options.ruleForGracePeriod.milliseconds)
        ruleManager = RuleManager(options: RuleManagerOptions(group: groupOptions, evaluationInterval: config.global.evaluationInterval,
                                                              sink: alertRouter), logger: logger)
        logger[metadataKey: "component"] = "notify"
        do {
            let client = httpClient
            notifier = try BuiltInNotifier.configuration(options: options, prometheus: config).map { [logger] in
                try BuiltInNotifier(config: $0, dataDirectory: options.storagePath + "/notify", http: client,
                                    externalURL: options.externalURL ?? "http://\(options.listenAddress)", logger: logger)
            }
        } catch {
            try? storage.close()
            throw ServerError.config("notifier: \(error)")
        }
        if let notifier { alertRouter.addLocal(notifier) }
        try applyRules(config)
    }

    /// Loads the rule files of `config`; a broken rule file fails the (re)load and keeps the old rules.
    func applyRules(_ config: PrometheusConfig) throws {
        let errors = ruleManager.update(config: config)
        guard errors.isEmpty else {
            throw ServerError.config("loading rule files: " + errors.map { "\($0)" }.joined(separator: "; "))
        }
        alertRouter.apply(config)
    }

    var config: PrometheusConfig { current.withLock { $0.config } }
    var lastReload: (success: Bool, time: Date) { current.withLock { ($0.lastReloadSuccess, $0.lastReloadTime) } }

    /// The configuration as /api/v1/status/config shows it: defaults filled in, secrets hidden.
    var configYAML: String { config.yaml }

    /// Re-reads the configuration file and applies it; on error the running configuration stays.
    func reload() async throws {
        do {
            let config = try Self.loadConfig(options)
            for warning in config.warnings { logger.warning("\(warning)") }
            let notifyConfig = try BuiltInNotifier.configuration(options: options, prometheus: config)
            try applyRules(config)
            if let notifier, let notifyConfig { try await notifier.notifier.apply(config: notifyConfig) }
            await scrapeManager.apply(config)
            current.withLock { $0 = Current(config: config) }
        } catch {
            current.withLock { $0.lastReloadSuccess = false; $0.lastReloadTime = Date() }
            throw error
        }
    }

    func close() async {
        alertRouter.stop()
        await notifier?.notifier.close()
        httpClient.shutdown()
        do { try storage.close() } catch { logger.error("closing storage failed", metadata: ["err": "\(error)"]) }
    }

    static func loadConfig(_ options: ServerOptions) throws -> PrometheusConfig {
        do {
            guard let file = options.configFile else {
                return try PrometheusConfig.embeddedDefault(listenAddress: options.listenAddress.description)
            }
            return try PrometheusConfig.load(file: file)
        } catch {
            throw ServerError.config("\(error)")
        }
    }
}

/// Bounds how many queries run at once (`--query.max-concurrency`); the others wait their turn.
actor ConcurrencyLimiter {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func acquire() async {
        if running < limit {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
