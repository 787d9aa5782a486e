import Foundation
import Testing
import TestSupport

/// Runs the built `ember` binary as a user would.
@Suite struct CLITests {
    var ember: String { TestPaths.productsDir.appendingPathComponent("ember").path }

    @Test func versionAndHelp() throws {
        let v = try ChildProcess.run(ember, ["version"])
        #expect(v.status == 0)
        #expect(v.stdout.hasPrefix("ember, version "))
        for sub in [["--help"], ["server", "--help"], ["version", "--help"]] {
            let h = try ChildProcess.run(ember, sub)
            #expect(h.status == 0, "ember \(sub) exited \(h.status)")
            #expect(h.stdout.contains("USAGE: ember"))
        }
        #expect(try ChildProcess.run(ember, ["server", "--help"]).stdout.contains("--storage.tsdb.retention.time"))
    }

    @Test func serverStartsWithTheEmbeddedDefaultAndStopsOnSIGTERM() throws {
        let port = Loopback.freePort()
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = try ChildProcess(ember, ["server", "--web.listen-address", "127.0.0.1:\(port)",
                                         "--storage.tsdb.path", dir.appendingPathComponent("data").path])
        defer { p.stop() }
        #expect(Loopback.waitUntilHealthy(port: port, timeoutSeconds: 30), "stderr: \(p.stderr)")
        let config = Loopback.request(port: port, path: "/api/v1/status/config")?.body ?? ""
        #expect(config.contains("job_name: ember"))
        p.process.terminate()
        #expect(p.wait(timeoutSeconds: 15) != nil, "server did not stop on SIGTERM")
    }

    @Test(arguments: [
        (["server", "--web.listen-address", "nonsense"], "invalid --web.listen-address"),
        (["server", "--storage.tsdb.retention.time", "15x"], "invalid --storage.tsdb.retention.time"),
        (["server", "--storage.tsdb.retention.size", "10XB"], "invalid --storage.tsdb.retention.size"),
        (["server", "--log.level", "loud"], "invalid --log.level"),
        (["server", "--no-such-flag"], "Unknown option"),
    ])
    func badFlagsAreRejectedWithAClearMessage(args: [String], message: String) throws {
        let r = try ChildProcess.run(ember, args, timeoutSeconds: 20)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "stderr was: \(r.stderr)")
    }

    @Test func unreadableConfigFileFailsToStart() throws {
        let r = try ChildProcess.run(ember, ["server", "--config.file", "/nonexistent/prometheus.yml",
                                             "--web.listen-address", "127.0.0.1:\(Loopback.freePort())"], timeoutSeconds: 20)
        #expect(r.status == 1)
        #expect((r.stdout + r.stderr).contains("/nonexistent/prometheus.yml"))
    }
}

/// `ember exporter` as a separate process, scraped over loopback.
@Suite struct ExporterCommandTests {
    var ember: String { TestPaths.productsDir.appendingPathComponent("ember").path }

    @Test func exporterServesNodeMetricsAndChecks() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let checks = dir.appendingPathComponent("checks.yml")
        try "checks:\n  - name: tmp_exists\n    type: file\n    path: /tmp\n".write(to: checks, atomically: false, encoding: .utf8)
        let port = Loopback.freePort()
        let p = try ChildProcess(ember, ["exporter", "--web.listen-address", "127.0.0.1:\(port)", "--checks.file", checks.path])
        defer { p.stop() }
        #expect(Loopback.waitUntilHealthy(port: port, timeoutSeconds: 30), "stderr: \(p.stderr)")
        let metrics = try #require(Loopback.request(port: port, path: "/metrics", timeoutSeconds: 20))
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("# TYPE node_cpu_seconds_total counter"))
        #expect(metrics.body.contains("ember_check_success{check=\"tmp_exists\"} 1"), "\(metrics.body.suffix(2000))")
    }

    @Test func checkChecksLocatesErrors() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yml")
        try "checks:\n  - name: x\n    type: file\n    path: /tmp\n    bogus: 1\n".write(to: bad, atomically: false, encoding: .utf8)
        let r = try ChildProcess.run(ember, ["check", "checks", bad.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("bad.yml:5:5"), "\(r.stdout)")
        let example = TestPaths.repoRoot.appendingPathComponent("examples/checks.yml").path
        #expect(try ChildProcess.run(ember, ["check", "checks", example]).status == 0)
    }
}
