#if canImport(Glibc)
import Glibc
#endif

/// A numeric IPv4 or IPv6 address and port: where a plain connection goes.
struct PlainEndpoint: Hashable {
    let host: String
    let port: UInt16
    private let family: Int32

    /// Nil unless `host` is a numeric address (no resolver runs on the transfer thread).
    init?(host: String, port: UInt16) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            family = AF_INET
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            family = AF_INET6
        } else {
            return nil
        }
        self.host = host
        self.port = port
    }

    /// Opens a non-blocking TCP socket and starts connecting. Returns the
    /// socket and whether the connect already completed; throws the errno.
    func connect() throws(PlainSocketError) -> (fd: Int32, connected: Bool) {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PlainSocketError(errno: errno, during: "socket") }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let result: Int32
        if family == AF_INET {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &address.sin_addr)
            result = Self.connect(fd, to: &address)
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            result = Self.connect(fd, to: &address)
        }
        if result == 0 { return (fd, true) }
        let code = errno
        if code == EINPROGRESS { return (fd, false) }
        close(fd)
        throw PlainSocketError(errno: code, during: "connect")
    }
}

extension PlainEndpoint {
    /// `connect(2)` with a concrete socket address type.
    fileprivate static func connect<Address>(_ fd: Int32, to address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}

/// A failed socket call.
struct PlainSocketError: Error {
    let errno: Int32
    let during: String

    var message: String { String(cString: strerror(errno)) }
}
