import Foundation
import Testing
@testable import Scraper

@Suite struct ExpositionCheckTests {
    static let promtool = "/usr/bin/promtool"
    static var hasPromtool: Bool { FileManager.default.isExecutableFile(atPath: promtool) }

    /// A payload breaking every convention promlint knows.
    static let lintSample = """
        # HELP http_requests Total requests.
        # TYPE http_requests counter
        http_requests{code="200"} 10
        # TYPE fooBar gauge
        fooBar{someLabel="x"} 1
        # HELP foo_total bad
        # TYPE foo_total gauge
        foo_total 2
        # HELP latency_milliseconds lat
        # TYPE latency_milliseconds histogram
        latency_milliseconds_bucket{le="1"} 1
        latency_milliseconds_bucket{le="+Inf"} 1
        latency_milliseconds_sum 1
        latency_milliseconds_count 1
        no_help 3
        # HELP metric:colon x
        # TYPE metric:colon gauge
        metric:colon 1
        # HELP size_kilobytes x
        # TYPE size_kilobytes gauge
        size_kilobytes 1
        # HELP t_fahrenheit x
        # TYPE t_fahrenheit gauge
        t_fahrenheit 1
        # HELP x_count x
        # TYPE x_count gauge
        x_count 1
        # HELP x_sum x
        # TYPE x_sum counter
        x_sum 1
        # HELP a_bucket x
        # TYPE a_bucket gauge
        a_bucket{le="1",quantile="2"} 1
        # HELP foo_gauge x
        # TYPE foo_gauge gauge
        foo_gauge 1
        # HELP req_ms x
        # TYPE req_ms summary
        req_ms{quantile="0.5"} 1
        req_ms_sum 1
        req_ms_count 1
        # HELP good_seconds_total Fine.
        # TYPE good_seconds_total counter
        good_seconds_total 1
        # HELP untyped_total Untyped may end in _total.
        untyped_total{le="1"} 1

        """

    @Test func lintReportsPromtoolWording() {
        let problems = ExpositionCheck.check(Array(Self.lintSample.utf8), format: .text, lint: true)
        #expect(problems.allSatisfy { $0.kind == .lint })
        let lines = problems.map(\.description)
        #expect(lines.contains("http_requests counter metrics should have \"_total\" suffix"))
        #expect(lines.contains("fooBar metric names should be written in 'snake_case' not 'camelCase'"))
        #expect(lines.contains("fooBar label names should be written in 'snake_case' not 'camelCase'"))
        #expect(lines.contains("fooBar no help text"))
        #expect(lines.contains("foo_total non-counter metrics should not have \"_total\" suffix"))
        #expect(lines.contains("latency_milliseconds use base unit \"seconds\" instead of \"milliseconds\""))
        #expect(lines.contains("metric:colon metric names should not contain ':'"))
        #expect(lines.contains("x_sum counter metrics should have \"_total\" suffix"))
        #expect(lines.contains("req_ms metric names should not contain abbreviated units"))
        #expect(!lines.contains { $0.hasPrefix("good_seconds_total") })
        #expect(!lines.contains { $0.hasPrefix("untyped_total") && !$0.hasSuffix("no help text") })
        #expect(lines == lines.sorted { a, b in
            let (ma, mb) = (a.split(separator: " ")[0], b.split(separator: " ")[0])
            return ma != mb ? ma < mb : a < b
        })
        #expect(problems.first { $0.metric == "fooBar" }?.line == 4)
    }

    @Test func withoutLintOnlyErrorsCount() {
        #expect(ExpositionCheck.check(Array(Self.lintSample.utf8), format: .text, lint: false).isEmpty)
        let problems = ExpositionCheck.check(Array("a 1\nb{x=\"1\",x=\"2\"} 1\n".utf8), format: .text, lint: true)
        #expect(problems.count == 1)
        #expect(problems.first?.kind == .error)
        #expect(problems.first?.line == 2)
        #expect(problems.first?.description.hasPrefix("line 2:") == true)
    }

    @Test(arguments: [
        ("# HELP a x\n# HELP a y\na 1\n", 2, "second HELP line"),
        ("# TYPE a gauge\n# TYPE a counter\na 1\n", 2, "second TYPE line"),
        ("a 1\n# TYPE a gauge\n", 2, "TYPE reported after samples"),
    ])
    func textMetadataRules(_ text: String, _ line: Int, _ reason: String) {
        let problems = ExpositionCheck.check(Array(text.utf8), format: .text, lint: false)
        #expect(problems.count == 1)
        #expect(problems.first?.line == line)
        #expect(problems.first?.text.contains(reason) == true)
    }

    @Test func autoDetectsOpenMetricsByEOF() {
        #expect(ExpositionCheck.resolve(.auto, Array("a 1\n# EOF\n".utf8)) == .openMetrics)
        #expect(ExpositionCheck.resolve(.auto, Array("a 1\n# EOF".utf8)) == .openMetrics)
        #expect(ExpositionCheck.resolve(.auto, Array("a 1\n".utf8)) == .prometheusText)
        #expect(ExpositionCheck.resolve(.auto, Array("a 1\nx# EOF\n".utf8)) == .prometheusText)
        let problems = ExpositionCheck.check(Array("# TYPE a counter\na_total -1\n# EOF\n".utf8), format: .auto, lint: false)
        #expect(problems.first?.text.contains("negative") == true)
    }

    @Test func openMetricsCountersLintByTheirTotalName() {
        let text = "# TYPE req counter\n# HELP req x\nreq_total 1\n# TYPE up gauge\n# HELP up x\nup 1\n# EOF\n"
        #expect(ExpositionCheck.check(Array(text.utf8), format: .openMetrics, lint: true).isEmpty)
    }

    /// promtool's own output on the same payloads, line for line.
    @Test(.enabled(if: hasPromtool)) func agreesWithPromtool() throws {
        let samples = [
            Self.lintSample,
            "# HELP a_seconds_total x\n# TYPE a_seconds_total counter\na_seconds_total 1\n",
            "no_meta{fooBar=\"1\"} 1\nno_meta{fooBar=\"2\"} 1\n",
            "# HELP x_gauge_hours y\n# TYPE x_gauge_hours gauge\nx_gauge_hours 1\n",
        ]
        for sample in samples {
            let ours = ExpositionCheck.check(Array(sample.utf8), format: .text, lint: true).map(\.description)
            let theirs = try runPromtool(sample)
            #expect(ours == theirs, "payload:\n\(sample)")
        }
        for bad in ["a{x=\"1\",x=\"2\"} 1\n", "ok 1\n# TYPE a gauge\n# TYPE a counter\n", "ok 1\nbad 1 2 3\n"] {
            let ours = ExpositionCheck.check(Array(bad.utf8), format: .text, lint: true)
            let theirs = try runPromtool(bad).joined(separator: "\n")
            #expect(ours.count == 1 && ours.first?.kind == .error)
            #expect(theirs.contains("line \(ours.first?.line ?? -1)"), "promtool said: \(theirs)")
        }
    }

    /// promtool's problem lines (stdout and stderr), in order.
    private func runPromtool(_ input: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.promtool)
        process.arguments = ["check", "metrics"]
        let stdin = Pipe(), output = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
