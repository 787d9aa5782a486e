import Config
import Foundation
import HTTPClient
import Model

/// Turns a job's HTTP settings into the request of one target's scrapes.
struct ScrapeRequestTemplate: Sendable {
    let url: String
    let accept: String
    let timeout: PromDuration
    let bodySizeLimit: Int64
    let http: HTTPClientConfig
    let enableCompression: Bool

    init(target: ScrapeTarget, config: ScrapeConfig) {
        url = target.url
        accept = Self.acceptHeader(config.scrapeProtocols, scheme: config.metricNameValidationScheme)
        timeout = target.timeout
        bodySizeLimit = config.limits.bodySizeLimit
        http = config.httpClient
        enableCompression = config.enableCompression
    }

    /// Prometheus's Accept header: each protocol with a falling q weight, the
    /// versions that know escaping announce it, then `*/*`. Protobuf is left out:
    /// Ember does not parse it, so asking for it would only fail scrapes.
    static func acceptHeader(_ protocols: [ScrapeProtocol], scheme: NameValidationScheme) -> String {
        var values: [String] = []
        var weight = ScrapeProtocol.allCases.count + 1
        for p in protocols {
            defer { weight -= 1 }
            if p == .prometheusProto { continue }
            var value = p.acceptHeaderValue
            if p == .prometheusText1_0_0 || p == .openMetricsText1_0_0 {
                value += ";escaping=" + (scheme == .utf8 ? "allow-utf-8" : "underscores")
            }
            values.append(value + ";q=0.\(weight)")
        }
        values.append("*/*;q=0.\(weight)")
        return values.joined(separator: ",")
    }

    /// The request for one scrape. Credential files are read each time, so a
    /// rotated token is picked up without a reload.
    func request() throws -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        headers.add(name: "Accept", value: accept)
        headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(timeout.seconds))
        var request = HTTPRequest(
            url: url, headers: headers, timeout: .milliseconds(timeout.milliseconds),
            maxResponseBytes: bodySizeLimit > 0 ? Int(bodySizeLimit) : nil,
            followRedirects: http.followRedirects, auth: try auth(), tls: tlsOptions(),
            proxyURL: http.proxyURL.map(\.text), acceptGzip: enableCompression)
        if !enableCompression { request.headers.add(name: "Accept-Encoding", value: "identity") }
        return request
    }

    private func auth() throws -> HTTPAuth? {
        if let basic = http.basicAuth {
            let user = basic.usernameFile.isEmpty ? basic.username : try Self.secret(basic.usernameFile)
            let password = basic.passwordFile.isEmpty ? basic.password : try Self.secret(basic.passwordFile)
            return .basic(username: user, password: password)
        }
        if let a = http.authorization {
            let credentials = a.credentialsFile.isEmpty ? a.credentials : try Self.secret(a.credentialsFile)
            if credentials.isEmpty { return nil }
            return a.type == "Bearer" ? .bearer(credentials) : .authorization(type: a.type, credentials: credentials)
        }
        return nil
    }

    private func tlsOptions() -> TLSOptions {
        let t = http.tls
        func source(_ inline: String, _ file: String) -> PEMSource? {
            if !inline.isEmpty { return .pem(inline) }
            if !file.isEmpty { return .file(file) }
            return nil
        }
        return TLSOptions(
            ca: source(t.ca, t.caFile), certificate: source(t.cert, t.certFile), key: source(t.key, t.keyFile),
            serverName: t.serverName.isEmpty ? nil : t.serverName, insecureSkipVerify: t.insecureSkipVerify,
            minVersion: httpTLSVersion(named: t.minVersion?.rawValue) ?? .tls12,
            maxVersion: httpTLSVersion(named: t.maxVersion?.rawValue))
    }

    /// A secret file's content without surrounding whitespace, as Prometheus reads it.
    static func secret(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ScrapeError("unable to read secret file \(path): \(error.localizedDescription)")
        }
    }
}

/// A failed scrape's reason, shown as the target's `lastError`.
struct ScrapeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
