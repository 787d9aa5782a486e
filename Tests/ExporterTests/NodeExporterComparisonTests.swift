import Foundation
import Testing
@testable import Exporter

/// Runs the real prometheus-node-exporter 1.5 next to Ember's collectors and compares
/// every node_* series Ember exposes: same name, TYPE, HELP and label set, and a value
/// within a tolerance (counters move between the two scrapes; gauges drift a little).
@Suite(.serialized) struct NodeExporterComparisonTests {
    static let binary = "/usr/bin/prometheus-node-exporter"

    /// Collector flags that make node_exporter run exactly Ember's collector set with
    /// Ember's (upstream) defaults; Debian's package changes some defaults.
    static func nodeExporterArguments(port: Int, textfileDirectory: String) -> [String] {
        ["--web.listen-address=127.0.0.1:\(port)", "--collector.disable-defaults"]
            + HostCollectorName.allCases.map { "--collector.\($0.rawValue)" }
            + ["--collector.filesystem.mount-points-exclude=\(ExporterOptions.defaultMountPointsExclude)",
               "--collector.filesystem.fs-types-exclude=\(ExporterOptions.defaultFSTypesExclude)",
               "--collector.diskstats.device-exclude=\(ExporterOptions.defaultDiskstatsDeviceExclude)",
               "--collector.netdev.device-exclude=",
               "--collector.textfile.directory=\(textfileDirectory)"]
    }

    static func fetch(port: Int) throws -> String {
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "--max-time", "10", "http://127.0.0.1:\(port)/metrics"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        try curl.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static let exact: Set<String> = [
        "node_scrape_collector_success", "node_network_up", "node_network_mtu_bytes", "node_network_flags", "node_network_iface_id",
        "node_network_speed_bytes", "node_network_carrier", "node_network_protocol_type", "node_network_transmit_queue_length",
        "node_selinux_enabled", "node_os_version", "node_timex_sync_status", "node_timex_status", "node_timex_tick_seconds",
        "node_entropy_pool_size_bits", "node_filefd_maximum", "node_nf_conntrack_entries_limit", "node_netstat_Ip_Forwarding",
    ]

    /// One family per collector added for node_exporter 1.5's default set, which this
    /// machine's kernel provides; each must have been compared.
    static let requiredFamilies = [
        "node_vmstat_pgfault", "node_netstat_Tcp_InSegs", "node_netstat_IpExt_InOctets", "node_sockstat_sockets_used",
        "node_sockstat_TCP_mem_bytes", "node_filefd_allocated", "node_entropy_available_bits", "node_timex_tick_seconds",
        "node_os_info", "node_os_version", "node_network_up", "node_network_info", "node_network_mtu_bytes", "node_softnet_processed_total",
        "node_udp_queues", "node_selinux_enabled", "node_intr_total", "node_context_switches_total", "node_forks_total",
    ]

    /// The allowed difference between node_exporter's value and Ember's.
    static func tolerance(_ family: MetricFamily, _ a: Double, _ b: Double) -> Double? {
        let name = family.name
        // Timings differ by nature; runnable/blocked process counts are instantaneous and
        // swing by dozens while other tests start processes in parallel.
        if ["node_scrape_collector_duration_seconds", "node_procs_running", "node_procs_blocked"].contains(name) { return nil }
        // States, settings and info metrics must agree exactly.
        if Self.exact.contains(name) || name.hasSuffix("_info") { return 0 }
        let relative = 0.05 * max(abs(a), abs(b))
        switch name {
        case "node_time_seconds": return 5
        case "node_load1", "node_load5", "node_load15": return 1
        case "node_textfile_mtime_seconds", "node_boot_time_seconds": return 1
        default: break
        }
        if name.hasPrefix("node_cpu") || name.hasPrefix("node_pressure") { return max(relative, 10) }
        if name.hasSuffix("_bytes") || name.hasSuffix("_bytes_total") { return max(relative, 64 * 1024 * 1024) }
        return max(relative, 1000)
    }

    static func key(_ labels: [LabelPair]) -> String {
        labels.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary)))
    func emberMatchesNodeExporterOnSharedFamilies() async throws {
        let textfiles = TempDir()
        textfiles.write("app.prom", """
        # HELP app_jobs_total Jobs done.
        # TYPE app_jobs_total counter
        app_jobs_total{queue="a"} 12
        app_jobs_total{kind="x"} 3
        no_help_metric 4

        """)
        let port = freePort()
        let child = try ChildProcess(Self.binary, Self.nodeExporterArguments(port: port, textfileDirectory: textfiles.path))
        defer { child.stop() }
        var upstreamText = ""
        let up = await eventually(within: 15) {
            upstreamText = (try? Self.fetch(port: port)) ?? ""
            return upstreamText.contains("node_scrape_collector_success")
        }
        try #require(up, "node_exporter did not answer on port \(port)")
        // Scrape upstream again right before Ember so the two are close in time.
        upstreamText = try Self.fetch(port: port)

        var options = ExporterOptions()
        options.textfileDirectory = textfiles.path
        let exporter = try Exporter(config: ChecksConfig(), options: options)
        let (_, body) = await exporter.scrape(format: .text)
        let ember = try ParsedPage(body)
        let upstream = try ParsedPage(upstreamText)
        // A second upstream scrape right after Ember's brackets values that move fast on
        // a busy machine (memory while compilers run next door).
        let upstreamAfter = try ParsedPage(try Self.fetch(port: port))
        var afterByKey: [String: Double] = [:]
        for family in upstreamAfter.families {
            for s in family.samples { afterByKey[s.name + "|" + Self.key(s.labels)] = s.value }
        }

        var compared = 0
        for family in ember.families {
            let upstreamFamily = try #require(upstream.family(family.name), "node_exporter has no \(family.name)")
            #expect(upstreamFamily.type == family.type, "TYPE of \(family.name)")
            #expect(upstreamFamily.help == family.help, "HELP of \(family.name)")
            var upstreamByLabels: [String: Double] = [:]
            for s in upstreamFamily.samples { upstreamByLabels[s.name + "|" + Self.key(s.labels)] = s.value }
            for sample in family.samples {
                let k = sample.name + "|" + Self.key(sample.labels)
                guard let theirs = upstreamByLabels[k] else {
                    Issue.record("node_exporter has no \(sample.name){\(Self.key(sample.labels))}")
                    continue
                }
                if let tol = Self.tolerance(family, sample.value, theirs) {
                    let later = afterByKey[k] ?? theirs
                    let bracketed = min(theirs, later) - tol <= sample.value && sample.value <= max(theirs, later) + tol
                    #expect(bracketed, "\(sample.name){\(Self.key(sample.labels))}: ember \(sample.value), node_exporter \(theirs) then \(later)")
                }
                compared += 1
            }
            #expect(family.samples.count == upstreamFamily.samples.count, "series count of \(family.name)")
        }
        // And the other way: node_exporter has no family from these collectors that Ember lacks.
        let emberNames = Set(ember.families.map(\.name))
        let missing = upstream.families.map(\.name).filter { !emberNames.contains($0) && !$0.hasPrefix("go_") && !$0.hasPrefix("process_")
            && !$0.hasPrefix("promhttp_") && $0 != "node_exporter_build_info" }
        #expect(missing.isEmpty, "families only node_exporter has: \(missing)")
        #expect(compared > 100)
        var required = Self.requiredFamilies
        if FileManager.default.fileExists(atPath: "/proc/sys/net/netfilter/nf_conntrack_count") { required.append("node_nf_conntrack_entries") }
        if FileManager.default.fileExists(atPath: "/proc/net/snmp6") { required.append("node_netstat_Ip6_InOctets") }
        for name in required {
            #expect(!(ember.family(name)?.samples.isEmpty ?? true), "Ember exposes no \(name)")
        }
    }
}
