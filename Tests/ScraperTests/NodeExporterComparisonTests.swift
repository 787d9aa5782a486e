import Foundation
import HTTPClient
import Model
import Storage
import Synchronization
import TestSupport
import Testing
@testable import Scraper

/// Scrapes a real `prometheus-node-exporter` and checks that every sample it
/// exposed was stored with its exact value.
private let nodeExporterBinary = "/usr/bin/prometheus-node-exporter"

@Suite("Node exporter comparison", .enabled(if: FileManager.default.isExecutableFile(atPath: nodeExporterBinary)))
struct NodeExporterComparisonTests {
    static let binary = nodeExporterBinary

    /// Remembers the bodies a recording proxy passed on.
    final class Recorder: Sendable {
        let bodies = Mutex<[[UInt8]]>([])
    }

    @Test("every exposed sample is ingested with its value")
    func ingestsEverything() async throws {
        let port = Loopback.freePort()
        let exporter = try ChildProcess(Self.binary, ["--web.listen-address=127.0.0.1:\(port)"])
        defer { exporter.stop() }
        #expect(await Loopback.waitUntilHealthy(port: port, path: "/metrics", timeoutSeconds: 60))

        // A proxy records exactly the payload the scrape got, so values can be compared.
        let recorder = Recorder()
        let client = ScrapeTest.client
        let proxy = try LoopbackHTTPServer { request in
            var headers: HTTPHeaders = [:]
            headers.add(name: "Accept", value: request.headers["accept"] ?? "*/*")
            guard let response = try? client.executeBlocking(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", headers: headers)) else {
                return .init(status: 500, body: [])
            }
            recorder.bodies.withLock { $0.append(response.body) }
            return .init(status: response.status, contentType: response.headers["Content-Type"], body: response.body)
        }
        defer { proxy.shutdown() }

        let storage = MemoryStorage()
        let m = ScrapeTest.manager(storage)
        await m.apply(try ScrapeTest.config("""
            scrape_configs:
              - job_name: node
                scrape_interval: 1m
                static_configs: [{targets: ['127.0.0.1:\(port)']}]
              - job_name: proxy
                scrape_interval: 1m
                static_configs: [{targets: ['127.0.0.1:\(proxy.ports[0])']}]
            """))
        #expect(await ScrapeTest.waitForScrapes(m, 1))
        let states = m.targets
        await m.stop()
        #expect(states.allSatisfy { $0.health == .up }, "\(states.map(\.lastError))")

        let body = try #require(recorder.bodies.withLock { $0.first })
        let expected = try IndependentTextParser.samples(body)
        #expect(expected.count > 300, "node exporter exposes hundreds of samples")
        let querier = try storage.querier(mint: .min, maxt: .max)
        let stored = try querier.select([try Matcher(.equal, "job", "proxy")], hints: nil)
        var values: [Labels: Double] = [:]
        for series in stored {
            let it = series.makeIterator()
            while it.next() { values[series.labels] = it.value }
        }
        let instance = "127.0.0.1:\(proxy.ports[0])"
        var mismatches: [String] = []
        for (labels, value) in expected {
            let key = Labels(labels.pairs + [Label("job", "proxy"), Label("instance", instance)])
            guard let got = values[key] else { mismatches.append("missing \(key)"); continue }
            if got.bitPattern != value.bitPattern && !(got.isNaN && value.isNaN) { mismatches.append("\(key): \(got) != \(value)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(values.count == expected.count + ReportSeries.names.count, "nothing more than the payload and the report series")
        #expect(try ScrapeTest.last(storage, "scrape_samples_scraped", ["job": "proxy"]) == Double(expected.count))

        // The direct scrape stored a comparable number of series (values move between scrapes).
        let direct = try querier.select([try Matcher(.equal, "job", "node")], hints: nil).count - ReportSeries.names.count
        #expect(abs(direct - expected.count) < 20, "direct \(direct) vs \(expected.count)")
    }
}

/// A deliberately simple text-format reader, independent of `ExpositionParser`:
/// enough for node exporter output (no timestamps, escaped quotes in values).
enum IndependentTextParser {
    struct Failure: Error { let line: String }

    static func samples(_ body: [UInt8]) throws -> [(Labels, Double)] {
        var out: [(Labels, Double)] = []
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            var labels: [Label] = []
            var rest = Substring(line)
            if let brace = line.firstIndex(of: "{") {
                labels.append(Label("__name__", String(line[..<brace])))
                var i = line.index(after: brace)
                while i < line.endIndex, line[i] != "}" {
                    guard let eq = line[i...].firstIndex(of: "=") else { throw Failure(line: String(line)) }
                    let name = String(line[i..<eq]).trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                    var j = line.index(eq, offsetBy: 2)
                    var value = ""
                    while j < line.endIndex, line[j] != "\"" {
                        if line[j] == "\\" {
                            j = line.index(after: j)
                            value.append(line[j] == "n" ? "\n" : line[j])
                        } else {
                            value.append(line[j])
                        }
                        j = line.index(after: j)
                    }
                    labels.append(Label(name, value))
                    i = line.index(after: j)
                    if i < line.endIndex, line[i] == "," { i = line.index(after: i) }
                }
                rest = line[line.index(after: i)...]
            } else {
                let parts = line.split(separator: " ")
                labels.append(Label("__name__", String(parts[0])))
                rest = line.dropFirst(parts[0].count)
            }
            let text = rest.trimmingCharacters(in: .whitespaces)
            let value: Double? = switch text {
            case "+Inf": .infinity
            case "-Inf": -.infinity
            case "NaN": .nan
            default: Double(text)
            }
            guard let value else { throw Failure(line: String(line)) }
            out.append((Labels(labels), value))
        }
        return out
    }
}
