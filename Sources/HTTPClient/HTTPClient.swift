import Dispatch
import Synchronization

/// Ember's HTTP client over libcurl, shared by the scraper, the notifier and
/// remote write.
///
/// One client runs one background thread driving a libcurl multi handle, so
/// any number of concurrent requests cost no thread each, and connections to a
/// host are kept open and reused across requests. It is safe to call from any
/// thread or task. Cancelling the task awaiting ``execute(_:)`` aborts the
/// transfer and closes its connection.
///
/// Every status code comes back as an ``HTTPResponse``; errors are thrown only
/// when no complete response arrived. Use ``HTTPResponse/requireSuccess()``
/// to treat non-2xx statuses as errors.
public final class HTTPClient: Sendable {
    /// Version of the libcurl in use (for build info), e.g. `"7.88.1"`.
    public static let libcurlVersion: String = CurlRuntime.version

    /// The settings this client was created with.
    public let configuration: HTTPClientConfiguration
    private let loop: TransferLoop

    /// Starts a client and its transfer thread.
    public init(configuration: HTTPClientConfiguration = .init()) {
        self.configuration = configuration
        self.loop = TransferLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Sends a request and waits for the complete response.
    ///
    /// - Parameter start: when to send it; nil sends it at once. The client's
    ///   thread times the start itself, which is cheaper than sleeping until
    ///   then and calling: a periodic caller (a scrape loop) then wakes once per
    ///   period, for the response. The request's timeouts count from the start.
    /// - Throws: ``HTTPClientError`` naming the URL and cause when no response
    ///   arrived, or `CancellationError` when the awaiting task was cancelled,
    ///   also while the request waited for its start.
    public func execute(_ request: HTTPRequest, startingAt start: ContinuousClock.Instant? = nil) async throws -> HTTPResponse {
        let transfer = Transfer(request: request, startAt: start)
        let loop = self.loop
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                transfer.completion = { continuation.resume(with: $0) }
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
    }

    /// Sends a request and blocks the calling thread until the response is
    /// complete, for synchronous callers such as command-line tools. Do not
    /// call it from async code: it would block a concurrency thread.
    public func executeBlocking(_ request: HTTPRequest) throws -> HTTPResponse {
        let transfer = Transfer(request: request)
        let outcome = BlockingOutcome()
        transfer.completion = { result in
            outcome.result.withLock { $0 = result }
            outcome.done.signal()
        }
        loop.submit(transfer)
        outcome.done.wait()
        guard let result = outcome.result.withLock({ $0 }) else {
            throw transfer.failure(.shutdown, detail: "no result")
        }
        return try result.get()
    }

    /// Fails queued and running requests with ``HTTPClientError/Kind/shutdown``,
    /// closes all connections and stops the transfer thread. Later requests
    /// fail at once. Safe to call more than once; also done on deinit.
    public func shutdown() {
        loop.shutdown()
    }
}

/// Hands a result from the transfer thread to a thread blocked in `executeBlocking`.
private final class BlockingOutcome: Sendable {
    let result = Mutex<Result<HTTPResponse, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
}
