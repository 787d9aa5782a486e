/// A socket from /proc/net/{tcp,tcp6,udp,udp6}.
struct SocketEntry: Sendable, Equatable {
    var proto: SocketProtocol
    var localAddress: IPAddress
    var localPort: Int
    var remotePort: Int
    /// The kernel's TCP state number (0x0A is LISTEN; UDP sockets show 0x07).
    var state: UInt8
    var inode: UInt64

    /// A socket accepting connections or datagrams: TCP in LISTEN, UDP not connected.
    var isListening: Bool {
        switch proto {
        case .tcp: return state == 0x0A
        case .udp: return state == 0x07 && remotePort == 0
        }
    }
}

enum SocketTable {
    /// Parses one /proc/net table. Addresses are hex in host byte order per 32-bit
    /// word, ports hex in network order.
    static func parse(_ bytes: [UInt8], proto: SocketProtocol) -> [SocketEntry] {
        var scanner = ByteScanner(bytes)
        var out: [SocketEntry] = []
        _ = scanner.nextLine() // header
        while let line = scanner.nextLine() {
            let f = scanner.fields(line)
            guard f.count >= 10,
                  let (address, port) = endpoint(scanner.bytes, f[1]),
                  let (_, remotePort) = endpoint(scanner.bytes, f[2]),
                  let state = hex(scanner.bytes, f[3]),
                  let inode = scanner.uint64(f[9]) else { continue }
            out.append(SocketEntry(proto: proto, localAddress: address, localPort: port, remotePort: remotePort, state: UInt8(truncatingIfNeeded: state), inode: inode))
        }
        return out
    }

    static func read(paths: HostPaths, proto: SocketProtocol) -> [SocketEntry] {
        let names = proto == .tcp ? ["net/tcp", "net/tcp6"] : ["net/udp", "net/udp6"]
        var out: [SocketEntry] = []
        for name in names {
            if let bytes = try? ByteFile.load(paths.proc(name)) { out += parse(bytes, proto: proto) }
        }
        return out
    }

    private static func endpoint(_ bytes: [UInt8], _ range: Range<Int>) -> (IPAddress, Int)? {
        guard let colon = bytes[range].firstIndex(of: UInt8(ascii: ":")),
              let port = hex(bytes, colon + 1 ..< range.upperBound) else { return nil }
        let addressHex = range.lowerBound ..< colon
        guard addressHex.count == 8 || addressHex.count == 32 else { return nil }
        var raw: [UInt8] = []
        raw.reserveCapacity(addressHex.count / 2)
        // Each 32-bit word is printed as a host-order (little-endian here) integer.
        var word = addressHex.lowerBound
        while word < addressHex.upperBound {
            guard let v = hex(bytes, word ..< word + 8) else { return nil }
            let w = UInt32(truncatingIfNeeded: v).littleEndian
            raw += [UInt8(w & 0xff), UInt8((w >> 8) & 0xff), UInt8((w >> 16) & 0xff), UInt8(w >> 24)]
            word += 8
        }
        return (raw.count == 4 ? .v4(raw) : .v6(raw), Int(port))
    }

    private static func hex(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty, range.count <= 16 else { return nil }
        var v: UInt64 = 0
        for i in range {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case 48 ... 57: d = b - 48
            case 65 ... 70: d = b - 55
            case 97 ... 102: d = b - 87
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }
}

/// The process that owns a socket.
struct SocketOwner: Sendable {
    var pid: Int32
    var comm: String
}

enum SocketOwners {
    /// Maps socket inodes to owning processes by reading every /proc/PID/fd link.
    /// Processes whose fd directory is unreadable (other users, without root) are skipped.
    static func read(paths: HostPaths, wanted: Set<UInt64>) -> [UInt64: SocketOwner] {
        var out: [UInt64: SocketOwner] = [:]
        guard !wanted.isEmpty else { return out }
        for name in ByteFile.listDirectory(paths.procfs) ?? [] {
            guard let pid = Int32(name) else { continue }
            let fdDir = paths.proc(name + "/fd")
            guard let fds = ByteFile.listDirectory(fdDir) else { continue }
            var comm: String?
            for fd in fds {
                guard let target = ByteFile.readLink(fdDir + "/" + fd), target.hasPrefix("socket:["), target.hasSuffix("]"),
                      let inode = UInt64(target.dropFirst(8).dropLast()), wanted.contains(inode), out[inode] == nil else { continue }
                if comm == nil { comm = ByteFile.readTrimmedString(paths.proc(name + "/comm")) ?? "" }
                out[inode] = SocketOwner(pid: pid, comm: comm ?? "")
            }
            if out.count == wanted.count { break }
        }
        return out
    }
}
