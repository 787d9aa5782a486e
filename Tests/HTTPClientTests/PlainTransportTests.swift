import Foundation
@testable import HTTPClient
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The plain HTTP/1.1 transport (`PlainTransport`): which requests it takes,
/// that its answers equal libcurl's for the same requests, and the connection
/// handling that libcurl would otherwise do.
@Suite("Plain HTTP/1.1 transport", .testServer, .timeLimit(.minutes(2)))
struct PlainTransportTests {
    static let scrapeLike = HTTPRequest(url: "http://127.0.0.1:9100/metrics?collect%5B%5D=cpu",
                                        headers: ["Accept": "text/plain;version=0.0.4", "X-Prometheus-Scrape-Timeout-Seconds": "10"],
                                        timeout: .seconds(10), maxResponseBytes: 1 << 20, auth: .bearer("t"))

    @Test func takesPlainGetsToNumericAddressesOnly() {
        let configuration = HTTPClientConfiguration()
        #expect(PlainRequest(Self.scrapeLike, configuration: configuration) != nil)
        #expect(PlainRequest(HTTPRequest(url: "http://[::1]:9100/metrics"), configuration: configuration) != nil)
        var others: [HTTPRequest] = []
        for url in ["https://127.0.0.1/metrics", "http://localhost:9100/metrics", "http://user:pw@127.0.0.1/",
                    "http://127.0.0.1/a b", "http://127.0.0.1/a/../b", "ftp://127.0.0.1/"] {
            others.append(HTTPRequest(url: url))
        }
        others.append(HTTPRequest(url: "http://127.0.0.1/", method: .post, body: []))
        others.append(HTTPRequest(url: "http://127.0.0.1/", method: .head))
        others.append(HTTPRequest(url: "http://127.0.0.1/", proxyURL: "http://127.0.0.1:3128"))
        others.append(HTTPRequest(url: "http://127.0.0.1/", headers: ["Host": "example.org"]))
        for request in others {
            #expect(PlainRequest(request, configuration: configuration) == nil, "\(request.method) \(request.url)")
        }
        var limited = configuration
        limited.maxConnectionsPerHost = 2
        #expect(PlainRequest(Self.scrapeLike, configuration: limited) == nil)
        #expect(PlainRequest(Self.scrapeLike, configuration: .init(usesPlainTransport: false)) == nil)
    }

    @Test func sendsTheHeadersLibcurlWouldSend() async throws {
        let url = try server.http + "/echo?a=1&b=%2F"
        let request = HTTPRequest(url: url, headers: ["X-Custom": "v", "X-Empty": ""], auth: .basic(username: "u", password: "p"))
        let plain = try Echo(try await HTTPClient().execute(request).body)
        let curl = try Echo(try await HTTPClient(configuration: .init(usesPlainTransport: false)).execute(request).body)
        #expect(plain.path == curl.path)
        for name in ["Host", "User-Agent", "Accept", "Accept-Encoding", "Authorization", "X-Custom", "X-Empty"] {
            #expect(plain.header(name) == curl.header(name), "\(name)")
        }
        #expect(plain.header("Authorization") == "Basic dTpw")
    }

    @Test(arguments: ["/plain", "/gzip", "/gzip-forced", "/large", "/large-chunked", "/many-headers", "/status/404",
                      "/status/204", "/redirect", "/echo"])
    func answersEqualLibcurls(path: String) async throws {
        let url = try server.http + path
        let plain = try await HTTPClient().execute(HTTPRequest(url: url))
        let curl = try await HTTPClient(configuration: .init(usesPlainTransport: false)).execute(HTTPRequest(url: url))
        #expect(plain.status == curl.status)
        #expect(plain.reasonPhrase == curl.reasonPhrase)
        #expect(plain.url == curl.url || path == "/redirect")
        if path != "/echo" { #expect(plain.body == curl.body) }
        let ignored: Set<String> = ["date", "server"]
        let names = { (r: HTTPResponse) in r.headers.fields.map { $0.name.lowercased() }.filter { !ignored.contains($0) } }
        #expect(names(plain) == names(curl))
    }

    @Test func limitsMatchLibcurls() async throws {
        for path in ["/large", "/large-chunked", "/gzip-forced"] {
            let request = HTTPRequest(url: try server.http + path, maxResponseBytes: 100)
            let error = try await clientError { try await HTTPClient().execute(request) }
            #expect(error.kind == .responseTooLarge(limit: 100), "\(path)")
        }
    }

    @Test func keepsOneConnectionPerTargetAcrossRequests() async throws {
        let client = HTTPClient()
        let url = try server.http + "/echo"
        var ports = Set<Int>()
        for _ in 0..<5 { ports.insert(try Echo(try await client.execute(HTTPRequest(url: url)).body).client_port) }
        #expect(ports.count == 1)
    }

    @Test func retriesOnceWhenAKeptConnectionWasClosedMeanwhile() async throws {
        let server = try OneResponsePerConnectionServer()
        defer { server.stop() }
        let client = HTTPClient()
        for round in 0..<3 {
            let response = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/metrics"))
            #expect(response.status == 200, "round \(round)")
            #expect(response.bodyText == "up 1\n", "round \(round)")
        }
        #expect(server.connections == 3)
    }

    @Test func aMalformedResponseSaysWhatIsWrong() async throws {
        let server = try OneResponsePerConnectionServer(response: "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n")
        defer { server.stop() }
        let error = try await clientError { try await HTTPClient().execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/")) }
        #expect(error.detail.contains("bad status code"), "\(error)")
    }
}

/// Frames responses split at every byte boundary the way they arrive whole.
@Suite("HTTP/1.1 response framing")
struct HTTP1ResponseParserTests {
    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n"
        + "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\n"

    @Test(arguments: [
        (chunked, "hello world", 200),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc", "abc", 201),
        ("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", "ok", 200),
        ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "", 404),
    ])
    func framesResponsesSplitAnywhere(raw: String, body: String, status: Int) throws {
        let bytes = Array(raw.utf8)
        for split in 0...bytes.count {
            var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: nil)
            try bytes[..<split].withUnsafeBytes { try parser.consume($0) }
            try bytes[split...].withUnsafeBytes { try parser.consume($0) }
            #expect(parser.phase == .complete, "split at \(split)")
            #expect(parser.status == status)
            #expect(String(decoding: parser.body, as: UTF8.self) == body, "split at \(split)")
        }
    }

    @Test func aBodyWithoutLengthEndsWithTheConnection() throws {
        var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: nil)
        try Array("HTTP/1.0 200 OK\r\n\r\npart one, ".utf8).withUnsafeBytes { try parser.consume($0) }
        try Array("part two".utf8).withUnsafeBytes { try parser.consume($0) }
        #expect(parser.phase == .body)
        try parser.connectionClosed()
        #expect(parser.phase == .complete)
        #expect(!parser.keepAlive)
        #expect(String(decoding: parser.body, as: UTF8.self) == "part one, part two")
    }

    @Test(arguments: [
        ("HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "invalid Content-Length"),
        ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "header line without a colon"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid character in chunk size"),
    ])
    func malformedResponsesAreRejected(raw: String, reason: String) {
        var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: nil)
        #expect {
            try Array(raw.utf8).withUnsafeBytes { try parser.consume($0) }
        } throws: { error in
            guard case .malformed(let text) = error as? HTTP1ResponseError else { return false }
            return text.contains(reason)
        }
    }

    @Test func bytesPastTheResponseAreNoted() throws {
        var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: nil)
        try Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n".utf8).withUnsafeBytes { try parser.consume($0) }
        #expect(parser.phase == .complete)
        #expect(String(decoding: parser.body, as: UTF8.self) == "ok")
        #expect(parser.receivedPastEnd)
    }

    @Test func aTruncatedBodyIsAnError() throws {
        var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: nil)
        try Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8).withUnsafeBytes { try parser.consume($0) }
        #expect(throws: HTTP1ResponseError.self) { try parser.connectionClosed() }
    }

    @Test func aDeclaredLengthOverTheLimitFailsBeforeTheBody() {
        var parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: 5)
        #expect(throws: HTTP1ResponseError.bodyTooLarge) {
            try Array("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n".utf8).withUnsafeBytes { try parser.consume($0) }
        }
    }
}

/// A loopback server that answers one request per connection and then closes
/// it without saying so, as servers with short idle timeouts do.
final class OneResponsePerConnectionServer: @unchecked Sendable {
    let port: Int
    private final class Counter: Sendable { let value = Mutex(0) }
    private let accepted = Counter()
    var connections: Int { accepted.value.withLock { $0 } }
    private let listener: Int32
    private let thread: Thread

    init(response: String = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nup 1\n") throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let reply = Array(response.utf8)
        thread = Thread { [accepted] in
            // Bounded: a test makes a handful of connections.
            for _ in 0..<64 {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                accepted.value.withLock { $0 += 1 }
                var buffer = [UInt8](repeating: 0, count: 4096)
                var request: [UInt8] = []
                while !request.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
                    let n = recv(client, &buffer, buffer.count, 0)
                    if n <= 0 { break }
                    request += buffer[..<n]
                }
                _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
