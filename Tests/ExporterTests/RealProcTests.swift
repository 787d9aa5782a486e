import Foundation
import Testing
@testable import Exporter

/// The host collectors against this machine's real /proc and /sys.
@Suite struct RealProcTests {
    @Test func defaultCollectorsReportThisHost() async throws {
        let exporter = try Exporter(config: ChecksConfig(), options: ExporterOptions())
        let (contentType, body) = await exporter.scrape(format: .text)
        #expect(contentType == "text/plain; version=0.0.4; charset=utf-8")
        let page = try ParsedPage(body)
        if let dump = ProcessInfo.processInfo.environment["EMBER_EXPORTER_DUMP"] {
            _ = FileManager.default.createFile(atPath: dump, contents: Data(body))
        }

        // Every collector ran and succeeded, except pressure where the kernel lacks PSI,
        // conntrack without netfilter, and textfile, which has no directory configured
        // but still succeeds.
        var optional: Set<HostCollectorName> = [.pressure]
        if !FileManager.default.fileExists(atPath: "/proc/sys/net/netfilter/nf_conntrack_count") { optional.insert(.conntrack) }
        for name in HostCollectorName.allCases where !optional.contains(name) {
            #expect(page.value("node_scrape_collector_success", ["collector": name.rawValue]) == 1, "collector \(name)")
        }

        let cpus = ProcessInfo.processInfo.activeProcessorCount
        #expect(Set(page.samples("node_cpu_seconds_total").compactMap { $0.labels.first { $0.name == "cpu" }?.value }).count == cpus)
        #expect(page.samples("node_cpu_seconds_total", ["cpu": "0"]).map { $0.labels.first { $0.name == "mode" }?.value ?? "" }.sorted()
                == ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"])
        let memTotal = try #require(page.value("node_memory_MemTotal_bytes"))
        #expect(memTotal == Double(ProcessInfo.processInfo.physicalMemory))
        #expect(page.family("node_memory_MemTotal_bytes")?.help == "Memory information field MemTotal_bytes.")
        #expect(try #require(page.value("node_load1")) >= 0)
        let boot = try #require(page.value("node_boot_time_seconds"))
        #expect(boot > 1_000_000_000 && boot < Date().timeIntervalSince1970)
        #expect(abs(try #require(page.value("node_time_seconds")) - Date().timeIntervalSince1970) < 60)
        #expect(page.value("node_filesystem_size_bytes", ["mountpoint": "/"]) ?? 0 > 0)
        #expect(page.samples("node_filesystem_size_bytes").allSatisfy { s in !s.labels.contains { $0.name == "mountpoint" && $0.value.hasPrefix("/proc") } })
        #expect(page.value("node_network_receive_bytes_total", ["device": "lo"]) != nil)
        let uname = try #require(page.samples("node_uname_info").first)
        #expect(uname.labels.map(\.name) == ["domainname", "machine", "nodename", "release", "sysname", "version"])
        #expect(uname.labels.first { $0.name == "sysname" }?.value == "Linux")
        #expect(page.value("node_procs_running") ?? 0 >= 1)
        #expect(page.value("node_textfile_scrape_error") == 0)
    }

    @Test func openMetricsScrapeEndsWithEOF() async throws {
        var options = ExporterOptions()
        options.collectors = [.loadavg, .stat]
        let exporter = try Exporter(config: ChecksConfig(), options: options)
        let (contentType, body) = await exporter.scrape(format: .openMetrics)
        let text = String(decoding: body, as: UTF8.self)
        #expect(contentType.hasPrefix("application/openmetrics-text"))
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("# TYPE node_context_switches counter\n"))
        #expect(text.contains("\nnode_context_switches_total "))
    }
}

@Suite struct ExporterOptionsTests {
    @Test func badCollectorPatternsAreRejectedWithTheirFlag() {
        var options = ExporterOptions()
        options.netdevDeviceExclude = "(eth"
        let error = #expect(throws: ExporterError.self) { try Exporter(config: ChecksConfig(), options: options) }
        #expect(error?.description.hasPrefix("--collector.netdev.device-exclude: invalid regular expression") == true)
    }

    @Test func disabledCollectorsAreNotRun() async throws {
        var options = ExporterOptions()
        options.collectors = [.uname]
        let exporter = try Exporter(config: ChecksConfig(), options: options)
        let page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.samples("node_scrape_collector_success").map { $0.labels.first?.value } == ["uname"])
        #expect(page.family("node_cpu_seconds_total") == nil)
    }
}
