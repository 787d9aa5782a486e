import Config
import Foundation

/// `--web.config.file`: Prometheus's web configuration format (exporter-toolkit),
/// for TLS and basic authentication on Ember's HTTP endpoints.
public struct WebConfig: Sendable, Equatable {
    public struct TLSServer: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
        public var clientAuthType = ClientAuth.noClientCert
        public var clientCAFile: String?
        public var minVersion = "TLS12"
        public var maxVersion: String?
    }

    /// exporter-toolkit's client_auth_type values.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case requestClientCert = "RequestClientCert"
        case requireAnyClientCert = "RequireAnyClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
    }

    public var tls: TLSServer?
    /// User name → bcrypt hash.
    public var basicAuthUsers: [String: String] = [:]
    /// Extra response headers (`http_server_config.headers`).
    public var headers: [String: String] = [:]

    public init() {}

    public static func load(file: String) throws -> WebConfig {
        guard let root = try YAMLNode.load(file: file) else { return WebConfig() }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func path(_ node: YAMLNode) throws -> String {
            let p = try node.string()
            return p.hasPrefix("/") || p.isEmpty ? p : base.appendingPathComponent(p).path
        }
        var config = WebConfig()
        let top = try root.mapping(allowedKeys: ["tls_server_config", "http_server_config", "basic_auth_users"])
        if let tlsNode = top["tls_server_config"] {
            let t = try tlsNode.mapping(allowedKeys: ["cert_file", "key_file", "cert", "key", "client_auth_type", "client_ca_file",
                                                      "client_allowed_sans", "min_version", "max_version", "cipher_suites",
                                                      "prefer_server_cipher_suites", "curve_preferences"])
            let cert = try t["cert_file"].map(path) ?? ""
            let key = try t["key_file"].map(path) ?? ""
            if t.has("cert") || t.has("key") {
                throw (t.keyNode("cert") ?? t.keyNode("key") ?? tlsNode).error("inline cert and key are not supported by Ember; use cert_file and key_file")
            }
            if cert.isEmpty != key.isEmpty {
                throw tlsNode.error(cert.isEmpty ? "missing cert_file" : "missing key_file")
            }
            if !cert.isEmpty {
                var server = TLSServer(certFile: cert, keyFile: key)
                if let auth = t["client_auth_type"] {
                    let text = try auth.string()
                    guard let a = ClientAuth(rawValue: text) else { throw auth.error("invalid client auth type: \(text)") }
                    server.clientAuthType = a
                }
                server.clientCAFile = try t["client_ca_file"].map(path)
                if server.clientAuthType == .requireAndVerifyClientCert || server.clientAuthType == .verifyClientCertIfGiven,
                   server.clientCAFile == nil {
                    throw tlsNode.error("client_ca_file is required for client_auth_type \(server.clientAuthType.rawValue)")
                }
                for (key, keyPath) in [("min_version", \TLSServer.minVersion)] {
                    if let v = t[key] {
                        let text = try v.string()
                        guard ["TLS10", "TLS11", "TLS12", "TLS13"].contains(text) else { throw v.error("unknown TLS version: \(text)") }
                        server[keyPath: keyPath] = text
                    }
                }
                if let v = t["max_version"] {
                    let text = try v.string()
                    guard ["TLS10", "TLS11", "TLS12", "TLS13"].contains(text) else { throw v.error("unknown TLS version: \(text)") }
                    server.maxVersion = text
                }
                config.tls = server
            }
        }
        if let http = top["http_server_config"] {
            let h = try http.mapping(allowedKeys: ["http2", "headers"])
            config.headers = try h["headers"]?.stringMap() ?? [:]
        }
        if let users = top["basic_auth_users"] {
            for (user, hash) in try users.entries() {
                let h = try hash.string()
                guard h.hasPrefix("$2") else { throw hash.error("password of user \(user) must be a bcrypt hash") }
                config.basicAuthUsers[user] = h
            }
        }
        return config
    }
}
