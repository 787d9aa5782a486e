import Model

/// Everything `ember server` is configured with on the command line.
/// Flag names follow Prometheus where the meaning is the same.
public struct ServerOptions: Sendable {
    /// `--config.file`; nil runs the embedded default configuration.
    public var configFile: String?
    /// `--web.listen-address`
    public var listenAddress = ListenAddress(host: "127.0.0.1", port: 9090)
    /// `--web.external-url`
    public var externalURL: String?
    /// `--web.config.file` (TLS and basic auth, Prometheus's web configuration format).
    public var webConfigFile: String?
    /// `--web.enable-admin-api`
    public var enableAdminAPI = false
    /// `--web.enable-lifecycle`: POST /-/reload and /-/quit. On by default in Ember (a small deployment reloads by hand).
    public var enableLifecycle = true
    /// `--storage.tsdb.path`
    public var storagePath = "data"
    /// `--storage.tsdb.retention.time`
    public var retentionTime = PromDuration(milliseconds: 15 * 24 * 3_600_000)
    /// `--storage.tsdb.retention.size` in bytes; 0 means no size limit.
    public var retentionSize: Int64 = 0
    /// `--query.timeout`
    public var queryTimeout = PromDuration(milliseconds: 120_000)
    /// `--query.max-concurrency`
    public var queryMaxConcurrency = 20
    /// `--query.max-samples`
    public var queryMaxSamples = 50_000_000
    /// `--query.lookback-delta`
    public var lookbackDelta = PromDuration(milliseconds: 300_000)
    /// `--log.level`
    public var logLevel = "info"
    /// `--checks.file`: checks for the built-in exporter (served at /exporter/metrics).
    public var checksFile: String?
    /// `--rules.alert.for-outage-tolerance`: max time to tolerate an outage for restoring `for` state.
    public var ruleOutageTolerance = PromDuration(milliseconds: 3_600_000)
    /// `--rules.alert.for-grace-period`: minimum duration between alert and restored `for` state.
    public var ruleForGracePeriod = PromDuration(milliseconds: 600_000)
    /// `--rules.alert.resend-delay`: minimum time to wait before resending an alert.
    public var ruleResendDelay = PromDuration(milliseconds: 60_000)
    /// `--notify.config.file`: an alertmanager.yml for the built-in notifier (else the `notify:` section).
    public var notifyConfigFile: String?

    public init() {}

    /// The flags as /api/v1/status/flags reports them.
    public var flagMap: [(String, String)] {
        [
            ("checks.file", checksFile ?? ""),
            ("config.file", configFile ?? ""),
            ("log.level", logLevel),
            ("notify.config.file", notifyConfigFile ?? ""),
            ("query.lookback-delta", lookbackDelta.description),
            ("query.max-concurrency", String(queryMaxConcurrency)),
            ("query.max-samples", String(queryMaxSamples)),
            ("query.timeout", queryTimeout.description),
            ("rules.alert.for-grace-period", ruleForGracePeriod.description),
            ("rules.alert.for-outage-tolerance", ruleOutageTolerance.description),
            ("rules.alert.resend-delay", ruleResendDelay.description),
            ("storage.tsdb.path", storagePath),
            ("storage.tsdb.retention.size", retentionSize == 0 ? "0B" : "\(retentionSize)B"),
            ("storage.tsdb.retention.time", retentionTime.description),
            ("web.config.file", webConfigFile ?? ""),
            ("web.enable-admin-api", String(enableAdminAPI)),
            ("web.enable-lifecycle", String(enableLifecycle)),
            ("web.external-url", externalURL ?? ""),
            ("web.listen-address", listenAddress.description),
        ]
    }
}
