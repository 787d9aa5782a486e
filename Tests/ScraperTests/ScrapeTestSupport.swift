import Config
import Foundation
import HTTPClient
import Model
import PromQL
import Storage
import Synchronization
import Testing
@testable import Scraper

/// A scrape target on 127.0.0.1 whose answer a test changes between scrapes.
final class TestTarget: Sendable {
    struct Answer: Sendable {
        var status = 200
        var contentType: String? = "text/plain; version=0.0.4; charset=utf-8"
        var body = ""
    }

    final class Shared: Sendable {
        let answer: Mutex<Answer>
        let seen = Mutex<[LoopbackHTTPServer.Request]>([])
        init(_ answer: Answer) { self.answer = Mutex(answer) }
    }

    let server: LoopbackHTTPServer
    private let shared: Shared

    init(_ body: String = "", contentType: String? = "text/plain; version=0.0.4; charset=utf-8") throws {
        let shared = Shared(Answer(contentType: contentType, body: body))
        self.shared = shared
        server = try LoopbackHTTPServer { request in
            shared.seen.withLock { $0.append(request) }
            let a = shared.answer.withLock { $0 }
            return .init(status: a.status, contentType: a.contentType, body: Array(a.body.utf8))
        }
    }

    deinit { server.shutdown() }

    var port: Int { server.ports[0] }
    var address: String { "127.0.0.1:\(port)" }

    func set(_ body: String) { shared.answer.withLock { $0.body = body } }
    func set(status: Int) { shared.answer.withLock { $0.status = status } }
    func set(contentType: String?) { shared.answer.withLock { $0.contentType = contentType } }

    var requests: [LoopbackHTTPServer.Request] { shared.seen.withLock { $0 } }
}

/// Builds managers and configs, waits boundedly and reads what was stored.
enum ScrapeTest {
    static let client = HTTPClient(configuration: .init(timeout: .seconds(5), connectTimeout: .seconds(2), maxIdleConnections: 64))

    static func manager(_ storage: any Appendable, poll: Duration = .milliseconds(100)) -> ScrapeManager {
        ScrapeManager(storage: storage, httpClient: client,
                      options: ScrapeManagerOptions(fileSDPollInterval: poll, skipOffsetting: true, hostname: "testhost"))
    }

    static func config(_ yaml: String, file: String = "/tmp/prometheus.yml") throws -> PrometheusConfig {
        try PrometheusConfig.parse(contents: yaml, file: file, environment: [:])
    }

    /// A one-job config scraping `targets` every `interval`.
    static func job(_ name: String = "test", targets: [String], interval: String = "200ms", extra: String = "") -> String {
        """
        scrape_configs:
          - job_name: \(name)
            scrape_interval: \(interval)
            scrape_timeout: \(interval)
        \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
            static_configs:
              - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]
        """
    }

    /// Polls `condition` every 20ms for at most `seconds`. The bound is generous
    /// because other suites running in parallel may hold the cooperative threads.
    static func wait(_ seconds: Double = 60, _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    /// Waits until the (single) target completed at least `n` scrapes.
    static func waitForScrapes(_ m: ScrapeManager, _ n: Int, job: String? = nil, seconds: Double = 60) async -> Bool {
        await wait(seconds) {
            let ts = m.targets.filter { job == nil || $0.scrapePool == job }
            return !ts.isEmpty && ts.allSatisfy { $0.scrapes >= n }
        }
    }

    /// Every stored sample of the series matching `selector` (name and equality matchers).
    static func samples(_ storage: MemoryStorage, _ name: String, _ matchers: [String: String] = [:]) throws -> [Labels: [Sample]] {
        var ms = [try Matcher(.equal, LabelName.metricName, name)]
        for (k, v) in matchers { ms.append(try Matcher(.equal, k, v)) }
        var out: [Labels: [Sample]] = [:]
        for series in try storage.querier(mint: .min, maxt: .max).select(ms, hints: nil) {
            let it = series.makeIterator()
            var list: [Sample] = []
            while it.next() { list.append(Sample(t: it.timestamp, v: it.value)) }
            out[series.labels] = list
        }
        return out
    }

    /// The latest non-stale value of one series.
    static func last(_ storage: MemoryStorage, _ name: String, _ matchers: [String: String] = [:]) throws -> Double? {
        try samples(storage, name, matchers).values.first?.last(where: { !StaleNaN.isStale($0.v) })?.v
    }

    static func instant(_ storage: MemoryStorage, _ query: String, at t: Timestamp) throws -> [VectorSample] {
        let result = try Engine().instantQuery(storage, query, at: t)
        guard case .vector(let v) = result.value else { return [] }
        return v
    }
}
