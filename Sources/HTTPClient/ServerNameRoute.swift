import CCurl

/// How a request reaches its server when TLS must verify a name other than
/// the URL's host (Prometheus's `tls_config.server_name`).
///
/// libcurl verifies and sends as SNI whatever host the URL names, and has no
/// separate SNI option. So the URL's host becomes the server name, CONNECT_TO
/// sends the connection to the original host and port, and an explicit `Host`
/// header keeps the HTTP layer addressed to the original host.
struct ServerNameRoute {
    let url: String
    let connectTo: String
    let hostHeader: String

    /// Nil when no rewrite is needed: plain HTTP, or the URL already names the server.
    init?(url original: String, serverName: String, failure: (String) -> HTTPClientError) throws(HTTPClientError) {
        guard let handle = curl_url() else { throw failure("out of memory parsing the URL") }
        defer { curl_url_cleanup(handle) }
        let parsed = curl_url_set(handle, CURLUPART_URL, original, 0)
        guard parsed == CURLUE_OK else {
            throw failure("malformed URL: \(String(cString: curl_url_strerror(parsed)))")
        }
        guard let scheme = Self.part(handle, CURLUPART_SCHEME), scheme.lowercased() == "https",
              let host = Self.part(handle, CURLUPART_HOST),
              host.lowercased() != serverName.lowercased() else { return nil }
        guard let port = Self.part(handle, CURLUPART_PORT, flags: ember_curlu_default_port()) else {
            throw failure("URL has no port and its scheme has no default")
        }
        let explicitPort = Self.part(handle, CURLUPART_PORT, flags: ember_curlu_no_default_port())
        let renamed = curl_url_set(handle, CURLUPART_HOST, serverName, 0)
        guard renamed == CURLUE_OK, let rewritten = Self.part(handle, CURLUPART_URL) else {
            throw failure("TLS server name \"\(serverName)\" is not a valid host name")
        }
        url = rewritten
        connectTo = "\(serverName):\(port):\(host):\(port)"
        hostHeader = explicitPort.map { "\(host):\($0)" } ?? host
    }

    private static func part(_ handle: OpaquePointer, _ what: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, what, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}
