import Foundation
import Testing
@testable import Exporter

/// Port and process checks against real sockets and processes started by the test.
@Suite struct PortCheckTests {
    static var ownComm: String { (try? String(contentsOfFile: "/proc/self/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "" }

    func port(_ name: String, _ port: Int, proto: SocketProtocol = .tcp, address: String? = nil) -> CheckConfig {
        CheckConfig(name: name, labels: [LabelPair("team", "t")], kind: .port(PortCheckConfig(port: port, proto: proto, address: address)))
    }

    @Test func tcpListenerInThisProcessFlipsWhenClosed() async throws {
        let socket = BoundSocket()
        let checks = [port("mine", socket.port), port("mine-addr", socket.port, address: "127.0.0.1"),
                      port("other-addr", socket.port, address: "10.9.8.7"), port("as-udp", socket.port, proto: .udp)]
        var page = try await scrapeChecks(checks)
        #expect(page.value("ember_check_success", ["check": "mine", "team": "t"]) == 1)
        #expect(page.value("ember_port_listening", ["check": "mine", "port": String(socket.port), "protocol": "tcp"]) == 1)
        let info = try #require(page.samples("ember_port_listener_info", ["check": "mine"]).first)
        #expect(info.labels.map(\.name) == ["address", "check", "pid", "port", "process", "protocol", "team"])
        #expect(info.labels.first { $0.name == "address" }?.value == "127.0.0.1")
        #expect(info.labels.first { $0.name == "pid" }?.value == String(getpid()))
        #expect(info.labels.first { $0.name == "process" }?.value == Self.ownComm)
        #expect(page.value("ember_check_success", ["check": "mine-addr"]) == 1)
        #expect(page.value("ember_check_success", ["check": "other-addr"]) == 0)
        #expect(page.value("ember_check_success", ["check": "as-udp"]) == 0)
        #expect(page.value("ember_check_error", ["check": "other-addr", "reason": "not_listening"]) == 1)

        socket.close()
        page = try await scrapeChecks(checks)
        #expect(page.value("ember_check_success", ["check": "mine"]) == 0)
        #expect(page.value("ember_port_listening", ["check": "mine"]) == 0)
        #expect(page.samples("ember_port_listener_info", ["check": "mine"]).isEmpty)
        #expect(page.value("ember_check_error", ["check": "mine", "reason": "not_listening"]) == 1)
    }

    @Test func udpSocketCountsAsListening() async throws {
        let socket = BoundSocket(udp: true)
        defer { socket.close() }
        let page = try await scrapeChecks([port("dns", socket.port, proto: .udp)])
        #expect(page.value("ember_check_success", ["check": "dns"]) == 1)
        #expect(page.value("ember_port_listener_info", ["check": "dns", "protocol": "udp", "pid": String(getpid())]) == 1)
    }

    @Test(.enabled(if: python3Path != nil))
    func pythonHTTPServerIsFoundAndOwnedThenGone() async throws {
        let p = freePort()
        let root = TempDir()
        let server = try ChildProcess(python3Path!, ["-m", "http.server", String(p), "--bind", "127.0.0.1"], workingDirectory: root.path)
        defer { server.stop() }
        let checks = [port("py", p)]
        var page = try await scrapeChecks(checks)
        let up = try await eventually(within: 20) {
            page = try await scrapeChecks(checks)
            return page.value("ember_check_success", ["check": "py"]) == 1
        }
        try #require(up, "python http.server never listened on \(p)")
        let info = try #require(page.samples("ember_port_listener_info", ["check": "py"]).first)
        #expect(info.labels.first { $0.name == "pid" }?.value == String(server.pid))
        #expect(info.labels.first { $0.name == "process" }?.value.hasPrefix("python") == true)

        server.stop()
        let down = try await eventually(within: 10) {
            page = try await scrapeChecks(checks)
            return page.value("ember_check_success", ["check": "py"]) == 0
        }
        #expect(down)
    }
}

@Suite struct ProcessCheckTests {
    /// A sleep duration nobody else uses, so the command line identifies our children.
    static func uniqueSeconds() -> String { String(format: "%d.%03d", Int.random(in: 50_000 ... 90_000), Int.random(in: 0 ... 999)) }

    func check(_ name: String, _ config: ProcessCheckConfig) -> CheckConfig {
        CheckConfig(name: name, kind: .process(config))
    }

    @Test func countsMatchingSleepProcessesAndFlipsWhenTheyStop() async throws {
        let marker = Self.uniqueSeconds()
        let sleepPath = which("sleep") ?? "/bin/sleep"
        let a = try ChildProcess(sleepPath, [marker])
        let b = try ChildProcess(sleepPath, [marker])
        let pattern = "^" + sleepPath.replacingOccurrences(of: ".", with: "\\.") + " " + marker.replacingOccurrences(of: ".", with: "\\.") + "$"
        let checks = [
            check("by-cmdline", ProcessCheckConfig(cmdline: [pattern])),
            check("by-comm", ProcessCheckConfig(comm: ["sleep"], cmdline: [marker])),
            check("by-exe", ProcessCheckConfig(exe: ["sleep"], cmdline: [marker])),
            check("by-exe-path", ProcessCheckConfig(exe: [sleepPath], cmdline: [marker])),
            check("at-most-one", ProcessCheckConfig(cmdline: [pattern], maxCount: 1)),
            check("wrong-comm", ProcessCheckConfig(comm: ["sleepy"], cmdline: [marker])),
        ]
        var page = try await scrapeChecks(checks)
        for name in ["by-cmdline", "by-comm", "by-exe", "by-exe-path"] {
            #expect(page.value("namedprocess_namegroup_num_procs", ["check": name, "groupname": name]) == 2, "\(name)")
            #expect(page.value("ember_check_success", ["check": name]) == 1, "\(name)")
        }
        #expect(page.value("ember_check_error", ["check": "at-most-one", "reason": "too_many_processes"]) == 1)
        #expect(page.value("namedprocess_namegroup_num_procs", ["check": "wrong-comm"]) == 0)
        #expect(page.value("namedprocess_namegroup_num_threads", ["check": "by-cmdline"]) == 2)
        #expect(page.value("namedprocess_namegroup_memory_bytes", ["check": "by-cmdline", "memtype": "resident"]) ?? 0 > 0)
        #expect(page.value("namedprocess_namegroup_memory_bytes", ["check": "by-cmdline", "memtype": "virtual"]) ?? 0 > 0)
        #expect(page.value("namedprocess_namegroup_open_filedesc", ["check": "by-cmdline"]) ?? 0 >= 2)
        #expect(page.value("namedprocess_namegroup_worst_fd_ratio", ["check": "by-cmdline"]) ?? 0 > 0)
        #expect(page.value("namedprocess_namegroup_states", ["check": "by-cmdline", "state": "Sleeping"]) == 2)
        let oldest = try #require(page.value("namedprocess_namegroup_oldest_start_time_seconds", ["check": "by-cmdline"]))
        #expect(abs(oldest - Date().timeIntervalSince1970) < 120)
        #expect(page.value("namedprocess_namegroup_cpu_seconds_total", ["check": "by-cmdline", "mode": "user"]) != nil)

        a.stop()
        page = try await scrapeChecks(checks)
        #expect(page.value("namedprocess_namegroup_num_procs", ["check": "by-cmdline"]) == 1)
        #expect(page.value("ember_check_success", ["check": "at-most-one"]) == 1)

        b.stop()
        page = try await scrapeChecks(checks)
        #expect(page.value("namedprocess_namegroup_num_procs", ["check": "by-cmdline"]) == 0)
        #expect(page.value("ember_check_success", ["check": "by-cmdline"]) == 0)
        #expect(page.value("ember_check_error", ["check": "by-cmdline", "reason": "too_few_processes"]) == 1)
        #expect(page.value("namedprocess_namegroup_oldest_start_time_seconds", ["check": "by-cmdline"]) == nil)
    }

    /// The `ps -fA | grep python3` case: python3 processes by command line.
    @Test(.enabled(if: python3Path != nil))
    func pythonProcessesByCommandLine() async throws {
        let marker = "ember_marker_\(Int.random(in: 1_000_000 ... 9_999_999))"
        let child = try ChildProcess(python3Path!, ["-c", "import time  # \(marker)\ntime.sleep(600)"])
        defer { child.stop() }
        let checks = [check("python3", ProcessCheckConfig(cmdline: ["python3?", marker]))]
        var page = try await scrapeChecks(checks)
        let found = try await eventually {
            page = try await scrapeChecks(checks)
            return page.value("namedprocess_namegroup_num_procs", ["check": "python3"]) == 1
        }
        #expect(found)
        #expect(page.value("ember_check_success", ["check": "python3"]) == 1)
    }

    @Test func commNamesLongerThanTheKernelLimitMatchTheirPrefix() {
        let p = ProcessIdentity(pid: 1, comm: "a-very-long-pro", cmdline: ["/opt/x/a-very-long-process-name"],
                                cmdlineJoined: "/opt/x/a-very-long-process-name", exe: nil)
        let check = try? ProcessCheck(config: CheckConfig(name: "x", kind: .process(ProcessCheckConfig(comm: ["a-very-long-process-name"]))),
                                      process: ProcessCheckConfig(comm: ["a-very-long-process-name"]))
        #expect(check?.matches(p) == true)
        let byExe = try? ProcessCheck(config: CheckConfig(name: "y", kind: .process(ProcessCheckConfig(exe: ["a-very-long-process-name"]))),
                                      process: ProcessCheckConfig(exe: ["a-very-long-process-name"]))
        #expect(byExe?.matches(p) == true)
    }
}

@Suite struct SocketSourceTests {
    /// sock_diag and /proc/net describe the same listeners on the live host.
    @Test func sockDiagAgreesWithProcNet() throws {
        let tcp = BoundSocket()
        let udp = BoundSocket(udp: true)
        defer { tcp.close(); udp.close() }
        for proto in [SocketProtocol.tcp, .udp] {
            let fromNetlink = try #require(SockDiag.listeners(proto))
            let fromProc = SocketTable.readProcNet(paths: HostPaths(), proto: proto)
            // Other tests open and close listeners meanwhile, so compare this test's own.
            let port = proto == .tcp ? tcp.port : udp.port
            let a = fromNetlink.filter { $0.localPort == port }
            let b = fromProc.filter { $0.localPort == port }
            #expect(a.count == 1, "\(proto)")
            #expect(a == b, "\(proto)")
            #expect(a.first?.localAddress.text == "127.0.0.1")
            #expect(a.first?.inode ?? 0 != 0)
            #expect(a.first?.isListening == true)
        }
    }
}
