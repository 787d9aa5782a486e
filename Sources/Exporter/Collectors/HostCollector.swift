/// Where the host's kernel interfaces are mounted; tests point these at fixture trees.
public struct HostPaths: Sendable, Hashable {
    /// node_exporter's `--path.procfs`.
    public var procfs: String
    /// node_exporter's `--path.sysfs`.
    public var sysfs: String
    /// node_exporter's `--path.rootfs`: statfs of a mount point happens below it.
    public var rootfs: String
    /// node_exporter's `--path.udev.data`.
    public var udevData: String

    public init(procfs: String = "/proc", sysfs: String = "/sys", rootfs: String = "/", udevData: String = "/run/udev/data") {
        self.procfs = procfs
        self.sysfs = sysfs
        self.rootfs = rootfs
        self.udevData = udevData
    }

    func proc(_ relative: String) -> String { procfs + "/" + relative }
    func sys(_ relative: String) -> String { sysfs + "/" + relative }

    /// A mount point as seen below `rootfs` (node_exporter's rootfsFilePath).
    func rooted(_ mountPoint: String) -> String {
        if rootfs == "/" || rootfs.isEmpty { return mountPoint }
        return rootfs + mountPoint
    }
}

/// A host collector: one node_exporter collector's metrics from /proc and /sys.
protocol HostCollector: Sendable {
    /// The node_exporter collector name (`cpu`, `meminfo`, ...).
    var name: String { get }
    func collect(into set: inout MetricSet) throws
}

/// The collector found nothing to report (node_exporter's ErrNoData): success is 0,
/// but it is not logged as a failure.
struct CollectorNoData: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// A malformed line in a kernel file.
struct CollectorParseError: Error, CustomStringConvertible {
    let path: String
    let detail: String
    var description: String { "\(path): \(detail)" }
}

/// The host collectors Ember implements, by node_exporter name: node_exporter 1.5's
/// default set on Linux, less the ones for specific hardware or filesystems (bcache,
/// bonding, btrfs, cpufreq, dmi, edac, fibrechannel, hwmon, infiniband, ipvs, mdadm,
/// nfs, nfsd, nvme, powersupplyclass, rapl, schedstat, tapestats, thermal_zone, xfs,
/// zfs) and systemd, whose units Ember covers with service checks.
public enum HostCollectorName: String, Sendable, Hashable, CaseIterable, Comparable {
    case arp, conntrack, cpu, diskstats, entropy, filefd, filesystem, loadavg, meminfo, netclass, netdev, netstat, os, pressure,
         selinux, sockstat, softnet, stat, textfile, time, timex, uname, vmstat
    case udpQueues = "udp_queues"

    public static func < (a: HostCollectorName, b: HostCollectorName) -> Bool { a.rawValue < b.rawValue }
}
