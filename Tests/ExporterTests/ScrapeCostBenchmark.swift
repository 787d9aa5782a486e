import Foundation
import Model
import Testing
@testable import Exporter

/// Scrape cost of Ember (default collectors + 100 checks) against node_exporter's
/// default scrape, in CPU seconds and wall time per scrape. A measurement, not a
/// pass/fail timing: run with EMBER_EXPORTER_BENCH=1 and read the printed figures.
@Suite(.serialized) struct ScrapeCostBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["EMBER_EXPORTER_BENCH"] != nil
        && FileManager.default.isExecutableFile(atPath: NodeExporterComparisonTests.binary) && python3Path != nil

    static func cpuSecondsOfSelf() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return (Double(fields[11]) ?? 0) / 100 + (Double(fields[12]) ?? 0) / 100
    }

    /// 40 port, 30 process, 20 file and 10 tcp checks.
    static func hundredChecks(listenerPort: Int, file: String) -> [CheckConfig] {
        var checks: [CheckConfig] = []
        for i in 0 ..< 40 { checks.append(CheckConfig(name: "port-\(i)", kind: .port(PortCheckConfig(port: i % 2 == 0 ? listenerPort : 1 + i)))) }
        for i in 0 ..< 30 { checks.append(CheckConfig(name: "proc-\(i)", kind: .process(ProcessCheckConfig(cmdline: i % 2 == 0 ? ["emberPackageTests"] : ["nonexistent-\(i)"], minCount: 0)))) }
        for i in 0 ..< 20 { checks.append(CheckConfig(name: "file-\(i)", kind: .file(FileCheckConfig(path: file)))) }
        for i in 0 ..< 10 { checks.append(CheckConfig(name: "tcp-\(i)", kind: .tcp(TCPProbeConfig(address: "127.0.0.1:\(listenerPort)")))) }
        return checks
    }

    /// CPU and wall seconds per scrape, and the last page's size.
    static func measure(_ exporter: Exporter, rounds: Int) async -> (cpu: Double, wall: Double, bytes: Int) {
        _ = await exporter.scrape(format: .text) // warm-up: threads, caches
        let cpu0 = cpuSecondsOfSelf()
        let wall0 = Date()
        var bytes = 0
        for _ in 0 ..< rounds { bytes = await exporter.scrape(format: .text).body.count }
        return ((cpuSecondsOfSelf() - cpu0) / Double(rounds), Date().timeIntervalSince(wall0) / Double(rounds), bytes)
    }

    static func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

    @Test(.enabled(if: enabled))
    func emberScrapeCostsLessThanNodeExporters() async throws {
        let rounds = 30
        // The tcp checks' peer runs in its own process, so its accept() work is not
        // counted as Ember's CPU.
        let serverPort = freePort()
        let server = try ChildProcess(try #require(python3Path), ["-c", """
        import socket
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", \(serverPort))); s.listen(128)
        while True:
            c, _ = s.accept(); c.close()
        """])
        defer { server.stop() }
        let listening = await eventually(within: 10) { SocketTable.read(paths: HostPaths(), proto: .tcp).contains { $0.localPort == serverPort } }
        try #require(listening)
        let t = TempDir()
        let file = t.write("f", "x")
        let checks = Self.hundredChecks(listenerPort: serverPort, file: file)
        var parts: [(String, ExporterOptions, [CheckConfig])] = [("collectors only", ExporterOptions(), [])]
        for prefix in ["port", "proc", "file", "tcp"] {
            parts.append(("\(prefix) checks only", checksOnlyOptions(), checks.filter { $0.name.hasPrefix(prefix + "-") }))
        }
        for (label, options, subset) in parts {
            let m = await Self.measure(try Exporter(config: ChecksConfig(checks: subset), options: options), rounds: rounds)
            print("  \(label): cpu \(Self.ms(m.cpu)), wall \(Self.ms(m.wall))")
        }
        let exporter = try Exporter(config: ChecksConfig(checks: checks), options: ExporterOptions())
        let (emberCPU, emberWall, bytes) = await Self.measure(exporter, rounds: rounds)
        let page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.samples("ember_check_success").count == 100)
        #expect(page.samples("ember_check_success", ["check": "tcp-0"]).first?.value == 1)

        let port = freePort()
        let child = try ChildProcess(NodeExporterComparisonTests.binary, ["--web.listen-address=127.0.0.1:\(port)"])
        defer { child.stop() }
        let up = await eventually(within: 15) { ((try? NodeExporterComparisonTests.fetch(port: port)) ?? "").contains("node_exporter_build_info") }
        try #require(up)
        _ = try NodeExporterComparisonTests.fetch(port: port)
        let neCPU0 = Self.cpuSeconds(pid: child.pid)
        let neWall0 = Date()
        var neBytes = 0
        // Fetched in-process (not with curl) so wall time is the scrape, not a process start.
        let url = try HTTPURL("http://127.0.0.1:\(port)/metrics")
        for _ in 0 ..< rounds {
            neBytes = try MiniHTTP.fetch(url, method: "GET", headers: [], body: [], maxBody: 16 << 20, deadline: Deadline(after: 10)).body.count
        }
        let neWall = Date().timeIntervalSince(neWall0) / Double(rounds)
        let neCPU = (Self.cpuSeconds(pid: child.pid) - neCPU0) / Double(rounds)
        print("""
        scrape cost over \(rounds) scrapes:
          ember (default collectors + 100 checks): cpu \(String(format: "%.2f", emberCPU * 1000)) ms, wall \(String(format: "%.2f", emberWall * 1000)) ms, \(bytes) bytes
          node_exporter 1.5 (default collectors):   cpu \(String(format: "%.2f", neCPU * 1000)) ms, wall \(String(format: "%.2f", neWall * 1000)) ms, \(neBytes) bytes
        """)
        #expect(neBytes > 0 && bytes > 0)
    }
}
