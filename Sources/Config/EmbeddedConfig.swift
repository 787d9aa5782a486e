import Model

extension PrometheusConfig {
    /// The name errors and `/api/v1/status/config` use for the built-in configuration.
    public static let embeddedFileName = "<embedded>"

    /// The path under which the server serves its built-in host exporter.
    public static let embeddedExporterMetricsPath = "/exporter/metrics"

    /// The configuration `ember server` runs without a configuration file, as YAML
    /// (what `/api/v1/status/config` shows): every 15s Ember scrapes itself (job
    /// `ember`) and the host exporter it serves in-process (job `node`, path
    /// `/exporter/metrics`), both at the address it listens on.
    public static func embeddedDefaultYAML(listenAddress: String) -> String {
        let target = quoteLabelValue(scrapeTarget(forListenAddress: listenAddress))
        return """
            # Ember's built-in configuration, used when `ember server` starts without a
            # configuration file: Ember scrapes itself and its built-in host exporter.
            global:
              scrape_interval: 15s
              scrape_timeout: 10s
              evaluation_interval: 15s

            scrape_configs:
              - job_name: ember
                static_configs:
                  - targets: [\(target)]

              - job_name: node
                metrics_path: \(embeddedExporterMetricsPath)
                static_configs:
                  - targets: [\(target)]

            """
    }

    /// `embeddedDefaultYAML(listenAddress:)`, decoded.
    ///
    /// - Throws: `ConfigErrors` when the listen address does not make a valid target.
    public static func embeddedDefault(listenAddress: String) throws -> PrometheusConfig {
        try parse(contents: embeddedDefaultYAML(listenAddress: listenAddress), file: embeddedFileName, environment: [:])
    }

    /// An address to connect to for a listen address: a wildcard or missing host
    /// (`:9090`, `0.0.0.0:9090`, `[::]:9090`) becomes the matching loopback address.
    static func scrapeTarget(forListenAddress address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return address }
        let host = address[..<colon]
        let port = address[address.index(after: colon)...]
        switch host {
        case "", "0.0.0.0": return "127.0.0.1:\(port)"
        case "[::]", "::": return "[::1]:\(port)"
        default: return address
        }
    }
}
