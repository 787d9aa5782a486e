import CCurl
#if canImport(Glibc)
import Glibc
#endif

/// One request and its response on a plain connection.
struct PlainExchange {
    enum State {
        case connecting
        case sending(sent: Int)
        case receiving
    }

    let transfer: Transfer
    let request: PlainRequest
    var fd: Int32
    var state = State.connecting
    var parser: HTTP1ResponseParser
    let startedAt: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let connectDeadline: ContinuousClock.Instant
    /// The connection carried an earlier exchange (the server may have closed it since).
    var reusedConnection = false
    var retried = false
    var serverClosed = false

    init(transfer: Transfer, request: PlainRequest, fd: Int32, startedAt: ContinuousClock.Instant,
         deadline: ContinuousClock.Instant, connectDeadline: ContinuousClock.Instant) {
        self.transfer = transfer
        self.request = request
        self.fd = fd
        self.startedAt = startedAt
        self.deadline = deadline
        self.connectDeadline = connectDeadline
        parser = HTTP1ResponseParser(requestWasHead: false, bodyLimit: transfer.request.maxResponseBytes)
    }

    /// A kept connection that failed before any response byte arrived is
    /// retried once on a new one, as browsers and Go's client do for GET.
    var mayRetry: Bool { reusedConnection && !retried && !parser.started }

    var currentDeadline: ContinuousClock.Instant {
        if case .connecting = state { return min(deadline, connectDeadline) }
        return deadline
    }

    // MARK: Results

    /// The response, its body decoded when the server gzip-coded it for a request that accepted that.
    func response(from parser: inout HTTP1ResponseParser, now: ContinuousClock.Instant) -> Result<HTTPResponse, any Error> {
        var body = parser.body
        let limit = transfer.request.maxResponseBytes
        let coding = parser.headers.values(for: "Content-Encoding").last?.trimmingSpaces.lowercased() ?? ""
        if transfer.request.acceptGzip && (coding == "gzip" || coding == "x-gzip") {
            switch Result(catching: { () throws(GzipDecoder.Failure) in try GzipDecoder.decode(body, limit: limit) }) {
            case .success(let decoded):
                body = decoded
            case .failure(.tooLarge):
                return .failure(transfer.failure(.responseTooLarge(limit: limit ?? 0), detail: ""))
            case .failure(.corrupt(let reason)):
                return .failure(transfer.failure(.transfer(curlCode: Int(CURLE_BAD_CONTENT_ENCODING.rawValue)),
                                                 detail: "Error while processing content unencoding: \(reason)"))
            }
        } else if let limit, body.count > limit {
            return .failure(transfer.failure(.responseTooLarge(limit: limit), detail: ""))
        }
        return .success(HTTPResponse(
            status: parser.status, reasonPhrase: parser.reasonPhrase, headers: parser.headers, body: body,
            totalTime: now - startedAt, url: transfer.request.url, method: transfer.request.method))
    }

    func timeoutError(now: ContinuousClock.Instant) -> HTTPClientError {
        let elapsed = Self.milliseconds(now - startedAt)
        if case .connecting = state {
            return transfer.failure(.connectTimeout, detail: "Connection timed out after \(elapsed) milliseconds")
        }
        return transfer.failure(.timeout, detail: "Operation timed out after \(elapsed) milliseconds with \(parser.body.count) bytes received")
    }

    func connectError(_ error: PlainSocketError) -> HTTPClientError {
        let endpoint = request.endpoint
        let detail = "Failed to connect to \(endpoint.host) port \(endpoint.port): \(error.message)"
        return transfer.failure(error.errno == ECONNREFUSED ? .connectionRefused : .connectionFailed, detail: detail)
    }

    func transferError(_ error: PlainSocketError) -> HTTPClientError {
        let code = error.during == "send" ? CURLE_SEND_ERROR : CURLE_RECV_ERROR
        let verb = error.during == "send" ? "Failure when sending data to the peer" : "Failure when receiving data from the peer"
        return transfer.failure(.transfer(curlCode: Int(code.rawValue)), detail: "\(verb): \(error.message)")
    }

    func responseError(_ error: HTTP1ResponseError) -> HTTPClientError {
        switch error {
        case .bodyTooLarge:
            return transfer.failure(.responseTooLarge(limit: transfer.request.maxResponseBytes ?? 0), detail: "")
        case .malformed(let reason):
            return transfer.failure(.transfer(curlCode: Int(CURLE_WEIRD_SERVER_REPLY.rawValue)), detail: "malformed HTTP response: \(reason)")
        case .truncated(let reason):
            return transfer.failure(.transfer(curlCode: Int(CURLE_PARTIAL_FILE.rawValue)), detail: reason)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
