import Synchronization
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Loopback networking helpers for tests: free ports and a minimal HTTP/1.0 client
/// that depends on nothing Ember builds (so it can check Ember's own server).
public enum Loopback {
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() -> Int {
        // Ports below Linux's ephemeral range (32768-60999), never the same twice
        // in one process: a port from bind(0) is released before the server binds
        // it, and meanwhile any outgoing connection may take it as its source port.
        for _ in 0..<2_000 {
            let candidate = handedOut.withLock { used -> Int? in
                let port = Int.random(in: 20_000..<32_000)
                return used.insert(port).inserted ? port : nil
            }
            if let candidate, canBind(candidate) { return candidate }
        }
        return ephemeralPort()
    }

    private static let handedOut = Mutex<Set<Int>>([])

    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let len = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } } == 0
    }

    private static func ephemeralPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A plain HTTP response.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// Sends one HTTP/1.0 request to 127.0.0.1:port; nil when the connection fails.
    public static func request(port: Int, method: String = "GET", path: String, body: String = "",
                               headers: [String: String] = [:], timeoutSeconds: Int = 10) -> Response? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { return nil }
        var req = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
        for (k, v) in headers { req += "\(k): \(v)\r\n" }
        req += "\r\n" + body
        let bytes = Array(req.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { return nil }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while data.count < 64 << 20 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
            if isComplete(data) { break }
        }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<split.lowerBound].split(separator: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    /// True once the headers and a Content-Length body have arrived (servers may keep the connection open).
    private static func isComplete(_ data: [UInt8]) -> Bool {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard data.count >= 4, let end = (0...(data.count - 4)).first(where: { data[$0..<$0 + 4].elementsEqual(sep) }) else { return false }
        let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return data.count >= end + 4 + length
    }

    /// Polls until `path` answers 200 or the deadline passes.
    public static func waitUntilHealthy(port: Int, path: String = "/-/healthy", timeoutSeconds: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if request(port: port, path: path, timeoutSeconds: 2)?.status == 200 { return true }
            usleep(100_000)
        }
        return false
    }
}

extension Loopback {
    /// `request` for async tests: the blocking socket work runs on its own thread,
    /// so it never starves the cooperative pool that an in-process server needs.
    public static func request(port: Int, method: String = "GET", path: String, body: String = "",
                               headers: [String: String] = [:], timeoutSeconds: Int = 10) async -> Response? {
        await offPool { request(port: port, method: method, path: path, body: body, headers: headers, timeoutSeconds: timeoutSeconds) }
    }

    /// Polls until the server answers `path` with any status (e.g. 401 behind basic auth); returns that status.
    public static func waitUntilResponding(port: Int, path: String = "/-/healthy", timeoutSeconds: Double = 30) async -> Int? {
        await offPool {
            let deadline = Date().addingTimeInterval(timeoutSeconds)
            while Date() < deadline {
                if let r = request(port: port, path: path, timeoutSeconds: 2) { return r.status }
                usleep(100_000)
            }
            return nil
        }
    }

    public static func waitUntilHealthy(port: Int, path: String = "/-/healthy", timeoutSeconds: Double = 30) async -> Bool {
        await offPool { waitUntilHealthy(port: port, path: path, timeoutSeconds: timeoutSeconds) }
    }
}

/// Runs blocking work on a dedicated thread and awaits its result.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}
