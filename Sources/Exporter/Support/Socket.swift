#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in monotonic time by which blocking work must finish.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant

    init(after seconds: Double) {
        instant = ContinuousClock.now.advanced(by: .nanoseconds(Int64(seconds * 1e9)))
    }

    var expired: Bool { ContinuousClock.now >= instant }

    /// Milliseconds left, for poll(2); at least 0, rounded up so a poll does not spin.
    var pollMillis: Int32 {
        let left = ContinuousClock.now.duration(to: instant)
        if left <= .zero { return 0 }
        let ms = left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}

/// An IPv4 or IPv6 address literal.
enum IPAddress: Equatable, Sendable {
    case v4([UInt8])
    case v6([UInt8])

    static func parse(_ text: String) -> IPAddress? {
        var a4 = in_addr()
        if inet_pton(AF_INET, text, &a4) == 1 { return .v4(withUnsafeBytes(of: a4) { Array($0) }) }
        var a6 = in6_addr()
        if inet_pton(AF_INET6, text, &a6) == 1 { return .v6(withUnsafeBytes(of: a6) { Array($0) }) }
        return nil
    }

    var isUnspecified: Bool {
        switch self {
        case .v4(let b), .v6(let b): return b.allSatisfy { $0 == 0 }
        }
    }

    /// The canonical text form (inet_ntop).
    var text: String {
        var buffer = [CChar](repeating: 0, count: 64)
        switch self {
        case .v4(let b):
            var a = in_addr()
            withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: b) }
            inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count))
        case .v6(let b):
            var a = in6_addr()
            withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: b) }
            inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `host:port`, with IPv6 literals in brackets.
struct HostPort: Sendable, Equatable {
    var host: String
    var port: UInt16

    static func parse(_ text: String) -> HostPort? {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex) ..< close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = UInt16(portText), port > 0 else { return nil }
        return HostPort(host: String(host), port: port)
    }
}

/// A socket failure with a short, stable reason for metrics and the errno text for logs.
struct SocketError: Error, CustomStringConvertible {
    let reason: String
    let detail: String
    var description: String { detail }

    static func system(_ what: String, code: Int32) -> SocketError {
        SocketError(reason: "\(what)_failed", detail: "\(what): \(String(cString: strerror(code)))")
    }
}

/// A blocking-free TCP client connection: every operation waits with poll(2) up to a deadline.
final class TCPConnection {
    let fd: Int32
    /// 4 or 6.
    let ipVersion: Int
    let resolveSeconds: Double
    let connectSeconds: Double

    private init(fd: Int32, ipVersion: Int, resolveSeconds: Double, connectSeconds: Double) {
        self.fd = fd
        self.ipVersion = ipVersion
        self.resolveSeconds = resolveSeconds
        self.connectSeconds = connectSeconds
    }

    deinit { close(fd) }

    /// Resolves `host` and connects to the first address that accepts before `deadline`.
    static func connect(host: String, port: UInt16, deadline: Deadline) throws(SocketError) -> TCPConnection {
        // An address literal needs no resolver (getaddrinfo reads /etc/hosts,
        // nsswitch.conf and gai.conf even for "127.0.0.1").
        if let literal = IPAddress.parse(host) { return try connect(literal, port: port, deadline: deadline) }
        let resolveStart = ContinuousClock.now
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw SocketError(reason: "resolve_failed", detail: "resolving \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let resolveSeconds = seconds(since: resolveStart)
        if deadline.expired { throw SocketError(reason: "timeout", detail: "timed out resolving \(host)") }

        var lastError = SocketError(reason: "connect_failed", detail: "no addresses for \(host)")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let connectStart = ContinuousClock.now
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = .system("socket", code: errno); continue }
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) != 0 {
                guard errno == EINPROGRESS else { lastError = .system("connect", code: errno); close(fd); continue }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let n = poll(&p, 1, deadline.pollMillis)
                if n == 0 { close(fd); throw SocketError(reason: "timeout", detail: "timed out connecting to \(host):\(port)") }
                var soError: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
                if n < 0 || soError != 0 { lastError = .system("connect", code: soError != 0 ? soError : errno); close(fd); continue }
            }
            return TCPConnection(fd: fd, ipVersion: ai.pointee.ai_family == AF_INET6 ? 6 : 4,
                                 resolveSeconds: resolveSeconds, connectSeconds: seconds(since: connectStart))
        }
        throw lastError
    }

    private static func connect(_ address: IPAddress, port: UInt16, deadline: Deadline) throws(SocketError) -> TCPConnection {
        let start = ContinuousClock.now
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        switch address {
        case .v4(let bytes):
            family = AF_INET
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) } }
        case .v6(let bytes):
            family = AF_INET6
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes) }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) } }
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { throw .system("socket", code: errno) }
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) } }
        if rc != 0 {
            guard errno == EINPROGRESS else { let e = errno; close(fd); throw .system("connect", code: e) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let n = poll(&p, 1, deadline.pollMillis)
            if n == 0 { close(fd); throw SocketError(reason: "timeout", detail: "timed out connecting to \(address.text):\(port)") }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if n < 0 || soError != 0 { let e = soError != 0 ? soError : errno; close(fd); throw .system("connect", code: e) }
        }
        return TCPConnection(fd: fd, ipVersion: family == AF_INET6 ? 6 : 4, resolveSeconds: 0, connectSeconds: seconds(since: start))
    }

    /// Writes all of `bytes` before the deadline.
    func send(_ bytes: [UInt8], deadline: Deadline) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0, errno == EINTR { continue }
            guard n < 0, errno == EAGAIN || errno == EWOULDBLOCK else { throw .system("send", code: errno) }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, deadline.pollMillis) == 0 { throw SocketError(reason: "timeout", detail: "timed out sending") }
        }
    }

    /// Reads what is available, waiting until data, EOF or the deadline.
    /// Returns nil at EOF, an empty array on timeout.
    func receive(max: Int, deadline: Deadline) throws(SocketError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Swift.max(1, Swift.min(max, 65536)))
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress!, raw.count, 0) }
            if n > 0 { buffer.removeSubrange(n...); return buffer }
            if n == 0 { return nil }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { throw .system("receive", code: errno) }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, deadline.pollMillis)
            if ready == 0 { return [] }
            if ready < 0, errno != EINTR { throw .system("poll", code: errno) }
        }
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}
