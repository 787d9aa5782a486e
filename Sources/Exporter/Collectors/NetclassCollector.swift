#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `node_network_*` device properties from /sys/class/net/<device>, as node_exporter
/// 1.5's netclass collector: one gauge (or counter) per readable attribute, plus
/// `node_network_info` and `node_network_up`. Attributes a device does not implement
/// (the kernel answers EINVAL, e.g. `carrier` of a device that is down) are left out.
struct NetclassCollector: HostCollector {
    let paths: HostPaths
    var name: String { "netclass" }

    /// sysfs attribute, metric suffix, and whether it is a counter.
    static let attributes: [(file: String, metric: String, counter: Bool)] = [
        ("addr_assign_type", "address_assign_type", false),
        ("carrier", "carrier", false),
        ("carrier_changes", "carrier_changes_total", true),
        ("carrier_up_count", "carrier_up_changes_total", true),
        ("carrier_down_count", "carrier_down_changes_total", true),
        ("dev_id", "device_id", false),
        ("dormant", "dormant", false),
        ("flags", "flags", false),
        ("ifindex", "iface_id", false),
        ("iflink", "iface_link", false),
        ("link_mode", "iface_link_mode", false),
        ("mtu", "mtu_bytes", false),
        ("name_assign_type", "name_assign_type", false),
        ("netdev_group", "net_dev_group", false),
        ("speed", "speed_bytes", false),
        ("tx_queue_len", "transmit_queue_length", false),
        ("type", "protocol_type", false),
    ]

    func collect(into set: inout MetricSet) throws {
        let base = paths.sys("class/net")
        guard let entries = ByteFile.listDirectory(base) else {
            throw CollectorNoData(reason: "\(base) cannot be read")
        }
        guard let up = set.family("node_network_up", help: "Value is 1 if operstate is 'up', 0 otherwise.", type: .gauge),
              let info = set.family("node_network_info", help: "Non-numeric data from /sys/class/net/<iface>, value is always 1.", type: .gauge)
        else { return }
        let handles = Self.attributes.map { a in
            set.family("node_network_" + a.metric, help: "Network device property: \(a.metric)", type: a.counter ? .counter : .gauge)
        }
        let baseFD = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard baseFD >= 0 else { throw CollectorNoData(reason: "\(base) cannot be opened") }
        defer { close(baseFD) }
        for device in entries.sorted() {
            // Devices are symbolic links to directories; files such as bonding_masters are not.
            let deviceFD = openat(baseFD, device, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if deviceFD < 0 { continue }
            defer { close(deviceFD) }
            func text(_ attribute: String) -> String? { ByteFile.readAttribute(directory: deviceFD, attribute) }
            let deviceLabel = [LabelPair("device", device)]
            let operstate = text("operstate") ?? ""
            set.append(up, labels: deviceLabel, value: operstate == "up" ? 1 : 0)
            set.append(info, labels: [
                LabelPair("address", text("address") ?? ""), LabelPair("broadcast", text("broadcast") ?? ""),
                LabelPair("device", device), LabelPair("duplex", text("duplex") ?? ""),
                LabelPair("ifalias", text("ifalias") ?? ""), LabelPair("operstate", operstate),
            ], value: 1)
            for (k, attribute) in Self.attributes.enumerated() {
                guard let handle = handles[k], let raw = text(attribute.file), let n = Self.parseInteger(raw) else { continue }
                // speed is in Mbit/s; node_exporter reports bytes per second (-1 stays negative).
                let value = attribute.file == "speed" ? Double(n &* 1_000_000 / 8) : Double(n)
                set.append(handle, labels: deviceLabel, value: value)
            }
        }
    }

    /// A decimal or 0x-prefixed hexadecimal integer, as Go's ParseInt(s, 0, 64).
    static func parseInteger(_ text: String) -> Int64? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() }
        let magnitude: Int64?
        if s.hasPrefix("0x") || s.hasPrefix("0X") { magnitude = Int64(s.dropFirst(2), radix: 16) } else { magnitude = Int64(s, radix: 10) }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }
}
