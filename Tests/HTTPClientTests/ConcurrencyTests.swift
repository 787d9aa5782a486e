import Foundation
import HTTPClient
import Testing

@Suite("Concurrency, reuse, cancellation, shutdown", .testServer, .timeLimit(.minutes(2)))
struct ConcurrencyTests {
    @Test func manyConcurrentRequestsEachGetTheirOwnResponse() async throws {
        let client = HTTPClient()
        let base = try server.http
        let echoed = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let request = HTTPRequest(url: base + "/echo?n=\(index)", headers: ["X-Request-Index": String(index)])
                    let response = try await client.execute(request)
                    return (index, try Echo(response.body).header("X-Request-Index"))
                }
            }
            var results: [Int: String?] = [:]
            for try await (index, header) in group { results[index] = header }
            return results
        }
        #expect(echoed.count == 200)
        #expect(echoed.allSatisfy { $0.value == String($0.key) })
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        let client = HTTPClient()
        var ports: Set<Int> = []
        for _ in 0..<5 {
            let echo = try Echo(try await client.execute(HTTPRequest(url: try server.http + "/echo")).body)
            ports.insert(echo.client_port)
        }
        #expect(ports.count == 1)
    }

    @Test func connectionLimitPerHostQueuesTransfersOnFewConnections() async throws {
        let client = HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 4))
        let url = try server.http + "/echo"
        let ports = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask { try Echo(try await client.execute(HTTPRequest(url: url)).body).client_port }
            }
            var ports: [Int] = []
            for try await port in group { ports.append(port) }
            return ports
        }
        #expect(ports.count == 200)
        #expect(Set(ports).count <= 4)
    }

    @Test func concurrentBlockingCallersFromManyThreads() async throws {
        let client = HTTPClient()
        let url = try server.http + "/plain"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await withCheckedThrowingContinuation { continuation in
                        Thread {
                            continuation.resume(with: Result { try client.executeBlocking(HTTPRequest(url: url)).status })
                        }.start()
                    }
                }
            }
            var statuses: [Int] = []
            for try await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses == Array(repeating: 200, count: 8))
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let client = HTTPClient()
        let tag = "cancel-\(UUID().uuidString)"
        let base = try server.http
        let task = Task {
            try await client.execute(HTTPRequest(url: base + "/slow?seconds=30&tag=\(tag)", timeout: .seconds(60)))
        }
        #expect(try await pollSlowStatus(client: client, tag: tag, until: "running"))
        task.cancel()
        let error = await captureError { try await task.value }
        #expect(error is CancellationError)
        // The server sees the client hang up: the transfer was really aborted.
        #expect(try await pollSlowStatus(client: client, tag: tag, until: "aborted"))
    }

    @Test func alreadyCancelledTaskNeverStartsTheTransfer() async throws {
        let client = HTTPClient()
        let tag = "precancelled-\(UUID().uuidString)"
        let base = try server.http
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(HTTPRequest(url: base + "/slow?seconds=30&tag=\(tag)"))
        }
        let error = await captureError { try await task.value }
        #expect(error is CancellationError)
        let state = try await client.execute(HTTPRequest(url: base + "/slow-status?tag=\(tag)"))
        #expect(state.bodyText == "unknown")
    }

    @Test func shutdownFailsInFlightAndLaterRequests() async throws {
        let client = HTTPClient()
        let tag = "shutdown-\(UUID().uuidString)"
        let base = try server.http
        let probe = HTTPClient()
        let inFlight = Task { try await client.execute(HTTPRequest(url: base + "/slow?seconds=30&tag=\(tag)")) }
        #expect(try await pollSlowStatus(client: probe, tag: tag, until: "running"))
        client.shutdown()
        let error = await captureError { try await inFlight.value }
        #expect((error as? HTTPClientError)?.kind == .shutdown)
        let later = try await clientError { try await client.execute(HTTPRequest(url: base + "/plain")) }
        #expect(later.kind == .shutdown)
        #expect(later.description.contains(base + "/plain"))
        client.shutdown()
    }

    @Test func clientsAreIndependentAndReleasedWhenDropped() async throws {
        let url = try server.http + "/plain"
        for _ in 0..<20 {
            let client = HTTPClient()
            #expect(try await client.execute(HTTPRequest(url: url)).status == 200)
        }
    }

    /// Polls `/slow-status` until the tagged request reaches `state`, for at most 10 s.
    private func pollSlowStatus(client: HTTPClient, tag: String, until state: String) async throws -> Bool {
        let url = try server.http + "/slow-status?tag=\(tag)"
        for _ in 0..<200 {
            if try await client.execute(HTTPRequest(url: url)).bodyText == state { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
