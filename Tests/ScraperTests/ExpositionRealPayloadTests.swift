import Foundation
import Testing
@testable import Scraper

#if canImport(Glibc)
import Glibc
#endif

/// Parses what real exporters serve on 127.0.0.1 and checks the result against
/// an independent line count and value reading, and against promtool.
@Suite(.serialized) struct ExpositionRealPayloadTests {
    static let nodeExporter = "/usr/bin/prometheus-node-exporter"
    static let prometheus = "/usr/bin/prometheus"
    static let curl = "/usr/bin/curl"
    static let python = "/usr/bin/env"

    static func executable(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    static var hasPythonClient: Bool {
        (try? RealProcess.run(python, ["python3", "-c", "import prometheus_client"]).status) == 0
    }

    @Test(.enabled(if: executable(nodeExporter) && executable(curl)), .timeLimit(.minutes(1)))
    func nodeExporterTextPayload() throws {
        let port = try RealProcess.freePort()
        let exporter = try RealProcess.start(Self.nodeExporter, ["--web.listen-address=127.0.0.1:\(port)"])
        defer { exporter.stop() }
        let (contentType, body) = try RealProcess.fetch("http://127.0.0.1:\(port)/metrics", accept: ExpositionFormat.scrapeAcceptHeader)
        #expect(ExpositionFormat.detect(contentType: contentType) == .prometheusText)
        let parsed = try Self.parseAll(body, .detect(contentType: contentType))
        let independent = Self.independentSamples(body)
        #expect(parsed.count > 100)
        #expect(parsed.count == independent.count)
        Self.expectSameValues(parsed, independent)
        if Self.executable(ExpositionCheckTests.promtool) {
            let promtool = try RealProcess.run(ExpositionCheckTests.promtool, ["check", "metrics"], input: body)
            #expect(promtool.status == 0 || promtool.status == 3, "promtool rejected the payload")
            let ours = ExpositionCheck.check(body, format: .text, lint: true).map(\.description)
            #expect(ours == promtool.lines, "lint output differs from promtool")
        }
    }

    @Test(.enabled(if: executable(prometheus) && executable(curl)), .timeLimit(.minutes(1)))
    func prometheusSelfMetrics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("prometheus.yml")
        try "global:\n  scrape_interval: 15s\n".write(to: config, atomically: false, encoding: .utf8)
        let port = try RealProcess.freePort()
        let server = try RealProcess.start(Self.prometheus, [
            "--config.file=\(config.path)", "--web.listen-address=127.0.0.1:\(port)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
        ])
        defer { server.stop() }
        let (contentType, body) = try RealProcess.fetch("http://127.0.0.1:\(port)/metrics", accept: ExpositionFormat.legacyScrapeAcceptHeader)
        let format = ExpositionFormat.detect(contentType: contentType)
        let parsed = try Self.parseAll(body, format)
        let independent = Self.independentSamples(body)
        #expect(parsed.count > 100)
        #expect(parsed.count == independent.count)
        Self.expectSameValues(parsed, independent)
        #expect(ExpositionCheck.check(body, format: .auto, lint: false).isEmpty)
    }

    /// The reference OpenMetrics implementation (prometheus_client) serving every
    /// metric type, with exemplars, in OpenMetrics when asked.
    @Test(.enabled(if: executable(curl) && hasPythonClient), .timeLimit(.minutes(1)))
    func pythonClientOpenMetricsPayload() throws {
        let port = try RealProcess.freePort()
        let script = """
            import time
            from prometheus_client import start_http_server, Counter, Gauge, Histogram, Summary, Info, Enum
            c = Counter('jobs', 'Jobs done.', ['queue'])
            c.labels('a').inc(3, exemplar={'trace_id': 'abc'})
            c.labels('b').inc(1.5)
            Gauge('temperature_celsius', 'Temp.').set(-4.25)
            h = Histogram('latency_seconds', 'Latency.', buckets=(0.1, 1, 10))
            h.observe(0.05); h.observe(3, exemplar={'trace_id': 'x\\\\"y'})
            s = Summary('size_bytes', 'Sizes.')
            s.observe(10); s.observe(32)
            Info('build', 'Build.').info({'version': '1.2', 'commit': 'deadbeef'})
            Enum('state', 'State.', states=['up', 'down']).state('down')
            start_http_server(\(port), addr='127.0.0.1')
            time.sleep(60)
            """
        let server = try RealProcess.start(Self.python, ["python3", "-c", script])
        defer { server.stop() }
        let (contentType, body) = try RealProcess.fetch("http://127.0.0.1:\(port)/metrics", accept: ExpositionFormat.scrapeAcceptHeader)
        #expect(ExpositionFormat.detect(contentType: contentType) == .openMetrics)
        let parsed = try Self.parseAll(body, .openMetrics)
        let independent = Self.independentSamples(body)
        #expect(parsed.count == independent.count)
        Self.expectSameValues(parsed, independent)
        #expect(parsed.contains { $0.name == "jobs_created" })
        #expect(parsed.contains { $0.name == "state" && $0.value == 1 })
        let exemplars = parsed.compactMap(\.exemplar)
        #expect(exemplars.count == 2)
        #expect(exemplars.contains { $0.labels["trace_id"] == "x\\\"y" && $0.value == 3 })
    }

    // MARK: Helpers

    struct ParsedSample {
        var name: String
        var value: Double
        var exemplar: Exemplar?
    }

    static func parseAll(_ body: [UInt8], _ format: ExpositionFormat) throws -> [ParsedSample] {
        var parser = ExpositionParser(body, format: format)
        var out: [ParsedSample] = []
        while let entry = try parser.next() {
            if case .series(let raw, let value, _) = entry {
                let labels = parser.labels()
                #expect(labels.metricName == parser.metricName())
                #expect(raw.lowerBound >= 0 && raw.upperBound <= body.count)
                out.append(ParsedSample(name: labels.metricName, value: value, exemplar: parser.exemplar()))
            }
        }
        return out
    }

    /// Sample lines read naively: every line not starting with `#`; the value is
    /// the first token after the last `}` (or after the name).
    static func independentSamples(_ body: [UInt8]) -> [String] {
        String(decoding: body, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            guard !line.hasPrefix("#"), !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            let sample = line.components(separatedBy: " # ").first ?? String(line)
            let rest: Substring
            if let brace = sample.lastIndex(of: "}") {
                rest = sample[sample.index(after: brace)...]
            } else if let space = sample.firstIndex(of: " ") {
                rest = sample[space...]
            } else {
                return ""
            }
            return rest.split(separator: " ").first.map(String.init) ?? ""
        }
    }

    static func expectSameValues(_ parsed: [ParsedSample], _ independent: [String]) {
        for (sample, text) in zip(parsed, independent) {
            let expected = Double(text) ?? (text.lowercased().hasSuffix("inf") ? (text.hasPrefix("-") ? -.infinity : .infinity) : .nan)
            if expected.isNaN {
                #expect(sample.value.isNaN, "\(sample.name): \(text)")
            } else {
                #expect(sample.value == expected, "\(sample.name): \(text)")
            }
        }
    }
}

/// Child processes for the real-payload tests, every wait bounded.
final class RealProcess: @unchecked Sendable {
    let process: Process

    init(_ process: Process) { self.process = process }

    static func start(_ path: String, _ arguments: [String]) throws -> RealProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return RealProcess(process)
    }

    /// Terminates the process, then kills it if it has not gone after 5 s.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    struct Output {
        var status: Int32
        var lines: [String]
    }

    /// Runs a command to completion (for short commands only), feeding `input`.
    static func run(_ path: String, _ arguments: [String], input: [UInt8] = []) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let writer = stdin.fileHandleForWriting
        let payload = Data(input)
        DispatchQueue.global().async {
            writer.write(payload)
            try? writer.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, lines: String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// GETs `url` with curl, retrying for up to 20 s while the server starts.
    static func fetch(_ url: String, accept: String) throws -> (contentType: String, body: [UInt8]) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ember-fetch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        for _ in 0..<100 {
            let result = try run(ExpositionRealPayloadTests.curl, [
                "-sf", "--max-time", "5", "-H", "Accept: \(accept)", "-o", file.path, "-w", "%{content_type}", url,
            ])
            if result.status == 0, let body = try? Data(contentsOf: file) {
                return (result.lines.first ?? "", Array(body))
            }
            usleep(200_000)
        }
        throw FetchError(url: url)
    }

    struct FetchError: Error { var url: String }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FetchError(url: "socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw FetchError(url: "bind") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
