import Foundation
import Model
import Testing
@testable import Exporter

/// A tiny HTTP/TCP server on 127.0.0.1 for probe tests: each connection gets the
/// raw bytes the handler returns for the request it sent.
final class RawServer: @unchecked Sendable {
    let listener: BoundSocket
    var port: Int { listener.port }
    private let handler: @Sendable (String) -> (delay: Double, response: [UInt8])

    init(handler: @escaping @Sendable (String) -> (delay: Double, response: [UInt8])) {
        listener = BoundSocket()
        self.handler = handler
        let fd = listener.fd
        let thread = Thread { [handler] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                Thread.detachNewThread {
                    defer { close(client) }
                    var request: [UInt8] = []
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    var tv = timeval(tv_sec: 5, tv_usec: 0)
                    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                    while request.count < 65536 {
                        let n = recv(client, &buffer, buffer.count, 0)
                        if n <= 0 { break }
                        request += buffer[..<n]
                        let text = String(decoding: request, as: UTF8.self)
                        if text.contains("\r\n\r\n") || text.contains("\n") && !text.hasPrefix("GET") && !text.hasPrefix("POST") && !text.hasPrefix("HEAD") { break }
                    }
                    let (delay, response) = handler(String(decoding: request, as: UTF8.self))
                    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                    _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                }
            }
        }
        thread.start()
    }

    func stop() { shutdown(listener.fd, Int32(SHUT_RDWR)); listener.close() }
    deinit { stop() }

    static func http(_ status: String, _ headers: [String] = [], body: String) -> [UInt8] {
        var head = "HTTP/1.1 \(status)\r\n"
        for h in headers { head += h + "\r\n" }
        if !headers.contains(where: { $0.lowercased().hasPrefix("transfer-encoding") }) { head += "Content-Length: \(body.utf8.count)\r\n" }
        return Array((head + "Connection: close\r\n\r\n" + body).utf8)
    }
}

@Suite struct HTTPProbeTests {
    static func server() -> RawServer {
        RawServer { request in
            let path = request.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            switch path {
            case "/ok": return (0, RawServer.http("200 OK", body: "hello ember, all ok"))
            case "/chunked":
                return (0, Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n".utf8))
            case "/redirect": return (0, RawServer.http("302 Found", ["Location: /ok"], body: ""))
            case "/loop": return (0, RawServer.http("302 Found", ["Location: /loop"], body: ""))
            case let p where p.hasPrefix("/to-https-"):
                return (0, RawServer.http("301 Moved", ["Location: https://127.0.0.1:\(p.dropFirst("/to-https-".count))/"], body: ""))
            case "/slow": return (3, RawServer.http("200 OK", body: "late"))
            case "/echo-method":
                let method = request.split(separator: " ").first.map(String.init) ?? "?"
                let header = request.contains("X-Probe: yes") ? "with-header" : "no-header"
                return (0, RawServer.http("200 OK", body: "\(method) \(header)"))
            case "/garbage": return (0, Array("NOT HTTP AT ALL\r\n\r\n".utf8))
            default: return (0, RawServer.http("404 Not Found", body: "nope"))
            }
        }
    }

    func http(_ name: String, _ url: String, timeout: Double = 3, _ edit: (inout HTTPProbeConfig) -> Void = { _ in }) -> CheckConfig {
        var c = HTTPProbeConfig(url: url)
        edit(&c)
        return CheckConfig(name: name, timeout: PromDuration(milliseconds: Int64(timeout * 1000)), kind: .http(c))
    }

    @Test func probesStatusBodyRedirectsAndChunking() async throws {
        let s = Self.server()
        let base = "http://127.0.0.1:\(s.port)"
        let page = try await scrapeChecks([
            http("ok", base + "/ok") { $0.failIfBodyNotMatches = ["all ok"] },
            http("missing", base + "/missing"),
            http("missing-allowed", base + "/missing") { $0.validStatusCodes = [404] },
            http("chunked", base + "/chunked") { $0.failIfBodyNotMatches = ["^hello world$"] },
            http("redirect", base + "/redirect"),
            http("no-follow", base + "/redirect") { $0.followRedirects = false; $0.validStatusCodes = [302] },
            http("loop", base + "/loop"),
            http("bad-body", base + "/ok") { $0.failIfBodyMatches = ["hello"] },
            http("method", base + "/echo-method") { $0.method = "POST"; $0.headers = [("X-Probe", "yes")]; $0.failIfBodyNotMatches = ["^POST with-header$"] },
            http("garbage", base + "/garbage"),
        ])
        #expect(page.value("probe_success", ["check": "ok"]) == 1)
        #expect(page.value("probe_http_status_code", ["check": "ok"]) == 200)
        #expect(page.value("probe_http_content_length", ["check": "ok"]) == 19)
        #expect(page.value("probe_http_version", ["check": "ok"]) == 1.1)
        #expect(page.value("probe_failed_due_to_regex", ["check": "ok"]) == 0)
        #expect(page.value("probe_ip_protocol", ["check": "ok"]) == 4)
        #expect(page.samples("probe_http_duration_seconds", ["check": "ok"]).count == 5)
        #expect(page.value("ember_check_success", ["check": "ok"]) == 1)
        #expect(page.value("probe_http_status_code", ["check": "missing"]) == 404)
        #expect(page.value("ember_check_error", ["check": "missing", "reason": "invalid_status"]) == 1)
        #expect(page.value("probe_success", ["check": "missing-allowed"]) == 1)
        #expect(page.value("probe_success", ["check": "chunked"]) == 1)
        #expect(page.value("probe_http_uncompressed_body_length", ["check": "chunked"]) == 11)
        #expect(page.value("probe_http_redirects", ["check": "redirect"]) == 1)
        #expect(page.value("probe_http_status_code", ["check": "redirect"]) == 200)
        #expect(page.value("probe_success", ["check": "no-follow"]) == 1)
        #expect(page.value("ember_check_error", ["check": "loop", "reason": "too_many_redirects"]) == 1)
        #expect(page.value("probe_failed_due_to_regex", ["check": "bad-body"]) == 1)
        #expect(page.value("ember_check_error", ["check": "bad-body", "reason": "body_matched"]) == 1)
        #expect(page.value("probe_success", ["check": "method"]) == 1)
        #expect(page.value("ember_check_error", ["check": "garbage", "reason": "invalid_response"]) == 1)
    }

    @Test func failuresAreMetricsNotErrors() async throws {
        let s = Self.server()
        let refusedPort = freePort()
        let started = Date()
        let page = try await scrapeChecks([
            http("refused", "http://127.0.0.1:\(refusedPort)/"),
            http("slow", "http://127.0.0.1:\(s.port)/slow", timeout: 1),
            http("tls", "https://127.0.0.1:\(refusedPort)/"),
            http("to-tls", "http://127.0.0.1:\(s.port)/to-https-\(refusedPort)"),
            http("no-such-host", "http://no-such-host.invalid/"),
        ])
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(page.value("probe_success", ["check": "refused"]) == 0)
        #expect(page.value("ember_check_error", ["check": "refused", "reason": "connect_failed"]) == 1)
        #expect(page.value("ember_check_error", ["check": "slow", "reason": "timeout"]) == 1)
        #expect(page.value("ember_check_error", ["check": "tls", "reason": "connect_failed"]) == 1)
        #expect(page.value("ember_check_error", ["check": "to-tls", "reason": "connect_failed"]) == 1)
        #expect(page.value("ember_check_success", ["check": "no-such-host"]) == 0)
        for check in ["refused", "slow", "tls", "to-tls", "no-such-host"] {
            #expect(page.value("probe_duration_seconds", ["check": check]) != nil, "\(check)")
        }
    }

    @Test(.enabled(if: python3Path != nil))
    func pythonHTTPServerServesAFile() async throws {
        let root = TempDir()
        root.write("index.html", "<h1>ember probe target</h1>")
        let p = freePort()
        let server = try ChildProcess(python3Path!, ["-m", "http.server", String(p), "--bind", "127.0.0.1"], workingDirectory: root.path)
        defer { server.stop() }
        let checks = [http("py", "http://127.0.0.1:\(p)/index.html") { $0.failIfBodyNotMatches = ["ember probe target"] }]
        var page = try await scrapeChecks(checks)
        let up = try await eventually(within: 20) {
            page = try await scrapeChecks(checks)
            return page.value("probe_success", ["check": "py"]) == 1
        }
        #expect(up)
        #expect(page.value("probe_http_content_length", ["check": "py"]) == 27)
        server.stop()
        page = try await scrapeChecks(checks)
        #expect(page.value("probe_success", ["check": "py"]) == 0)
    }

    @Test func urlParsingAndRedirectResolution() throws {
        let u = try HTTPURL("http://[::1]:8080/a/b?x=1#frag")
        #expect(u.host == "::1")
        #expect(u.port == 8080)
        #expect(u.target == "/a/b?x=1")
        #expect(u.hostHeader == "[::1]:8080")
        #expect(try HTTPURL("http://h").target == "/")
        #expect(try HTTPURL("http://h?q").target == "/?q")
        #expect(try u.resolving("c").target == "/a/c")
        #expect(try u.resolving("/z").target == "/z")
        #expect(try u.resolving("http://other:81/").host == "other")
        #expect(throws: HTTPURL.Invalid.self) { try HTTPURL("http://user:pw@h/") }
        #expect(throws: HTTPURL.Invalid.self) { try HTTPURL("http://h:99999/") }
    }
}

@Suite struct TCPProbeTests {
    func tcp(_ name: String, _ address: String, send: String? = nil, expect: String? = nil, timeout: Double = 3) -> CheckConfig {
        CheckConfig(name: name, timeout: PromDuration(milliseconds: Int64(timeout * 1000)), kind: .tcp(TCPProbeConfig(address: address, send: send, expect: expect)))
    }

    @Test func connectsSendsAndExpects() async throws {
        let server = RawServer { request in
            (0, Array((request.hasPrefix("PING") ? "+PONG\r\n" : "-ERR unknown\r\n").utf8))
        }
        let address = "127.0.0.1:\(server.port)"
        let page = try await scrapeChecks([
            tcp("ping", address, send: "PING\r\n", expect: #"^\+PONG"#),
            tcp("wrong", address, send: "HELLO\r\n", expect: #"^\+PONG"#),
            tcp("connect-only", address),
            tcp("refused", "127.0.0.1:\(freePort())"),
            tcp("v6-literal", "[::1]:\(freePort())"),
        ])
        #expect(page.value("probe_success", ["check": "ping"]) == 1)
        #expect(page.value("probe_failed_due_to_regex", ["check": "ping"]) == 0)
        #expect(page.value("probe_ip_protocol", ["check": "ping"]) == 4)
        #expect(page.value("probe_success", ["check": "wrong"]) == 0)
        #expect(page.value("probe_failed_due_to_regex", ["check": "wrong"]) == 1)
        #expect(page.value("ember_check_error", ["check": "wrong", "reason": "expect_not_matched"]) == 1)
        #expect(page.value("probe_success", ["check": "connect-only"]) == 1)
        #expect(page.value("ember_check_error", ["check": "refused", "reason": "connect_failed"]) == 1)
        #expect(page.value("probe_success", ["check": "v6-literal"]) == 0)
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = RawServer { _ in (10, []) }
        let started = Date()
        let page = try await scrapeChecks([tcp("silent", "127.0.0.1:\(server.port)", send: "x\n", expect: "never", timeout: 1)])
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(page.value("probe_success", ["check": "silent"]) == 0)
        #expect(page.value("probe_failed_due_to_regex", ["check": "silent"]) == 1)
    }
}
