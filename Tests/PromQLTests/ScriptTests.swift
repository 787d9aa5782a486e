import Foundation
import Testing
@testable import PromQL

/// Locates shared/ next to the repository, or EMBER_SHARED_DIR.
func sharedDirectory() -> String {
    if let dir = ProcessInfo.processInfo.environment["EMBER_SHARED_DIR"], !dir.isEmpty { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return root.deletingLastPathComponent().appendingPathComponent("shared").path
}

/// The upstream development scripts: every float case must pass; native-histogram
/// cases (as cases.tsv classifies them) are skipped and counted.
@Suite struct UpstreamScriptTests {
    static let files: [(String, Int)] = [
        ("aggregators", 31), ("at_modifier", 0), ("functions", 102), ("literals", 0),
        ("operators", 58), ("selectors", 0), ("staleness", 0), ("subquery", 2),
    ]

    @Test(arguments: files)
    func script(name: String, expectedSkips: Int) throws {
        let path = sharedDirectory() + "/promql-tests/dev/\(name).test"
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path)")
        let report = PromQLTestRunner.run(paths: [path]).files[0]
        #expect(report.error == nil)
        #expect(report.failed == 0, "\(report.failures.map { "line \($0.line): \($0.message)" })")
        #expect(report.skipped == expectedSkips)
        #expect(report.passed > 0)
    }

    /// Upstream's optional stricter mode: the same expectations hold with
    /// `@`-pinned selectors at other times and in range mode.
    @Test(arguments: files)
    func scriptStrict(name: String, expectedSkips: Int) throws {
        let path = sharedDirectory() + "/promql-tests/dev/\(name).test"
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path)")
        let report = PromQLTestRunner.run(paths: [path], strict: true).files[0]
        #expect(report.failed == 0, "\(report.failures.map { "line \($0.line): \($0.message)" })")
        #expect(report.skipped == expectedSkips)
    }
}

@Suite struct PrinterRoundTripTests {
    /// Every query of the upstream scripts prints to text that parses back to the same printed form.
    @Test func upstreamQueriesRoundTrip() throws {
        let dir = sharedDirectory() + "/promql-tests/dev"
        var checked = 0
        for (name, _) in UpstreamScriptTests.files {
            let text = try String(contentsOfFile: "\(dir)/\(name).test", encoding: .utf8)
            for case .eval(let cmd) in try ScriptParser.parse(text) {
                guard let expr = try? PromQLParser.parse(cmd.expr) else { continue }
                let printed = "\(expr)"
                let again = try PromQLParser.parse(printed)
                #expect("\(again)" == printed, "\(name):\(cmd.line)")
                checked += 1
            }
        }
        #expect(checked > 900)
    }
}

@Suite struct RunnerTests {
    @Test func reportsFailuresWithLinesAndSummaryLine() {
        let script = """
        load 1m
          up{job="a"} 0+1x10

        eval instant at 5m up
          up{job="a"} 5

        eval instant at 5m up
          up{job="a"} 6

        eval range from 0 to 2m step 1m up * 2
          {job="a"} 0 2 4

        eval instant at 0m nosuch
          expect fail

        eval instant at 1m "x"
          expect string "x"
        """
        let report = PromQLTestRunner.run(script: script, path: "inline.test")
        #expect(report.passed == 3)
        #expect(report.failed == 2)
        #expect(report.failures.map(\.line) == [7, 13])
        let summary = PromQLTestSummary(files: [report])
        #expect(summary.text.hasSuffix("3 passed, 2 failed, 0 skipped\n"))
        #expect(summary.text.contains("inline.test:7:"))
    }

    @Test func histogramCasesAreSkippedAndBadScriptsReported() {
        let script = """
        load 1m
          h {{schema:0 sum:1 count:1 buckets:[1]}}
          f 1

        eval instant at 0m h
          expect no_info

        eval instant at 0m f
          f 1
        """
        let report = PromQLTestRunner.run(script: script, path: "h.test")
        #expect(report.skipped == 1)
        #expect(report.passed == 1)
        let bad = PromQLTestRunner.run(script: "frobnicate\n", path: "bad.test")
        #expect(bad.error?.contains("line 1") == true)
        #expect(PromQLTestSummary(files: [bad]).failed == 1)
    }

    @Test func valueSequencesExpandLikeUpstream() throws {
        let line = try SeriesLineParser.parse(#"m{a="b"} 1+1x2 _x2 stale -2-1x1 3x1 {{schema:0}}x1"#, line: 1)
        #expect(line.labels == ["__name__": "m", "a": "b"])
        let floats = line.values.map { v -> String in
            switch v {
            case .omitted: return "_"
            case .histogram: return "h"
            case .float(let f): return f.isNaN ? "nan" : String(f)
            }
        }
        #expect(floats == ["1.0", "2.0", "3.0", "_", "_", "nan", "-2.0", "-3.0", "3.0", "3.0", "h", "h"])
    }
}
