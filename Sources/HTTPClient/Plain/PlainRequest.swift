import Foundation

/// A request the plain HTTP/1.1 transport can carry, with its wire form.
///
/// The transport takes only what it does exactly as libcurl would: a `GET`
/// without a body over plain `http://` to a numeric IPv4 or IPv6 address,
/// without a proxy. Everything else (TLS, proxies, host names, which need a
/// resolver off this thread, other methods, probe-mode connection facts)
/// goes through libcurl.
struct PlainRequest {
    /// Where to connect.
    let endpoint: PlainEndpoint
    /// The request line and header block, ready to send.
    let wire: [UInt8]

    init?(_ request: HTTPRequest, configuration: HTTPClientConfiguration) {
        // Connection limits are libcurl's to enforce: it queues transfers beyond them.
        guard configuration.usesPlainTransport, configuration.maxConnectionsPerHost <= 0, configuration.maxTotalConnections <= 0,
              request.method == .get, request.body == nil, request.proxyURL == nil, !configuration.proxyFromEnvironment,
              !request.collectConnectionInfo, request.tls.serverName == nil,
              let target = PlainURL(request.url), let endpoint = PlainEndpoint(host: target.host, port: target.port)
        else { return nil }
        var lines = "GET \(target.pathAndQuery) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        var headers = request.headers
        switch request.auth {
        case .basic(let username, let password)?:
            let credentials = Data("\(username):\(password)".utf8).base64EncodedString()
            if !headers.contains("Authorization") { lines += "Authorization: Basic \(credentials)\r\n" }
        case .bearer(let token)?:
            headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token)")
        case .authorization(let type, let credentials)?:
            headers.replaceOrAdd(name: "Authorization", value: "\(type) \(credentials)")
        case nil:
            break
        }
        if !headers.contains("User-Agent") { lines += "User-Agent: \(configuration.userAgent)\r\n" }
        if !headers.contains("Accept") { lines += "Accept: */*\r\n" }
        if request.acceptGzip && !headers.contains("Accept-Encoding") { lines += "Accept-Encoding: gzip\r\n" }
        for field in headers {
            // Fields libcurl would reject or rewrite go through libcurl, which reports them.
            guard !field.name.isEmpty, !field.name.utf8.contains(where: { $0 <= 32 || $0 == 127 || $0 == UInt8(ascii: ":") }),
                  !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }),
                  !HTTPHeaders.namesMatch(field.name, "Host") else { return nil }
            lines += field.value.isEmpty ? "\(field.name):\r\n" : "\(field.name): \(field.value)\r\n"
        }
        lines += "\r\n"
        self.endpoint = endpoint
        self.wire = Array(lines.utf8)
    }
}

/// The parts of an `http://` URL the plain transport needs; nil for anything
/// it leaves to libcurl's parser (user info, other schemes, host names,
/// characters libcurl would escape).
struct PlainURL {
    let host: String
    let port: UInt16
    let hostHeader: String
    let pathAndQuery: String

    init?(_ url: String) {
        let utf8 = Array(url.utf8)
        let scheme = Array("http://".utf8)
        guard utf8.count > scheme.count, utf8[..<scheme.count].elementsEqual(scheme, by: { Self.lower($0) == $1 }) else { return nil }
        // Only printable ASCII without spaces: libcurl percent-encodes others.
        guard utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return nil }
        var rest = utf8[scheme.count...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        let pathStart = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) ?? rest.endIndex
        let authority = rest[..<pathStart]
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")) else { return nil }
        var hostPart: ArraySlice<UInt8>
        var portPart: ArraySlice<UInt8>?
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            hostPart = authority[(authority.startIndex + 1)..<close]
            let after = authority[(close + 1)...]
            if !after.isEmpty {
                guard after.first == UInt8(ascii: ":") else { return nil }
                portPart = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
            hostPart = authority[..<colon]
            portPart = authority[(colon + 1)...]
        } else {
            hostPart = authority
        }
        var port = 80
        if let portPart, !portPart.isEmpty {
            guard portPart.count <= 5, portPart.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            port = portPart.reduce(0) { $0 * 10 + Int($1) - 48 }
            guard port > 0 && port <= 65535 else { return nil }
        }
        host = String(decoding: hostPart, as: UTF8.self)
        self.port = UInt16(port)
        let bracketed = hostPart.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
        hostHeader = port == 80 ? bracketed : "\(bracketed):\(port)"
        let pathBytes = rest[pathStart...]
        // Dot segments are normalised by libcurl; leave those URLs to it.
        let beforeQuery = pathBytes.prefix { $0 != UInt8(ascii: "?") }
        if beforeQuery.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).contains(where: { $0.elementsEqual([46]) || $0.elementsEqual([46, 46]) }) {
            return nil
        }
        let path = String(decoding: pathBytes, as: UTF8.self)
        pathAndQuery = path.isEmpty || path.utf8.first == UInt8(ascii: "?") ? "/" + path : path
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
}
