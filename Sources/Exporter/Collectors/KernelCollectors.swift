#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `node_vmstat_<field>` for the /proc/vmstat fields node_exporter 1.5 exposes by
/// default (`--collector.vmstat.fields="^(oom_kill|pgpg|pswp|pg.*fault).*"`).
struct VmstatCollector: HostCollector {
    let paths: HostPaths
    var name: String { "vmstat" }

    /// The default field regular expression, spelled out so a scrape does no regex work.
    static func isDefaultField(_ scanner: ByteScanner, _ field: Range<Int>) -> Bool {
        if scanner.hasPrefix(field, "oom_kill") || scanner.hasPrefix(field, "pgpg") || scanner.hasPrefix(field, "pswp") { return true }
        guard scanner.hasPrefix(field, "pg"), field.count >= 7 else { return false }
        // "pg.*fault.*": "fault" anywhere after the "pg".
        let fault = Array("fault".utf8)
        var i = field.lowerBound + 2
        while i + fault.count <= field.upperBound {
            if scanner.bytes[i ..< i + fault.count].elementsEqual(fault) { return true }
            i += 1
        }
        return false
    }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("vmstat")
        var scanner = ByteScanner(try ByteFile.load(path))
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            guard fields.count == 2, Self.isDefaultField(scanner, fields[0]) else { continue }
            guard let value = scanner.double(fields[1]) else {
                throw CollectorParseError(path: path, detail: "invalid value in \"\(scanner.string(line))\"")
            }
            let field = scanner.string(fields[0])
            set.add("node_vmstat_" + field, help: "/proc/vmstat information field \(field).", type: .untyped, value: value)
        }
    }
}

/// `node_filefd_allocated` and `node_filefd_maximum` from /proc/sys/fs/file-nr.
struct FilefdCollector: HostCollector {
    let paths: HostPaths
    var name: String { "filefd" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("sys/fs/file-nr")
        var scanner = ByteScanner(try ByteFile.load(path))
        guard let line = scanner.nextLine() else { throw CollectorParseError(path: path, detail: "empty file") }
        let fields = scanner.fields(line)
        guard fields.count == 3, let allocated = scanner.uint64(fields[0]), let maximum = scanner.uint64(fields[2]) else {
            throw CollectorParseError(path: path, detail: "unexpected content \"\(scanner.string(line))\"")
        }
        set.add("node_filefd_allocated", help: "File descriptor statistics: allocated.", type: .gauge, value: Double(allocated))
        set.add("node_filefd_maximum", help: "File descriptor statistics: maximum.", type: .gauge, value: Double(maximum))
    }
}

/// `node_entropy_available_bits` and `node_entropy_pool_size_bits` from
/// /proc/sys/kernel/random.
struct EntropyCollector: HostCollector {
    let paths: HostPaths
    var name: String { "entropy" }

    func collect(into set: inout MetricSet) throws {
        let available = try readUInt(paths.proc("sys/kernel/random/entropy_avail"))
        let pool = try readUInt(paths.proc("sys/kernel/random/poolsize"))
        set.add("node_entropy_available_bits", help: "Bits of available entropy.", type: .gauge, value: Double(available))
        set.add("node_entropy_pool_size_bits", help: "Bits of entropy pool.", type: .gauge, value: Double(pool))
    }
}

/// The single unsigned number in a /proc or /sys file.
func readUInt(_ path: String) throws -> UInt64 {
    let bytes = try ByteFile.load(path, limit: 4096)
    var end = bytes.count
    while end > 0, isSpace(bytes[end - 1]) { end -= 1 }
    guard let n = ByteScanner.parseUInt64(bytes, 0 ..< end) else {
        throw CollectorParseError(path: path, detail: "not an unsigned number: \"\(String(decoding: bytes[..<end].prefix(64), as: UTF8.self))\"")
    }
    return n
}

/// `node_nf_conntrack_*` from /proc/sys/net/netfilter and /proc/net/stat/nf_conntrack,
/// as node_exporter 1.5's conntrack collector. Without netfilter loaded there is no
/// data, which (like node_exporter) is not an error.
struct ConntrackCollector: HostCollector {
    let paths: HostPaths
    var name: String { "conntrack" }

    /// Column name in /proc/net/stat/nf_conntrack, metric suffix and help, in node_exporter's order.
    static let stats: [(column: String, metric: String, help: String)] = [
        ("found", "found", "Number of searched entries which were successful."),
        ("invalid", "invalid", "Number of packets seen which can not be tracked."),
        ("ignore", "ignore", "Number of packets seen which are already connected to a conntrack entry."),
        ("insert", "insert", "Number of entries inserted into the list."),
        ("insert_failed", "insert_failed", "Number of entries for which list insertion was attempted but failed."),
        ("drop", "drop", "Number of packets dropped due to conntrack failure."),
        ("early_drop", "early_drop", "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached."),
        ("search_restart", "search_restart", "Number of conntrack table lookups which had to be restarted due to hashtable resizes."),
    ]

    func collect(into set: inout MetricSet) throws {
        let countPath = paths.proc("sys/net/netfilter/nf_conntrack_count")
        let count: UInt64
        do { count = try readUInt(countPath) } catch let e as FileReadError where e.notFound {
            throw CollectorNoData(reason: "\(countPath) does not exist (netfilter conntrack not loaded)")
        }
        set.add("node_nf_conntrack_entries", help: "Number of currently allocated flow entries for connection tracking.", type: .gauge, value: Double(count))
        let limit = try readUInt(paths.proc("sys/net/netfilter/nf_conntrack_max"))
        set.add("node_nf_conntrack_entries_limit", help: "Maximum size of connection tracking table.", type: .gauge, value: Double(limit))

        let statPath = paths.proc("net/stat/nf_conntrack")
        guard let bytes = try ByteFile.loadIfPresent(statPath) else {
            throw CollectorNoData(reason: "\(statPath) does not exist")
        }
        // One line per CPU with hexadecimal columns; the header names them (the kernel
        // renamed columns over time, so they are found by name, not position).
        var scanner = ByteScanner(bytes)
        guard let header = scanner.nextLine() else { throw CollectorParseError(path: statPath, detail: "empty file") }
        let columns = scanner.fields(header).map { scanner.string($0) }
        let wanted = Self.stats.map { stat in columns.firstIndex(of: stat.column) }
        var sums = [UInt64](repeating: 0, count: Self.stats.count)
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.isEmpty { continue }
            guard fields.count == columns.count else {
                throw CollectorParseError(path: statPath, detail: "expected \(columns.count) columns, got \(fields.count)")
            }
            for (k, column) in wanted.enumerated() {
                guard let column else { continue }
                guard let v = parseHex(scanner.bytes, fields[column]) else {
                    throw CollectorParseError(path: statPath, detail: "invalid hexadecimal value in \"\(scanner.string(line))\"")
                }
                sums[k] &+= v
            }
        }
        for (k, stat) in Self.stats.enumerated() where wanted[k] != nil {
            set.add("node_nf_conntrack_stat_" + stat.metric, help: stat.help, type: .gauge, value: Double(sums[k]))
        }
    }
}

/// A hexadecimal number (no prefix) filling `range`.
func parseHex(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
    guard !range.isEmpty, range.count <= 16 else { return nil }
    var n: UInt64 = 0
    for i in range {
        let b = bytes[i]
        let digit: UInt8
        switch b {
        case 0x30 ... 0x39: digit = b - 0x30
        case 0x61 ... 0x66: digit = b - 0x61 + 10
        case 0x41 ... 0x46: digit = b - 0x41 + 10
        default: return nil
        }
        n = n << 4 | UInt64(digit)
    }
    return n
}

/// `node_selinux_*`: whether SELinux is enabled and, when it is, its modes.
///
/// SELinux counts as enabled when selinuxfs is mounted at /sys/fs/selinux (as
/// libselinux decides); the current mode comes from its `enforce` file and the
/// configured one from /etc/selinux/config.
struct SELinuxCollector: HostCollector {
    let paths: HostPaths
    var name: String { "selinux" }

    func collect(into set: inout MetricSet) throws {
        let enforce = ByteFile.readTrimmedString(paths.sys("fs/selinux/enforce"))
        set.add("node_selinux_enabled", help: "SELinux is enabled, 1 is true, 0 is false", type: .gauge, value: enforce == nil ? 0 : 1)
        guard let enforce else { return }
        set.add("node_selinux_current_mode", help: "Current SELinux enforcement mode", type: .gauge, value: enforce == "1" ? 1 : 0)
        var configured = -1.0
        if let text = ByteFile.readTrimmedString(paths.rooted("/etc/selinux/config")) {
            for line in text.split(separator: "\n") where line.hasPrefix("SELINUX=") {
                switch line.dropFirst("SELINUX=".count).trimmingSpaces() {
                case "enforcing": configured = 1
                case "permissive": configured = 0
                default: configured = -1
                }
            }
        }
        set.add("node_selinux_config_mode", help: "Configured SELinux enforcement mode", type: .gauge, value: configured)
    }
}

/// `node_os_info` and `node_os_version` from os-release(5), below `--path.rootfs`.
struct OSReleaseCollector: HostCollector {
    let paths: HostPaths
    var name: String { "os" }

    static let infoLabels: [(label: String, key: String)] = [
        ("build_id", "BUILD_ID"), ("id", "ID"), ("id_like", "ID_LIKE"), ("image_id", "IMAGE_ID"), ("image_version", "IMAGE_VERSION"),
        ("name", "NAME"), ("pretty_name", "PRETTY_NAME"), ("variant", "VARIANT"), ("variant_id", "VARIANT_ID"),
        ("version", "VERSION"), ("version_codename", "VERSION_CODENAME"), ("version_id", "VERSION_ID"),
    ]

    func collect(into set: inout MetricSet) throws {
        var text: [UInt8]?
        for candidate in ["/etc/os-release", "/usr/lib/os-release"] {
            if let bytes = try ByteFile.loadIfPresent(paths.rooted(candidate), limit: 1 << 20) {
                text = bytes
                break
            }
        }
        guard let text else { throw CollectorNoData(reason: "no os-release file found") }
        let env = Self.parse(String(decoding: text, as: UTF8.self))
        set.add("node_os_info", help: "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
                type: .gauge, labels: Self.infoLabels.map { LabelPair($0.label, env[$0.key] ?? "") }, value: 1)
        if let version = Self.majorMinor(env["VERSION_ID"] ?? ""), version > 0 {
            set.add("node_os_version", help: "Metric containing the major.minor part of the OS version.", type: .gauge,
                    labels: [LabelPair("id", env["ID"] ?? ""), LabelPair("id_like", env["ID_LIKE"] ?? ""), LabelPair("name", env["NAME"] ?? "")],
                    value: version)
        }
    }

    /// The leading `^[0-9]+\.?[0-9]*` of VERSION_ID as a number.
    static func majorMinor(_ versionID: String) -> Double? {
        var out = ""
        var seenDot = false
        for c in versionID {
            if c.isASCII, c.isNumber { out.append(c) } else if c == ".", !seenDot, !out.isEmpty { seenDot = true; out.append(c) } else { break }
        }
        return Double(out)
    }

    /// os-release's shell-like `KEY=value` lines: double quotes with backslash escapes,
    /// single quotes taken literally, comments and blank lines ignored.
    static func parse(_ text: String) -> [String: String] {
        var env: [String: String] = [:]
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingSpaces()
            guard !line.isEmpty, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            var value = ""
            var quote: Character?
            var escaped = false
            for c in line[line.index(after: eq)...] {
                if escaped { value.append(c); escaped = false; continue }
                if c == "\\", quote != "'" { escaped = true; continue }
                if let q = quote {
                    if c == q { quote = nil } else { value.append(c) }
                } else if c == "\"" || c == "'" {
                    quote = c
                } else if c == "#" && value.isEmpty {
                    break
                } else {
                    value.append(c)
                }
            }
            env[key] = value
        }
        return env
    }
}
