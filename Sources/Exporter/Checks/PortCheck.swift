/// Is a TCP or UDP port listening, on which address, and by which process.
///
/// Reads /proc/net/{tcp,tcp6,udp,udp6} and maps socket inodes to processes through
/// /proc/PID/fd, so it needs neither netstat nor ss.
struct PortCheck: LocalCheck {
    let config: CheckConfig
    let port: PortCheckConfig
    let labels: CheckLabels

    init(config: CheckConfig, port: PortCheckConfig) {
        self.config = config
        self.port = port
        self.labels = CheckLabels(config)
    }

    func evaluate(_ context: CheckContext) -> CheckOutcome { evaluate(context.snapshot) }

    func evaluate(_ snapshot: HostSnapshot) -> CheckOutcome {
        let wantedAddress = port.address.flatMap(IPAddress.parse)
        let listeners = snapshot.sockets(port.proto).filter { s in
            guard s.localPort == port.port else { return false }
            guard let wantedAddress else { return true }
            if s.localAddress == wantedAddress { return true }
            // A wildcard listener accepts on every address of its family; [::] also
            // takes IPv4 unless the socket is v6-only, which /proc does not show.
            if s.localAddress.isUnspecified {
                switch (s.localAddress, wantedAddress) {
                case (.v4, .v4), (.v6, _): return true
                default: return false
                }
            }
            return false
        }
        let owners = listeners.isEmpty ? [:] : snapshot.listenerOwners()
        var metrics = MetricSet()
        let portText = String(port.port)
        let proto = port.proto.rawValue
        metrics.add("ember_port_listening", help: "Whether something listens on the port (1) or not (0).", type: .gauge,
                    labels: labels.with([LabelPair("port", portText), LabelPair("protocol", proto)]), value: listeners.isEmpty ? 0 : 1)
        if let info = metrics.family("ember_port_listener_info", help: "A socket listening on the port: its address and owning process.", type: .gauge) {
            var seen = Set<String>()
            for s in listeners {
                let owner = owners[s.inode]
                let address = s.localAddress.text
                let pid = owner.map { String($0.pid) } ?? ""
                guard seen.insert(address + "|" + pid).inserted else { continue }
                metrics.append(info, labels: labels.with([
                    LabelPair("address", address), LabelPair("pid", pid), LabelPair("port", portText),
                    LabelPair("process", owner?.comm ?? ""), LabelPair("protocol", proto),
                ]), value: 1)
            }
        }
        if listeners.isEmpty {
            let where_ = port.address.map { " on \($0)" } ?? ""
            return .failure("not_listening", "nothing listens on \(proto) port \(port.port)\(where_)", metrics: metrics)
        }
        return CheckOutcome(success: true, metrics: metrics, reason: nil, message: nil)
    }
}

/// Existence, size and age of a file.
struct FileCheck: LocalCheck {
    let config: CheckConfig
    let file: FileCheckConfig
    let labels: CheckLabels

    init(config: CheckConfig, file: FileCheckConfig) {
        self.config = config
        self.file = file
        self.labels = CheckLabels(config)
    }

    func evaluate(_ context: CheckContext) -> CheckOutcome { evaluate(now: wallClockSeconds()) }

    func evaluate(now: Double) -> CheckOutcome {
        var metrics = MetricSet()
        let l = labels.with([LabelPair("path", file.path)])
        var st = stat()
        guard stat(file.path, &st) == 0 else {
            let code = errno
            metrics.add("ember_file_exists", help: "Whether the file exists (1) or not (0).", type: .gauge, labels: l, value: 0)
            return .failure(code == ENOENT ? "missing" : "stat_failed", "\(file.path): \(String(cString: strerror(code)))", metrics: metrics)
        }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        let age = max(0, now - mtime)
        metrics.add("ember_file_exists", help: "Whether the file exists (1) or not (0).", type: .gauge, labels: l, value: 1)
        metrics.add("ember_file_size_bytes", help: "Size of the file in bytes.", type: .gauge, labels: l, value: Double(st.st_size))
        metrics.add("ember_file_modified_timestamp_seconds", help: "Last modification time of the file, seconds since the epoch.", type: .gauge, labels: l, value: mtime)
        metrics.add("ember_file_age_seconds", help: "Seconds since the file was last modified.", type: .gauge, labels: l, value: age)
        if let maxAge = file.maxAge, age > maxAge.seconds {
            return .failure("too_old", "\(file.path) was modified \(Int(age))s ago, more than \(maxAge)", metrics: metrics)
        }
        if let minSize = file.minSize, Int64(st.st_size) < minSize {
            return .failure("too_small", "\(file.path) has \(st.st_size) bytes, fewer than \(minSize)", metrics: metrics)
        }
        return CheckOutcome(success: true, metrics: metrics, reason: nil, message: nil)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func wallClockSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
