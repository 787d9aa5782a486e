import Config
import Foundation
import HTTPClient
import Template

/// One configured integration of a receiver (one entry of a `*_configs` list).
struct Integration: Sendable {
    enum Kind: Sendable {
        case slack(SlackConfig)
        case msteams(MSTeamsConfig)
        case msteamsV2(MSTeamsV2Config)
        case email(EmailConfig)
        case webhook(WebhookConfig)
    }

    let kind: Kind
    /// Alertmanager's integration name: "slack", "msteams", "msteamsv2", "email", "webhook".
    let name: String
    let index: Int

    var sendResolved: Bool {
        switch kind {
        case .slack(let c): return c.sendResolved
        case .msteams(let c): return c.sendResolved
        case .msteamsV2(let c): return c.sendResolved
        case .email(let c): return c.sendResolved
        case .webhook(let c): return c.sendResolved
        }
    }

    static func all(of r: ReceiverConfig) -> [Integration] {
        r.slack.enumerated().map { Integration(kind: .slack($0.element), name: "slack", index: $0.offset) }
            + r.msteams.enumerated().map { Integration(kind: .msteams($0.element), name: "msteams", index: $0.offset) }
            + r.msteamsV2.enumerated().map { Integration(kind: .msteamsV2($0.element), name: "msteamsv2", index: $0.offset) }
            + r.email.enumerated().map { Integration(kind: .email($0.element), name: "email", index: $0.offset) }
            + r.webhook.enumerated().map { Integration(kind: .webhook($0.element), name: "webhook", index: $0.offset) }
    }
}

/// The result of one delivery attempt.
struct DeliveryOutcome: Sendable {
    var success: Bool
    /// Whether trying again may help (network errors, 5xx, 429).
    var retryable: Bool
    /// HTTP status or SMTP reply code; nil when none arrived.
    var status: Int?
    /// Why it failed: the error or the start of the response body.
    var detail: String

    static let delivered = DeliveryOutcome(success: true, retryable: false, status: nil, detail: "")

    static func failed(_ detail: String, status: Int? = nil, retryable: Bool = true) -> DeliveryOutcome {
        DeliveryOutcome(success: false, retryable: retryable, status: status, detail: detail)
    }
}

/// What one notification is about: the group and its alerts.
struct NotificationContext: Sendable {
    var receiver: String
    var groupKey: String
    var groupLabels: [String: String]
    var alerts: [Alert]
    var now: Date

    func templateData(externalURL: String) -> AlertmanagerTemplateData {
        let items = alerts.map { a in
            AlertmanagerTemplateAlert(
                status: a.resolved(at: now) ? "resolved" : "firing", labels: a.labels, annotations: a.annotations,
                startsAt: TemplateTime(date: a.startsAt),
                endsAt: a.resolved(at: now) ? TemplateTime(date: a.endsAt) : .zero,
                generatorURL: a.generatorURL, fingerprint: a.fingerprintHex)
        }
        return AlertmanagerTemplateData(receiverName: receiver, groupLabels: groupLabels, alerts: items, externalURL: externalURL)
    }

    var isFiring: Bool { alerts.contains { !$0.resolved(at: now) } }
}

/// Sends notifications: builds each channel's payload and talks HTTP or SMTP.
struct Deliverer: Sendable {
    let http: HTTPClient
    let templates: NotificationTemplates
    let externalURL: String
    /// Limit for one attempt.
    let timeout: Duration

    func deliver(_ integration: Integration, _ ctx: NotificationContext) async -> DeliveryOutcome {
        let data = ctx.templateData(externalURL: externalURL)
        let value = data.templateValue
        do {
            switch integration.kind {
            case .slack(let c):
                let url = try secret(c.apiURL, file: c.apiURLFile)
                let body = try SlackPayload.build(c, data: data, value: value, templates: templates)
                return await post(url, body, http: c.httpConfig, check: SlackPayload.checkResponse)
            case .msteams(let c):
                let url = try secret(c.webhookURL, file: c.webhookURLFile)
                let body = try TeamsPayload.connectorCard(c, data: data, value: value, templates: templates)
                return await post(url, body, http: c.httpConfig, check: nil)
            case .msteamsV2(let c):
                let url = try secret(c.webhookURL, file: c.webhookURLFile)
                let body = try TeamsPayload.adaptiveCard(c, data: data, value: value, templates: templates)
                return await post(url, body, http: c.httpConfig, check: nil)
            case .webhook(let c):
                let url = try secret(c.url, file: c.urlFile)
                var kept = ctx
                var truncated = 0
                if c.maxAlerts > 0 && kept.alerts.count > c.maxAlerts {
                    truncated = kept.alerts.count - c.maxAlerts
                    kept.alerts = Array(kept.alerts.prefix(c.maxAlerts))
                }
                let body = WebhookPayload.build(data: kept.templateData(externalURL: externalURL), groupKey: ctx.groupKey,
                                                truncated: truncated)
                return await post(url, body, http: c.httpConfig, check: nil)
            case .email(let c):
                return try await EmailDelivery.send(c, data: data, value: value, templates: templates, now: ctx.now, timeout: timeout)
            }
        } catch let e as TemplateError {
            return .failed("template: \(e)", retryable: false)
        } catch {
            return .failed("\(error)", retryable: false)
        }
    }

    private func post(_ url: String, _ body: [UInt8], http config: HTTPClientConfig,
                      check: (@Sendable (HTTPResponse) -> String?)?) async -> DeliveryOutcome {
        var request: HTTPRequest
        do {
            request = try HTTPRequestBuilder.request(url: url, config: config, timeout: timeout)
        } catch {
            return .failed("\(error)", retryable: false)
        }
        request.method = .post
        request.body = body
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        do {
            let response = try await http.execute(request)
            guard response.isSuccess else {
                // Alertmanager retries 5xx and 429; other 4xx will not get better by repeating.
                let retry = response.status >= 500 || response.status == 429
                return .failed("unexpected status code \(response.status): \(response.bodyExcerpt(limit: 256))",
                               status: response.status, retryable: retry)
            }
            if let check, let problem = check(response) {
                return .failed(problem, status: response.status, retryable: false)
            }
            return .delivered
        } catch {
            return .failed("\(error)")
        }
    }

    private func secret(_ inline: String, file: String) throws -> String {
        if !inline.isEmpty { return inline }
        return try readSecretFile(file)
    }
}

/// A `*_file` setting whose file cannot be read at send time.
struct SecretFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot read secret file \(path): \(reason)" }
}

/// Reads a `*_file` secret, trimmed as Alertmanager trims it.
func readSecretFile(_ path: String) throws(SecretFileError) -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8).trimmingWhitespace()
    } catch {
        throw SecretFileError(path: path, reason: error.localizedDescription)
    }
}

/// Applies an `http_config` to a request.
enum HTTPRequestBuilder {
    static func request(url: String, config c: HTTPClientConfig, timeout: Duration) throws -> HTTPRequest {
        var r = HTTPRequest(url: url, timeout: timeout, followRedirects: c.followRedirects)
        if let b = c.basicAuth {
            let user = b.usernameFile.isEmpty ? b.username : try readSecretFile(b.usernameFile)
            let pass = b.passwordFile.isEmpty ? b.password : try readSecretFile(b.passwordFile)
            r.auth = .basic(username: user, password: pass)
        }
        if let a = c.authorization {
            let cred = a.credentialsFile.isEmpty ? a.credentials : try readSecretFile(a.credentialsFile)
            r.auth = a.type.lowercased() == "bearer" ? .bearer(cred) : .authorization(type: a.type, credentials: cred)
        }
        r.tls = tlsOptions(c.tls)
        if let p = c.proxyURL { r.proxyURL = p.text }
        return r
    }

    static func tlsOptions(_ t: Config.TLSConfig) -> TLSOptions {
        var o = TLSOptions()
        if !t.ca.isEmpty { o.ca = .pem(t.ca) } else if !t.caFile.isEmpty { o.ca = .file(t.caFile) }
        if !t.cert.isEmpty { o.certificate = .pem(t.cert) } else if !t.certFile.isEmpty { o.certificate = .file(t.certFile) }
        if !t.key.isEmpty { o.key = .pem(t.key) } else if !t.keyFile.isEmpty { o.key = .file(t.keyFile) }
        if !t.serverName.isEmpty { o.serverName = t.serverName }
        o.insecureSkipVerify = t.insecureSkipVerify
        if let v = t.minVersion { o.minVersion = convert(v) }
        if let v = t.maxVersion { o.maxVersion = convert(v) }
        return o
    }

    private static func convert(_ v: Config.TLSVersion) -> ClientTLSVersion {
        switch v {
        case .tls10: return .tls10
        case .tls11: return .tls11
        case .tls12: return .tls12
        case .tls13: return .tls13
        }
    }
}
