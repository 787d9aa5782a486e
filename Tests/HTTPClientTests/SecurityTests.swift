import Foundation
import HTTPClient
import Testing

@Suite("TLS and authentication", .testServer, .timeLimit(.minutes(2)))
struct SecurityTests {
    let client = HTTPClient()

    private func trustingTestCA(serverName: String? = nil) throws -> TLSOptions {
        TLSOptions(ca: .file(try server.certificate("ca.crt")), serverName: serverName)
    }

    @Test func httpsSucceedsWithTheTestCA() async throws {
        let response = try await client.execute(HTTPRequest(url: try server.https + "/plain", tls: try trustingTestCA()))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello from the ember test server\n")
        let byName = try await client.execute(HTTPRequest(url: "https://localhost:\(try server.httpsPort)/plain",
                                                          tls: try trustingTestCA()))
        #expect(byName.status == 200)
    }

    @Test func httpsFailsWithoutTheTestCA() async throws {
        let url = try server.https + "/plain"
        let error = try await clientError { try await client.execute(HTTPRequest(url: url)) }
        #expect(error.kind == .tls)
        #expect(error.description.contains(url))
        #expect(error.detail.contains("certificate"))
    }

    @Test func insecureSkipVerifyAcceptsTheUnknownCA() async throws {
        let request = HTTPRequest(url: try server.https + "/plain", tls: TLSOptions(insecureSkipVerify: true))
        #expect(try await client.execute(request).status == 200)
    }

    @Test func inlinePEMCAWorksLikeAFile() async throws {
        let pem = try String(contentsOfFile: try server.certificate("ca.crt"), encoding: .utf8)
        let request = HTTPRequest(url: try server.https + "/plain", tls: TLSOptions(ca: .pem(pem)))
        #expect(try await client.execute(request).status == 200)
    }

    @Test func missingCAFileIsATLSError() async throws {
        let request = HTTPRequest(url: try server.https + "/plain", tls: TLSOptions(ca: .file("/nonexistent/ca.pem")))
        let error = try await clientError { try await client.execute(request) }
        #expect(error.kind == .tls)
    }

    @Test func serverNameIsVerifiedInsteadOfTheURLHost() async throws {
        let port = try server.httpsPort
        let request = HTTPRequest(url: "https://127.0.0.1:\(port)/echo?x=1", tls: try trustingTestCA(serverName: "ember.test"))
        let response = try await client.execute(request)
        let echo = try Echo(response.body)
        #expect(echo.header("Host") == "127.0.0.1:\(port)")
        #expect(echo.path == "/echo?x=1")
        let wrongName = HTTPRequest(url: "https://127.0.0.1:\(port)/echo", tls: try trustingTestCA(serverName: "other.test"))
        let error = try await clientError { try await client.execute(wrongName) }
        #expect(error.kind == .tls)
    }

    @Test func mutualTLSPresentsTheClientCertificate() async throws {
        var tls = try trustingTestCA()
        tls.certificate = .file(try server.certificate("client.crt"))
        tls.key = .file(try server.certificate("client.key"))
        let response = try await client.execute(HTTPRequest(url: try server.mtls + "/echo", tls: tls))
        #expect(try Echo(response.body).client_cn == "ember-client")
    }

    @Test func mutualTLSWithInlinePEMs() async throws {
        let read = { (name: String) throws -> String in
            try String(contentsOfFile: try server.certificate(name), encoding: .utf8)
        }
        let tls = TLSOptions(ca: .pem(try read("ca.crt")), certificate: .pem(try read("client.crt")),
                             key: .pem(try read("client.key")))
        let response = try await client.execute(HTTPRequest(url: try server.mtls + "/echo", tls: tls))
        #expect(try Echo(response.body).client_cn == "ember-client")
    }

    @Test func mutualTLSWithoutClientCertificateFails() async throws {
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: try server.mtls + "/echo", tls: try trustingTestCA()))
        }
        #expect(error.kind == .tls)
    }

    @Test func minimumTLSVersionIsEnforced() async throws {
        let tls12 = try await client.execute(HTTPRequest(url: try server.tls12 + "/plain", tls: try trustingTestCA()))
        #expect(tls12.status == 200)
        var tls13Only = try trustingTestCA()
        tls13Only.minVersion = .tls13
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: try server.tls12 + "/plain", tls: tls13Only))
        }
        #expect(error.kind == .tls)
        var inverted = try trustingTestCA()
        inverted.maxVersion = .tls11
        let invalid = try await clientError {
            try await client.execute(HTTPRequest(url: try server.https + "/plain", tls: inverted))
        }
        #expect(invalid.kind == .invalidRequest)
    }

    @Test func basicAuthIsSentOnlyWhenConfigured() async throws {
        let url = try server.http + "/basic"
        #expect(try await client.execute(HTTPRequest(url: url)).status == 401)
        let wrong = HTTPRequest(url: url, auth: .basic(username: "prom", password: "wrong"))
        #expect(try await client.execute(wrong).status == 401)
        let right = HTTPRequest(url: url, auth: .basic(username: "prom", password: "s3cret"))
        let response = try await client.execute(right)
        #expect(response.status == 200)
        #expect(response.bodyText == "welcome prom")
    }

    @Test func bearerTokenAndGenericAuthorization() async throws {
        let url = try server.http + "/bearer"
        #expect(try await client.execute(HTTPRequest(url: url)).status == 401)
        #expect(try await client.execute(HTTPRequest(url: url, auth: .bearer("nope"))).status == 401)
        #expect(try await client.execute(HTTPRequest(url: url, auth: .bearer("token-123"))).status == 200)
        let generic = HTTPRequest(url: url, auth: .authorization(type: "Bearer", credentials: "token-123"))
        #expect(try await client.execute(generic).bodyText == "token accepted")
    }

    @Test func credentialsAreNotForwardedToAnotherHostOnRedirect() async throws {
        let port = try server.httpPort
        let sameHost = "http://127.0.0.1:\(port)/redirect-to?location=/echo"
        let kept = try Echo(try await client.execute(HTTPRequest(url: sameHost, auth: .bearer("token-123"))).body)
        #expect(kept.header("Authorization") == "Bearer token-123")
        let otherHost = "http://127.0.0.1:\(port)/redirect-to?location=http://localhost:\(port)/echo"
        let dropped = try Echo(try await client.execute(HTTPRequest(url: otherHost, auth: .bearer("token-123"))).body)
        #expect(dropped.header("Host") == "localhost:\(port)")
        #expect(dropped.header("Authorization") == nil)
        let basic = HTTPRequest(url: otherHost, auth: .basic(username: "prom", password: "s3cret"))
        #expect(try Echo(try await client.execute(basic).body).header("Authorization") == nil)
    }

    @Test func bearerOverHTTPSWithBasicAuthOverHTTPS() async throws {
        let tls = try trustingTestCA()
        let bearer = HTTPRequest(url: try server.https + "/bearer", auth: .bearer("token-123"), tls: tls)
        #expect(try await client.execute(bearer).status == 200)
        let basic = HTTPRequest(url: try server.https + "/basic", auth: .basic(username: "prom", password: "s3cret"), tls: tls)
        #expect(try await client.execute(basic).status == 200)
    }
}
