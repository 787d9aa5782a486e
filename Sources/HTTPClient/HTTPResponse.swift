/// A complete HTTP response. Any status, including 4xx and 5xx, arrives as a
/// response; ``requireSuccess()`` turns non-2xx statuses into an error.
public struct HTTPResponse: Sendable {
    /// Status code of the final response (after redirects, if followed).
    public var status: Int
    /// Reason phrase of the status line; empty for HTTP/2, which has none.
    public var reasonPhrase: String
    /// Header fields of the final response.
    public var headers: HTTPHeaders
    /// Body bytes, already decoded when the server sent gzip and the request accepted it.
    public var body: [UInt8]
    /// Time from the start of the transfer to its end, redirects included.
    public var totalTime: Duration
    /// The URL the final response came from (differs from the request's after redirects).
    public var url: String
    /// Method of the request, for error messages.
    public var method: HTTPMethod
    /// Connection facts, present when the request set ``HTTPRequest/collectConnectionInfo``.
    public var connectionInfo: HTTPConnectionInfo?

    /// Creates a response; the client builds these, tests and callers may too.
    public init(
        status: Int,
        reasonPhrase: String = "",
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        totalTime: Duration = .zero,
        url: String,
        method: HTTPMethod = .get
    ) {
        self.status = status
        self.reasonPhrase = reasonPhrase
        self.headers = headers
        self.body = body
        self.totalTime = totalTime
        self.url = url
        self.method = method
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// `"500 Internal Server Error"`, or just the code when there is no reason phrase.
    public var statusLine: String {
        reasonPhrase.isEmpty ? String(status) : "\(status) \(reasonPhrase)"
    }

    /// Returns the response when its status is 2xx; otherwise throws
    /// ``HTTPClientError/Kind/httpStatus(_:)`` with the start of the body.
    @discardableResult
    public func requireSuccess() throws(HTTPClientError) -> HTTPResponse {
        guard isSuccess else {
            throw HTTPClientError(
                kind: .httpStatus(status), method: method, url: url,
                detail: "server returned HTTP status \(statusLine): \(bodyExcerpt())")
        }
        return self
    }

    /// Up to `limit` bytes of the body as text, marked when cut.
    public func bodyExcerpt(limit: Int = 512) -> String {
        if body.count <= limit { return bodyText }
        return String(decoding: body.prefix(limit), as: UTF8.self) + "… (\(body.count) bytes)"
    }
}
