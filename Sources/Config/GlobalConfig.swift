import Model

/// An exposition format a scrape may negotiate (`scrape_protocols`).
public enum ScrapeProtocol: String, Sendable, Hashable, CaseIterable {
    case prometheusProto = "PrometheusProto"
    case prometheusText0_0_4 = "PrometheusText0.0.4"
    case prometheusText1_0_0 = "PrometheusText1.0.0"
    case openMetricsText0_0_1 = "OpenMetricsText0.0.1"
    case openMetricsText1_0_0 = "OpenMetricsText1.0.0"

    /// The media type with parameters, for the Accept header.
    public var acceptHeaderValue: String {
        switch self {
        case .prometheusProto: return "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
        case .prometheusText0_0_4: return "text/plain;version=0.0.4"
        case .prometheusText1_0_0: return "text/plain;version=1.0.0"
        case .openMetricsText0_0_1: return "application/openmetrics-text;version=0.0.1"
        case .openMetricsText1_0_0: return "application/openmetrics-text;version=1.0.0"
        }
    }

    /// Prometheus's default preference order.
    public static let defaults: [ScrapeProtocol] = [.openMetricsText1_0_0, .openMetricsText0_0_1, .prometheusText1_0_0, .prometheusText0_0_4]

    static var supportedList: String { "[" + allCases.map(\.rawValue).sorted().joined(separator: " ") + "]" }

    /// Decodes a protocol name (case-sensitive, as in Prometheus).
    static func decode(_ node: YAMLNode, context: String) throws -> ScrapeProtocol {
        let text = try node.string()
        guard let p = ScrapeProtocol(rawValue: text) else {
            throw node.error("\(context)unknown scrape protocol \(text), supported: \(supportedList)")
        }
        return p
    }

    /// A `scrape_protocols` list: non-empty, known names, no duplicates.
    static func decodeList(_ node: YAMLNode, suffix: String) throws -> [ScrapeProtocol] {
        let items = try node.sequence()
        if items.isEmpty { throw node.error("scrape_protocols cannot be empty\(suffix)") }
        var seen = Set<String>()
        var out: [ScrapeProtocol] = []
        for item in items {
            let text = try item.string()
            if !seen.insert(text.lowercased()).inserted {
                let all = try items.map { try $0.string() }.joined(separator: " ")
                throw item.error("duplicated protocol in scrape_protocols, got [\(all)]\(suffix)")
            }
            guard let p = ScrapeProtocol(rawValue: text) else {
                throw item.error("scrape_protocols: unknown scrape protocol \(text), supported: \(supportedList)\(suffix)")
            }
            out.append(p)
        }
        return out
    }
}

/// Limits applied per scrape; 0 means no limit. Set globally, overridable per job.
public struct ScrapeLimits: Sendable, Hashable {
    /// Uncompressed body bytes.
    public var bodySizeLimit: Int64 = 0
    public var sampleLimit = 0
    public var targetLimit = 0
    public var labelLimit = 0
    public var labelNameLengthLimit = 0
    public var labelValueLengthLimit = 0
    public var keepDroppedTargets = 0
    public init() {}

    static let yamlKeys = [
        "body_size_limit", "sample_limit", "target_limit", "label_limit", "label_name_length_limit",
        "label_value_length_limit", "keep_dropped_targets",
    ]

    /// Reads the limit keys present in `m`; absent (or zero) ones keep `inherited`'s values.
    static func decode(_ m: YAMLMapping, inherited: ScrapeLimits) throws -> ScrapeLimits {
        var l = inherited
        func take(_ key: String, _ path: WritableKeyPath<ScrapeLimits, Int>) throws {
            if let v = try m.uint(key), v != 0 { l[keyPath: path] = v }
        }
        if let v = try m.byteSize("body_size_limit"), v != 0 { l.bodySizeLimit = v }
        try take("sample_limit", \.sampleLimit)
        try take("target_limit", \.targetLimit)
        try take("label_limit", \.labelLimit)
        try take("label_name_length_limit", \.labelNameLengthLimit)
        try take("label_value_length_limit", \.labelValueLengthLimit)
        try take("keep_dropped_targets", \.keepDroppedTargets)
        return l
    }
}

/// The `global` section, with Prometheus's defaults.
public struct GlobalConfig: Sendable, Hashable {
    public var scrapeInterval = PromDuration(seconds: 60)
    public var scrapeTimeout = PromDuration(seconds: 10)
    public var evaluationInterval = PromDuration(seconds: 60)
    /// How far back rule evaluations look, to wait for late samples.
    public var ruleQueryOffset = PromDuration.zero
    /// Where PromQL queries are logged; "" for nowhere. Resolved against the config file's directory.
    public var queryLogFile = ""
    /// Added to series and alerts leaving Ember (remote write, Alertmanager, federation).
    /// `$VAR` / `${VAR}` references in values are expanded from the environment, as Prometheus 3 does.
    public var externalLabels = Labels.empty
    /// nil: each job picks Prometheus's default order.
    public var scrapeProtocols: [ScrapeProtocol]? = nil
    public var limits = ScrapeLimits()
    public var metricNameValidationScheme = NameValidationScheme.utf8

    public init() {}

    static let yamlKeys = [
        "scrape_interval", "scrape_timeout", "scrape_protocols", "evaluation_interval", "rule_query_offset", "query_log_file",
        "external_labels", "metric_name_validation_scheme",
    ] + ScrapeLimits.yamlKeys + ignoredKeys

    /// Prometheus 3 settings Ember accepts and does not act on.
    static let ignoredKeys = [
        "scrape_failure_log_file", "metric_name_escaping_scheme", "scrape_native_histograms",
        "convert_classic_histograms_to_nhcb", "always_scrape_classic_histograms", "extra_scrape_metrics",
    ]

    static func decode(_ node: YAMLNode?, _ d: ConfigDecoder) throws -> GlobalConfig {
        var g = GlobalConfig()
        guard let node else { return g }
        let m = try node.mapping(allowedKeys: yamlKeys)
        d.ignore(ignoredKeys, in: m)
        if let v = m["metric_name_validation_scheme"] { g.metricNameValidationScheme = try decodeScheme(v) }
        if let labels = m["external_labels"] {
            var pairs: [Label] = []
            for (name, value) in try labels.entries() {
                if !g.metricNameValidationScheme.isValidLabelName(name) {
                    throw value.error("\(quoteLabelValue(name)) is not a valid label name")
                }
                pairs.append(Label(name, expandEnvironment(try value.string(), d.environment)))
            }
            g.externalLabels = Labels(pairs)
        }
        if let v = try m.duration("scrape_interval"), v.milliseconds != 0 { g.scrapeInterval = v }
        let timeout = try m.duration("scrape_timeout") ?? .zero
        if timeout > g.scrapeInterval {
            throw m.locate("scrape_timeout").error("global scrape timeout greater than scrape interval")
        }
        g.scrapeTimeout = timeout.milliseconds == 0 ? min(GlobalConfig().scrapeTimeout, g.scrapeInterval) : timeout
        if let v = try m.duration("evaluation_interval"), v.milliseconds != 0 { g.evaluationInterval = v }
        if let v = try m.duration("rule_query_offset") { g.ruleQueryOffset = v }
        if let v = try m.string("query_log_file") { g.queryLogFile = d.resolve(v) }
        if let v = m["scrape_protocols"] { g.scrapeProtocols = try ScrapeProtocol.decodeList(v, suffix: " for global config") }
        g.limits = try ScrapeLimits.decode(m, inherited: ScrapeLimits())
        return g
    }

    static func decodeScheme(_ node: YAMLNode) throws -> NameValidationScheme {
        let text = try node.string()
        guard let s = NameValidationScheme(rawValue: text) else {
            throw node.error(#"unknown metric_name_validation_scheme \#(quoteLabelValue(text)), must be "utf8" or "legacy""#)
        }
        return s
    }
}
