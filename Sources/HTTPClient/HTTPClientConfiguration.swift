/// Settings shared by every request of one ``HTTPClient``.
public struct HTTPClientConfiguration: Sendable {
    /// Whole-transfer limit for requests that set no `timeout`.
    public var timeout: Duration
    /// Connect limit (DNS + TCP + TLS) for requests that set no `connectTimeout`.
    public var connectTimeout: Duration
    /// `User-Agent` sent unless a request sets its own.
    public var userAgent: String
    /// Most simultaneous connections to one host; further transfers wait for a free one. 0 means no limit.
    public var maxConnectionsPerHost: Int
    /// Most simultaneous connections overall; further transfers wait. 0 means no limit.
    public var maxTotalConnections: Int
    /// Idle connections kept open for reuse (libcurl's connection cache size).
    /// The scraper wants at least one per target so each scrape reuses its connection.
    public var maxIdleConnections: Int
    /// Whether `http_proxy`, `https_proxy` and `no_proxy` from the environment
    /// apply to requests without a `proxyURL` (Prometheus's `proxy_from_environment`).
    public var proxyFromEnvironment: Bool
    /// Whether plain `http://` GETs to numeric addresses bypass libcurl for a
    /// leaner HTTP/1.1 exchange (see `PlainTransport`); libcurl carries them when false.
    public var usesPlainTransport: Bool

    /// Creates a configuration; the defaults suit scraping and notifications.
    public init(
        timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        userAgent: String = "Ember libcurl/\(HTTPClient.libcurlVersion)",
        maxConnectionsPerHost: Int = 0,
        maxTotalConnections: Int = 0,
        maxIdleConnections: Int = 512,
        proxyFromEnvironment: Bool = false,
        usesPlainTransport: Bool = true
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.userAgent = userAgent
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxTotalConnections = maxTotalConnections
        self.maxIdleConnections = maxIdleConnections
        self.proxyFromEnvironment = proxyFromEnvironment
        self.usesPlainTransport = usesPlainTransport
    }
}
