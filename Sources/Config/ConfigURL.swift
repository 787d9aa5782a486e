import Model

/// A URL from the configuration, checked the way Go's `url.Parse` checks it
/// (Prometheus accepts exactly what that function accepts) and split into the
/// parts Ember needs.
public struct ConfigURL: Sendable, Hashable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// Lower-cased scheme, "" when the URL has none.
    public let scheme: String
    /// Host without port or brackets, "" when there is no authority part.
    public let host: String
    /// The port as written, "" when absent.
    public let port: String
    /// True when the URL carries a password (`user:pass@host`), which must not be shown.
    public let hasPassword: Bool

    public var description: String { redacted }

    /// The URL with any password replaced by `xxxxx`, as Prometheus prints it.
    public var redacted: String {
        guard hasPassword, let at = text.firstIndex(of: "@"), let schemeEnd = text.range(of: "://") else { return text }
        let userInfo = text[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":xxxxx" + String(text[at...])
    }

    /// Parses `text`; the error message has Go's wording (`parse "::x": missing protocol scheme`).
    public static func parse(_ text: String) -> Result<ConfigURL, ConfigURLError> {
        func fail(_ why: String) -> Result<ConfigURL, ConfigURLError> {
            .failure(ConfigURLError(message: "parse \(quoteLabelValue(text)): \(why)"))
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            return fail("net/url: invalid control character in URL")
        }
        if let bad = invalidPercentEscape(text) { return fail("invalid URL escape \(quoteLabelValue(bad))") }
        var rest = Substring(text)
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var scheme = ""
        // Go's getScheme: letters first, then letters, digits, + - . up to ':'.
        for (offset, c) in rest.enumerated() {
            if c.isASCII && c.isLetter { continue }
            if c.isASCII && (c.isNumber || c == "+" || c == "-" || c == ".") {
                if offset == 0 { break }
                continue
            }
            if c == ":" {
                if offset == 0 { return fail("missing protocol scheme") }
                scheme = String(rest.prefix(offset)).lowercased()
                rest = rest.dropFirst(offset + 1)
            }
            break
        }
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        if scheme.isEmpty, let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") {
            return fail("first path segment in URL cannot contain colon")
        }
        var host = "", port = "", hasPassword = false
        if rest.hasPrefix("//") {
            let authority = rest.dropFirst(2).prefix(while: { $0 != "/" })
            var hostPort = authority
            if let at = authority.lastIndex(of: "@") {
                hasPassword = authority[..<at].contains(":")
                hostPort = authority[authority.index(after: at)...]
            }
            if hostPort.hasPrefix("[") {
                guard let close = hostPort.firstIndex(of: "]") else { return fail("missing ']' in host") }
                host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let after = hostPort[hostPort.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { return fail("invalid port \(quoteLabelValue(String(after))) after host") }
                    port = String(after.dropFirst())
                }
            } else if let colon = hostPort.lastIndex(of: ":") {
                host = String(hostPort[..<colon])
                port = String(hostPort[hostPort.index(after: colon)...])
            } else {
                host = String(hostPort)
            }
            if !port.allSatisfy({ $0.isASCII && $0.isNumber }) {
                return fail("invalid port \(quoteLabelValue(":" + port)) after host")
            }
            if let bad = host.first(where: { " <>\"{}|\\^`".contains($0) }) {
                return fail("invalid character \(quoteLabelValue(String(bad))) in host name")
            }
        }
        return .success(ConfigURL(text: text, scheme: scheme, host: host, port: port, hasPassword: hasPassword))
    }

    private static func invalidPercentEscape(_ s: String) -> String? {
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                let isHex: (UInt8) -> Bool = { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
                guard i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]) else {
                    return String(decoding: b[i..<min(b.count, i + 3)], as: UTF8.self)
                }
                i += 3
            } else {
                i += 1
            }
        }
        return nil
    }

    /// For URLs Ember itself connects to: an http or https scheme and a host.
    var isHTTPWithHost: Bool { (scheme == "http" || scheme == "https") && !host.isEmpty }
}

/// A URL Go's `url.Parse` would reject.
public struct ConfigURLError: Error, Sendable {
    public let message: String
}

extension YAMLNode {
    /// A URL value; Go's parse errors are located at this node.
    func url() throws -> ConfigURL {
        switch ConfigURL.parse(try string()) {
        case .success(let u): return u
        case .failure(let e): throw error(e.message)
        }
    }
}
