import Foundation
import Model
import Testing
@testable import Exporter

@Suite struct ServiceCheckTests {
    func service(_ name: String, _ unit: String, expect: String = "active", timeout: Double = 3) -> CheckConfig {
        CheckConfig(name: name, timeout: PromDuration(milliseconds: Int64(timeout * 1000)), kind: .service(ServiceCheckConfig(unit: unit, expectedState: expect)))
    }

    /// This machine has no systemd (PID 1 is something else): the check fails cleanly.
    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/run/systemd/system")))
    func withoutSystemdTheCheckFailsWithAClearReason() async throws {
        var options = ExporterOptions()
        options.collectors = [.loadavg]
        let page = try await scrapeChecks([service("nginx", "nginx")], options: options)
        #expect(page.value("ember_check_success", ["check": "nginx"]) == 0)
        #expect(page.value("ember_check_error", ["check": "nginx", "reason": "systemd_unavailable"]) == 1)
        #expect(page.value("node_load1") != nil)
    }

    /// A stand-in `systemctl` (systemd cannot run here) prints what `systemctl show`
    /// prints, so the argument vector, parsing and metrics are exercised for real.
    @Test func statesAreOneHotLikeSystemdExporter() async throws {
        let t = TempDir()
        t.mkdir("run/systemd/system")
        let log = t.path + "/argv.log"
        let script = t.write("systemctl", """
        #!/bin/sh
        printf '%s\\n' "$@" > \(log)
        case "$2" in
          nginx.service) printf 'Id=nginx.service\\nLoadState=loaded\\nActiveState=active\\nSubState=running\\nNRestarts=2\\nActiveEnterTimestampMonotonic=1000000\\nMainPID=42\\n' ;;
          cron.service) printf 'Id=cron.service\\nLoadState=loaded\\nActiveState=failed\\nSubState=failed\\nNRestarts=5\\n' ;;
          slow.service) sleep 30 ;;
          *) printf 'Id=%s\\nLoadState=not-found\\nActiveState=inactive\\nSubState=dead\\n' "$2" ;;
        esac

        """)
        chmod(script, 0o755)
        var options = checksOnlyOptions()
        options.systemctlPath = script
        options.systemdRuntimeDirectory = t.path + "/run/systemd/system"
        let page = try await scrapeChecks([service("web", "nginx"), service("cron", "cron.service"), service("ghost", "ghost.service"),
                                           service("slow", "slow.service", timeout: 1)], options: options)
        #expect(page.value("ember_check_success", ["check": "web"]) == 1)
        #expect(page.value("systemd_unit_state", ["check": "web", "name": "nginx.service", "state": "active", "type": "service"]) == 1)
        #expect(page.samples("systemd_unit_state", ["check": "web"]).map(\.value).reduce(0, +) == 1)
        #expect(page.samples("systemd_unit_state", ["check": "web"]).count == 5)
        #expect(page.value("systemd_service_restart_total", ["check": "web", "name": "nginx.service"]) == 2)
        #expect(page.value("ember_service_sub_state", ["check": "web", "sub_state": "running"]) == 1)
        #expect(page.value("systemd_unit_start_time_seconds", ["check": "web"]) ?? 0 > 1_000_000_000)
        #expect(page.value("systemd_unit_state", ["check": "cron", "state": "failed"]) == 1)
        #expect(page.value("ember_check_error", ["check": "cron", "reason": "unexpected_state"]) == 1)
        #expect(page.value("ember_check_error", ["check": "ghost", "reason": "unit_not_found"]) == 1)
        #expect(page.value("ember_check_error", ["check": "slow", "reason": "timeout"]) == 1)
        let argv = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(argv.first == "show")
        #expect(argv.contains("--property=Id,LoadState,ActiveState,SubState,NRestarts,ActiveEnterTimestampMonotonic,MainPID"))
    }
}

@Suite struct FileCheckTests {
    @Test func existenceSizeAndAge() async throws {
        let t = TempDir()
        let fresh = t.write("fresh.txt", "0123456789")
        let old = t.write("old.txt", "x")
        let twoDaysAgo = Date().addingTimeInterval(-2 * 86400)
        try FileManager.default.setAttributes([.modificationDate: twoDaysAgo], ofItemAtPath: old)
        let page = try await scrapeChecks([
            CheckConfig(name: "fresh", kind: .file(FileCheckConfig(path: fresh, maxAge: PromDuration(seconds: 3600), minSize: 5))),
            CheckConfig(name: "old", kind: .file(FileCheckConfig(path: old, maxAge: PromDuration(seconds: 86400)))),
            CheckConfig(name: "small", kind: .file(FileCheckConfig(path: old, minSize: 100))),
            CheckConfig(name: "gone", kind: .file(FileCheckConfig(path: t.path + "/nope"))),
        ])
        #expect(page.value("ember_check_success", ["check": "fresh"]) == 1)
        #expect(page.value("ember_file_size_bytes", ["check": "fresh", "path": fresh]) == 10)
        #expect(page.value("ember_file_age_seconds", ["check": "fresh"]) ?? 99 < 60)
        #expect(page.value("ember_check_error", ["check": "old", "reason": "too_old"]) == 1)
        #expect(abs((page.value("ember_file_modified_timestamp_seconds", ["check": "old"]) ?? 0) - twoDaysAgo.timeIntervalSince1970) < 2)
        #expect(page.value("ember_check_error", ["check": "small", "reason": "too_small"]) == 1)
        #expect(page.value("ember_file_exists", ["check": "gone"]) == 0)
        #expect(page.value("ember_check_error", ["check": "gone", "reason": "missing"]) == 1)
    }
}

/// Concurrency, timeouts and caching of checks.
@Suite struct CheckSchedulerTests {
    func counter(_ name: String, file: String, interval: Double = 0, timeout: Double = 5) -> CheckConfig {
        CheckConfig(name: name, interval: PromDuration(milliseconds: Int64(interval * 1000)), timeout: PromDuration(milliseconds: Int64(timeout * 1000)),
                    kind: .command(CommandCheckConfig(command: ["echo x >> \(file); wc -l < \(file)"], shell: true,
                                                      metrics: [CommandMetricConfig(name: "runs", source: .number)])))
    }

    @Test func aHangingCheckDoesNotDelayTheOthers() async throws {
        var checks = [CheckConfig(name: "hang", timeout: PromDuration(seconds: 1),
                                  kind: .command(CommandCheckConfig(command: ["sleep", "30"])))]
        for i in 0 ..< 20 {
            checks.append(CheckConfig(name: "sleep-\(i)", timeout: PromDuration(seconds: 10),
                                      kind: .command(CommandCheckConfig(command: ["sleep", "0.5"]))))
        }
        var options = ExporterOptions()
        options.collectors = [.cpu, .meminfo]
        let exporter = try Exporter(config: ChecksConfig(checks: checks), options: options)
        let started = Date()
        let page = try ParsedPage(await exporter.scrape(format: .text).body)
        let elapsed = Date().timeIntervalSince(started)
        // Twenty half-second checks run side by side; the hanging one is cut at 1s.
        #expect(elapsed < 6, "scrape took \(elapsed)s")
        #expect(page.value("ember_check_error", ["check": "hang", "reason": "timeout"]) == 1)
        #expect(page.samples("ember_check_success").filter { $0.value == 1 }.count == 20)
        #expect(page.value("node_memory_MemTotal_bytes") != nil)
        let hangDuration = try #require(page.value("ember_check_duration_seconds", ["check": "hang"]))
        #expect(hangDuration >= 1 && hangDuration < 3)
    }

    @Test func intervalChecksAreServedFromCacheAndRefreshedInTheBackground() async throws {
        let t = TempDir()
        let perScrape = counter("every", file: t.path + "/every")
        let cached = counter("cached", file: t.path + "/cached", interval: 3600)
        // Long enough that the first scrapes finish within it on a loaded 2-core machine.
        let short = counter("short", file: t.path + "/short", interval: 1.5)
        let exporter = try Exporter(config: ChecksConfig(checks: [perScrape, cached, short]), options: checksOnlyOptions())
        var page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.value("runs", ["check": "every"]) == 1)
        #expect(page.value("runs", ["check": "cached"]) == 1)
        #expect(page.value("runs", ["check": "short"]) == 1)
        page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.value("runs", ["check": "every"]) == 2)
        #expect(page.value("runs", ["check": "cached"]) == 1)
        // Once the short interval has passed, a scrape starts a refresh and still
        // answers from the cache; a later scrape sees the refreshed value.
        try await Task.sleep(for: .milliseconds(1600))
        page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.value("runs", ["check": "short"]) == 1)
        let refreshed = try await eventually(within: 5) {
            let p = try ParsedPage(await exporter.scrape(format: .text).body)
            return p.value("runs", ["check": "short"]) == 2
        }
        #expect(refreshed)
        page = try ParsedPage(await exporter.scrape(format: .text).body)
        #expect(page.value("runs", ["check": "cached"]) == 1)
        let lines = try String(contentsOfFile: t.path + "/cached", encoding: .utf8).split(separator: "\n").count
        #expect(lines == 1)
    }

    @Test func concurrentScrapesShareOneRunOfAPerScrapeCheck() async throws {
        let t = TempDir()
        let slowCounter = CheckConfig(name: "slow", kind: .command(CommandCheckConfig(
            command: ["echo x >> \(t.path)/runs; sleep 0.5"], shell: true)))
        let exporter = try Exporter(config: ChecksConfig(checks: [slowCounter]), options: checksOnlyOptions())
        async let a = exporter.scrape(format: .text)
        async let b = exporter.scrape(format: .text)
        _ = await (a, b)
        let lines = try String(contentsOfFile: t.path + "/runs", encoding: .utf8).split(separator: "\n").count
        #expect(lines == 1)
    }

    @Test func everyCheckCarriesItsLabelsAndTimestamps() async throws {
        let config = try ChecksFile.parse("""
        defaults: {labels: {env: test}}
        checks:
          - {name: f, type: file, path: /etc/hostname, labels: {team: ops}}
        """, file: "x.yml")
        let page = try await scrapeChecks(config.checks)
        let success = try #require(page.samples("ember_check_success").first)
        #expect(success.labels == [LabelPair("check", "f"), LabelPair("env", "test"), LabelPair("team", "ops")])
        #expect(abs((page.value("ember_check_last_run_timestamp_seconds", ["check": "f"]) ?? 0) - Date().timeIntervalSince1970) < 60)
        #expect(page.family("ember_check_duration_seconds")?.type == .gauge)
    }
}

@Suite struct CheckLabelTests {
    @Test func labelsAreSortedAndNeverRepeated() {
        let labels = CheckLabels(CheckConfig(name: "c", labels: [LabelPair("zone", "a"), LabelPair("env", "prod")], kind: .file(FileCheckConfig(path: "/x"))))
        #expect(labels.base.map(\.name) == ["check", "env", "zone"])
        let merged = labels.with([LabelPair("env", "from-capture"), LabelPair("disk", "sda"), LabelPair("disk", "sdb")])
        #expect(merged == [LabelPair("check", "c"), LabelPair("disk", "sda"), LabelPair("env", "from-capture"), LabelPair("zone", "a")])
    }
}
