/// `node_cpu_seconds_total{cpu,mode}` and `node_cpu_guest_seconds_total{cpu,mode}`
/// from the per-CPU lines of /proc/stat, as node_exporter 1.5's cpu collector.
struct CPUCollector: HostCollector {
    let paths: HostPaths
    var name: String { "cpu" }

    /// /proc/stat counts in USER_HZ, which is 100 on every Linux ABI.
    static let userHZ = 100.0
    static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("stat")
        let scanner = ByteScanner(try ByteFile.load(path))
        guard let seconds = set.family("node_cpu_seconds_total", help: "Seconds the CPUs spent in each mode.", type: .counter),
              let guest = set.family("node_cpu_guest_seconds_total", help: "Seconds the CPUs spent in guests (VMs) for each mode.", type: .counter)
        else { return }
        var lines = scanner
        while let line = lines.nextLine() {
            // "cpu0 user nice system idle iowait irq softirq steal guest guest_nice"; the
            // aggregate "cpu" line is skipped like node_exporter does.
            guard scanner.hasPrefix(line, "cpu"), line.count > 3, isDigit(scanner.bytes[line.lowerBound + 3]) else { continue }
            let fields = scanner.fields(line)
            guard fields.count >= 5 else { throw CollectorParseError(path: path, detail: "short cpu line \"\(scanner.string(line))\"") }
            let cpu = scanner.string(fields[0].lowerBound + 3 ..< fields[0].upperBound)
            for (i, mode) in Self.modes.enumerated() where i + 1 < fields.count {
                guard let v = scanner.uint64(fields[i + 1]) else {
                    throw CollectorParseError(path: path, detail: "bad value in \"\(scanner.string(line))\"")
                }
                set.append(seconds, labels: [LabelPair("cpu", cpu), LabelPair("mode", mode)], value: Double(v) / Self.userHZ)
            }
            if fields.count >= 11, let g = scanner.uint64(fields[9]), let gn = scanner.uint64(fields[10]) {
                set.append(guest, labels: [LabelPair("cpu", cpu), LabelPair("mode", "user")], value: Double(g) / Self.userHZ)
                set.append(guest, labels: [LabelPair("cpu", cpu), LabelPair("mode", "nice")], value: Double(gn) / Self.userHZ)
            }
        }
    }
}

/// Kernel and process counters from /proc/stat (node_exporter's stat collector).
struct StatCollector: HostCollector {
    let paths: HostPaths
    var name: String { "stat" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("stat")
        var scanner = ByteScanner(try ByteFile.load(path))
        var intr: UInt64?, ctxt: UInt64?, btime: UInt64?, forks: UInt64?, running: UInt64?, blocked: UInt64?
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            guard fields.count >= 2 else { continue }
            let key = fields[0]
            if scanner.equals(key, "intr") { intr = scanner.uint64(fields[1]) }
            else if scanner.equals(key, "ctxt") { ctxt = scanner.uint64(fields[1]) }
            else if scanner.equals(key, "btime") { btime = scanner.uint64(fields[1]) }
            else if scanner.equals(key, "processes") { forks = scanner.uint64(fields[1]) }
            else if scanner.equals(key, "procs_running") { running = scanner.uint64(fields[1]) }
            else if scanner.equals(key, "procs_blocked") { blocked = scanner.uint64(fields[1]) }
        }
        guard let intr, let ctxt, let btime, let forks, let running, let blocked else {
            throw CollectorParseError(path: path, detail: "missing one of intr, ctxt, btime, processes, procs_running, procs_blocked")
        }
        set.add("node_intr_total", help: "Total number of interrupts serviced.", type: .counter, value: Double(intr))
        set.add("node_context_switches_total", help: "Total number of context switches.", type: .counter, value: Double(ctxt))
        set.add("node_forks_total", help: "Total number of forks.", type: .counter, value: Double(forks))
        set.add("node_boot_time_seconds", help: "Node boot time, in unixtime.", type: .gauge, value: Double(btime))
        set.add("node_procs_running", help: "Number of processes in runnable state.", type: .gauge, value: Double(running))
        set.add("node_procs_blocked", help: "Number of processes blocked waiting for I/O to complete.", type: .gauge, value: Double(blocked))
    }
}

/// `node_load1`, `node_load5`, `node_load15` from /proc/loadavg.
struct LoadavgCollector: HostCollector {
    let paths: HostPaths
    var name: String { "loadavg" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("loadavg")
        var scanner = ByteScanner(try ByteFile.load(path))
        guard let line = scanner.nextLine() else { throw CollectorParseError(path: path, detail: "empty file") }
        let fields = scanner.fields(line)
        guard fields.count >= 3, let l1 = scanner.double(fields[0]), let l5 = scanner.double(fields[1]), let l15 = scanner.double(fields[2]) else {
            throw CollectorParseError(path: path, detail: "unexpected content \"\(scanner.string(line))\"")
        }
        set.add("node_load1", help: "1m load average.", type: .gauge, value: l1)
        set.add("node_load5", help: "5m load average.", type: .gauge, value: l5)
        set.add("node_load15", help: "15m load average.", type: .gauge, value: l15)
    }
}

/// `node_memory_<Field>[_bytes]` for every line of /proc/meminfo.
struct MeminfoCollector: HostCollector {
    let paths: HostPaths
    var name: String { "meminfo" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("meminfo")
        var scanner = ByteScanner(try ByteFile.load(path))
        var any = false
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            guard fields.count >= 2 else { continue }
            var keyRange = fields[0]
            guard scanner.bytes[keyRange.upperBound - 1] == UInt8(ascii: ":") else {
                throw CollectorParseError(path: path, detail: "invalid line \"\(scanner.string(line))\"")
            }
            keyRange = keyRange.lowerBound ..< keyRange.upperBound - 1
            guard let raw = scanner.uint64(fields[1]) else {
                throw CollectorParseError(path: path, detail: "invalid value in \"\(scanner.string(line))\"")
            }
            var value = Double(raw)
            // "Active(anon)" becomes "Active_anon", as node_exporter's regex rewrite does.
            var key = ""
            key.reserveCapacity(keyRange.count + 6)
            for i in keyRange {
                let b = scanner.bytes[i]
                if b == UInt8(ascii: "(") { key.append("_") } else if b != UInt8(ascii: ")") { key.unicodeScalars.append(Unicode.Scalar(b)) }
            }
            if fields.count >= 3, scanner.equals(fields[2], "kB") {
                value *= 1024
                key += "_bytes"
            }
            set.add("node_memory_" + key, help: "Memory information field \(key).", type: .gauge, value: value)
            any = true
        }
        if !any { throw CollectorParseError(path: path, detail: "no fields") }
    }
}
