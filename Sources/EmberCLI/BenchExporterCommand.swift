import ArgumentParser
import Foundation
import HTTPClient

/// `ember bench exporter`: the scrape cost of Ember's exporter (default collectors plus
/// 100 checks) against prometheus-node-exporter's default scrape on the same machine.
///
/// Both exporters run as child processes on 127.0.0.1 and are scraped the same way
/// (HTTP/1.1 over loopback, uncompressed text), so each one's CPU is read from its own
/// /proc/PID/stat and neither is charged for the client.
struct BenchExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Compare the CPU and wall time of one exporter scrape: Ember (default collectors + 100 checks) against node_exporter (defaults).",
        discussion: """
        The 100 checks are 40 port, 30 process, 20 file and 10 tcp checks; the tcp checks \
        connect to a listener in this process. Both exporters listen on 127.0.0.1 only.
        """
    )

    @Option(help: "Scrapes of each exporter that are measured (after a warm-up).")
    var scrapes = 500

    @Option(help: "Alternating rounds the scrapes are split into.")
    var rounds = 10

    @Option(name: .customLong("node-exporter"), help: "The node_exporter binary.")
    var nodeExporter = "/usr/bin/prometheus-node-exporter"

    @Option(name: .customLong("ember"), help: "The ember binary to run as the exporter (default: this one).")
    var emberBinary: String?

    func validate() throws {
        guard scrapes > 0, scrapes <= 100_000 else { throw ValidationError("--scrapes must be between 1 and 100000") }
        guard rounds > 0, rounds <= scrapes else { throw ValidationError("--rounds must be between 1 and --scrapes") }
        guard FileManager.default.isExecutableFile(atPath: nodeExporter) else { throw ValidationError("--node-exporter \(nodeExporter) is not an executable") }
    }

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ember-bench-exporter-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let listener = try LoopbackListener()
        defer { listener.stop() }
        let file = work + "/watched"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        let checksFile = work + "/checks.yml"
        try BenchChecks.yaml(listenerPort: listener.port, file: file, processPattern: "prometheus-node-exporter")
            .write(toFile: checksFile, atomically: true, encoding: .utf8)

        let client = HTTPClient()
        defer { client.shutdown() }
        let nodePort = try LoopbackListener.freePort()
        let node = try BenchChild(nodeExporter, ["--web.listen-address=127.0.0.1:\(nodePort)"])
        defer { node.stop() }
        let emberPort = try LoopbackListener.freePort()
        let ember = try BenchChild(emberBinary ?? Self.currentExecutable(), [
            "exporter", "--web.listen-address", "127.0.0.1:\(emberPort)", "--checks.file", checksFile, "--log.level", "error",
        ])
        defer { ember.stop() }

        print("scraping each exporter \(scrapes) times over HTTP on 127.0.0.1 (uncompressed text, after 5 warm-up scrapes),"
              + " alternating in \(rounds) rounds so both see the same machine load")
        let nodeTarget = ScrapeMeasurement.Target(child: node, port: nodePort)
        let emberTarget = ScrapeMeasurement.Target(child: ember, port: emberPort)
        try await nodeTarget.waitUntilServing(client)
        try await emberTarget.waitUntilServing(client)
        var nodeResult = ScrapeMeasurement()
        var emberResult = ScrapeMeasurement()
        for round in 0 ..< rounds {
            let count = scrapes / rounds + (round < scrapes % rounds ? 1 : 0)
            nodeResult.add(try await nodeTarget.measure(client, scrapes: count))
            emberResult.add(try await emberTarget.measure(client, scrapes: count))
        }
        guard emberResult.checkSeries == 100 else {
            throw ValidationError("Ember's page has \(emberResult.checkSeries) ember_check_success series, expected 100")
        }
        print(ScrapeMeasurement.table([("node_exporter (defaults)", nodeResult), ("ember (defaults + 100 checks)", emberResult)]))
        print(String(format: "ratio ember / node_exporter: CPU %.2f, wall %.2f", emberResult.cpuPerScrape / nodeResult.cpuPerScrape,
                     emberResult.wallPerScrape / nodeResult.wallPerScrape))
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// The 100-check mix of the benchmark, as a checks file.
enum BenchChecks {
    /// 40 port checks (half on the listener, half on closed ports), 30 process checks
    /// (half matching `processPattern`), 20 file checks and 10 tcp checks on the listener.
    static func yaml(listenerPort: Int, file: String, processPattern: String) -> String {
        var lines = ["checks:"]
        for i in 0 ..< 40 { lines.append("  - {name: port-\(i), type: port, port: \(i % 2 == 0 ? listenerPort : 1 + i)}") }
        for i in 0 ..< 30 {
            let pattern = i % 2 == 0 ? processPattern : "nonexistent-\(i)"
            lines.append("  - {name: proc-\(i), type: process, cmdline: ['\(pattern)'], min_count: 0}")
        }
        for i in 0 ..< 20 { lines.append("  - {name: file-\(i), type: file, path: '\(file)'}") }
        for i in 0 ..< 10 { lines.append("  - {name: tcp-\(i), type: tcp, address: '127.0.0.1:\(listenerPort)'}") }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// CPU and wall time of an exporter's scrapes, summed over rounds.
struct ScrapeMeasurement {
    var scrapes = 0
    var cpuSeconds = 0.0
    var wallSeconds = 0.0
    var bodyBytes = 0
    var series = 0
    var checkSeries = 0
    var residentBytes = 0

    var cpuPerScrape: Double { scrapes == 0 ? 0 : cpuSeconds / Double(scrapes) }
    var wallPerScrape: Double { scrapes == 0 ? 0 : wallSeconds / Double(scrapes) }

    mutating func add(_ other: ScrapeMeasurement) {
        scrapes += other.scrapes
        cpuSeconds += other.cpuSeconds
        wallSeconds += other.wallSeconds
        (bodyBytes, series, checkSeries, residentBytes) = (other.bodyBytes, other.series, other.checkSeries, other.residentBytes)
    }

    /// One exporter under measurement.
    struct Target {
        let child: BenchChild
        let port: Int

        var request: HTTPRequest {
            HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", headers: ["Accept": "text/plain;version=0.0.4"], timeout: .seconds(30), acceptGzip: false)
        }

        /// Polls until /metrics answers 200 (at most 30 s), then scrapes 5 times to warm up.
        func waitUntilServing(_ client: HTTPClient) async throws {
            let readyBy = ContinuousClock.now + .seconds(30)
            while true {
                if let response = try? await client.execute(request), response.status == 200 { break }
                guard child.isRunning else { throw ValidationError("\(child.executable) exited before serving /metrics") }
                guard ContinuousClock.now < readyBy else { throw ValidationError("\(child.executable) did not serve /metrics on port \(port) within 30s") }
                try await Task.sleep(for: .milliseconds(100))
            }
            for _ in 0 ..< 5 { _ = try await client.execute(request).requireSuccess() }
        }

        func measure(_ client: HTTPClient, scrapes: Int) async throws -> ScrapeMeasurement {
            let request = self.request
            var body: [UInt8] = []
            let cpuBefore = try child.cpuSeconds()
            let started = ContinuousClock.now
            for _ in 0 ..< scrapes { body = try await client.execute(request).requireSuccess().body }
            let wall = started.duration(to: .now)
            let cpu = try child.cpuSeconds() - cpuBefore
            var series = 0, checkSeries = 0
            for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
                series += 1
                if line.hasPrefix("ember_check_success{") { checkSeries += 1 }
            }
            return ScrapeMeasurement(scrapes: scrapes, cpuSeconds: cpu, wallSeconds: Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
                                     bodyBytes: body.count, series: series, checkSeries: checkSeries, residentBytes: child.residentBytes())
        }
    }

    static func table(_ rows: [(String, ScrapeMeasurement)]) -> String {
        var out = "exporter                        CPU/scrape   wall/scrape   series   body bytes   RSS after\n"
        for (name, m) in rows {
            out += name.padding(toLength: 32, withPad: " ", startingAt: 0)
            out += String(format: "%7.2f ms   %8.2f ms   %6d   %10d   %6.1f MiB\n", m.cpuPerScrape * 1000, m.wallPerScrape * 1000, m.series,
                          m.bodyBytes, Double(m.residentBytes) / 1_048_576)
        }
        return out
    }
}

/// A benchmarked exporter process; stopped (SIGTERM, then SIGKILL) when done.
final class BenchChild {
    let executable: String
    private let process = Process()

    init(_ executable: String, _ arguments: [String]) throws {
        self.executable = executable
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    /// User plus system CPU seconds so far, from /proc/PID/stat (in USER_HZ = 100 ticks).
    func cpuSeconds() throws -> Double {
        let path = "/proc/\(process.processIdentifier)/stat"
        let stat = try String(contentsOfFile: path, encoding: .utf8)
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        guard let close = stat.lastIndex(of: ")") else { throw ValidationError("\(path): unexpected format") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ValidationError("\(path): unexpected format")
        }
        return (user + system) / 100
    }

    /// VmRSS from /proc/PID/status, in bytes (0 when unreadable).
    func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// A TCP listener on 127.0.0.1 that accepts and closes connections on its own thread:
/// the peer of the tcp checks, and the port the port checks find open.
final class LoopbackListener: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket: \(String(cString: strerror(errno)))") }
        port = try Self.bindLoopback(fd)
        guard listen(fd, 128) == 0 else { throw ValidationError("listen: \(String(cString: strerror(errno)))") }
        let fd = self.fd
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                close(client)
            }
        }
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// A port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        return try bindLoopback(fd)
    }

    private static func bindLoopback(_ fd: Int32) throws -> Int {
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw ValidationError("bind 127.0.0.1: \(String(cString: strerror(errno)))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
