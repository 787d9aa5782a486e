#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A systemd unit's state, reported like systemd_exporter: `systemd_unit_state` one-hot
/// over the five active states, plus restarts and the sub-state.
///
/// Runs `systemctl show UNIT --property=...` from an argument vector. On a host where
/// systemd is not PID 1 it does not try: the check fails with reason
/// `systemd_unavailable`.
struct ServiceCheck: BlockingCheck {
    static let activeStates = ["activating", "active", "deactivating", "failed", "inactive"]
    static let properties = ["Id", "LoadState", "ActiveState", "SubState", "NRestarts", "ActiveEnterTimestampMonotonic", "MainPID"]

    let config: CheckConfig
    let service: ServiceCheckConfig
    let labels: CheckLabels

    init(config: CheckConfig, service: ServiceCheckConfig) {
        self.config = config
        self.service = service
        self.labels = CheckLabels(config)
    }

    /// The unit type: the suffix after the last dot (`service`, `socket`, `timer`, ...).
    var unitType: String {
        service.unit.lastIndex(of: ".").map { String(service.unit[service.unit.index(after: $0)...]) } ?? "service"
    }

    func runBlocking(_ context: CheckContext, deadline: Deadline) -> CheckOutcome { evaluate(context.options, deadline: deadline) }

    func evaluate(_ options: ExporterOptions, deadline: Deadline) -> CheckOutcome {
        var st = stat()
        guard stat(options.systemdRuntimeDirectory, &st) == 0 else {
            return .failure("systemd_unavailable", "systemd is not running on this host (\(options.systemdRuntimeDirectory) does not exist)")
        }
        let argv = [options.systemctlPath, "show", service.unit, "--property=" + Self.properties.joined(separator: ","), "--no-pager"]
        let result: SubprocessResult
        do {
            result = try Subprocess.run(argv, environment: ["SYSTEMD_COLORS": "0", "LC_ALL": "C"], maxOutputBytes: 64 << 10, deadline: deadline)
        } catch {
            return .failure("systemctl_failed", error.description)
        }
        if result.timedOut { return .failure("timeout", "systemctl show \(service.unit) timed out") }
        guard result.exitCode == 0 else {
            let err = String(decoding: result.stderr.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure("systemctl_failed", "systemctl show \(service.unit) exited with \(result.exitCode.map(String.init) ?? "a signal"): \(err)")
        }
        return outcome(Self.parseProperties(result.stdout))
    }

    static func parseProperties(_ bytes: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var scanner = ByteScanner(bytes)
        while let line = scanner.nextLine() {
            guard let eq = scanner.bytes[line].firstIndex(of: UInt8(ascii: "=")) else { continue }
            out[scanner.string(line.lowerBound ..< eq)] = scanner.string(eq + 1 ..< line.upperBound)
        }
        return out
    }

    func outcome(_ props: [String: String]) -> CheckOutcome {
        var metrics = MetricSet()
        let name = service.unit
        if props["LoadState"] == "not-found" {
            return .failure("unit_not_found", "unit \(name) not found")
        }
        let active = props["ActiveState"] ?? ""
        if let h = metrics.family("systemd_unit_state", help: "Systemd unit", type: .gauge) {
            for state in Self.activeStates {
                metrics.append(h, labels: labels.with([LabelPair("name", name), LabelPair("state", state), LabelPair("type", unitType)]),
                               value: state == active ? 1 : 0)
            }
        }
        if let sub = props["SubState"], !sub.isEmpty {
            metrics.add("ember_service_sub_state", help: "The unit's sub-state (running, exited, dead, ...), as a label.", type: .gauge,
                        labels: labels.with([LabelPair("name", name), LabelPair("sub_state", sub)]), value: 1)
        }
        if unitType == "service", let restarts = props["NRestarts"].flatMap(Double.init) {
            metrics.add("systemd_service_restart_total", help: "Service unit count of Restart triggers", type: .counter,
                        labels: labels.with([LabelPair("name", name)]), value: restarts)
        }
        if let monotonic = props["ActiveEnterTimestampMonotonic"].flatMap(Double.init), monotonic > 0 {
            // systemd reports CLOCK_MONOTONIC microseconds; convert to wall time.
            var mono = timespec()
            clock_gettime(CLOCK_MONOTONIC, &mono)
            let nowMono = Double(mono.tv_sec) + Double(mono.tv_nsec) / 1e9
            metrics.add("systemd_unit_start_time_seconds", help: "Start time of the unit since unix epoch in seconds.", type: .gauge,
                        labels: labels.with([LabelPair("name", name), LabelPair("type", unitType)]),
                        value: (wallClockSeconds() - (nowMono - monotonic / 1e6)).rounded())
        }
        guard active == service.expectedState else {
            return .failure("unexpected_state", "unit \(name) is \(active)\(props["SubState"].map { " (\($0))" } ?? ""), want \(service.expectedState)", metrics: metrics)
        }
        return CheckOutcome(success: true, metrics: metrics, reason: nil, message: nil)
    }
}

import Foundation
