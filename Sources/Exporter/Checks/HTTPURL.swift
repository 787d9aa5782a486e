/// The parts of an http:// or https:// URL a probe needs.
struct HTTPURL: Sendable, Equatable {
    struct Invalid: Error, CustomStringConvertible {
        let url: String
        let reason: String
        var description: String { "invalid URL \"\(url)\": \(reason)" }
    }

    var scheme: String
    var host: String
    var port: UInt16
    /// Path and query, at least "/".
    var target: String

    var isTLS: Bool { scheme == "https" }

    /// The Host header value: the port only when not the scheme's default.
    var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return (port == (isTLS ? 443 : 80)) ? h : "\(h):\(port)"
    }

    init(_ text: String) throws(Invalid) {
        guard let schemeEnd = text.range(of: "://") else { throw Invalid(url: text, reason: "missing scheme (http:// or https://)") }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw Invalid(url: text, reason: "scheme must be http or https") }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if authority.contains("@") { throw Invalid(url: text, reason: "credentials in URLs are not supported; use an Authorization header") }
        var path = String(rest[authorityEnd...])
        if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        guard !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else { throw Invalid(url: text, reason: "unescaped whitespace in path") }
        target = path
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Invalid(url: text, reason: "unterminated IPv6 literal") }
            host = String(authority[authority.index(after: authority.startIndex) ..< close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw Invalid(url: text, reason: "junk after IPv6 literal") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
            authority = authority[..<colon]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw Invalid(url: text, reason: "missing host") }
        if let portText {
            guard let p = UInt16(portText), p > 0 else { throw Invalid(url: text, reason: "invalid port \"\(portText)\"") }
            port = p
        } else {
            port = scheme == "https" ? 443 : 80
        }
    }

    /// Resolves a Location header against this URL.
    func resolving(_ location: String) throws(Invalid) -> HTTPURL {
        if location.contains("://") { return try HTTPURL(location) }
        var copy = self
        if location.hasPrefix("//") { return try HTTPURL(scheme + ":" + location) }
        if location.hasPrefix("/") {
            copy.target = location
        } else {
            let base = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
            let dir = base.hasSuffix("/") ? base : String(base[..<(base.lastIndex(of: "/").map { base.index(after: $0) } ?? base.endIndex)])
            copy.target = dir + location
        }
        return copy
    }
}
