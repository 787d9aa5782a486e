import Hummingbird

extension EmberServer {
    /// Ember's own metrics in the text format, for scraping itself.
    func registerSelfMetricsRoute(_ router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            var out = SelfMetricsWriter()
            let p = ProcessStats.read()
            out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", p.cpuSeconds)
            out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", p.residentBytes)
            out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", p.virtualBytes)
            out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", p.startTimeSeconds)
            out.family("process_open_fds", "gauge", "Number of open file descriptors.", Double(p.openFDs))
            out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.", Double(p.maxFDs))
            out.text += "# HELP ember_build_info A metric with a constant '1' value labeled by version, revision and branch.\n"
            out.text += "# TYPE ember_build_info gauge\n"
            out.text += "ember_build_info{branch=\"\(BuildInfo.branch)\",revision=\"\(BuildInfo.revision)\",version=\"\(BuildInfo.version)\"} 1\n"
            return plainText(out.text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}

/// Writes single-sample metric families in the text format.
struct SelfMetricsWriter {
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String, _ value: Double) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(formatValue(value))\n"
    }
}

/// Formats a float as Prometheus's text format does (Go's strconv 'g' shortest, with +Inf/-Inf/NaN).
func formatValue(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    return "\(v)"
}
