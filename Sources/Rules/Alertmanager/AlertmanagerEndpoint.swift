import Config
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPClient
import Model

/// One Alertmanager to post to: its URL and how to reach it.
public struct AlertmanagerEndpoint: Sendable, Hashable {
    /// `scheme://address/path_prefix/api/v2/alerts`.
    public var url: String
    /// Index of its entry in `alerting.alertmanagers` (its alert_relabel_configs and HTTP settings).
    public var configIndex: Int
}

extension AlertmanagerEndpoint {
    /// Endpoints of the static and file-discovered targets of every `alertmanagers` entry, after its
    /// `relabel_configs` (targets relabelled away are skipped, as in Prometheus).
    static func resolve(_ configs: [AlertmanagerConfig]) -> [AlertmanagerEndpoint] {
        var out: [AlertmanagerEndpoint] = []
        for (index, c) in configs.enumerated() {
            for group in c.staticConfigs + c.fileSDConfigs.flatMap(FileTargets.read) {
                for target in group.targets {
                    var b = LabelsBuilder(group.labels)
                    b.set(LabelName.address, target)
                    if b.get(LabelName.scheme).isEmpty { b.set(LabelName.scheme, c.scheme) }
                    if b.get("__alerts_path__").isEmpty { b.set("__alerts_path__", c.pathPrefix + "/api/v2/alerts") }
                    guard let labels = relabel(b.labels(), c.relabelConfigs) else { continue }
                    let address = labels[LabelName.address]
                    guard !address.isEmpty else { continue }
                    var path = labels["__alerts_path__"]
                    if !path.hasPrefix("/") { path = "/" + path }
                    path = path.replacingOccurrences(of: "//", with: "/")
                    out.append(AlertmanagerEndpoint(url: "\(labels[LabelName.scheme])://\(address)\(path)", configIndex: index))
                }
            }
        }
        return out
    }
}

/// Target groups of `file_sd_configs` files (JSON or YAML lists of
/// `{targets: [...], labels: {...}}`), read once; unreadable files yield none.
enum FileTargets {
    static func read(_ config: FileSDConfig) -> [TargetGroup] {
        config.files.flatMap(expandGlob).flatMap(groups)
    }

    private static func groups(in path: String) -> [TargetGroup] {
        guard let root = try? YAMLNode.load(file: path), let items = try? root.sequence() else { return [] }
        return items.compactMap { item in
            guard let entries = try? item.entries() else { return nil }
            var targets: [String] = []
            var labels: [String: String] = [:]
            for (key, value) in entries {
                if key == "targets" { targets = (try? value.stringList()) ?? [] }
                if key == "labels" { labels = (try? value.stringMap()) ?? [:] }
            }
            return TargetGroup(targets: targets, labels: Labels(labels), source: path)
        }
    }

    private static func expandGlob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { i in g.gl_pathv[i].map { String(cString: $0) } }
    }
}

extension AlertmanagerConfig {
    /// The request settings of this entry's HTTP client configuration.
    func request(url: String, body: [UInt8]) -> HTTPRequest {
        var r = HTTPRequest(url: url, method: .post, headers: ["Content-Type": "application/json"], body: body,
                            timeout: .milliseconds(timeout.milliseconds), followRedirects: httpClient.followRedirects)
        if let basic = httpClient.basicAuth {
            let password = basic.passwordFile.isEmpty ? basic.password : readSecret(basic.passwordFile)
            let user = basic.usernameFile.isEmpty ? basic.username : readSecret(basic.usernameFile)
            r.auth = .basic(username: user, password: password)
        } else if let auth = httpClient.authorization {
            let credentials = auth.credentialsFile.isEmpty ? auth.credentials : readSecret(auth.credentialsFile)
            r.auth = .authorization(type: auth.type, credentials: credentials)
        }
        let tls = httpClient.tls
        r.tls = TLSOptions(
            ca: !tls.caFile.isEmpty ? .file(tls.caFile) : (!tls.ca.isEmpty ? .pem(tls.ca) : nil),
            certificate: !tls.certFile.isEmpty ? .file(tls.certFile) : (!tls.cert.isEmpty ? .pem(tls.cert) : nil),
            key: !tls.keyFile.isEmpty ? .file(tls.keyFile) : (!tls.key.isEmpty ? .pem(tls.key) : nil),
            serverName: tls.serverName.isEmpty ? nil : tls.serverName, insecureSkipVerify: tls.insecureSkipVerify)
        return r
    }

    /// A secret file's content without surrounding white space (empty if unreadable).
    private func readSecret(_ path: String) -> String {
        guard let d = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Alertmanager API v2 JSON for a batch of alerts.
enum AlertmanagerJSON {
    static func encode(_ alerts: [Alert]) -> [UInt8] {
        var out = "["
        for (i, a) in alerts.enumerated() {
            if i > 0 { out += "," }
            out += "{\"labels\":" + object(a.labels) + ",\"annotations\":" + object(a.annotations)
            if a.startsAt != 0 { out += ",\"startsAt\":" + string(rfc3339(a.startsAt)) }
            if a.endsAt != 0 { out += ",\"endsAt\":" + string(rfc3339(a.endsAt)) }
            out += ",\"generatorURL\":" + string(a.generatorURL) + "}"
        }
        return Array((out + "]").utf8)
    }

    private static func object(_ labels: Labels) -> String {
        "{" + labels.map { string($0.name) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }

    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// `2026-11-26T09:00:00.123Z`.
    static func rfc3339(_ ms: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
