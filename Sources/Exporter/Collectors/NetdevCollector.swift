/// `node_network_{receive,transmit}_*_total{device}` from /proc/net/dev.
///
/// node_exporter 1.5 reads these over netlink; the kernel's /proc/net/dev already
/// folds the detailed error counters into the same legacy columns node_exporter
/// computes (drop + missed, frame + length + over + crc, ...), so the values agree.
/// `receive_nohandler`, which /proc/net/dev lacks, comes from sysfs.
struct NetdevCollector: HostCollector {
    let paths: HostPaths
    let filter: DeviceFilter
    var name: String { "netdev" }

    static let columns = [
        "receive_bytes", "receive_packets", "receive_errs", "receive_drop", "receive_fifo", "receive_frame",
        "receive_compressed", "receive_multicast",
        "transmit_bytes", "transmit_packets", "transmit_errs", "transmit_drop", "transmit_fifo", "transmit_colls",
        "transmit_carrier", "transmit_compressed",
    ]

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("net/dev")
        var scanner = ByteScanner(try ByteFile.load(path))
        var handles: [FamilyHandle] = []
        for column in Self.columns {
            guard let h = set.family("node_network_\(column)_total", help: "Network device statistic \(column).", type: .counter) else { return }
            handles.append(h)
        }
        guard let nohandler = set.family("node_network_receive_nohandler_total", help: "Network device statistic receive_nohandler.", type: .counter) else { return }
        var lineNumber = 0
        while let line = scanner.nextLine() {
            lineNumber += 1
            if lineNumber <= 2 { continue } // two header lines
            guard let colon = scanner.bytes[line].firstIndex(of: UInt8(ascii: ":")) else { continue }
            let nameFields = scanner.fields(line.lowerBound ..< colon)
            guard let nameRange = nameFields.first else { continue }
            let device = scanner.string(nameRange)
            if filter.ignored(device) { continue }
            let values = scanner.fields(colon + 1 ..< line.upperBound)
            guard values.count >= Self.columns.count else {
                throw CollectorParseError(path: path, detail: "expected \(Self.columns.count) values for \(device), got \(values.count)")
            }
            let labels = [LabelPair("device", device)]
            for (i, h) in handles.enumerated() {
                guard let v = scanner.uint64(values[i]) else { throw CollectorParseError(path: path, detail: "invalid value for \(device)") }
                set.append(h, labels: labels, value: Double(v))
            }
            if let text = ByteFile.readTrimmedString(paths.sys("class/net/\(device)/statistics/rx_nohandler")),
               let v = UInt64(text) {
                set.append(nohandler, labels: labels, value: Double(v))
            }
        }
    }
}

/// `node_disk_*{device}` from /proc/diskstats and `node_disk_info` from udev's
/// database, as node_exporter 1.5's diskstats collector.
struct DiskstatsCollector: HostCollector {
    let paths: HostPaths
    let filter: DeviceFilter
    var name: String { "diskstats" }

    /// Sectors in /proc/diskstats are always 512 bytes; times are milliseconds.
    static let sectorSize = 512.0
    static let secondsPerTick = 0.001

    /// (name, help, type, scale) for each statistic column after major, minor, name.
    static let columns: [(String, String, MetricType, Double)] = [
        ("reads_completed_total", "The total number of reads completed successfully.", .counter, 1),
        ("reads_merged_total", "The total number of reads merged.", .counter, 1),
        ("read_bytes_total", "The total number of bytes read successfully.", .counter, sectorSize),
        ("read_time_seconds_total", "The total number of seconds spent by all reads.", .counter, secondsPerTick),
        ("writes_completed_total", "The total number of writes completed successfully.", .counter, 1),
        ("writes_merged_total", "The number of writes merged.", .counter, 1),
        ("written_bytes_total", "The total number of bytes written successfully.", .counter, sectorSize),
        ("write_time_seconds_total", "This is the total number of seconds spent by all writes.", .counter, secondsPerTick),
        ("io_now", "The number of I/Os currently in progress.", .gauge, 1),
        ("io_time_seconds_total", "Total seconds spent doing I/Os.", .counter, secondsPerTick),
        ("io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", .counter, secondsPerTick),
        ("discards_completed_total", "The total number of discards completed successfully.", .counter, 1),
        ("discards_merged_total", "The total number of discards merged.", .counter, 1),
        ("discarded_sectors_total", "The total number of sectors discarded successfully.", .counter, 1),
        ("discard_time_seconds_total", "This is the total number of seconds spent by all discards.", .counter, secondsPerTick),
        ("flush_requests_total", "The total number of flush requests completed successfully", .counter, 1),
        ("flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.", .counter, secondsPerTick),
    ]

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("diskstats")
        var scanner = ByteScanner(try ByteFile.load(path))
        guard let info = set.family("node_disk_info", help: "Info of /sys/block/<block_device>.", type: .gauge) else { return }
        var handles: [FamilyHandle] = []
        for (name, help, type, _) in Self.columns {
            guard let h = set.family("node_disk_" + name, help: help, type: type) else { return }
            handles.append(h)
        }
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.isEmpty { continue }
            guard fields.count >= 14, let major = scanner.uint64(fields[0]), let minor = scanner.uint64(fields[1]) else {
                throw CollectorParseError(path: path, detail: "malformed line \"\(scanner.string(line))\"")
            }
            let device = scanner.string(fields[2])
            if filter.ignored(device) { continue }
            let udev = readUdev(major: major, minor: minor)
            let serial = udev["SCSI_IDENT_SERIAL"].flatMap { $0.isEmpty ? nil : $0 } ?? udev["ID_SERIAL_SHORT"] ?? ""
            set.append(info, labels: [
                LabelPair("device", device), LabelPair("major", String(major)), LabelPair("minor", String(minor)),
                LabelPair("model", udev["ID_MODEL"] ?? ""), LabelPair("path", udev["ID_PATH"] ?? ""),
                LabelPair("revision", udev["ID_REVISION"] ?? ""), LabelPair("serial", serial), LabelPair("wwn", udev["ID_WWN"] ?? ""),
            ], value: 1)
            let labels = [LabelPair("device", device)]
            for (i, column) in Self.columns.enumerated() where 3 + i < fields.count {
                guard let v = scanner.uint64(fields[3 + i]) else {
                    throw CollectorParseError(path: path, detail: "invalid value in \"\(scanner.string(line))\"")
                }
                set.append(handles[i], labels: labels, value: Double(v) * column.3)
            }
        }
    }

    /// The `E:KEY=value` properties of a block device in udev's database.
    func readUdev(major: UInt64, minor: UInt64) -> [String: String] {
        guard let bytes = try? ByteFile.load("\(paths.udevData)/b\(major):\(minor)", limit: 1 << 20) else { return [:] }
        var scanner = ByteScanner(bytes)
        var out: [String: String] = [:]
        while let line = scanner.nextLine() {
            guard scanner.hasPrefix(line, "E:"), let eq = scanner.bytes[line].firstIndex(of: UInt8(ascii: "=")) else { continue }
            out[scanner.string(line.lowerBound + 2 ..< eq)] = scanner.string(eq + 1 ..< line.upperBound)
        }
        return out
    }
}
