import Model
import Storage
import Testing
@testable import Scraper

/// A scrape parses with series checks deferred to cache misses: the outcome
/// must be what a full parse gives, for valid and invalid payloads alike.
@Suite("Deferred series checks")
struct DeferredSeriesCheckTests {
    /// Every entry as text (series with raw bytes, labels, value and timestamp), or the error.
    static func outcome(_ text: String, _ format: ExpositionFormat, deferred: Bool) -> [String] {
        let bytes = Array(text.utf8)
        var parser = ExpositionParser(bytes, format: format, openMetricsSemantics: false)
        parser.defersSeriesCheck = deferred
        var out: [String] = []
        do {
            for _ in 0...(bytes.count + 1) {
                guard let entry = try parser.next() else { return out }
                guard case .series(let raw, let value, let timestamp) = entry else {
                    out.append("\(entry)")
                    continue
                }
                let rawText = String(decoding: bytes[raw], as: UTF8.self)
                try parser.checkSeries()
                out.append("\(rawText) \(parser.labels()) \(value) \(String(describing: timestamp))")
            }
            out.append("did not terminate")
        } catch {
            out.append("error \(error.line):\(error.column) \(error.reason)")
        }
        return out
    }

    static let textPayloads = [
        "m{a=\"1\",a=\"2\"} 1\n", "m{a=\"1\" b=\"2\"} 1\n", "m{a=\"1} 1\n", "m{a=\"1\"\n", "m{a=1} 1\n", "m{,a=\"1\"} 1\n",
        "m{a} 1\n", "m{__name__=\"x\"} 1\n", "{a=\"1\"} 1\n", "{\"a\",\"b\"} 1\n", "{\"\"} 1\n", "ok 1\n1m 1\n", "m\n", "m{} \n",
        "m{a=1} x\n", "m{a=\"1\"} x\n", "{a=\"1\"} x\n", "m{a=\"}\"} 1\n", "m{a=\"\\\"}\"} 2\n", "m{a=\"x\\\\\"} 3 17\n",
        "spaced { a = \"1\" , } 4\n", "m {} 5\n", "m{a=\"1\"}6\n", "m{a=\"\\\\\"} 7\n# comment\nn 8\n", "m{a=\"1\"} 1 x\n",
        "{\"my.metric\",\"a.b\"=\"x\"} 9\n", "m{a=\"\u{FFFD}\"} 1\n", "m{a=\"1\"}} 1\n", "m{a=\"1\"\\} 1\n",
    ]

    static let openMetricsPayloads = [
        "a{a=\"1\", b=\"2\"} 1\n# EOF\n", "a{a=\"1\",} 1\n# EOF\n", "a{ a=\"1\"} 1\n# EOF\n", "a {a=\"1\"} 1\n# EOF\n",
        "a{a=\"1\"} 1 1.5\n# EOF\n", "a{a=\"1\"} 1 # {t=\"x\"} 2 3\n# EOF\n", "a{a=1} x\n# EOF\n", "a  1\n# EOF\n",
        "a{a=\"}\"} 1\n# EOF\n", "{\"a.b\"} 1\n# EOF\n", "a{a=\"1\"} 1 \n# EOF\n", "a{__a=\"1\"} 1\n# EOF\n",
    ]

    @Test("deferred checks give the full parse's entries, labels and errors", arguments: [false, true])
    func sameOutcome(openMetrics: Bool) {
        let payloads = openMetrics ? Self.openMetricsPayloads : Self.textPayloads
        let format: ExpositionFormat = openMetrics ? .openMetrics : .prometheusText
        for payload in payloads {
            let full = Self.outcome(payload, format, deferred: false)
            #expect(!full.isEmpty)
            #expect(Self.outcome(payload, format, deferred: true) == full, "\(payload)")
        }
    }

    @Test("a series seen in the text format is checked again when the target switches to OpenMetrics")
    func formatSwitch() async throws {
        let lines = "m{a=\"1\",} 1\nn{b=\"2\"} 2\n"
        let target = try TestTarget(lines)
        let storage = MemoryStorage()
        let loop = try ScrapeByRefTests.loop(target, storage: storage)
        try await ScrapeByRefTests.scrape(loop)
        try await ScrapeByRefTests.scrape(loop)
        #expect(loop.status.state.withLock { $0.lastError } == "")
        #expect(try ScrapeTest.samples(storage, "m").values.first?.count == 2, "the text format takes the trailing comma")

        target.set(contentType: "application/openmetrics-text; version=1.0.0")
        target.set(lines + "# EOF\n")
        try await ScrapeByRefTests.scrape(loop)
        let error = loop.status.state.withLock { $0.lastError }
        #expect(error.contains("trailing comma"), "\(error)")
        let n = try #require(try ScrapeTest.samples(storage, "n").values.first)
        #expect(n.count == 3 && StaleNaN.isStale(n[2].v), "the failed scrape appended only staleness markers")

        target.set("m{a=\"1\"} 3\nn{b=\"2\"} 4\n# EOF\n")
        try await ScrapeByRefTests.scrape(loop)
        #expect(loop.status.state.withLock { $0.lastError } == "")
        #expect(try ScrapeTest.last(storage, "n") == 4)
        #expect(try ScrapeTest.last(storage, "m") == 3)
    }
}
