import Logging
import Model

/// Settings that come from the command line rather than the checks file: where the
/// kernel interfaces are, which host collectors run, and their node_exporter flags.
public struct ExporterOptions: Sendable {
    /// node_exporter 1.5's default `--collector.filesystem.mount-points-exclude`.
    public static let defaultMountPointsExclude = "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
    /// node_exporter 1.5's default `--collector.filesystem.fs-types-exclude`.
    public static let defaultFSTypesExclude = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$"
    /// node_exporter 1.5's default `--collector.diskstats.device-exclude`.
    public static let defaultDiskstatsDeviceExclude = #"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$"#

    public var paths = HostPaths()
    /// Host collectors to run; all of them by default, as node_exporter enables these by default.
    public var collectors: Set<HostCollectorName> = Set(HostCollectorName.allCases)
    /// `--collector.textfile.directory`; empty reads nothing.
    public var textfileDirectory = ""
    public var filesystemMountPointsExclude = defaultMountPointsExclude
    public var filesystemFSTypesExclude = defaultFSTypesExclude
    /// `--collector.netdev.device-include`; wins over exclude when set.
    public var netdevDeviceInclude: String? = nil
    /// `--collector.netdev.device-exclude`; node_exporter 1.5 excludes nothing by default.
    public var netdevDeviceExclude: String? = nil
    public var diskstatsDeviceInclude: String? = nil
    public var diskstatsDeviceExclude: String? = defaultDiskstatsDeviceExclude
    /// How long a host collector may take before the scrape reports it failed
    /// (node_exporter's filesystem mount timeout is 5s).
    public var collectorTimeout = PromDuration(seconds: 5)
    /// The systemctl binary used by service checks.
    public var systemctlPath = "/usr/bin/systemctl"
    /// Present only when systemd is PID 1 (sd_booted(3)'s test).
    public var systemdRuntimeDirectory = "/run/systemd/system"
    /// Upper bound on threads doing blocking work (sockets, children, statfs).
    public var maxWorkerThreads = 16
    public var logger = Logger(label: "ember.exporter")

    public init() {}
}
