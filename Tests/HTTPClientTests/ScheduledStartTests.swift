import Foundation
import HTTPClient
import Testing

/// `execute(_:startingAt:)`: requests the client's own thread starts at a given time.
@Suite("Scheduled starts", .testServer, .timeLimit(.minutes(2)))
struct ScheduledStartTests {
    @Test func aScheduledRequestIsNotSentBeforeItsStart() async throws {
        let client = HTTPClient()
        let submitted = ContinuousClock.now
        let start = submitted + .milliseconds(400)
        let response = try await client.execute(HTTPRequest(url: try server.http + "/echo"), startingAt: start)
        #expect(response.status == 200)
        #expect(ContinuousClock.now >= start, "the response came before the start time")
        #expect(ContinuousClock.now - submitted < .seconds(30))
    }

    @Test func scheduledRequestsStartInTheOrderOfTheirStartTimes() async throws {
        let client = HTTPClient()
        let base = try server.http
        let now = ContinuousClock.now
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            // Submitted in a different order than they are due, 300 ms apart.
            for slot in [3, 1, 2] {
                group.addTask {
                    _ = try await client.execute(HTTPRequest(url: base + "/echo?slot=\(slot)"),
                                                 startingAt: now + .milliseconds(300 * slot))
                    return slot
                }
            }
            var order: [Int] = []
            for try await slot in group { order.append(slot) } // in completion order
            return order
        }
        #expect(finished == [1, 2, 3])
    }

    @Test func aStartInThePastSendsAtOnce() async throws {
        let client = HTTPClient()
        let response = try await client.execute(HTTPRequest(url: try server.http + "/plain"), startingAt: .now - .seconds(5))
        #expect(response.status == 200)
    }

    @Test func anImmediateRequestDoesNotWaitBehindAScheduledOne() async throws {
        let client = HTTPClient()
        let base = try server.http
        let tag = "later-\(UUID().uuidString)"
        let later = Task { try await client.execute(HTTPRequest(url: base + "/slow?seconds=0&tag=\(tag)"), startingAt: .now + .seconds(60)) }
        #expect(try await client.execute(HTTPRequest(url: base + "/plain")).status == 200)
        // The scheduled one has not been sent yet.
        #expect(try await client.execute(HTTPRequest(url: base + "/slow-status?tag=\(tag)")).bodyText == "unknown")
        later.cancel()
        _ = await captureError { try await later.value }
    }

    @Test func cancellingAWaitingRequestEndsItWithoutSendingIt() async throws {
        let client = HTTPClient()
        let base = try server.http
        let tag = "scheduled-cancel-\(UUID().uuidString)"
        let task = Task {
            try await client.execute(HTTPRequest(url: base + "/slow?seconds=0&tag=\(tag)"), startingAt: .now + .seconds(60))
        }
        try await Task.sleep(for: .milliseconds(100))
        let cancelled = ContinuousClock.now
        task.cancel()
        let error = await captureError { try await task.value }
        #expect(error is CancellationError)
        #expect(ContinuousClock.now - cancelled < .seconds(30), "cancellation waited for the start time")
        #expect(try await client.execute(HTTPRequest(url: base + "/slow-status?tag=\(tag)")).bodyText == "unknown")
    }

    @Test func shutdownFailsWaitingRequests() async throws {
        let client = HTTPClient()
        let waiting = Task { try await client.execute(HTTPRequest(url: try server.http + "/plain"), startingAt: .now + .seconds(60)) }
        try await Task.sleep(for: .milliseconds(100))
        client.shutdown()
        let error = await captureError { try await waiting.value }
        #expect((error as? HTTPClientError)?.kind == .shutdown)
    }
}
