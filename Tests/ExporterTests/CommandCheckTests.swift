import Foundation
import Model
import Testing
@testable import Exporter

/// Command checks run real programs: timeouts kill the whole process group, output
/// is capped, and bad output becomes a failed check, never a crashed exporter.
@Suite struct CommandCheckTests {
    func command(_ name: String, _ argv: [String], shell: Bool = false, timeout: Double = 5, maxOutput: Int = 64 << 10,
                 exitCodes: [Int32] = [0], env: [String: String] = [:], metrics: [CommandMetricConfig] = []) -> CheckConfig {
        CheckConfig(name: name, timeout: PromDuration(milliseconds: Int64(timeout * 1000)),
                    kind: .command(CommandCheckConfig(command: argv, shell: shell, environment: env, maxOutputBytes: maxOutput,
                                                      successExitCodes: exitCodes, metrics: metrics)))
    }

    /// Live (non-zombie) processes whose command line contains `marker`.
    static func livingProcesses(containing marker: String) -> [Int32] {
        var out: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(name),
                  let cmdline = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(name)/cmdline")),
                  String(decoding: cmdline, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").contains(marker),
                  let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let state = stat[stat.index(close, offsetBy: 2)]
            if state != "Z" { out.append(pid) }
        }
        return out
    }

    @Test func timeoutKillsTheChildAndItsChildren() async throws {
        let marker = "\(Int.random(in: 100_000 ... 999_999)).5"
        let check = command("hang", ["sleep \(marker) & sleep \(marker) & sleep \(marker); wait"], shell: true, timeout: 1)
        let started = Date()
        let page = try await scrapeChecks([check])
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 4, "the scrape waited \(elapsed)s for a check with a 1s timeout")
        #expect(page.value("ember_check_success", ["check": "hang"]) == 0)
        #expect(page.value("ember_check_error", ["check": "hang", "reason": "timeout"]) == 1)
        #expect(page.value("ember_command_timed_out", ["check": "hang"]) == 1)
        #expect(page.value("ember_command_exit_code", ["check": "hang"]) == 137)
        let gone = await eventually(within: 5) { Self.livingProcesses(containing: "sleep \(marker)").isEmpty }
        #expect(gone, "still running: \(Self.livingProcesses(containing: "sleep \(marker)"))")
    }

    @Test func nonZeroExitFailsUnlessListed() async throws {
        let page = try await scrapeChecks([
            command("fails", ["sh", "-c", "echo oops >&2; exit 3"]),
            command("allowed", ["sh", "-c", "exit 3"], exitCodes: [0, 3]),
            command("crashes", ["sh", "-c", "kill -SEGV $$"]),
            command("missing", ["/nonexistent/program"]),
        ])
        #expect(page.value("ember_command_exit_code", ["check": "fails"]) == 3)
        #expect(page.value("ember_check_error", ["check": "fails", "reason": "exit_status"]) == 1)
        #expect(page.value("ember_check_success", ["check": "allowed"]) == 1)
        #expect(page.value("ember_command_exit_code", ["check": "crashes"]) == 139)
        #expect(page.value("ember_check_success", ["check": "crashes"]) == 0)
        #expect(page.value("ember_command_exit_code", ["check": "missing"]) == -1)
        #expect(page.value("ember_check_error", ["check": "missing", "reason": "exec_failed"]) == 1)
    }

    @Test func numbersRegexCapturesAndJSONPaths() async throws {
        let json = #"{"a": {"b": [1, {"c": 2.5}]}, "ok": true, "s": " 42 "}"#
        let page = try await scrapeChecks([
            command("number", ["echo", " 73.25 "], metrics: [CommandMetricConfig(name: "t_number", help: "A number.", source: .number)]),
            command("regex", ["printf", "used=42.5 disk=sda\\nused=7 disk=sdb\\nused=9 disk=sda\\n"],
                    metrics: [CommandMetricConfig(name: "t_used", type: .gauge, labels: [LabelPair("unit", "pct")],
                                                  source: .regex(#"used=(?P<value>[0-9.]+) disk=(?<disk>\w+)"#))]),
            command("json", ["echo", json], metrics: [
                CommandMetricConfig(name: "t_c", source: .jsonPath("$.a.b[1].c")),
                CommandMetricConfig(name: "t_ok", source: .jsonPath(".ok")),
                CommandMetricConfig(name: "t_s", source: .jsonPath(#"["s"]"#)),
            ]),
            command("env", ["sh", "-c", "echo $EMBER_TEST_VALUE"], env: ["EMBER_TEST_VALUE": "7"],
                    metrics: [CommandMetricConfig(name: "t_env", source: .number)]),
        ])
        #expect(page.value("t_number", ["check": "number"]) == 73.25)
        #expect(page.family("t_number")?.help == "A number.")
        #expect(page.value("t_used", ["check": "regex", "disk": "sda", "unit": "pct"]) == 42.5)
        #expect(page.value("t_used", ["check": "regex", "disk": "sdb"]) == 7)
        #expect(page.samples("t_used").count == 2)
        #expect(page.value("t_c", ["check": "json"]) == 2.5)
        #expect(page.value("t_ok", ["check": "json"]) == 1)
        #expect(page.value("t_s", ["check": "json"]) == 42)
        #expect(page.value("t_env", ["check": "env"]) == 7)
        for check in ["number", "regex", "json", "env"] {
            #expect(page.value("ember_check_success", ["check": check]) == 1, "\(check)")
        }
    }

    @Test func garbageOutputIsAParseErrorNotACrash() async throws {
        let page = try await scrapeChecks([
            command("text", ["echo", "not a number"], metrics: [CommandMetricConfig(name: "g_a", source: .number)]),
            command("binary", ["head", "-c", "4096", "/dev/urandom"], metrics: [
                CommandMetricConfig(name: "g_b", source: .jsonPath(".x")),
                CommandMetricConfig(name: "g_c", source: .regex("value=([0-9]+)")),
            ]),
            command("nopath", ["echo", "{\"x\": \"abc\"}"], metrics: [CommandMetricConfig(name: "g_d", source: .jsonPath(".x"))]),
        ])
        for check in ["text", "binary", "nopath"] {
            #expect(page.value("ember_check_error", ["check": check, "reason": "parse_error"]) == 1, "\(check)")
            #expect(page.value("ember_command_exit_code", ["check": check]) == 0)
        }
        #expect(page.value("g_a") == nil)
        #expect(page.value("g_d") == nil)
    }

    @Test func hugeOutputIsCappedAndDrained() async throws {
        let page = try await scrapeChecks([
            command("huge", ["head", "-c", "50000000", "/dev/zero"], maxOutput: 1024),
            command("endless", ["yes"], timeout: 1, maxOutput: 4096),
        ])
        #expect(page.value("ember_command_output_truncated", ["check": "huge"]) == 1)
        #expect(page.value("ember_command_exit_code", ["check": "huge"]) == 0)
        #expect(page.value("ember_check_success", ["check": "huge"]) == 1)
        #expect(page.value("ember_command_timed_out", ["check": "endless"]) == 1)
        #expect(page.value("ember_command_output_truncated", ["check": "endless"]) == 1)
    }

    @Test func childrenDoNotInheritTheExportersDescriptors() throws {
        // A descriptor opened without O_CLOEXEC must not reach the child.
        let fd = open("/dev/null", O_RDONLY)
        defer { close(fd) }
        let result = try Subprocess.run(["ls", "/proc/self/fd"], environment: [:], maxOutputBytes: 4096, deadline: Deadline(after: 5))
        let fds = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { Int($0) }
        #expect(!fds.contains(Int(fd)), "child saw fds \(fds)")
        #expect(fds.filter { $0 > 2 }.count <= 1) // ls's own directory handle
    }

    @Test func shellOnlyWhenAsked() async throws {
        let page = try await scrapeChecks([
            command("argv", ["echo", "$HOME; exit 9"], metrics: [CommandMetricConfig(name: "s_a", source: .regex(#"(\d)"#))]),
            command("shell", ["echo 5; exit 0"], shell: true, metrics: [CommandMetricConfig(name: "s_b", source: .number)]),
        ])
        // Without a shell the argument is printed literally, not expanded or executed.
        #expect(page.value("s_a", ["check": "argv"]) == 9)
        #expect(page.value("ember_command_exit_code", ["check": "argv"]) == 0)
        #expect(page.value("s_b", ["check": "shell"]) == 5)
    }
}
