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
    /// Parses the listening sockets of one /proc/net table. Addresses are hex in host
    /// byte order per 32-bit word, ports hex in network order.
    ///
    /// A busy host has thousands of connections (TIME_WAIT alone) and a handful of
    /// listeners, so the state column is looked at first and other lines are skipped
    /// without splitting them.
    static func parse(_ bytes: [UInt8], proto: SocketProtocol, listenersOnly: Bool = true) -> [SocketEntry] {
        var out: [SocketEntry] = []
        bytes.withUnsafeBufferPointer { buf in
            var i = 0
            // Skip the header line.
            while i < buf.count, buf[i] != 0x0A { i += 1 }
            i += 1
            var fields: [Range<Int>] = []
            fields.reserveCapacity(12)
            while i < buf.count {
                let lineStart = i
                while i < buf.count, buf[i] != 0x0A { i += 1 }
                let lineEnd = i
                i += 1
                // Fields: sl local rem st ... (index 3 is the state, 9 the inode).
                fields.removeAll(keepingCapacity: true)
                var j = lineStart
                while j < lineEnd, fields.count < 10 {
                    while j < lineEnd, buf[j] == 0x20 { j += 1 }
                    let start = j
                    while j < lineEnd, buf[j] != 0x20 { j += 1 }
                    if j > start { fields.append(start ..< j) }
                    if fields.count == 4, listenersOnly {
                        guard let state = hex(buf, fields[3]) else { break }
                        if proto == .tcp ? state != 0x0A : state != 0x07 { break }
                    }
                }
                guard fields.count >= 10,
                      let (address, port) = endpoint(buf, fields[1]),
                      let (_, remotePort) = endpoint(buf, fields[2]),
                      let state = hex(buf, fields[3]),
                      let inode = parseDecimal(buf, fields[9]) else { continue }
                let entry = SocketEntry(proto: proto, localAddress: address, localPort: port, remotePort: remotePort,
                                        state: UInt8(truncatingIfNeeded: state), inode: inode)
                if !listenersOnly || entry.isListening { out.append(entry) }
            }
        }
        return out
    }

    /// Listening sockets: from sock_diag when reading the live host's own /proc, from
    /// /proc/net files otherwise (a fixture tree, a container's mounted host /proc).
    static func read(paths: HostPaths, proto: SocketProtocol) -> [SocketEntry] {
        if paths.procfs == "/proc", let listeners = SockDiag.listeners(proto) { return listeners }
        return readProcNet(paths: paths, proto: proto)
    }

    static func readProcNet(paths: HostPaths, proto: SocketProtocol) -> [SocketEntry] {
        let names = proto == .tcp ? ["net/tcp", "net/tcp6"] : ["net/udp", "net/udp6"]
        var out: [SocketEntry] = []
        for name in names {
            if let bytes = try? ByteFile.load(paths.proc(name)) { out += parse(bytes, proto: proto) }
        }
        return out
    }

    private static func endpoint(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> (IPAddress, Int)? {
        var colon = range.lowerBound
        while colon < range.upperBound, bytes[colon] != UInt8(ascii: ":") { colon += 1 }
        guard colon < range.upperBound, let port = hex(bytes, colon + 1 ..< range.upperBound) else { return nil }
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

    private static func parseDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var v: UInt64 = 0
        for i in range {
            let b = bytes[i]
            guard b >= 48, b <= 57 else { return nil }
            v = v &* 10 &+ UInt64(b - 48)
        }
        return v
    }

    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64? {
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
