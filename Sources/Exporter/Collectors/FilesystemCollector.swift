#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// `node_filesystem_*` from the mount table and statfs, as node_exporter 1.5.
///
/// A mount whose statfs is still blocked from an earlier scrape (a dead NFS server)
/// is reported with `device_error 1` and not touched again until that call returns,
/// node_exporter's "stuck mount" rule.
final class FilesystemCollector: HostCollector {
    let paths: HostPaths
    let mountPointsExclude: SearchRegex?
    let fsTypesExclude: SearchRegex?
    private let inFlight = Mutex<Set<String>>([])
    var name: String { "filesystem" }

    init(paths: HostPaths, mountPointsExclude: SearchRegex?, fsTypesExclude: SearchRegex?) {
        self.paths = paths
        self.mountPointsExclude = mountPointsExclude
        self.fsTypesExclude = fsTypesExclude
    }

    struct Mount: Hashable {
        var device: String
        var mountPoint: String
        var fsType: String
        var options: String
    }

    static let labelNames = ["device", "fstype", "mountpoint"]

    func collect(into set: inout MetricSet) throws {
        let mounts = try readMounts()
        guard let deviceError = set.family("node_filesystem_device_error", help: "Whether an error occurred while getting statistics for the given device.", type: .gauge),
              let size = set.family("node_filesystem_size_bytes", help: "Filesystem size in bytes.", type: .gauge),
              let free = set.family("node_filesystem_free_bytes", help: "Filesystem free space in bytes.", type: .gauge),
              let avail = set.family("node_filesystem_avail_bytes", help: "Filesystem space available to non-root users in bytes.", type: .gauge),
              let files = set.family("node_filesystem_files", help: "Filesystem total file nodes.", type: .gauge),
              let filesFree = set.family("node_filesystem_files_free", help: "Filesystem total free file nodes.", type: .gauge),
              let readonly = set.family("node_filesystem_readonly", help: "Filesystem read-only status.", type: .gauge)
        else { return }
        var seen = Set<Mount>()
        for mount in mounts {
            if mountPointsExclude?.matches(mount.mountPoint) == true || fsTypesExclude?.matches(mount.fsType) == true { continue }
            if !seen.insert(mount).inserted { continue }
            let labels = [LabelPair("device", mount.device), LabelPair("fstype", mount.fsType), LabelPair("mountpoint", mount.mountPoint)]
            guard let stats = statfs(mount.mountPoint) else {
                set.append(deviceError, labels: labels, value: 1)
                continue
            }
            set.append(deviceError, labels: labels, value: 0)
            let blockSize = Double(stats.f_bsize)
            set.append(size, labels: labels, value: Double(stats.f_blocks) * blockSize)
            set.append(free, labels: labels, value: Double(stats.f_bfree) * blockSize)
            set.append(avail, labels: labels, value: Double(stats.f_bavail) * blockSize)
            set.append(files, labels: labels, value: Double(stats.f_files))
            set.append(filesFree, labels: labels, value: Double(stats.f_ffree))
            let ro = mount.options.split(separator: ",").contains("ro")
            set.append(readonly, labels: labels, value: ro ? 1 : 0)
        }
    }

    private func statfs(_ mountPoint: String) -> statvfs? {
        let claimed = inFlight.withLock { $0.insert(mountPoint).inserted }
        guard claimed else { return nil }
        defer { _ = inFlight.withLock { $0.remove(mountPoint) } }
        var buf = statvfs()
        return statvfs(paths.rooted(mountPoint), &buf) == 0 ? buf : nil
    }

    /// PID 1's mount table (the host's, when Ember runs in a container with the host's
    /// /proc), falling back to /proc/mounts when hidepid hides PID 1.
    func readMounts() throws -> [Mount] {
        let primary = paths.proc("1/mounts")
        let bytes = try ByteFile.loadIfPresent(primary) ?? ByteFile.load(paths.proc("mounts"))
        var scanner = ByteScanner(bytes)
        var mounts: [Mount] = []
        while let line = scanner.nextLine() {
            let fields = scanner.fields(line)
            if fields.isEmpty { continue }
            guard fields.count >= 4 else {
                throw CollectorParseError(path: primary, detail: "malformed mount point information: \"\(scanner.string(line))\"")
            }
            mounts.append(Mount(device: scanner.string(fields[0]), mountPoint: Self.unescapeOctal(scanner.string(fields[1])),
                                fsType: scanner.string(fields[2]), options: scanner.string(fields[3])))
        }
        return mounts
    }

    /// fstab(5) escapes: node_exporter translates `\040` and `\011` only.
    static func unescapeOctal(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        return s.replacingOccurrences(of: "\\040", with: " ").replacingOccurrences(of: "\\011", with: "\t")
    }
}
