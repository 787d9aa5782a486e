import Model

/// One `<scrape_config>` job, with every default filled in from Prometheus's
/// defaults and the `global` section, so two configs compare equal exactly
/// when the job would scrape the same way (what a reload needs to know).
public struct ScrapeConfig: Sendable, Hashable {
    public var jobName: String
    public var honorLabels = false
    public var honorTimestamps = true
    public var trackTimestampsStaleness = false
    /// URL query parameters; repeated values are allowed.
    public var params: [String: [String]] = [:]
    public var scrapeInterval: PromDuration
    /// Never greater than `scrapeInterval`.
    public var scrapeTimeout: PromDuration
    /// Accept-header preference order.
    public var scrapeProtocols = ScrapeProtocol.defaults
    /// Parser to use when a target sends no or an unknown Content-Type; nil fails such scrapes.
    public var fallbackScrapeProtocol: ScrapeProtocol? = nil
    public var metricsPath = "/metrics"
    /// `http` or `https`.
    public var scheme = "http"
    public var enableCompression = true
    public var limits = ScrapeLimits()
    public var metricNameValidationScheme = NameValidationScheme.utf8
    public var httpClient = HTTPClientConfig()
    public var staticConfigs: [TargetGroup] = []
    public var fileSDConfigs: [FileSDConfig] = []
    public var relabelConfigs: [RelabelConfig] = []
    public var metricRelabelConfigs: [RelabelConfig] = []

    /// A job with the given global settings and Prometheus's per-job defaults.
    public init(jobName: String, global: GlobalConfig = GlobalConfig()) {
        self.jobName = jobName
        scrapeInterval = global.scrapeInterval
        scrapeTimeout = global.scrapeTimeout
        scrapeProtocols = global.scrapeProtocols ?? ScrapeProtocol.defaults
        limits = global.limits
        metricNameValidationScheme = global.metricNameValidationScheme
    }

    /// The labels Prometheus gives every target of this job before target relabeling.
    public var targetDefaultLabels: [Label] {
        var labels = [
            Label(LabelName.job, jobName),
            Label(LabelName.scrapeInterval, scrapeInterval.description),
            Label(LabelName.scrapeTimeout, scrapeTimeout.description),
            Label(LabelName.metricsPath, metricsPath),
            Label(LabelName.scheme, scheme),
        ]
        for (name, values) in params.sorted(by: { $0.key < $1.key }) {
            if let first = values.first { labels.append(Label(LabelName.paramPrefix + name, first)) }
        }
        return labels
    }

    static let ownKeys = [
        "job_name", "honor_labels", "honor_timestamps", "track_timestamps_staleness", "params", "scrape_interval",
        "scrape_timeout", "scrape_protocols", "fallback_scrape_protocol", "metrics_path", "scheme", "enable_compression",
        "metric_name_validation_scheme", "relabel_configs", "metric_relabel_configs",
    ]

    /// Prometheus 3 settings Ember accepts and does not act on (native histograms, failure logs, escaping).
    static let ignoredKeys = [
        "scrape_native_histograms", "always_scrape_classic_histograms", "convert_classic_histograms_to_nhcb",
        "scrape_failure_log_file", "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
        "metric_name_escaping_scheme", "extra_scrape_metrics",
    ]

    static let yamlKeys = ownKeys + ScrapeLimits.yamlKeys + ignoredKeys + HTTPClientConfig.yamlKeys + ServiceDiscovery.yamlKeys
}

extension ScrapeConfig {
    /// Decodes and validates one job as Prometheus's `ScrapeConfig.UnmarshalYAML`
    /// and `Validate` do, with the global section's defaults.
    static func decode(_ node: YAMLNode, global: GlobalConfig, _ d: ConfigDecoder) throws -> ScrapeConfig {
        if node.isNull { throw node.error("empty or null scrape config section") }
        let m = try node.mapping(allowedKeys: yamlKeys)
        d.ignore(ignoredKeys, in: m)
        ServiceDiscovery.warnUnsupported(m, d)

        let jobName = try m.string("job_name") ?? ""
        if jobName.isEmpty { throw m.locate("job_name").error("job_name is empty") }
        var c = ScrapeConfig(jobName: jobName, global: global)
        let quotedJob = quoteLabelValue(jobName)

        c.honorLabels = try m.bool("honor_labels") ?? false
        c.honorTimestamps = try m.bool("honor_timestamps") ?? true
        c.trackTimestampsStaleness = try m.bool("track_timestamps_staleness") ?? false
        c.enableCompression = try m.bool("enable_compression") ?? true
        if let v = try m.string("metrics_path") { c.metricsPath = v }
        if let v = m["scheme"] {
            let scheme = try v.string()
            // Prometheus only notices a bad scheme when a target is built; Ember can only speak these two.
            guard scheme == "http" || scheme == "https" else {
                throw v.error("invalid scheme \(quoteLabelValue(scheme)): must be \"http\" or \"https\"")
            }
            c.scheme = scheme
        }
        if let v = m["params"] {
            for (name, values) in try v.entries() { c.params[name] = try values.stringList() }
        }
        if let v = m["metric_name_validation_scheme"] { c.metricNameValidationScheme = try GlobalConfig.decodeScheme(v) }

        c.httpClient = try HTTPClientConfig.decode(m, defaults: HTTPClientConfig(), d)

        if let v = try m.duration("scrape_interval"), v.milliseconds != 0 { c.scrapeInterval = v }
        let timeout = try m.duration("scrape_timeout") ?? .zero
        if timeout > c.scrapeInterval {
            throw m.locate("scrape_timeout").error("scrape timeout greater than scrape interval for scrape config with job name \(quotedJob)")
        }
        c.scrapeTimeout = timeout.milliseconds == 0 ? min(global.scrapeTimeout, c.scrapeInterval) : timeout
        c.limits = try ScrapeLimits.decode(m, inherited: global.limits)
        if let v = m["scrape_protocols"] {
            c.scrapeProtocols = try ScrapeProtocol.decodeList(v, suffix: " for scrape config with job name \(quotedJob)")
        }
        if let v = m["fallback_scrape_protocol"] {
            c.fallbackScrapeProtocol = try ScrapeProtocol.decode(
                v, context: "invalid fallback_scrape_protocol for scrape config with job name \(quotedJob): ")
        }

        try c.decodeTargets(m, d)
        return c
    }

    /// Relabeling and service discovery; static targets are checked after target relabeling, as promtool does.
    private mutating func decodeTargets(_ m: YAMLMapping, _ d: ConfigDecoder) throws {
        let scheme = metricNameValidationScheme
        relabelConfigs = try RelabelConfig.decodeList(
            m["relabel_configs"], nullMessage: "empty or null target relabeling rule in scrape config", scheme: scheme)
        metricRelabelConfigs = try RelabelConfig.decodeList(
            m["metric_relabel_configs"], nullMessage: "empty or null metric relabeling rule in scrape config", scheme: scheme)
        let (groups, targets) = try ServiceDiscovery.decodeStatic(m["static_configs"], scheme: scheme)
        staticConfigs = groups
        fileSDConfigs = try ServiceDiscovery.decodeFiles(m["file_sd_configs"], d)
        let defaults = targetDefaultLabels
        for t in targets {
            try ServiceDiscovery.checkStaticTarget(t, defaults: defaults, relabelConfigs: relabelConfigs)
        }
    }
}
