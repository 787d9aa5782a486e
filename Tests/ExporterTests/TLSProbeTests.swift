import Foundation
import HTTPClient
import Model
import Testing
@testable import Exporter

/// http probes against a real HTTPS server on 127.0.0.1 (Python's http.server wrapped
/// in ssl) with a self-signed certificate made by openssl for the test.
@Suite(.serialized) struct TLSProbeTests {
    static let opensslPath = which("openssl")
    static let enabled = python3Path != nil && opensslPath != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/date")

    /// A self-signed certificate for 127.0.0.1 and its NotAfter, computed by openssl and
    /// date(1) rather than by Ember's own date parser.
    struct Certificate {
        let directory: TempDir
        var certPath: String { directory.path + "/cert.pem" }
        var keyPath: String { directory.path + "/key.pem" }
        let notAfter: Double
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExporterError(message: "\(executable) \(arguments) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func makeCertificate(days: Int) throws -> Certificate {
        let dir = TempDir("ember-tls")
        let openssl = try #require(opensslPath)
        _ = try run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", String(days),
                              "-subj", "/CN=ember-test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                              "-keyout", dir.path + "/key.pem", "-out", dir.path + "/cert.pem"])
        // "notAfter=Jan  7 11:22:33 2027 GMT"
        let end = try run(openssl, ["x509", "-in", dir.path + "/cert.pem", "-noout", "-enddate"])
        let text = String(end.drop(while: { $0 != "=" }).dropFirst())
        let epoch = try #require(Double(try run("/usr/bin/date", ["-u", "-d", text, "+%s"])))
        return Certificate(directory: dir, notAfter: epoch)
    }

    /// Python's http.server over TLS, serving `root`.
    static func startServer(_ cert: Certificate, root: String, port: Int) throws -> ChildProcess {
        try ChildProcess(try #require(python3Path), ["-c", """
        import http.server, ssl, sys, os
        os.chdir(sys.argv[4])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        srv.serve_forever()
        """, String(port), cert.certPath, cert.keyPath, root])
    }

    func http(_ name: String, _ url: String, _ edit: (inout HTTPProbeConfig) -> Void = { _ in }) -> CheckConfig {
        var c = HTTPProbeConfig(url: url)
        edit(&c)
        return CheckConfig(name: name, timeout: PromDuration(seconds: 5), kind: .http(c))
    }

    @Test(.enabled(if: enabled))
    func httpsProbeReportsCertificateExpiryAndTLSVersion() async throws {
        let cert = try Self.makeCertificate(days: 42)
        let root = TempDir()
        root.write("index.html", "<h1>ember over tls</h1>")
        let port = freePort()
        let server = try Self.startServer(cert, root: root.path, port: port)
        defer { server.stop() }
        let base = "https://127.0.0.1:\(port)"
        let redirector = RawServer { _ in (0, RawServer.http("302 Found", ["Location: \(base)/index.html"], body: "")) }

        let checks = [
            http("insecure", base + "/index.html") { $0.tls.insecureSkipVerify = true; $0.failIfBodyNotMatches = ["ember over tls"] },
            http("with-ca", base + "/index.html") { $0.tls.caFile = cert.certPath },
            http("unverified", base + "/index.html"),
            http("redirected", "http://127.0.0.1:\(redirector.port)/start") { $0.tls.insecureSkipVerify = true },
            http("tls13-only", base + "/index.html") { $0.tls.caFile = cert.certPath; $0.tls.minVersion = "TLS13" },
        ]
        var page = try await scrapeChecks(checks)
        let up = try await eventually(within: 20) {
            page = try await scrapeChecks(checks)
            return page.value("probe_success", ["check": "insecure"]) == 1
        }
        try #require(up, "the HTTPS server on port \(port) did not come up")

        #expect(page.value("probe_http_ssl", ["check": "insecure"]) == 1)
        #expect(page.value("probe_http_status_code", ["check": "insecure"]) == 200)
        #expect(page.value("probe_ssl_earliest_cert_expiry", ["check": "insecure"]) == cert.notAfter)
        #expect(page.value("probe_tls_version_info", ["check": "insecure", "version": "TLS 1.3"]) == 1)
        #expect(page.value("probe_http_version", ["check": "insecure"]) == 1.0 || page.value("probe_http_version", ["check": "insecure"]) == 1.1)
        #expect(page.value("probe_ip_protocol", ["check": "insecure"]) == 4)
        let phases = page.samples("probe_http_duration_seconds", ["check": "insecure"])
        #expect(Set(phases.compactMap { $0.labels.first { $0.name == "phase" }?.value }) == ["connect", "processing", "resolve", "tls", "transfer"])
        #expect((page.value("probe_http_duration_seconds", ["check": "insecure", "phase": "tls"]) ?? 0) > 0)

        // Verified against the certificate as its own CA (its SAN covers 127.0.0.1).
        #expect(page.value("probe_success", ["check": "with-ca"]) == 1)
        #expect(page.value("probe_ssl_earliest_cert_expiry", ["check": "with-ca"]) == cert.notAfter)
        #expect(page.value("probe_success", ["check": "tls13-only"]) == 1)

        // Against the system CAs a self-signed certificate fails, and no expiry is claimed.
        #expect(page.value("probe_success", ["check": "unverified"]) == 0)
        #expect(page.value("ember_check_error", ["check": "unverified", "reason": "tls_failed"]) == 1)
        #expect(page.value("probe_ssl_earliest_cert_expiry", ["check": "unverified"]) == nil)

        // A plain http:// target redirecting to https:// ends over TLS.
        #expect(page.value("probe_success", ["check": "redirected"]) == 1)
        #expect(page.value("probe_http_ssl", ["check": "redirected"]) == 1)
        #expect(page.value("probe_http_redirects", ["check": "redirected"]) == 1)
        #expect(page.value("probe_ssl_earliest_cert_expiry", ["check": "redirected"]) == cert.notAfter)

        // Plain http probes report no TLS.
        let plain = try await scrapeChecks([http("plain", "http://127.0.0.1:\(redirector.port)/x") { $0.followRedirects = false; $0.validStatusCodes = [302] }])
        #expect(plain.value("probe_http_ssl", ["check": "plain"]) == 0)
        #expect(plain.family("probe_ssl_earliest_cert_expiry") == nil)
    }

    @Test func certificateDatesInEveryBackendShape() {
        // 2027-11-26 12:00:00 UTC
        let expected = 1_827_230_400.0
        #expect(CertificateDate.parse("Nov 26 12:00:00 2027 GMT") == expected)
        #expect(CertificateDate.parse("Nov 26 12:00:00.250 2027 GMT") == expected + 0.25)
        #expect(CertificateDate.parse("Jan  7 00:00:00 2030 GMT") == 1_893_974_400)
        #expect(CertificateDate.parse("2027-11-26 12:00:00 GMT") == expected)
        #expect(CertificateDate.parse("2027-11-26 12:00:00Z") == expected)
        #expect(CertificateDate.parse("2027-11-26T12:00:00Z") == expected)
        #expect(CertificateDate.parse("2027-11-26 13:30:00 UTC+0130") == expected)
        #expect(CertificateDate.parse("Feb 29 00:00:00 2028 GMT") == 1_835_395_200)
        #expect(CertificateDate.parse("") == nil)
        #expect(CertificateDate.parse("Foo 26 12:00:00 2027 GMT") == nil)
        #expect(CertificateDate.parse("Nov 26 25:00:00 2027 GMT") == nil)
        #expect(CertificateDate.parse("2027-13-26 12:00:00 GMT") == nil)
        #expect(CertificateDate.parse("Nov 26 12:00:00 2027 CET") == nil)
    }
}
