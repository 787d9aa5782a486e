#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Logging
import Model
import Server

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the Ember server: scraping, storage, PromQL API, UI, rules and notifications.",
        discussion: "Without --config.file, Ember runs an embedded default that scrapes itself and its built-in host exporter every 15s."
    )

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file. Default: the embedded configuration.")
    var configFile: String?

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for the UI, API and telemetry.")
    var listenAddress: String = "127.0.0.1:9090"

    @Option(name: .customLong("web.external-url"), help: "The URL under which Ember is externally reachable.")
    var externalURL: String?

    @Option(name: .customLong("web.config.file"), help: "Web configuration file (TLS, basic auth) in Prometheus's format.")
    var webConfigFile: String?

    @Flag(name: .customLong("web.enable-admin-api"), help: "Enable the admin API endpoints (delete_series, clean_tombstones, snapshot).")
    var enableAdminAPI = false

    @Option(name: .customLong("storage.tsdb.path"), help: "Base path for metrics storage.")
    var storagePath: String = "data"

    @Option(name: .customLong("storage.tsdb.retention.time"), help: "How long to retain samples in storage.")
    var retentionTime: String = "15d"

    @Option(name: .customLong("storage.tsdb.retention.size"), help: "Maximum number of bytes of storage blocks to retain (e.g. 512MB, 10GB); 0 disables.")
    var retentionSize: String = "0"

    @Option(name: .customLong("query.timeout"), help: "Maximum time a query may take before being aborted.")
    var queryTimeout: String = "2m"

    @Option(name: .customLong("query.max-concurrency"), help: "Maximum number of queries executed concurrently.")
    var queryMaxConcurrency: Int = 20

    @Option(name: .customLong("query.max-samples"), help: "Maximum number of samples a single query can load into memory.")
    var queryMaxSamples: Int = 50_000_000

    @Option(name: .customLong("query.lookback-delta"), help: "The maximum lookback duration for retrieving metrics during expression evaluations.")
    var lookbackDelta: String = "5m"

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel: String = "info"

    @Option(name: .customLong("checks.file"), help: "Checks file (YAML or JSON) for the built-in exporter at /exporter/metrics.")
    var checksFile: String?

    @Option(name: .customLong("rules.alert.for-outage-tolerance"), help: "Max time to tolerate an outage for restoring the 'for' state of alerts.")
    var ruleOutageTolerance = "1h"

    @Option(name: .customLong("rules.alert.for-grace-period"), help: "Minimum duration between an alert and its restored 'for' state.")
    var ruleForGracePeriod = "10m"

    @Option(name: .customLong("rules.alert.resend-delay"), help: "Minimum time to wait before resending an alert to Alertmanager.")
    var ruleResendDelay = "1m"

    @Option(name: .customLong("notify.config.file"), help: "alertmanager.yml for the built-in notifier (default: the notify: section of the configuration, if any).")
    var notifyConfigFile: String?

    func validate() throws {
        guard ListenAddress(listenAddress) != nil else { throw ValidationError("invalid --web.listen-address \"\(listenAddress)\": expected host:port") }
        for (flag, value) in [("storage.tsdb.retention.time", retentionTime), ("query.timeout", queryTimeout), ("query.lookback-delta", lookbackDelta),
                              ("rules.alert.for-outage-tolerance", ruleOutageTolerance), ("rules.alert.for-grace-period", ruleForGracePeriod),
                              ("rules.alert.resend-delay", ruleResendDelay)] {
            guard PromDuration(value) != nil else { throw ValidationError("invalid --\(flag) \"\(value)\": expected a duration like 15d, 2m, 30s") }
        }
        guard parseByteSize(retentionSize) != nil else { throw ValidationError("invalid --storage.tsdb.retention.size \"\(retentionSize)\": expected a size like 512MB or 10GB") }
        guard parseLogLevel(logLevel) != nil else { throw ValidationError("invalid --log.level \"\(logLevel)\": expected debug, info, warn or error") }
    }

    func run() async throws {
        GlibcMalloc.limitArenas()
        var options = ServerOptions()
        options.configFile = configFile
        options.listenAddress = ListenAddress(listenAddress)!
        options.externalURL = externalURL
        options.webConfigFile = webConfigFile
        options.enableAdminAPI = enableAdminAPI
        options.storagePath = storagePath
        options.retentionTime = PromDuration(retentionTime)!
        options.retentionSize = parseByteSize(retentionSize)!
        options.queryTimeout = PromDuration(queryTimeout)!
        options.queryMaxConcurrency = queryMaxConcurrency
        options.queryMaxSamples = queryMaxSamples
        options.lookbackDelta = PromDuration(lookbackDelta)!
        options.logLevel = logLevel
        options.checksFile = checksFile
        options.notifyConfigFile = notifyConfigFile
        options.ruleOutageTolerance = PromDuration(ruleOutageTolerance)!
        options.ruleForGracePeriod = PromDuration(ruleForGracePeriod)!
        options.ruleResendDelay = PromDuration(ruleResendDelay)!
        let logger = makeLogger(label: "ember.server", level: logLevel)
        let server: EmberServer
        do {
            server = try EmberServer(options: options, logger: logger)
        } catch {
            logger.error("Error starting Ember", metadata: ["err": "\(error)"])
            throw ExitCode(1)
        }
        try await server.run()
    }
}

/// Parses Prometheus's byte sizes: `0`, `512MB`, `10GB`, `1TiB`... (units B, KB, MB, GB, TB, PB, EB, and KiB... as powers of 1024 like Prometheus's units.Base2Bytes).
func parseByteSize(_ s: String) -> Int64? {
    if s == "0" { return 0 }
    let units: [(String, Int64)] = [("EB", 1 << 60), ("PB", 1 << 50), ("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10),
                                    ("EiB", 1 << 60), ("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("B", 1)]
    for (u, mult) in units where s.hasSuffix(u) {
        guard let n = Int64(s.dropLast(u.count)), n >= 0 else { return nil }
        let (r, overflow) = n.multipliedReportingOverflow(by: mult)
        return overflow ? nil : r
    }
    return nil
}

func parseLogLevel(_ s: String) -> Logger.Level? {
    switch s {
    case "debug": return .debug
    case "info": return .info
    case "warn", "warning": return .warning
    case "error": return .error
    default: return nil
    }
}

func makeLogger(label: String, level: String) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = parseLogLevel(level) ?? .info
    return logger
}
