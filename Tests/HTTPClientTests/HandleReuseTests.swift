import Foundation
import HTTPClient
import Testing

/// Easy handles kept set up for their request (`EasyHandlePool`): an equal
/// request reuses one, anything else must behave as on a fresh handle.
@Suite("Easy handle reuse", .testServer, .timeLimit(.minutes(2)))
struct HandleReuseTests {
    @Test func repeatedRequestsEachGetTheirOwnResponse() async throws {
        let client = HTTPClient()
        let base = try server.http
        for round in 0..<3 {
            for index in 0..<4 {
                let request = HTTPRequest(url: base + "/echo?n=\(index)", headers: ["X-Index": String(index)])
                let echo = try Echo(try await client.execute(request).body)
                #expect(echo.path == "/echo?n=\(index)", "round \(round)")
                #expect(echo.header("X-Index") == String(index), "round \(round)")
            }
        }
    }

    @Test func requestsToOneURLWithOtherHeadersGetTheirOwnSetup() async throws {
        let client = HTTPClient()
        let url = try server.http + "/echo"
        for value in ["a", "b", "a", "c", "b"] {
            let echo = try Echo(try await client.execute(HTTPRequest(url: url, headers: ["X-Value": value])).body)
            #expect(echo.header("X-Value") == value)
        }
        // Authentication is part of the setup too.
        let bearer = try Echo(try await client.execute(HTTPRequest(url: url, auth: .bearer("t0ken"))).body)
        #expect(bearer.header("Authorization") == "Bearer t0ken")
        let anonymous = try Echo(try await client.execute(HTTPRequest(url: url)).body)
        #expect(anonymous.header("Authorization") == nil)
    }

    @Test func aFailureOnAReusedHandleReportsItselfAndTheNextRequestWorks() async throws {
        let client = HTTPClient()
        let url = try server.http + "/large"
        let limited = HTTPRequest(url: url, maxResponseBytes: 10)
        let unlimited = HTTPRequest(url: url)
        #expect(try await client.execute(unlimited).status == 200)
        #expect(try await client.execute(unlimited).status == 200)
        for _ in 0..<2 {
            let error = try await clientError { try await client.execute(limited) }
            #expect(error.kind == .responseTooLarge(limit: 10))
        }
        let body = try await client.execute(unlimited).body
        #expect(body.count > 10)
    }

    @Test func aPostAfterGetsToTheSameURLSendsItsBody() async throws {
        let client = HTTPClient()
        let url = try server.http + "/echo"
        _ = try await client.execute(HTTPRequest(url: url))
        let posted = try Echo(try await client.execute(HTTPRequest(url: url, method: .post, body: Array("payload".utf8))).body)
        #expect(posted.method == "POST")
        #expect(posted.bodyBytes == Array("payload".utf8))
        let got = try Echo(try await client.execute(HTTPRequest(url: url)).body)
        #expect(got.method == "GET")
        #expect(got.bodyBytes.isEmpty)
    }
}
