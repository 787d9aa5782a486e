/// Why a request failed. Every error names the method and URL, and carries
/// libcurl's own explanation in `detail` where there is one.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public enum Kind: Sendable, Hashable {
        /// The request could not be built: bad URL, unsupported scheme, header with CR/LF, bad TLS option.
        case invalidRequest
        /// The host name did not resolve.
        case dnsResolution
        /// The server (or proxy) actively refused the TCP connection.
        case connectionRefused
        /// The TCP connection failed for another reason (unreachable, reset during connect).
        case connectionFailed
        /// Resolution, TCP connect or TLS handshake did not finish in time.
        case connectTimeout
        /// The connection was made but the whole transfer did not finish in time.
        case timeout
        /// TLS failed: certificate verification, handshake, or unusable client certificate/key/CA.
        case tls
        /// The body grew past the request's `maxResponseBytes`; the transfer was aborted.
        case responseTooLarge(limit: Int)
        /// More redirects than the request allows.
        case tooManyRedirects
        /// The proxy could not be resolved or refused to forward the request.
        case proxy
        /// A non-2xx status, raised only by ``HTTPResponse/requireSuccess()``.
        case httpStatus(Int)
        /// Any other transfer failure (connection reset, malformed response, …), with libcurl's code.
        case transfer(curlCode: Int)
        /// The client was shut down before the request completed.
        case shutdown
    }

    /// What failed.
    public let kind: Kind
    /// Method of the failed request.
    public let method: HTTPMethod
    /// URL of the failed request.
    public let url: String
    /// Human-readable cause, usually libcurl's error text.
    public let detail: String

    /// Creates an error.
    public init(kind: Kind, method: HTTPMethod, url: String, detail: String) {
        self.kind = kind
        self.method = method
        self.url = url
        self.detail = detail
    }

    /// `GET http://host/metrics: connection refused: Failed to connect to …`.
    public var description: String {
        if case .httpStatus = kind {
            return "\(method) \(url): \(detail)"
        }
        return detail.isEmpty ? "\(method) \(url): \(summary)" : "\(method) \(url): \(summary): \(detail)"
    }

    /// A short phrase for the kind.
    public var summary: String {
        switch kind {
        case .invalidRequest: "invalid request"
        case .dnsResolution: "DNS resolution failed"
        case .connectionRefused: "connection refused"
        case .connectionFailed: "connection failed"
        case .connectTimeout: "connect timed out"
        case .timeout: "request timed out"
        case .tls: "TLS error"
        case .responseTooLarge(let limit): "response body exceeded the size limit of \(limit) bytes"
        case .tooManyRedirects: "too many redirects"
        case .proxy: "proxy error"
        case .httpStatus(let status): "HTTP status \(status)"
        case .transfer(let code): "transfer failed (curl error \(code))"
        case .shutdown: "HTTP client is shut down"
        }
    }
}
