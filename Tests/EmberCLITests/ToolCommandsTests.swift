import Foundation
import Testing
import TestSupport

/// The file-checking and data tools of the CLI, run as a user runs them.
@Suite struct ToolCommandsTests {
    var ember: String { TestPaths.productsDir.appendingPathComponent("ember").path }

    @Test func checkConfigAcceptsValidAndLocatesErrors() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.yml")
        try "global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:9100']\n"
            .write(to: good, atomically: false, encoding: .utf8)
        let ok = try ChildProcess.run(ember, ["check", "config", good.path])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("SUCCESS"))
        let bad = dir.appendingPathComponent("ember.yml")
        try "scrape_configs:\n  - job_name: a\n    static_configs: [{targets: ['h:1']}]\n  - job_name: b\n    scrape_interval: 15x\n"
            .write(to: bad, atomically: false, encoding: .utf8)
        let failed = try ChildProcess.run(ember, ["check", "config", bad.path])
        #expect(failed.status == 1)
        #expect(failed.stdout.contains(#"ember.yml:5:22: scrape_configs[1].scrape_interval: not a valid duration string: "15x""#), "\(failed.stdout)")
    }

    @Test func checkMetricsExitCodes() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.prom")
        try "# HELP up Up.\n# TYPE up gauge\nup 1\n".write(to: good, atomically: false, encoding: .utf8)
        #expect(try ChildProcess.run(ember, ["check", "metrics", good.path]).status == 0)
        let bad = dir.appendingPathComponent("bad.prom")
        try "up 1\nup{ 2\n".write(to: bad, atomically: false, encoding: .utf8)
        let r = try ChildProcess.run(ember, ["check", "metrics", bad.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("line 2"), "\(r.stderr)")
        let lint = dir.appendingPathComponent("lint.prom")
        try "# HELP requests Requests.\n# TYPE requests counter\nrequests 1\n".write(to: lint, atomically: false, encoding: .utf8)
        let l = try ChildProcess.run(ember, ["check", "metrics", "--lint", lint.path])
        #expect(l.status == 3)
        #expect(l.stderr.contains("_total"), "\(l.stderr)")
    }

    @Test func testPromQLPrintsTheClosingLine() throws {
        let script = TestPaths.sharedDir.appendingPathComponent("promql-tests/dev/literals.test").path
        try #require(FileManager.default.fileExists(atPath: script), "shared test data not found at \(script)")
        let r = try ChildProcess.run(ember, ["test", "promql", script], timeoutSeconds: 120)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").last.map(String.init) == "25 passed, 0 failed, 0 skipped")
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let failing = dir.appendingPathComponent("f.test")
        try "load 1m\n  x 1 2\n\neval instant at 1m x\n  x 3\n".write(to: failing, atomically: false, encoding: .utf8)
        let f = try ChildProcess.run(ember, ["test", "promql", failing.path])
        #expect(f.status == 1)
        #expect(f.stdout.contains("0 passed, 1 failed, 0 skipped"))
    }

    @Test func tsdbImportAnalyzeAndDumpRoundTrip() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var om = "# TYPE app_load_ratio gauge\n"
        for shard in 0..<3 {
            for i in 0..<100 { om += "app_load_ratio{shard=\"s\(shard)\"} \(i % 7 == 0 ? "0" : "\(Double(i % 7) / 8)") \(1_700_000_000 + i * 15)\n" }
        }
        om += "# EOF\n"
        let input = dir.appendingPathComponent("in.om")
        try om.write(to: input, atomically: false, encoding: .utf8)
        let data = dir.appendingPathComponent("data").path
        let imp = try ChildProcess.run(ember, ["tsdb", "import", "openmetrics", input.path, "--storage.tsdb.path", data], timeoutSeconds: 120)
        #expect(imp.status == 0, "\(imp.stderr)")
        #expect(imp.stdout.contains("imported 300 samples of 3 series"))
        let analyze = try ChildProcess.run(ember, ["tsdb", "analyze", "--storage.tsdb.path", data])
        #expect(analyze.stdout.contains("Series: 3"))
        #expect(analyze.stdout.contains("Samples: 300"))
        let dump = try ChildProcess.run(ember, ["tsdb", "dump", "--storage.tsdb.path", data])
        #expect(dump.status == 0)
        // The dump is OpenMetrics again and holds exactly the imported samples.
        let lines = dump.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let original = om.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == original.count)
        #expect(Set(lines).symmetricDifference(Set(original)).isEmpty)
        let noTimestamp = dir.appendingPathComponent("nots.om")
        try "a 1\n# EOF\n".write(to: noTimestamp, atomically: false, encoding: .utf8)
        let bad = try ChildProcess.run(ember, ["tsdb", "import", "openmetrics", noTimestamp.path, "--storage.tsdb.path", data])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("nots.om:1: sample without a timestamp"), "\(bad.stderr)")
    }

    @Test func benchIngestScrapesSyntheticTargets() throws {
        let r = try ChildProcess.run(ember, ["bench", "ingest", "--targets", "2", "--series", "100", "--duration", "3s"], timeoutSeconds: 60)
        #expect(r.status == 0, "\(r.stderr)")
        let samples = r.stdout.split(separator: "\n").first { $0.hasPrefix("samples ingested:") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(samples >= 2 * 105, "\(r.stdout)") // at least one scrape of each target, with its 5 report series
        #expect(r.stdout.contains("failed 0"), "\(r.stdout)")
        #expect(r.stdout.contains("bytes per sample on disk"))
    }

    @Test func shippedRulesCheckAndPassTheirUnitTests() throws {
        let rules = TestPaths.repoRoot.appendingPathComponent("examples/rules")
        let check = try ChildProcess.run(ember, ["check", "rules", rules.appendingPathComponent("ember-alerts.yml").path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("SUCCESS: 10 rules found"))
        let test = try ChildProcess.run(ember, ["test", "rules", rules.appendingPathComponent("ember-alerts.test.yml").path], timeoutSeconds: 120)
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yml")
        try "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum((\n".write(to: bad, atomically: false, encoding: .utf8)
        let failed = try ChildProcess.run(ember, ["check", "rules", bad.path])
        #expect(failed.status == 1)
        #expect((failed.stdout + failed.stderr).contains("bad.yml"), "\(failed.stdout)\(failed.stderr)")
    }

    @Test func notifyCheckAndRoutesTestAgreeWithAmtool() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("am.yml")
        try """
        route:
          receiver: default
          routes:
            - matchers: ['severity="page"']
              receiver: pager
              continue: true
            - match_re: {team: "db|storage"}
              receiver: dba
        receivers: [{name: default}, {name: pager}, {name: dba}]
        """.write(to: file, atomically: false, encoding: .utf8)
        #expect(try ChildProcess.run(ember, ["check", "notify", file.path]).status == 0)
        for labels in [["severity=page", "team=db"], ["team=storage"], ["alertname=x"]] {
            let ours = try ChildProcess.run(ember, ["notify", "routes", "test", "--config.file", file.path] + labels)
            #expect(ours.status == 0, "\(ours.stderr)")
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool") {
                let theirs = try ChildProcess.run("/usr/bin/amtool", ["config", "routes", "test", "--config.file", file.path] + labels)
                #expect(ours.stdout == theirs.stdout, "labels \(labels)")
            }
        }
        let bad = dir.appendingPathComponent("bad.yml")
        try "route:\n  receiver: nobody\nreceivers: [{name: default}]\n".write(to: bad, atomically: false, encoding: .utf8)
        #expect(try ChildProcess.run(ember, ["check", "notify", bad.path]).status == 1)
    }
}
