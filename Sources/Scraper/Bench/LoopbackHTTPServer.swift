#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 over plain POSIX sockets and threads,
/// serving scrape targets for `ember bench ingest` and for tests. It listens on
/// one or more ports (one per simulated target), keeps connections alive as a
/// real exporter does, and answers every GET from a handler.
public final class LoopbackHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        /// Which listening port (index into ``ports``) the request came in on.
        public var listener: Int
        /// Request method, e.g. `GET`.
        public var method: String
        /// Path with query string.
        public var target: String
        /// Header fields with lower-cased names.
        public var headers: [String: String]
    }

    /// The handler's answer.
    public struct Response: Sendable {
        /// HTTP status code.
        public var status: Int
        /// `Content-Type` header; nil sends none.
        public var contentType: String?
        public var body: [UInt8]

        /// A response; by default 200 with the Prometheus text format's content type.
        public init(status: Int = 200, contentType: String? = "text/plain; version=0.0.4; charset=utf-8", body: [UInt8]) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// The bound ports, in listener order.
    public let ports: [Int]
    private let listeners: [Int32]
    private let handler: @Sendable (Request) -> Response
    private let stopping = Atomic<Bool>(false)
    private let handlerCPUNanos = Atomic<UInt64>(0)
    private let requestCount = Atomic<Int>(0)
    private let openConnections = Atomic<Int>(0)
    private let acceptedConnections = Atomic<Int>(0)

    /// Binds `count` ports on 127.0.0.1 (kernel-chosen) and starts serving.
    /// The serving threads keep the server alive: call ``shutdown()`` to stop it.
    public init(listeners count: Int = 1, handler: @escaping @Sendable (Request) -> Response) throws {
        var fds: [Int32] = []
        var ports: [Int] = []
        for _ in 0..<max(count, 1) {
            do {
                let (fd, port) = try Self.listen()
                fds.append(fd)
                ports.append(port)
            } catch {
                for fd in fds { close(fd) }
                throw error
            }
        }
        self.listeners = fds
        self.ports = ports
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "ember-loopback-accept"
        thread.start()
    }

    /// Stops accepting; connection threads end within about a second.
    public func shutdown() {
        if stopping.exchange(true, ordering: .acquiringAndReleasing) { return }
        // The accept thread closes the listeners when it sees the flag.
    }

    /// CPU time the server's threads spent producing and sending responses.
    public var cpuSeconds: Double { Double(handlerCPUNanos.load(ordering: .relaxed)) / 1e9 }

    /// Connections accepted so far (a client that keeps its connection alive makes one).
    public var connections: Int { acceptedConnections.load(ordering: .relaxed) }

    /// Requests answered so far.
    public var requests: Int { requestCount.load(ordering: .relaxed) }

    private static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0, Glibc.listen(fd, 512) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw ServerError("bind/listen on 127.0.0.1: \(message)")
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    private func acceptLoop() {
        var pollFDs = listeners.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !stopping.load(ordering: .acquiring) {
            let ready = poll(&pollFDs, nfds_t(pollFDs.count), 100)
            if ready <= 0 { continue }
            for i in pollFDs.indices where pollFDs[i].revents & Int16(POLLIN) != 0 {
                let fd = accept(pollFDs[i].fd, nil, nil)
                if fd < 0 { continue }
                var timeout = timeval(tv_sec: 1, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                let listener = i
                openConnections.add(1, ordering: .relaxed)
                acceptedConnections.add(1, ordering: .relaxed)
                let thread = Thread { [self] in
                    serve(fd, listener: listener)
                    close(fd)
                    openConnections.subtract(1, ordering: .relaxed)
                }
                thread.name = "ember-loopback-conn"
                thread.start()
            }
        }
        for fd in listeners { close(fd) }
    }

    /// Answers requests on one connection until it closes, fails or the server stops.
    private func serve(_ fd: Int32, listener: Int) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while !stopping.load(ordering: .relaxed) {
            guard let headEnd = Self.headerEnd(buffer) else {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    buffer.append(contentsOf: chunk[0..<n])
                    if buffer.count > 1 << 20 { return }
                    continue
                }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { continue }
                return
            }
            let cpuStart = Self.threadCPUNanos()
            guard var request = Self.parseHead(buffer[0..<headEnd]) else { return }
            request.listener = listener
            let bodyLength = Int(request.headers["content-length"] ?? "0") ?? 0
            guard buffer.count >= headEnd + 4 + bodyLength else {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                buffer.append(contentsOf: chunk[0..<n])
                continue
            }
            buffer.removeFirst(headEnd + 4 + bodyLength)
            let response = handler(request)
            let keepAlive = request.headers["connection"]?.lowercased() != "close"
            let ok = Self.write(fd, response, keepAlive: keepAlive)
            requestCount.add(1, ordering: .relaxed)
            handlerCPUNanos.add(Self.threadCPUNanos() &- cpuStart, ordering: .relaxed)
            if !ok || !keepAlive { return }
        }
    }

    private static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) -> Request? {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(listener: 0, method: String(parts[0]), target: String(parts[1]), headers: headers)
    }

    private static func write(_ fd: Int32, _ response: Response, keepAlive: Bool) -> Bool {
        var head = "HTTP/1.1 \(response.status) \(reason(response.status))\r\nContent-Length: \(response.body.count)\r\n"
        if let type = response.contentType { head += "Content-Type: \(type)\r\n" }
        head += keepAlive ? "\r\n" : "Connection: close\r\n\r\n"
        return sendAll(fd, Array(head.utf8)) && sendAll(fd, response.body)
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return send(fd, base + sent, buf.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 500: "Internal Server Error"
        default: "Status"
        }
    }

    static func threadCPUNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// A failure to start the loopback server.
public struct ServerError: Error, CustomStringConvertible {
    /// What failed, with the system's reason.
    public let description: String
    init(_ description: String) { self.description = description }
}
