import Model
import Yams

/// An ordered YAML tree, rendered in the style of Go's yaml.v2 (which is what
/// Prometheus's `/api/v1/status/config` shows): two-space indentation, list
/// items at their parent key's indentation.
indirect enum YAMLValue {
    case scalar(String)
    /// A scalar written as is (numbers, booleans, durations).
    case plain(String)
    case map([(String, YAMLValue)])
    case list([YAMLValue])

    func render() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .scalar, .plain:
            out += pad + inline + "\n"
        case .map(let entries):
            for (key, value) in entries {
                out += pad + Self.quoted(key) + ":"
                value.writeAfterKey(to: &out, indent: indent)
            }
        case .list(let items):
            for item in items {
                out += pad + "-"
                item.writeAfterDash(to: &out, indent: indent)
            }
        }
    }

    private func writeAfterKey(to out: inout String, indent: Int) {
        switch self {
        case .scalar, .plain:
            out += " " + inline + "\n"
        case .map(let entries) where entries.isEmpty:
            out += " {}\n"
        case .list(let items) where items.isEmpty:
            out += " []\n"
        case .map:
            out += "\n"
            write(to: &out, indent: indent + 2)
        case .list:
            out += "\n"
            write(to: &out, indent: indent)
        }
    }

    private func writeAfterDash(to out: inout String, indent: Int) {
        switch self {
        case .map(let entries) where !entries.isEmpty:
            // The first key goes on the dash's line, the rest line up under it.
            var nested = ""
            write(to: &nested, indent: indent + 2)
            out += " " + nested.dropFirst(indent + 2)
        default:
            writeAfterKey(to: &out, indent: indent)
        }
    }

    private var inline: String {
        switch self {
        case .scalar(let s): return Self.quoted(s)
        case .plain(let s): return s
        default: return ""
        }
    }

    /// Plain when YAML would read the text back as the same string, double-quoted otherwise.
    static func quoted(_ s: String) -> String {
        let reserved: Set<String> = ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
                                     "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n", "<<"]
        let safe = s.unicodeScalars.allSatisfy { c in
            c.properties.isAlphabetic || ("0"..."9").contains(c) || "_./-$".unicodeScalars.contains(c)
        }
        let first = s.unicodeScalars.first
        let looksNumeric = Double(s) != nil || s.hasPrefix("0x") || s.hasPrefix("0o") || s.hasPrefix(".")
        if safe && !reserved.contains(s) && !looksNumeric && first != "-" { return s }
        return quoteLabelValue(s)
    }
}

extension PrometheusConfig {
    /// The configuration as YAML with every default filled in and secrets shown as
    /// `<secret>`, in Prometheus's field order: what `/api/v1/status/config` returns.
    public var yaml: String { yamlValue.render() }

    var yamlValue: YAMLValue {
        var top: [(String, YAMLValue)] = [("global", global.yamlValue)]
        let alertingValue = alerting.yamlValue
        if case .map(let m) = alertingValue, !m.isEmpty { top.append(("alerting", alertingValue)) }
        if !ruleFiles.isEmpty { top.append(("rule_files", .list(ruleFiles.map { .scalar($0) }))) }
        if !scrapeConfigFiles.isEmpty { top.append(("scrape_config_files", .list(scrapeConfigFiles.map { .scalar($0) }))) }
        if !scrapeConfigs.isEmpty { top.append(("scrape_configs", .list(scrapeConfigs.map(\.yamlValue)))) }
        if !remoteWrite.isEmpty { top.append(("remote_write", .list(remoteWrite.map(\.yamlValue)))) }
        if let notify { top.append(("notify", YAMLValue(notify.node))) }
        return .map(top)
    }
}

private let secret = YAMLValue.plain("<secret>")

extension YAMLValue {
    /// A composed YAML node, as written (for the undecoded `notify` section).
    init(_ node: Node) {
        switch node {
        case .mapping(let m):
            self = .map(m.map { k, v in (k.string ?? "", YAMLValue(v)) })
        case .sequence(let s):
            self = .list(s.map { YAMLValue($0) })
        case .scalar(let s):
            self = node.tag.rawValue == Tag.Name.str.rawValue ? .scalar(s.string) : .plain(s.string.isEmpty ? "null" : s.string)
        case .alias:
            self = .plain("null")
        }
    }
}

extension GlobalConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = [
            ("scrape_interval", .plain(scrapeInterval.description)),
            ("scrape_timeout", .plain(scrapeTimeout.description)),
        ]
        if let scrapeProtocols { m.append(("scrape_protocols", .list(scrapeProtocols.map { .scalar($0.rawValue) }))) }
        m.append(("evaluation_interval", .plain(evaluationInterval.description)))
        if ruleQueryOffset != .zero { m.append(("rule_query_offset", .plain(ruleQueryOffset.description))) }
        if !queryLogFile.isEmpty { m.append(("query_log_file", .scalar(queryLogFile))) }
        if !externalLabels.isEmpty { m.append(("external_labels", .map(externalLabels.map { ($0.name, .scalar($0.value)) }))) }
        m += limits.yamlEntries
        m.append(("metric_name_validation_scheme", .scalar(metricNameValidationScheme.rawValue)))
        return .map(m)
    }
}

extension ScrapeLimits {
    var yamlEntries: [(String, YAMLValue)] {
        var m: [(String, YAMLValue)] = []
        if bodySizeLimit != 0 { m.append(("body_size_limit", .plain(String(bodySizeLimit) + "B"))) }
        for (key, value) in [("sample_limit", sampleLimit), ("target_limit", targetLimit), ("label_limit", labelLimit),
                             ("label_name_length_limit", labelNameLengthLimit), ("label_value_length_limit", labelValueLengthLimit),
                             ("keep_dropped_targets", keepDroppedTargets)] where value != 0 {
            m.append((key, .plain(String(value))))
        }
        return m
    }
}

extension ScrapeConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = [("job_name", .scalar(jobName))]
        if honorLabels { m.append(("honor_labels", .plain("true"))) }
        m.append(("honor_timestamps", .plain(String(honorTimestamps))))
        m.append(("track_timestamps_staleness", .plain(String(trackTimestampsStaleness))))
        if !params.isEmpty {
            m.append(("params", .map(params.sorted { $0.key < $1.key }.map { ($0.key, .list($0.value.map { .scalar($0) })) })))
        }
        m.append(("scrape_interval", .plain(scrapeInterval.description)))
        m.append(("scrape_timeout", .plain(scrapeTimeout.description)))
        m.append(("scrape_protocols", .list(scrapeProtocols.map { .scalar($0.rawValue) })))
        if let fallbackScrapeProtocol { m.append(("fallback_scrape_protocol", .scalar(fallbackScrapeProtocol.rawValue))) }
        m.append(("metrics_path", .scalar(metricsPath)))
        m.append(("scheme", .scalar(scheme)))
        m.append(("enable_compression", .plain(String(enableCompression))))
        m += limits.yamlEntries
        m.append(("metric_name_validation_scheme", .scalar(metricNameValidationScheme.rawValue)))
        m += httpClient.yamlEntries
        if !staticConfigs.isEmpty { m.append(("static_configs", .list(staticConfigs.map(\.yamlValue)))) }
        if !fileSDConfigs.isEmpty { m.append(("file_sd_configs", .list(fileSDConfigs.map(\.yamlValue)))) }
        if !relabelConfigs.isEmpty { m.append(("relabel_configs", .list(relabelConfigs.map(\.yamlValue)))) }
        if !metricRelabelConfigs.isEmpty { m.append(("metric_relabel_configs", .list(metricRelabelConfigs.map(\.yamlValue)))) }
        return .map(m)
    }
}

extension HTTPClientConfig {
    var yamlEntries: [(String, YAMLValue)] {
        var m: [(String, YAMLValue)] = []
        if let b = basicAuth {
            var a: [(String, YAMLValue)] = []
            if !b.username.isEmpty { a.append(("username", .scalar(b.username))) }
            if !b.usernameFile.isEmpty { a.append(("username_file", .scalar(b.usernameFile))) }
            if !b.password.isEmpty { a.append(("password", secret)) }
            if !b.passwordFile.isEmpty { a.append(("password_file", .scalar(b.passwordFile))) }
            m.append(("basic_auth", .map(a)))
        }
        if let auth = authorization {
            var a: [(String, YAMLValue)] = [("type", .scalar(auth.type))]
            if !auth.credentials.isEmpty { a.append(("credentials", secret)) }
            if !auth.credentialsFile.isEmpty { a.append(("credentials_file", .scalar(auth.credentialsFile))) }
            m.append(("authorization", .map(a)))
        }
        if !tls.isEmpty { m.append(("tls_config", tls.yamlValue)) }
        if let proxyURL { m.append(("proxy_url", .scalar(proxyURL.redacted))) }
        if !noProxy.isEmpty { m.append(("no_proxy", .scalar(noProxy))) }
        if proxyFromEnvironment { m.append(("proxy_from_environment", .plain("true"))) }
        if !proxyConnectHeaders.isEmpty {
            m.append(("proxy_connect_header", .map(proxyConnectHeaders.sorted { $0.key < $1.key }.map { ($0.key, .list($0.value.map { _ in secret })) })))
        }
        m.append(("follow_redirects", .plain(String(followRedirects))))
        m.append(("enable_http2", .plain(String(enableHTTP2))))
        return m
    }
}

extension TLSConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = []
        for (key, value, hidden) in [("ca", ca, false), ("ca_file", caFile, false), ("cert", cert, false), ("cert_file", certFile, false),
                                     ("key", key, true), ("key_file", keyFile, false), ("server_name", serverName, false)]
        where !value.isEmpty {
            m.append((key, hidden ? secret : .scalar(value)))
        }
        m.append(("insecure_skip_verify", .plain(String(insecureSkipVerify))))
        if let minVersion { m.append(("min_version", .scalar(minVersion.rawValue))) }
        if let maxVersion { m.append(("max_version", .scalar(maxVersion.rawValue))) }
        return .map(m)
    }
}

extension TargetGroup {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = [("targets", .list(targets.map { .scalar($0) }))]
        if !labels.isEmpty { m.append(("labels", .map(labels.map { ($0.name, .scalar($0.value)) }))) }
        return .map(m)
    }
}

extension FileSDConfig {
    var yamlValue: YAMLValue {
        .map([("files", .list(files.map { .scalar($0) })), ("refresh_interval", .plain(refreshInterval.description))])
    }
}

extension RelabelConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = []
        if !sourceLabels.isEmpty { m.append(("source_labels", .list(sourceLabels.map { .scalar($0) }))) }
        m.append(("separator", .scalar(separator)))
        m.append(("regex", .scalar(regex.pattern)))
        if modulus != 0 { m.append(("modulus", .plain(String(modulus)))) }
        if !targetLabel.isEmpty { m.append(("target_label", .scalar(targetLabel))) }
        m.append(("replacement", .scalar(replacement)))
        m.append(("action", .scalar(action.rawValue)))
        return .map(m)
    }
}

extension AlertingConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = []
        if !alertRelabelConfigs.isEmpty { m.append(("alert_relabel_configs", .list(alertRelabelConfigs.map(\.yamlValue)))) }
        if !alertmanagers.isEmpty { m.append(("alertmanagers", .list(alertmanagers.map(\.yamlValue)))) }
        return .map(m)
    }
}

extension AlertmanagerConfig {
    var yamlValue: YAMLValue {
        var m = httpClient.yamlEntries
        m.append(("scheme", .scalar(scheme)))
        if !pathPrefix.isEmpty { m.append(("path_prefix", .scalar(pathPrefix))) }
        m.append(("timeout", .plain(timeout.description)))
        m.append(("api_version", .scalar(apiVersion)))
        if !staticConfigs.isEmpty { m.append(("static_configs", .list(staticConfigs.map(\.yamlValue)))) }
        if !fileSDConfigs.isEmpty { m.append(("file_sd_configs", .list(fileSDConfigs.map(\.yamlValue)))) }
        if !relabelConfigs.isEmpty { m.append(("relabel_configs", .list(relabelConfigs.map(\.yamlValue)))) }
        if !alertRelabelConfigs.isEmpty { m.append(("alert_relabel_configs", .list(alertRelabelConfigs.map(\.yamlValue)))) }
        return .map(m)
    }
}

extension RemoteWriteConfig {
    var yamlValue: YAMLValue {
        var m: [(String, YAMLValue)] = [("url", .scalar(url.redacted)), ("remote_timeout", .plain(remoteTimeout.description))]
        if !headers.isEmpty { m.append(("headers", .map(headers.sorted { $0.key < $1.key }.map { ($0.key, secret) }))) }
        if !writeRelabelConfigs.isEmpty { m.append(("write_relabel_configs", .list(writeRelabelConfigs.map(\.yamlValue)))) }
        if !name.isEmpty { m.append(("name", .scalar(name))) }
        if sendExemplars { m.append(("send_exemplars", .plain("true"))) }
        if sendNativeHistograms { m.append(("send_native_histograms", .plain("true"))) }
        if roundRobinDNS { m.append(("round_robin_dns", .plain("true"))) }
        m.append(("protobuf_message", .scalar(protobufMessage.rawValue)))
        m += httpClient.yamlEntries
        let q = queueConfig
        var queue: [(String, YAMLValue)] = [
            ("capacity", .plain(String(q.capacity))), ("max_shards", .plain(String(q.maxShards))),
            ("min_shards", .plain(String(q.minShards))), ("max_samples_per_send", .plain(String(q.maxSamplesPerSend))),
            ("batch_send_deadline", .plain(q.batchSendDeadline.description)), ("min_backoff", .plain(q.minBackoff.description)),
            ("max_backoff", .plain(q.maxBackoff.description)),
        ]
        if q.retryOnHTTP429 { queue.append(("retry_on_http_429", .plain("true"))) }
        if q.sampleAgeLimit != .zero { queue.append(("sample_age_limit", .plain(q.sampleAgeLimit.description))) }
        m.append(("queue_config", .map(queue)))
        m.append(("metadata_config", .map([
            ("send", .plain(String(metadataConfig.send))), ("send_interval", .plain(metadataConfig.sendInterval.description)),
            ("max_samples_per_send", .plain(String(metadataConfig.maxSamplesPerSend))),
        ])))
        return .map(m)
    }
}
