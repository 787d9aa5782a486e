import Foundation
import Model

/// HTTP basic authentication (`basic_auth`). File paths are resolved against the
/// configuration file's directory.
public struct BasicAuth: Sendable, Hashable {
    public var username = ""
    public var usernameFile = ""
    public var password = ""
    public var passwordFile = ""
    public init() {}
}

/// The `authorization` block; `bearer_token` and `bearer_token_file` are folded
/// into it with type `Bearer`, as Prometheus does.
public struct Authorization: Sendable, Hashable {
    /// Defaults to `Bearer`; `Basic` is rejected (use `basic_auth`).
    public var type = "Bearer"
    public var credentials = ""
    public var credentialsFile = ""
    public init() {}
}

/// TLS versions accepted by `min_version` / `max_version`.
public enum TLSVersion: String, Sendable, Hashable, Comparable {
    case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

    public static func < (a: TLSVersion, b: TLSVersion) -> Bool { a.rawValue < b.rawValue }
}

/// `tls_config`. Inline PEM (`ca`, `cert`, `key`) or file paths, not both.
public struct TLSConfig: Sendable, Hashable {
    public var ca = ""
    public var caFile = ""
    public var cert = ""
    public var certFile = ""
    public var key = ""
    public var keyFile = ""
    public var serverName = ""
    public var insecureSkipVerify = false
    public var minVersion: TLSVersion? = nil
    public var maxVersion: TLSVersion? = nil
    public init() {}

    public var isEmpty: Bool { self == TLSConfig() }
}

/// The HTTP client settings shared by scrape configs, Alertmanager configs and
/// remote write (Prometheus's `HTTPClientConfig`, inlined in each).
public struct HTTPClientConfig: Sendable, Hashable {
    public var basicAuth: BasicAuth? = nil
    public var authorization: Authorization? = nil
    public var tls = TLSConfig()
    public var proxyURL: ConfigURL? = nil
    public var noProxy = ""
    public var proxyFromEnvironment = false
    public var proxyConnectHeaders: [String: [String]] = [:]
    public var followRedirects = true
    public var enableHTTP2 = true
    /// True when an `oauth2` block was given. Ember does not implement OAuth 2
    /// (a warning says so); the flag keeps Prometheus's exclusivity checks.
    public var hasOAuth2 = false

    public init() {}

    static let yamlKeys = [
        "basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
        "follow_redirects", "enable_http2", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header",
        "http_headers",
    ]
}

extension HTTPClientConfig {
    /// Decodes the HTTP client keys of `m` and validates them with Prometheus's
    /// (prometheus/common) rules and messages.
    static func decode(_ m: YAMLMapping, defaults: HTTPClientConfig, _ d: ConfigDecoder) throws -> HTTPClientConfig {
        var c = defaults
        if let v = m["basic_auth"] { c.basicAuth = try decodeBasicAuth(v, d) }
        if let v = m["authorization"] { c.authorization = try decodeAuthorization(v, d) }
        if let v = m["tls_config"] { c.tls = try decodeTLS(v, d) }
        if let v = m["oauth2"] {
            c.hasOAuth2 = true
            d.warn(v.warning("oauth2 is not supported by Ember: requests are sent without OAuth 2 tokens"))
        }
        d.ignore(["http_headers"], in: m)
        if let v = try m.bool("follow_redirects") { c.followRedirects = v }
        if let v = try m.bool("enable_http2") { c.enableHTTP2 = v }
        if let v = m["proxy_url"] { c.proxyURL = try v.url() }
        if let v = try m.string("no_proxy") { c.noProxy = v }
        if let v = try m.bool("proxy_from_environment") { c.proxyFromEnvironment = v }
        if let v = m["proxy_connect_header"] {
            for (name, values) in try v.entries() { c.proxyConnectHeaders[name] = try values.stringList() }
        }
        let bearerToken = try m.string("bearer_token") ?? ""
        let bearerTokenFile = d.resolve(try m.string("bearer_token_file") ?? "")
        if let (message, key) = c.validate(bearerToken: bearerToken, bearerTokenFile: bearerTokenFile) {
            throw m.locate(key).error(message)
        }
        if c.authorization == nil, !bearerToken.isEmpty || !bearerTokenFile.isEmpty {
            var a = Authorization()
            a.credentials = bearerToken
            a.credentialsFile = bearerTokenFile
            c.authorization = a
        }
        return c
    }

    /// prometheus/common's `HTTPClientConfig.Validate` (with TLS and proxy checks), in its
    /// words, with the key the problem is best located at.
    private func validate(bearerToken: String, bearerTokenFile: String) -> (String, String)? {
        let hasBearer = !bearerToken.isEmpty || !bearerTokenFile.isEmpty
        if !bearerToken.isEmpty && !bearerTokenFile.isEmpty {
            return ("at most one of bearer_token & bearer_token_file must be configured", "bearer_token_file")
        }
        if (basicAuth != nil || hasOAuth2) && hasBearer {
            return ("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", "bearer_token")
        }
        if let b = basicAuth {
            if !b.username.isEmpty && !b.usernameFile.isEmpty {
                return ("at most one of basic_auth username & username_file must be configured", "basic_auth")
            }
            if !b.password.isEmpty && !b.passwordFile.isEmpty {
                return ("at most one of basic_auth password & password_file must be configured", "basic_auth")
            }
        }
        if let a = authorization {
            if hasBearer { return ("authorization is not compatible with bearer_token & bearer_token_file", "authorization") }
            if !a.credentials.isEmpty && !a.credentialsFile.isEmpty {
                return ("at most one of authorization credentials & credentials_file must be configured", "authorization")
            }
            if a.type.lowercased() == "basic" { return (#"authorization type cannot be set to "basic", use "basic_auth" instead"#, "authorization") }
            if basicAuth != nil || hasOAuth2 { return ("at most one of basic_auth, oauth2 & authorization must be configured", "authorization") }
        }
        if hasOAuth2 && basicAuth != nil { return ("at most one of basic_auth, oauth2 & authorization must be configured", "oauth2") }
        if let message = tls.validationError { return (message, "tls_config") }
        let hasProxyURL = !(proxyURL?.text.isEmpty ?? true)
        if !proxyConnectHeaders.isEmpty && !proxyFromEnvironment && !hasProxyURL {
            return ("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured", "proxy_connect_header")
        }
        if proxyFromEnvironment && hasProxyURL { return ("if proxy_from_environment is configured, proxy_url must not be configured", "proxy_url") }
        if proxyFromEnvironment && !noProxy.isEmpty { return ("if proxy_from_environment is configured, no_proxy must not be configured", "no_proxy") }
        if !hasProxyURL && !noProxy.isEmpty { return ("if no_proxy is configured, proxy_url must also be configured", "no_proxy") }
        return nil
    }

    private static func decodeBasicAuth(_ node: YAMLNode, _ d: ConfigDecoder) throws -> BasicAuth {
        let m = try node.mapping(allowedKeys: ["username", "username_file", "password", "password_file"])
        var b = BasicAuth()
        b.username = try m.string("username") ?? ""
        b.usernameFile = d.resolve(try m.string("username_file") ?? "")
        b.password = try m.string("password") ?? ""
        b.passwordFile = d.resolve(try m.string("password_file") ?? "")
        return b
    }

    private static func decodeAuthorization(_ node: YAMLNode, _ d: ConfigDecoder) throws -> Authorization {
        let m = try node.mapping(allowedKeys: ["type", "credentials", "credentials_file"])
        var a = Authorization()
        let type = (try m.string("type") ?? "").trimmingCharacters(in: .whitespaces)
        if !type.isEmpty { a.type = type }
        a.credentials = try m.string("credentials") ?? ""
        a.credentialsFile = d.resolve(try m.string("credentials_file") ?? "")
        return a
    }

    static func decodeTLS(_ node: YAMLNode, _ d: ConfigDecoder) throws -> TLSConfig {
        let m = try node.mapping(allowedKeys: [
            "ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name", "insecure_skip_verify", "min_version", "max_version",
        ])
        var t = TLSConfig()
        t.ca = try m.string("ca") ?? ""
        t.caFile = d.resolve(try m.string("ca_file") ?? "")
        t.cert = try m.string("cert") ?? ""
        t.certFile = d.resolve(try m.string("cert_file") ?? "")
        t.key = try m.string("key") ?? ""
        t.keyFile = d.resolve(try m.string("key_file") ?? "")
        t.serverName = try m.string("server_name") ?? ""
        t.insecureSkipVerify = try m.bool("insecure_skip_verify") ?? false
        for (key, assign) in [("min_version", \TLSConfig.minVersion), ("max_version", \TLSConfig.maxVersion)] {
            guard let v = m[key] else { continue }
            let text = try v.string()
            guard let version = TLSVersion(rawValue: text) else { throw v.error("unknown TLS version: \(text)") }
            t[keyPath: assign] = version
        }
        if let message = t.validationError { throw node.error(message) }
        return t
    }
}

extension TLSConfig {
    /// prometheus/common's `TLSConfig.Validate`, in its words.
    var validationError: String? {
        if !ca.isEmpty && !caFile.isEmpty { return "at most one of ca and ca_file must be configured" }
        if !cert.isEmpty && !certFile.isEmpty { return "at most one of cert and cert_file must be configured" }
        if !key.isEmpty && !keyFile.isEmpty { return "at most one of key and key_file must be configured" }
        let hasCert = !cert.isEmpty || !certFile.isEmpty
        let hasKey = !key.isEmpty || !keyFile.isEmpty
        if hasCert && !hasKey { return "exactly one of key or key_file must be configured when a client certificate is configured" }
        if hasKey && !hasCert { return "exactly one of cert or cert_file must be configured when a client key is configured" }
        return nil
    }
}
