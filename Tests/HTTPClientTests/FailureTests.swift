import HTTPClient
import Testing

@Suite("Failures say what failed", .testServer, .timeLimit(.minutes(2)))
struct FailureTests {
    let client = HTTPClient()

    @Test func slowServerHitsTheTotalTimeout() async throws {
        let url = try server.http + "/slow?seconds=10&tag=total-timeout"
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: url, timeout: .milliseconds(300)))
        }
        #expect(error.kind == .timeout)
        #expect(error.url == url)
        #expect(error.description.hasPrefix("GET \(url): request timed out"))
    }

    @Test func timeoutOnAReusedConnectionIsStillATotalTimeout() async throws {
        let first = try await client.execute(HTTPRequest(url: try server.http + "/plain"))
        #expect(first.status == 200)
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: try server.http + "/slow?seconds=10&tag=reused", timeout: .milliseconds(300)))
        }
        #expect(error.kind == .timeout)
    }

    @Test func unansweredConnectHitsTheConnectTimeout() async throws {
        let url = "http://127.0.0.1:\(try server.blackholePort)/metrics"
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: url, timeout: .seconds(20), connectTimeout: .milliseconds(300)))
        }
        #expect(error.kind == .connectTimeout)
        #expect(error.description.contains(url))
    }

    @Test func stalledTLSHandshakeHitsTheConnectTimeout() async throws {
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: "https://127.0.0.1:\(try server.silentPort)/metrics",
                                                 timeout: .seconds(20), connectTimeout: .milliseconds(300)))
        }
        #expect(error.kind == .connectTimeout)
    }

    @Test func connectedButSilentServerHitsTheTotalTimeout() async throws {
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(try server.silentPort)/metrics",
                                                 timeout: .milliseconds(300), connectTimeout: .seconds(20)))
        }
        #expect(error.kind == .timeout)
    }

    @Test func closedPortIsConnectionRefused() async throws {
        let url = "http://127.0.0.1:\(try server.closedPort)/metrics"
        let error = try await clientError { try await client.execute(HTTPRequest(url: url)) }
        #expect(error.kind == .connectionRefused)
        #expect(error.description.hasPrefix("GET \(url): connection refused"))
    }

    /// A 70-character label cannot be encoded in a DNS query, so the resolver
    /// fails locally without sending anything; `.invalid` never resolves anyway.
    @Test func unresolvableNameIsADNSFailure() async throws {
        let host = String(repeating: "x", count: 70) + ".invalid"
        let url = "http://\(host)/metrics"
        let error = try await clientError { try await client.execute(HTTPRequest(url: url)) }
        #expect(error.kind == .dnsResolution)
        #expect(error.description.contains(url))
        #expect(error.detail.contains(host))
    }

    @Test func bodyOverTheLimitAbortsTheTransfer() async throws {
        let url = try server.http + "/large?bytes=200000"
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: url, maxResponseBytes: 1000))
        }
        #expect(error.kind == .responseTooLarge(limit: 1000))
        #expect(error.description == "GET \(url): response body exceeded the size limit of 1000 bytes")
    }

    @Test func chunkedBodyOverTheLimitAbortsTheTransfer() async throws {
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: try server.http + "/large-chunked?bytes=5000000", maxResponseBytes: 100_000))
        }
        #expect(error.kind == .responseTooLarge(limit: 100_000))
    }

    @Test func bodyExactlyAtTheLimitIsAccepted() async throws {
        let response = try await client.execute(HTTPRequest(url: try server.http + "/large?bytes=1000", maxResponseBytes: 1000))
        #expect(response.body.count == 1000)
        let big = try await client.execute(HTTPRequest(url: try server.http + "/large-chunked?bytes=300000"))
        #expect(big.body.count == 300_000)
        #expect(big.body.allSatisfy { $0 == UInt8(ascii: "y") })
    }

    @Test func limitAppliesToTheDecodedGzipBody() async throws {
        // The gzip body is ~150 bytes on the wire and 9200 decoded.
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: try server.http + "/gzip", maxResponseBytes: 5000))
        }
        #expect(error.kind == .responseTooLarge(limit: 5000))
    }

    @Test(arguments: [
        "ftp://127.0.0.1/file",
        "file:///etc/passwd",
        "not a url at all",
    ])
    func unsupportedOrMalformedURLIsAnInvalidRequest(url: String) async throws {
        let error = try await clientError { try await client.execute(HTTPRequest(url: url)) }
        #expect(error.kind == .invalidRequest)
        #expect(error.description.contains(url))
    }

    @Test func headerInjectionIsRejected() async throws {
        let request = HTTPRequest(url: try server.http + "/echo", headers: ["X-Evil": "a\r\nX-Injected: yes"])
        let error = try await clientError { try await client.execute(request) }
        #expect(error.kind == .invalidRequest)
        #expect(error.detail.contains("X-Evil"))
        let badName = HTTPRequest(url: try server.http + "/echo", headers: ["Bad Name": "x"])
        #expect(try await clientError { try await client.execute(badName) }.kind == .invalidRequest)
    }

    @Test func requestGoesThroughTheProxy() async throws {
        // The origin never resolves: only the proxy (our server) is contacted.
        let url = "http://origin.invalid/federate?match%5B%5D=up"
        let response = try await client.execute(HTTPRequest(url: url, proxyURL: try server.http))
        #expect(response.status == 200)
        #expect(response.bodyText == "proxied \(url)")
    }

    @Test func refusedProxyIsAProxyError() async throws {
        let url = "http://origin.invalid/metrics"
        let error = try await clientError {
            try await client.execute(HTTPRequest(url: url, proxyURL: "http://127.0.0.1:\(try server.closedPort)"))
        }
        #expect(error.kind == .proxy)
        #expect(error.description.contains(url))
    }
}
