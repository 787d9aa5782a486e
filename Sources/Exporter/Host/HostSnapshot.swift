import Synchronization

/// Host state read at most once per scrape and shared by all checks of that scrape:
/// the process table, socket tables and socket owners are each read lazily, on
/// first use, under a lock so concurrent checks wait for one reader.
final class HostSnapshot: Sendable {
    let paths: HostPaths
    private let processes = Mutex<ProcessTable?>(nil)
    private let sockets = Mutex<[SocketProtocol: [SocketEntry]]>([:])
    private let owners = Mutex<[UInt64: SocketOwner]?>(nil)

    init(paths: HostPaths) { self.paths = paths }

    func processTable() -> ProcessTable {
        processes.withLock { cached in
            if let cached { return cached }
            let table = ProcessTable.read(paths: paths)
            cached = table
            return table
        }
    }

    func sockets(_ proto: SocketProtocol) -> [SocketEntry] {
        sockets.withLock { cached in
            if let entries = cached[proto] { return entries }
            let entries = SocketTable.read(paths: paths, proto: proto)
            cached[proto] = entries
            return entries
        }
    }

    /// Owners of listening sockets of both protocols, resolved in one pass over /proc.
    func listenerOwners() -> [UInt64: SocketOwner] {
        owners.withLock { cached in
            if let cached { return cached }
            var wanted = Set<UInt64>()
            for proto in [SocketProtocol.tcp, .udp] {
                for s in sockets(proto) where s.isListening && s.inode != 0 { wanted.insert(s.inode) }
            }
            let map = SocketOwners.read(paths: paths, wanted: wanted)
            cached = map
            return map
        }
    }
}
