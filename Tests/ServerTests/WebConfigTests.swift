import Foundation
import HummingbirdBcrypt
import Logging
import Testing
import TestSupport
@testable import Server

/// `--web.config.file`: basic auth and TLS on a real server, checked with real clients.
@Suite struct WebConfigTests {
    func makeServer(webConfig: String, in dir: URL) throws -> (port: Int, server: EmberServer) {
        let file = dir.appendingPathComponent("web.yml")
        try webConfig.write(to: file, atomically: false, encoding: .utf8)
        return try TestServer.make(in: dir) { $0.webConfigFile = file.path }
    }

    @Test func basicAuthRejectsMissingAndWrongCredentials() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hash = Bcrypt.hash("s3cret", cost: 4)
        let (port, server) = try makeServer(webConfig: "basic_auth_users:\n  alice: \(hash)\n", in: dir)
        try await server.serving {
            #expect(await Loopback.waitUntilResponding(port: port, timeoutSeconds: 30) == 401, "healthy without credentials")
            let anonymous = try #require(await Loopback.request(port: port, path: "/-/healthy"))
            #expect(anonymous.status == 401)
            #expect(anonymous.headers["www-authenticate"] == "Basic")
            let wrong = Data("alice:nope".utf8).base64EncodedString()
            #expect(await Loopback.request(port: port, path: "/-/healthy", headers: ["Authorization": "Basic \(wrong)"])?.status == 401)
            let unknown = Data("bob:s3cret".utf8).base64EncodedString()
            #expect(await Loopback.request(port: port, path: "/-/healthy", headers: ["Authorization": "Basic \(unknown)"])?.status == 401)
            let good = Data("alice:s3cret".utf8).base64EncodedString()
            for _ in 0..<2 { // the second time answers from the verification cache
                #expect(await Loopback.request(port: port, path: "/api/v1/status/buildinfo", headers: ["Authorization": "Basic \(good)"])?.status == 200)
            }
        }
    }

    @Test func tlsWithASelfSignedCertificate() async throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let gen = try ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", dir.appendingPathComponent("key.pem").path, "-out", dir.appendingPathComponent("cert.pem").path,
        ])
        try #require(gen.status == 0, "openssl: \(gen.stderr)")
        let (port, server) = try makeServer(webConfig: "tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n", in: dir)
        try await server.serving {
            let cert = dir.appendingPathComponent("cert.pem").path
            var ok: (status: Int32, stdout: String, stderr: String) = (-1, "", "")
            let deadline = Date().addingTimeInterval(45)
            for _ in 0..<300 where Date() < deadline { // bounded wait for the listener: 300 tries or 45 s
                ok = await offPool { (try? ChildProcess.run("/usr/bin/curl", ["-sS", "--max-time", "5", "--cacert", cert, "https://127.0.0.1:\(port)/-/healthy"])) ?? (-1, "", "") }
                if ok.status == 0 { break }
                try await Task.sleep(for: .milliseconds(150))
            }
            #expect(ok.status == 0, "curl: \(ok.stderr)")
            #expect(ok.stdout.contains("Healthy"))
            // Without the CA the certificate is not trusted; plain HTTP is not served.
            let untrusted: (status: Int32, stdout: String, stderr: String) = await offPool { (try? ChildProcess.run("/usr/bin/curl", ["-sS", "--max-time", "5", "https://127.0.0.1:\(port)/-/healthy"])) ?? (-1, "", "") }
            #expect(untrusted.status != 0)
            #expect(await Loopback.request(port: port, path: "/-/healthy", timeoutSeconds: 3)?.status != 200)
        }
    }

    @Test func invalidWebConfigsAreLocatedErrors() throws {
        let dir = try TestPaths.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(String, String)] = [
            ("tls_server_config:\n  cert_file: a.pem\n", "web.yml:2:3: tls_server_config: missing key_file"),
            ("basic_auth_users:\n  alice: plaintext\n", "web.yml:2:10: basic_auth_users.alice: password of user alice must be a bcrypt hash"),
            ("bogus: 1\n", "web.yml:1:1: bogus: field bogus not found in type config"),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n",
             "web.yml:4:21: tls_server_config.client_auth_type: invalid client auth type: Sometimes"),
        ]
        for (text, expected) in cases {
            let file = dir.appendingPathComponent("web.yml")
            try text.write(to: file, atomically: false, encoding: .utf8)
            let err = #expect(throws: ConfigErrorProxy.self) { try ConfigErrorProxy.wrap { try WebConfig.load(file: file.path) } }
            #expect(err?.text.hasSuffix(expected) == true, "got \(err?.text ?? "no error"), want \(expected)")
        }
    }
}

/// Carries any error's description, so expectations can compare the message.
struct ConfigErrorProxy: Error {
    let text: String
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw ConfigErrorProxy(text: "\(error)") }
    }
}
