import Foundation
import HTTPClient
import Testing

@Suite("Requests and responses", .testServer, .timeLimit(.minutes(2)))
struct RequestTests {
    let client = HTTPClient()

    @Test func plainGetReturnsStatusHeadersAndBody() async throws {
        let url = try server.http + "/plain"
        let response = try await client.execute(HTTPRequest(url: url))
        #expect(response.status == 200)
        #expect(response.reasonPhrase == "OK")
        #expect(response.isSuccess)
        #expect(response.bodyText == "hello from the ember test server\n")
        #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(response.headers["CONTENT-LENGTH"] == "33")
        #expect(response.url == url)
        #expect(response.totalTime > .zero)
    }

    @Test func headerLookupIsCaseInsensitiveAndKeepsRepeats() async throws {
        let response = try await client.execute(HTTPRequest(url: try server.http + "/headers"))
        #expect(response.headers.values(for: "x-multi") == ["first", "second"])
        #expect(response.headers["X-MULTI"] == "first")
        #expect(response.headers["x-mixed-case"] == "yes")
        #expect(response.headers.contains("Server"))
        #expect(response.headers["X-Absent"] == nil)
    }

    @Test func customHeadersAreSentAndReplaceDefaults() async throws {
        let request = HTTPRequest(url: try server.http + "/echo", headers: [
            "X-Scrape-Timeout-Seconds": "10",
            "Accept": "application/openmetrics-text;version=1.0.0",
            "User-Agent": "Prometheus/3.0",
            "X-Empty": "",
        ])
        let echo = try Echo(try await client.execute(request).body)
        #expect(echo.header("X-Scrape-Timeout-Seconds") == "10")
        #expect(echo.header("Accept") == "application/openmetrics-text;version=1.0.0")
        #expect(echo.header("User-Agent") == "Prometheus/3.0")
        #expect(echo.header("X-Empty") == "")
    }

    @Test func defaultUserAgentNamesEmberAndLibcurl() async throws {
        let echo = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo")).body)
        #expect(echo.header("User-Agent") == "Ember libcurl/\(HTTPClient.libcurlVersion)")
        #expect(HTTPClient.libcurlVersion.first?.isNumber == true)
    }

    @Test func postSendsBinaryBodyWithLength() async throws {
        let body: [UInt8] = Array(0...255) + Array("remote write payload".utf8)
        let request = HTTPRequest(url: try server.http + "/echo", method: .post,
                                  headers: ["Content-Type": "application/x-protobuf"], body: body)
        let echo = try Echo(try await client.execute(request).body)
        #expect(echo.method == "POST")
        #expect(echo.bodyBytes == body)
        #expect(echo.header("Content-Length") == String(body.count))
        #expect(echo.header("Content-Type") == "application/x-protobuf")
        #expect(echo.header("Expect") == nil)
    }

    @Test func largePostBodyArrivesIntact() async throws {
        let body = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let request = HTTPRequest(url: try server.http + "/echo", method: .post, body: body)
        let echo = try Echo(try await client.execute(request).body)
        #expect(echo.bodyBytes == body)
    }

    @Test(arguments: [HTTPMethod.put, .patch, .delete])
    func otherMethodsCarryTheirBody(method: HTTPMethod) async throws {
        let request = HTTPRequest(url: try server.http + "/echo", method: method, body: Array("{\"a\":1}".utf8))
        let echo = try Echo(try await client.execute(request).body)
        #expect(echo.method == method.rawValue)
        #expect(echo.bodyBytes == Array("{\"a\":1}".utf8))
    }

    @Test func emptyPostAndBodylessDeleteAndHead() async throws {
        let post = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo", method: .post)).body)
        #expect(post.method == "POST")
        #expect(post.header("Content-Length") == "0")
        let delete = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo", method: .delete)).body)
        #expect(delete.method == "DELETE")
        #expect(delete.bodyBytes.isEmpty)
        let head = try await client.execute(HTTPRequest(url: try server.http + "/plain", method: .head))
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.headers["Content-Length"] == "33")
    }

    @Test func errorStatusIsReturnedAndRequireSuccessThrowsWithExcerpt() async throws {
        let url = try server.http + "/status/500"
        let response = try await client.execute(HTTPRequest(url: url))
        #expect(response.status == 500)
        #expect(!response.isSuccess)
        #expect(response.bodyText == "database on fire: status 500")
        let error = try #require(throws: HTTPClientError.self) { try response.requireSuccess() }
        #expect(error.kind == .httpStatus(500))
        #expect(error.url == url)
        #expect(error.description.contains(url))
        #expect(error.description.contains("500 Internal Server Error"))
        #expect(error.description.contains("database on fire"))
        #expect(response.bodyExcerpt(limit: 8) == "database… (28 bytes)")
        let ok = try await client.execute(HTTPRequest(url: try server.http + "/plain"))
        #expect(try ok.requireSuccess().status == 200)
    }

    @Test func gzipBodyIsDecodedTransparently() async throws {
        let expected = String(repeating: "ember compresses well. ", count: 400)
        let response = try await client.execute(HTTPRequest(url: try server.http + "/gzip"))
        #expect(response.headers["Content-Encoding"] == "gzip")
        #expect(response.bodyText == expected)
        let echo = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo")).body)
        #expect(echo.header("Accept-Encoding") == "gzip")
    }

    @Test func withoutAcceptGzipTheBodyIsLeftAlone() async throws {
        let plain = try await client.execute(HTTPRequest(url: try server.http + "/gzip", acceptGzip: false))
        #expect(plain.headers["X-Compressed"] == "no")
        let echo = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo", acceptGzip: false)).body)
        #expect(echo.header("Accept-Encoding") == nil)
        let raw = try await client.execute(HTTPRequest(url: try server.http + "/gzip-forced", acceptGzip: false))
        #expect(raw.body.prefix(2) == [0x1f, 0x8b])
        let inflated = try await client.execute(HTTPRequest(url: try server.http + "/gzip-forced"))
        #expect(inflated.bodyText.hasPrefix("ember compresses well."))
    }

    @Test func redirectsAreFollowedByDefault() async throws {
        let response = try await client.execute(HTTPRequest(url: try server.http + "/redirect"))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello from the ember test server\n")
        #expect(try response.url == server.http + "/plain")
        #expect(response.headers["Location"] == nil)
    }

    @Test func redirectsCanBeTurnedOff() async throws {
        let response = try await client.execute(HTTPRequest(url: try server.http + "/redirect", followRedirects: false))
        #expect(response.status == 302)
        #expect(response.headers["Location"] == "/plain")
        #expect(response.bodyText == "moved")
    }

    @Test func redirectLoopStopsAtTheLimit() async throws {
        let url = try server.http + "/redirect-loop"
        let error = try await clientError { try await client.execute(HTTPRequest(url: url, maxRedirects: 3)) }
        #expect(error.kind == .tooManyRedirects)
        #expect(error.description.contains(url))
    }

    @Test func blockingCallReturnsTheSameResponse() throws {
        let response = try client.executeBlocking(HTTPRequest(url: try server.http + "/plain"))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello from the ember test server\n")
        let error = try #require(throws: HTTPClientError.self) {
            try client.executeBlocking(HTTPRequest(url: "http://127.0.0.1:\(try server.closedPort)/"))
        }
        #expect(error.kind == .connectionRefused)
    }
}
