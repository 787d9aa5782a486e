import Model

/// One entry of `alerting.alertmanagers`: where to send alerts.
public struct AlertmanagerConfig: Sendable, Hashable {
    public var scheme = "http"
    /// Prefix before `/api/v2/alerts`.
    public var pathPrefix = ""
    public var timeout = PromDuration(seconds: 10)
    /// Only `v2`: Alertmanager's v1 API is gone, and Prometheus 3 rejects it too.
    public var apiVersion = "v2"
    public var httpClient = HTTPClientConfig()
    public var staticConfigs: [TargetGroup] = []
    public var fileSDConfigs: [FileSDConfig] = []
    /// Applied to discovered Alertmanager targets.
    public var relabelConfigs: [RelabelConfig] = []
    /// Applied to alerts sent to this Alertmanager only.
    public var alertRelabelConfigs: [RelabelConfig] = []

    public init() {}

    static let yamlKeys = ["scheme", "path_prefix", "timeout", "api_version", "relabel_configs", "alert_relabel_configs", "sigv4"]
        + HTTPClientConfig.yamlKeys + ServiceDiscovery.yamlKeys

    static func decode(_ node: YAMLNode, scheme: NameValidationScheme, _ d: ConfigDecoder) throws -> AlertmanagerConfig {
        if node.isNull { throw node.error("empty or null section in alertmanagers") }
        let m = try node.mapping(allowedKeys: yamlKeys)
        ServiceDiscovery.warnUnsupported(m, d)
        var c = AlertmanagerConfig()
        c.httpClient = try HTTPClientConfig.decode(m, defaults: HTTPClientConfig(), d)
        if let sigv4 = m["sigv4"] {
            if c.httpClient.basicAuth != nil || c.httpClient.authorization != nil || c.httpClient.hasOAuth2 {
                throw sigv4.error("at most one of basic_auth, authorization, oauth2, & sigv4 must be configured")
            }
            d.warn(sigv4.warning("sigv4 is not supported by Ember: requests are not signed"))
        }
        if let v = m["scheme"] {
            let s = try v.string()
            guard s == "http" || s == "https" else { throw v.error("invalid scheme \(quoteLabelValue(s)): must be \"http\" or \"https\"") }
            c.scheme = s
        }
        if let v = try m.string("path_prefix") { c.pathPrefix = v }
        if let v = try m.duration("timeout") { c.timeout = v }
        if let v = m["api_version"] {
            let version = try v.string()
            guard version == "v2" else { throw v.error("expected Alertmanager api version to be one of [v2] but got \(version)") }
        }
        c.relabelConfigs = try RelabelConfig.decodeList(
            m["relabel_configs"], nullMessage: "empty or null Alertmanager target relabeling rule", scheme: scheme)
        c.alertRelabelConfigs = try RelabelConfig.decodeList(
            m["alert_relabel_configs"], nullMessage: "empty or null Alertmanager alert relabeling rule", scheme: scheme)
        let (groups, targets) = try ServiceDiscovery.decodeStatic(m["static_configs"], scheme: scheme)
        c.staticConfigs = groups
        c.fileSDConfigs = try ServiceDiscovery.decodeFiles(m["file_sd_configs"], d)
        let defaults = [Label(LabelName.scheme, c.scheme), Label("__alerts_path__", c.pathPrefix + "/api/v2/alerts")]
        for t in targets {
            try ServiceDiscovery.checkStaticTarget(t, defaults: defaults, relabelConfigs: c.relabelConfigs)
        }
        return c
    }
}

/// The `alerting` section.
public struct AlertingConfig: Sendable, Hashable {
    /// Applied to every alert before it is sent to any Alertmanager.
    public var alertRelabelConfigs: [RelabelConfig] = []
    public var alertmanagers: [AlertmanagerConfig] = []

    public init() {}

    /// Decodes the section; each Alertmanager entry is a separate part, so one bad entry
    /// does not hide problems in the next.
    static func decode(_ node: YAMLNode?, scheme: NameValidationScheme, _ d: ConfigDecoder) throws -> AlertingConfig {
        var a = AlertingConfig()
        guard let node else { return a }
        let m = try node.mapping(allowedKeys: ["alert_relabel_configs", "alertmanagers"])
        d.section {
            a.alertRelabelConfigs = try RelabelConfig.decodeList(
                m["alert_relabel_configs"], nullMessage: "empty or null alert relabeling rule", scheme: scheme)
        }
        for item in try m["alertmanagers"]?.sequence() ?? [] {
            if let am = d.section({ try AlertmanagerConfig.decode(item, scheme: scheme, d) }) { a.alertmanagers.append(am) }
        }
        return a
    }
}
