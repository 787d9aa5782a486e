import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Host state read at most once per scrape and shared by all checks of that scrape:
/// the process table, socket tables, socket owners and per-process details are each
/// read lazily, on first use, under a lock so concurrent checks wait for one reader.
final class HostSnapshot: Sendable {
    let paths: HostPaths
    /// The (protocol, port) pairs port checks watch: only their listeners need owners.
    let watchedPorts: Set<WatchedPort>
    /// The process identity fields process checks match on.
    let processFields: ProcessFields
    private let ownerCache: SocketOwnerCache
    private let processes = Mutex<ProcessTable?>(nil)
    private let stats = Mutex<[Int32: ProcessStat?]>([:])
    private let boot = Mutex<Double?>(nil)
    private let sockets = Mutex<[SocketProtocol: [SocketEntry]]>([:])
    private let owners = Mutex<[UInt64: SocketOwner]?>(nil)
    private let details = Mutex<[Int32: ProcessDetails]>([:])

    init(paths: HostPaths, watchedPorts: Set<WatchedPort> = [], processFields: ProcessFields = [.comm, .cmdline, .exe],
         ownerCache: SocketOwnerCache = SocketOwnerCache()) {
        self.paths = paths
        self.watchedPorts = watchedPorts
        self.processFields = processFields
        self.ownerCache = ownerCache
    }

    func processTable() -> ProcessTable {
        processes.withLock { cached in
            if let cached { return cached }
            let table = ProcessTable.read(paths: paths, fields: processFields)
            cached = table
            return table
        }
    }

    /// Listening sockets of a protocol.
    func sockets(_ proto: SocketProtocol) -> [SocketEntry] {
        sockets.withLock { cached in
            if let entries = cached[proto] { return entries }
            let entries = SocketTable.read(paths: paths, proto: proto)
            cached[proto] = entries
            return entries
        }
    }

    /// Owners of the listening sockets on watched ports.
    func listenerOwners() -> [UInt64: SocketOwner] {
        owners.withLock { cached in
            if let cached { return cached }
            var wanted = Set<UInt64>()
            // Only the protocols some port check watches: a UDP dump walks every UDP socket.
            for proto in [SocketProtocol.tcp, .udp] where watchedPorts.contains(where: { $0.proto == proto }) {
                for s in sockets(proto) where s.inode != 0 && watchedPorts.contains(WatchedPort(proto: proto, port: s.localPort)) {
                    wanted.insert(s.inode)
                }
            }
            let map = ownerCache.resolve(wanted, paths: paths)
            cached = map
            return map
        }
    }

    /// /proc/PID/stat of one process, read once per snapshot; nil once it has exited.
    func processStat(_ pid: Int32) -> ProcessStat? {
        if let known = stats.withLock({ $0[pid] }) { return known }
        let fresh = ProcessStat.read(pid: pid, paths: paths)
        stats.withLock { $0[pid] = fresh }
        return fresh
    }

    /// node_boot_time_seconds, to turn start ticks into wall time.
    func bootTime() -> Double {
        boot.withLock { cached in
            if let cached { return cached }
            let value = ProcessTable.bootTime(paths: paths)
            cached = value
            return value
        }
    }

    /// Open files, fd limit and swap of one process, read once per snapshot.
    func processDetails(_ pid: Int32) -> ProcessDetails {
        if let known = details.withLock({ $0[pid] }) { return known }
        let fresh = ProcessDetails.read(pid: pid, paths: paths)
        details.withLock { $0[pid] = fresh }
        return fresh
    }
}

/// A port a port check watches.
struct WatchedPort: Hashable, Sendable {
    var proto: SocketProtocol
    var port: Int
}

/// Socket owners remembered across scrapes.
///
/// Finding the owner of a socket means reading every /proc/PID/fd link on the host,
/// the most expensive part of a port check. A listener's inode stays the same for
/// the socket's life, so a known owner is re-used while that process exists; inodes
/// whose owner cannot be seen (another user's process, without root) are looked up
/// again only every `retryAfter` seconds.
final class SocketOwnerCache: Sendable {
    private struct State {
        var owners: [UInt64: SocketOwner] = [:]
        var unresolved: [UInt64: ContinuousClock.Instant] = [:]
    }

    private let state = Mutex(State())
    let retryAfter: Duration

    init(retryAfter: Duration = .seconds(30)) { self.retryAfter = retryAfter }

    func resolve(_ wanted: Set<UInt64>, paths: HostPaths) -> [UInt64: SocketOwner] {
        let now = ContinuousClock.now
        var result: [UInt64: SocketOwner] = [:]
        var lookup = Set<UInt64>()
        state.withLock { s in
            for inode in wanted {
                if let owner = s.owners[inode], access(paths.proc(String(owner.pid)), F_OK) == 0 {
                    result[inode] = owner
                } else if let since = s.unresolved[inode], now - since < retryAfter {
                    continue
                } else {
                    lookup.insert(inode)
                }
            }
        }
        guard !lookup.isEmpty else { return result }
        let found = SocketOwners.read(paths: paths, wanted: lookup)
        state.withLock { s in
            // Forget sockets that no longer listen, so the maps stay small.
            s.owners = s.owners.filter { wanted.contains($0.key) }
            s.unresolved = s.unresolved.filter { wanted.contains($0.key) }
            for inode in lookup {
                if let owner = found[inode] {
                    s.owners[inode] = owner
                    s.unresolved[inode] = nil
                    result[inode] = owner
                } else {
                    s.unresolved[inode] = now
                }
            }
        }
        return result
    }
}
