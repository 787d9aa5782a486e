#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `node_netstat_<Protocol>_<Field>` from /proc/net/netstat, /proc/net/snmp and
/// /proc/net/snmp6, for the fields node_exporter 1.5 exposes by default.
struct NetstatCollector: HostCollector {
    let paths: HostPaths
    var name: String { "netstat" }

    /// node_exporter 1.5's default `--collector.netstat.fields`:
    /// `^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$`,
    /// spelled out so a scrape runs no regular expression over ~300 fields.
    static func isDefaultField(protocol p: String, field f: String) -> Bool {
        if f == "InErrors" || f == "InErrs" { return true }
        switch p {
        case "Ip": return f == "Forwarding"
        case "Ip6", "IpExt": return f == "InOctets" || f == "OutOctets"
        case "Icmp", "Icmp6": return f == "InMsgs" || f == "OutMsgs"
        case "TcpExt": return f.hasPrefix("Listen") || f.hasPrefix("Syncookies") || f == "TCPSynRetrans" || f == "TCPTimeouts"
        case "Tcp": return ["ActiveOpens", "InSegs", "OutSegs", "OutRsts", "PassiveOpens", "RetransSegs", "CurrEstab"].contains(f)
        case "Udp", "Udp6": return ["InDatagrams", "OutDatagrams", "NoPorts", "RcvbufErrors", "SndbufErrors"].contains(f)
        default: return false
        }
    }

    func collect(into set: inout MetricSet) throws {
        try collectPairedLines(paths.proc("net/netstat"), into: &set)
        try collectPairedLines(paths.proc("net/snmp"), into: &set)
        if let bytes = try ByteFile.loadIfPresent(paths.proc("net/snmp6")) {
            try collectSNMP6(bytes, path: paths.proc("net/snmp6"), into: &set)
        }
    }

    private func add(_ proto: String, _ field: String, _ value: Double, to set: inout MetricSet) {
        set.add("node_netstat_\(proto)_\(field)", help: "Statistic \(proto)\(field).", type: .untyped, value: value)
    }

    /// netstat and snmp: a "Proto: Name Name ..." line followed by "Proto: value value ...".
    private func collectPairedLines(_ path: String, into set: inout MetricSet) throws {
        var scanner = ByteScanner(try ByteFile.load(path))
        while let names = scanner.nextLine() {
            guard let values = scanner.nextLine() else { break }
            let nameFields = scanner.fields(names)
            let valueFields = scanner.fields(values)
            guard let head = nameFields.first, head.count > 1, nameFields.count == valueFields.count else {
                if nameFields.isEmpty { continue }
                throw CollectorParseError(path: path, detail: "mismatched name and value lines for \"\(scanner.string(nameFields.first ?? names))\"")
            }
            let proto = scanner.string(head.lowerBound ..< head.upperBound - 1)
            for i in 1 ..< nameFields.count {
                let field = scanner.string(nameFields[i])
                guard Self.isDefaultField(protocol: proto, field: field) else { continue }
                guard let value = scanner.double(valueFields[i]) else {
                    throw CollectorParseError(path: path, detail: "invalid value for \(proto) \(field)")
                }
                add(proto, field, value, to: &set)
            }
        }
    }

    /// snmp6: "Icmp6InMsgs   2" lines; the protocol is the name up to its first "6".
    private func collectSNMP6(_ bytes: [UInt8], path: String, into set: inout MetricSet) throws {
        var scanner = ByteScanner(bytes)
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            guard fields.count == 2 else { continue }
            let key = scanner.string(fields[0])
            guard let six = key.firstIndex(of: "6") else { continue }
            let proto = String(key[...six])
            let field = String(key[key.index(after: six)...])
            guard Self.isDefaultField(protocol: proto, field: field) else { continue }
            guard let value = scanner.double(fields[1]) else { throw CollectorParseError(path: path, detail: "invalid value for \(key)") }
            add(proto, field, value, to: &set)
        }
    }
}

/// `node_sockstat_*` from /proc/net/sockstat and /proc/net/sockstat6.
struct SockstatCollector: HostCollector {
    let paths: HostPaths
    var name: String { "sockstat" }

    static let knownStates: Set<String> = ["inuse", "orphan", "tw", "alloc", "mem", "memory"]
    static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    func collect(into set: inout MetricSet) throws {
        for file in ["net/sockstat", "net/sockstat6"] {
            // A kernel without IPv6 has no sockstat6; node_exporter skips it too.
            guard let bytes = try ByteFile.loadIfPresent(paths.proc(file)) else { continue }
            try parse(bytes, path: paths.proc(file), into: &set)
        }
    }

    private func parse(_ bytes: [UInt8], path: String, into set: inout MetricSet) throws {
        var scanner = ByteScanner(bytes)
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            guard let head = fields.first, head.count > 1 else { continue }
            guard fields.count % 2 == 1 else { throw CollectorParseError(path: path, detail: "odd number of fields in \"\(scanner.string(line))\"") }
            let proto = scanner.string(head.lowerBound ..< head.upperBound - 1)
            var k = 1
            while k + 1 < fields.count {
                let state = scanner.string(fields[k])
                guard let value = scanner.double(fields[k + 1]) else {
                    throw CollectorParseError(path: path, detail: "invalid value in \"\(scanner.string(line))\"")
                }
                k += 2
                if proto == "sockets" {
                    if state == "used" {
                        set.add("node_sockstat_sockets_used", help: "Number of IPv4 sockets in use.", type: .gauge, value: value)
                    }
                    continue
                }
                guard Self.knownStates.contains(state) else { continue }
                add(proto, state, value, to: &set)
                // "mem" counts pages; node_exporter also exports it in bytes.
                if state == "mem" { add(proto, "mem_bytes", value * Self.pageSize, to: &set) }
            }
        }
    }

    private func add(_ proto: String, _ state: String, _ value: Double, to set: inout MetricSet) {
        set.add("node_sockstat_\(proto)_\(state)", help: "Number of \(proto) sockets in state \(state).", type: .gauge, value: value)
    }
}

/// `node_softnet_*_total{cpu}` from /proc/net/softnet_stat (one hexadecimal line per CPU).
struct SoftnetCollector: HostCollector {
    let paths: HostPaths
    var name: String { "softnet" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("net/softnet_stat")
        var scanner = ByteScanner(try ByteFile.load(path))
        guard let processed = set.family("node_softnet_processed_total", help: "Number of processed packets", type: .counter),
              let dropped = set.family("node_softnet_dropped_total", help: "Number of dropped packets", type: .counter),
              let squeezed = set.family("node_softnet_times_squeezed_total", help: "Number of times processing packets ran out of quota", type: .counter)
        else { return }
        var cpu = 0
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.isEmpty { continue }
            guard fields.count >= 3, let p = parseHex(scanner.bytes, fields[0]), let d = parseHex(scanner.bytes, fields[1]),
                  let s = parseHex(scanner.bytes, fields[2]) else {
                throw CollectorParseError(path: path, detail: "invalid line \(cpu + 1)")
            }
            let labels = [LabelPair("cpu", String(cpu))]
            set.append(processed, labels: labels, value: Double(p))
            set.append(dropped, labels: labels, value: Double(d))
            set.append(squeezed, labels: labels, value: Double(s))
            cpu += 1
        }
    }
}

/// `node_udp_queues{ip,queue}`: bytes queued in all UDP sockets, from /proc/net/udp{,6}.
struct UDPQueuesCollector: HostCollector {
    let paths: HostPaths
    var name: String { "udp_queues" }

    func collect(into set: inout MetricSet) throws {
        var found = false
        for (file, ip) in [("net/udp", "v4"), ("net/udp6", "v6")] {
            guard let bytes = try ByteFile.loadIfPresent(paths.proc(file)) else { continue }
            found = true
            var scanner = ByteScanner(bytes)
            _ = scanner.nextLine() // header
            var tx: UInt64 = 0, rx: UInt64 = 0
            while let line = scanner.nextLine() {
                let fields = scanner.fields(line)
                if fields.isEmpty { continue }
                // "tx_queue:rx_queue" in hexadecimal.
                guard fields.count > 4, let colon = scanner.bytes[fields[4]].firstIndex(of: UInt8(ascii: ":")),
                      let t = parseHex(scanner.bytes, fields[4].lowerBound ..< colon),
                      let r = parseHex(scanner.bytes, colon + 1 ..< fields[4].upperBound) else {
                    throw CollectorParseError(path: paths.proc(file), detail: "invalid socket line \"\(scanner.string(line))\"")
                }
                tx &+= t
                rx &+= r
            }
            let help = "Number of allocated memory in the kernel for UDP datagrams in bytes."
            set.add("node_udp_queues", help: help, type: .gauge, labels: [LabelPair("ip", ip), LabelPair("queue", "tx")], value: Double(tx))
            set.add("node_udp_queues", help: help, type: .gauge, labels: [LabelPair("ip", ip), LabelPair("queue", "rx")], value: Double(rx))
        }
        if !found { throw CollectorNoData(reason: "neither /proc/net/udp nor /proc/net/udp6 exists") }
    }
}

/// `node_arp_entries{device}` from /proc/net/arp.
struct ARPCollector: HostCollector {
    let paths: HostPaths
    var name: String { "arp" }

    func collect(into set: inout MetricSet) throws {
        let path = paths.proc("net/arp")
        var scanner = ByteScanner(try ByteFile.load(path))
        _ = scanner.nextLine() // header
        var counts: [String: Int] = [:]
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.isEmpty { continue }
            guard fields.count == 6 else { throw CollectorParseError(path: path, detail: "expected 6 fields, got \(fields.count)") }
            counts[scanner.string(fields[5]), default: 0] += 1
        }
        for (device, count) in counts.sorted(by: { $0.key < $1.key }) {
            set.add("node_arp_entries", help: "ARP entries by device", type: .gauge, labels: [LabelPair("device", device)], value: Double(count))
        }
    }
}
