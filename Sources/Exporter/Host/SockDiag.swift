#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listening sockets from the kernel's sock_diag netlink interface (what `ss -l` uses).
///
/// /proc/net/tcp lists every connection, and on a busy host (thousands in
/// TIME_WAIT) producing it costs the kernel milliseconds per read; a sock_diag dump
/// filtered to LISTEN walks only the listening table. Same data, same network
/// namespace as /proc/self/net.
enum SockDiag {
    static let netlinkSockDiag: Int32 = 4
    static let sockDiagByFamily: UInt16 = 20
    static let nlmsgDone: UInt16 = 3
    static let nlmsgError: UInt16 = 2
    static let tcpListen: UInt32 = 10
    /// Unconnected UDP sockets report TCP_CLOSE.
    static let tcpClose: UInt32 = 7

    /// Listening sockets of `proto` over IPv4 and IPv6, or nil when sock_diag is not
    /// available (the caller then reads /proc/net).
    static func listeners(_ proto: SocketProtocol) -> [SocketEntry]? {
        var out: [SocketEntry] = []
        for family in [Int32(AF_INET), Int32(AF_INET6)] {
            guard let part = dump(family: family, proto: proto) else { return nil }
            out += part
        }
        return out
    }

    private static func dump(family: Int32, proto: SocketProtocol) -> [SocketEntry]? {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        // nlmsghdr (16 bytes) + inet_diag_req_v2 (56 bytes), little-endian host order.
        var request = [UInt8](repeating: 0, count: 72)
        put32(&request, 0, 72)
        put16(&request, 4, sockDiagByFamily)
        put16(&request, 6, 0x1 | 0x300) // NLM_F_REQUEST | NLM_F_DUMP
        put32(&request, 8, 1)
        request[16] = UInt8(family)
        request[17] = UInt8(proto == .tcp ? IPPROTO_TCP : IPPROTO_UDP)
        put32(&request, 20, 1 << (proto == .tcp ? tcpListen : tcpClose))
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { return nil }

        var out: [SocketEntry] = []
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            var offset = 0
            while offset + 16 <= n {
                let length = Int(get32(buffer, offset))
                let type = get16(buffer, offset + 4)
                guard length >= 16, offset + length <= n else { return nil }
                if type == nlmsgDone { return out }
                if type == nlmsgError { return nil }
                if type == sockDiagByFamily, length >= 16 + 72, let entry = parse(buffer, at: offset + 16, proto: proto) {
                    out.append(entry)
                }
                offset += (length + 3) & ~3
            }
        }
    }

    /// An inet_diag_msg: family, state, timer, retrans, then inet_diag_sockid (ports
    /// big-endian, addresses in network order), expires, rqueue, wqueue, uid, inode.
    private static func parse(_ b: [UInt8], at o: Int, proto: SocketProtocol) -> SocketEntry? {
        let family = Int32(b[o])
        let state = b[o + 1]
        let localPort = Int(b[o + 4]) << 8 | Int(b[o + 5])
        let remotePort = Int(b[o + 6]) << 8 | Int(b[o + 7])
        let address: IPAddress = family == AF_INET6 ? .v6(Array(b[(o + 8) ..< (o + 24)])) : .v4(Array(b[(o + 8) ..< (o + 12)]))
        let inode = UInt64(get32(b, o + 68))
        return SocketEntry(proto: proto, localAddress: address, localPort: localPort, remotePort: remotePort, state: state, inode: inode)
    }

    private static func put16(_ b: inout [UInt8], _ o: Int, _ v: UInt16) {
        b[o] = UInt8(v & 0xff); b[o + 1] = UInt8(v >> 8)
    }

    private static func put32(_ b: inout [UInt8], _ o: Int, _ v: UInt32) {
        for k in 0 ..< 4 { b[o + k] = UInt8((v >> (8 * UInt32(k))) & 0xff) }
    }

    private static func get16(_ b: [UInt8], _ o: Int) -> UInt16 { UInt16(b[o]) | UInt16(b[o + 1]) << 8 }

    private static func get32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }
}
