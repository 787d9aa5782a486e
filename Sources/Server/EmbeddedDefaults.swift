/// The configuration `ember server` runs when no `--config.file` is given.
enum EmbeddedDefaults {
    static let configYAML = """
    # Ember's embedded default: scrape Ember itself and its built-in host exporter.
    global:
      scrape_interval: 15s
      evaluation_interval: 15s
    scrape_configs:
      - job_name: ember
        static_configs:
          - targets: ["127.0.0.1:9090"]
      - job_name: node
        metrics_path: /exporter/metrics
        static_configs:
          - targets: ["127.0.0.1:9090"]

    """
}
