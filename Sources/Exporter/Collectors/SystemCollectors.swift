#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `node_time_seconds`, `node_time_zone_offset_seconds` and the clocksource info
/// metrics, as node_exporter 1.5's time collector.
struct TimeCollector: HostCollector {
    let paths: HostPaths
    var name: String { "time" }

    func collect(into set: inout MetricSet) throws {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let now = Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        set.add("node_time_seconds", help: "System time in seconds since epoch (1970).", type: .gauge, value: now)
        tzset()
        var seconds = time_t(ts.tv_sec)
        var local = tm()
        localtime_r(&seconds, &local)
        let zone = local.tm_zone.map { String(cString: $0) } ?? "UTC"
        set.add("node_time_zone_offset_seconds", help: "System time zone offset in seconds.", type: .gauge,
                labels: [LabelPair("time_zone", zone)], value: Double(local.tm_gmtoff))

        let base = paths.sys("devices/system/clocksource")
        guard let entries = ByteFile.listDirectory(base) else { return }
        var available: [(String, String)] = []
        var current: [(String, String)] = []
        for entry in entries.sorted() where entry.hasPrefix("clocksource") {
            let device = String(entry.dropFirst("clocksource".count))
            guard !device.isEmpty, device.allSatisfy(\.isNumber) else { continue }
            if let text = ByteFile.readTrimmedString("\(base)/\(entry)/available_clocksource") {
                for source in text.split(separator: " ") { available.append((String(source), device)) }
            }
            if let text = ByteFile.readTrimmedString("\(base)/\(entry)/current_clocksource") {
                current.append((text, device))
            }
        }
        for (source, device) in available {
            set.add("node_time_clocksource_available_info", help: "Available clocksources read from '/sys/devices/system/clocksource'.",
                    type: .gauge, labels: [LabelPair("clocksource", source), LabelPair("device", device)], value: 1)
        }
        for (source, device) in current {
            set.add("node_time_clocksource_current_info", help: "Current clocksource read from '/sys/devices/system/clocksource'.",
                    type: .gauge, labels: [LabelPair("clocksource", source), LabelPair("device", device)], value: 1)
        }
    }
}

/// `node_uname_info`, from /proc/sys/kernel (the same values uname(2) returns, and
/// readable from a fixture tree).
struct UnameCollector: HostCollector {
    let paths: HostPaths
    var name: String { "uname" }

    func collect(into set: inout MetricSet) throws {
        func field(_ name: String) throws -> String {
            let path = paths.proc("sys/kernel/\(name)")
            guard let s = ByteFile.readTrimmedString(path) else { throw FileReadError(path: path, code: ENOENT) }
            return s
        }
        let machine = ByteFile.readTrimmedString(paths.proc("sys/kernel/arch")) ?? Self.unameMachine()
        set.add("node_uname_info", help: "Labeled system information as provided by the uname system call.", type: .gauge, labels: [
            LabelPair("domainname", try field("domainname")), LabelPair("machine", machine),
            LabelPair("nodename", try field("hostname")), LabelPair("release", try field("osrelease")),
            LabelPair("sysname", try field("ostype")), LabelPair("version", try field("version")),
        ], value: 1)
    }

    static func unameMachine() -> String {
        var u = utsname()
        guard uname(&u) == 0 else { return "" }
        return withUnsafeBytes(of: u.machine) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

/// `node_pressure_*_seconds_total` from /proc/pressure (PSI), as node_exporter 1.5:
/// CPU "some" as waiting; IO and memory "some" as waiting and "full" as stalled.
struct PressureCollector: HostCollector {
    let paths: HostPaths
    var name: String { "pressure" }

    func collect(into set: inout MetricSet) throws {
        for resource in ["cpu", "io", "memory"] {
            let path = paths.proc("pressure/\(resource)")
            guard let bytes = try ByteFile.loadIfPresent(path) else {
                throw CollectorNoData(reason: "pressure information is unavailable, you need a Linux kernel >= 4.20 and/or CONFIG_PSI enabled for your kernel")
            }
            var scanner = ByteScanner(bytes)
            var some: Double?, full: Double?
            while let line = scanner.nextLine() {
                let fields = scanner.fields(line)
                guard let kind = fields.first else { continue }
                for f in fields.dropFirst() where scanner.hasPrefix(f, "total=") {
                    guard let micros = scanner.uint64(f.lowerBound + 6 ..< f.upperBound) else {
                        throw CollectorParseError(path: path, detail: "invalid total in \"\(scanner.string(line))\"")
                    }
                    if scanner.equals(kind, "some") { some = Double(micros) / 1e6 }
                    if scanner.equals(kind, "full") { full = Double(micros) / 1e6 }
                }
            }
            switch resource {
            case "cpu":
                if let some {
                    set.add("node_pressure_cpu_waiting_seconds_total", help: "Total time in seconds that processes have waited for CPU time", type: .counter, value: some)
                }
            case "io":
                if let some {
                    set.add("node_pressure_io_waiting_seconds_total", help: "Total time in seconds that processes have waited due to IO congestion", type: .counter, value: some)
                }
                if let full {
                    set.add("node_pressure_io_stalled_seconds_total", help: "Total time in seconds no process could make progress due to IO congestion", type: .counter, value: full)
                }
            default:
                if let some {
                    set.add("node_pressure_memory_waiting_seconds_total", help: "Total time in seconds that processes have waited for memory", type: .counter, value: some)
                }
                if let full {
                    set.add("node_pressure_memory_stalled_seconds_total", help: "Total time in seconds no process could make progress due to memory congestion", type: .counter, value: full)
                }
            }
        }
    }
}
