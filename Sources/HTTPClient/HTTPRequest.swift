/// An HTTP request method.
public struct HTTPMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The method token as sent on the request line.
    public var rawValue: String

    /// Creates a method from its token (for example `"PATCH"`).
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `GET`
    public static let get = HTTPMethod(rawValue: "GET")
    /// `HEAD`
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// `POST`
    public static let post = HTTPMethod(rawValue: "POST")
    /// `PUT`
    public static let put = HTTPMethod(rawValue: "PUT")
    /// `PATCH`
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// `DELETE`
    public static let delete = HTTPMethod(rawValue: "DELETE")

    /// The method token.
    public var description: String { rawValue }
}

/// Credentials sent with a request, as Prometheus's `basic_auth` and
/// `authorization` settings describe them.
public enum HTTPAuth: Sendable, Hashable {
    /// `Authorization: Basic base64(username:password)`.
    case basic(username: String, password: String)
    /// `Authorization: Bearer <token>`.
    case bearer(String)
    /// `Authorization: <type> <credentials>` for any other scheme.
    case authorization(type: String, credentials: String)
}

/// A TLS protocol version.
public enum TLSVersion: Sendable, Hashable, Comparable, CaseIterable {
    /// TLS 1.0 (Prometheus `TLS10`).
    case tls10
    /// TLS 1.1 (Prometheus `TLS11`).
    case tls11
    /// TLS 1.2 (Prometheus `TLS12`).
    case tls12
    /// TLS 1.3 (Prometheus `TLS13`).
    case tls13
}

/// Where PEM data comes from: a file path or the PEM text itself.
public enum PEMSource: Sendable, Hashable {
    /// A file holding PEM data.
    case file(String)
    /// PEM text held in memory (Prometheus's inline `ca`, `cert`, `key`).
    case pem(String)
}

/// TLS settings of a request, mirroring Prometheus's `tls_config`.
public struct TLSOptions: Sendable, Hashable {
    /// CA certificates that verify the server; nil uses the system bundle.
    public var ca: PEMSource?
    /// Client certificate for mutual TLS; needs `key` too.
    public var certificate: PEMSource?
    /// Private key of the client certificate.
    public var key: PEMSource?
    /// Name the server's certificate is verified against and sent as SNI,
    /// instead of the URL's host. The `Host` header still names the URL's host.
    public var serverName: String?
    /// Skip verification of the server's certificate chain and name.
    public var insecureSkipVerify: Bool
    /// Lowest protocol version accepted (Prometheus's default is TLS 1.2).
    public var minVersion: TLSVersion
    /// Highest protocol version offered; nil leaves it to the TLS library.
    public var maxVersion: TLSVersion?

    /// Creates TLS settings; the defaults verify against the system CAs with TLS 1.2 or newer.
    public init(
        ca: PEMSource? = nil,
        certificate: PEMSource? = nil,
        key: PEMSource? = nil,
        serverName: String? = nil,
        insecureSkipVerify: Bool = false,
        minVersion: TLSVersion = .tls12,
        maxVersion: TLSVersion? = nil
    ) {
        self.ca = ca
        self.certificate = certificate
        self.key = key
        self.serverName = serverName
        self.insecureSkipVerify = insecureSkipVerify
        self.minVersion = minVersion
        self.maxVersion = maxVersion
    }
}

/// One HTTP request to execute with ``HTTPClient``.
public struct HTTPRequest: Sendable, Hashable {
    /// Absolute `http://` or `https://` URL.
    public var url: String
    /// Request method; `GET` by default.
    public var method: HTTPMethod
    /// Extra header fields. A field given here replaces the one libcurl would
    /// send by default (for example `User-Agent` or `Accept`).
    public var headers: HTTPHeaders
    /// Request body; sent with `Content-Length`. nil sends no body.
    public var body: [UInt8]?
    /// Limit for the whole transfer; nil uses the client's default.
    public var timeout: Duration?
    /// Limit for name resolution, TCP connect and TLS handshake; nil uses the client's default.
    public var connectTimeout: Duration?
    /// Largest accepted response body after decoding; the transfer is aborted
    /// once exceeded. nil accepts any size.
    public var maxResponseBytes: Int?
    /// Whether 3xx responses are followed (Prometheus's `follow_redirects`, default true).
    public var followRedirects: Bool
    /// Redirects followed before failing with ``HTTPClientError/Kind/tooManyRedirects``.
    public var maxRedirects: Int
    /// Credentials to send.
    public var auth: HTTPAuth?
    /// TLS settings for `https://` URLs.
    public var tls: TLSOptions
    /// Proxy to send the request through (`http://host:port`); nil uses none
    /// unless the client is configured to honour the environment.
    public var proxyURL: String?
    /// Whether to send `Accept-Encoding: gzip` and decode gzip bodies transparently.
    public var acceptGzip: Bool
    /// Probe mode: open a new connection that is neither taken from nor returned to
    /// the connection cache, and report its HTTP version, timings, negotiated TLS
    /// version and the server's certificate chain in ``HTTPResponse/connectionInfo``.
    public var collectConnectionInfo = false

    /// Creates a request; only the URL is required.
    public init(
        url: String,
        method: HTTPMethod = .get,
        headers: HTTPHeaders = [:],
        body: [UInt8]? = nil,
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil,
        maxResponseBytes: Int? = nil,
        followRedirects: Bool = true,
        maxRedirects: Int = 10,
        auth: HTTPAuth? = nil,
        tls: TLSOptions = TLSOptions(),
        proxyURL: String? = nil,
        acceptGzip: Bool = true
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxResponseBytes = maxResponseBytes
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
        self.auth = auth
        self.tls = tls
        self.proxyURL = proxyURL
        self.acceptGzip = acceptGzip
    }
}
