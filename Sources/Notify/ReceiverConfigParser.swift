import Config
import Foundation
import Model

/// Parsing of `receivers:` entries with Alertmanager's defaults and global fallbacks.
enum ReceiverParser {
    /// Receiver types Alertmanager has and Ember does not deliver to: accepted with a warning.
    static let unsupportedKinds = ["pagerduty_configs", "opsgenie_configs", "wechat_configs", "pushover_configs",
                                   "victorops_configs", "sns_configs", "telegram_configs", "webex_configs",
                                   "discord_configs", "jira_configs", "rocketchat_configs"]
    static let keys = ["name", "slack_configs", "msteams_configs", "msteamsv2_configs", "email_configs", "webhook_configs"]
        + unsupportedKinds

    static func parse(_ node: YAMLNode, global: NotifyGlobalConfig, baseDirectory: String,
                      warnings: inout [ConfigWarning]) throws -> ReceiverConfig {
        let m = try node.mapping(allowedKeys: keys)
        let name = try m["name"]?.string() ?? ""
        if name.isEmpty { throw node.error("missing name in receiver") }
        var r = ReceiverConfig(name: name)
        for kind in unsupportedKinds {
            if let v = m[kind] { warnings.append(v.warning("\(kind) are not supported by Ember; this receiver will not use them")) }
        }
        r.slack = try m["slack_configs"]?.sequence().map { try parseSlack($0, global: global) } ?? []
        r.msteams = try m["msteams_configs"]?.sequence().map { try parseTeams($0, global: global) } ?? []
        r.msteamsV2 = try m["msteamsv2_configs"]?.sequence().map { try parseTeamsV2($0, global: global) } ?? []
        r.email = try m["email_configs"]?.sequence().map { try parseEmail($0, global: global) } ?? []
        r.webhook = try m["webhook_configs"]?.sequence().map { try parseWebhook($0, global: global) } ?? []
        return r
    }

    static func parseSlack(_ node: YAMLNode, global: NotifyGlobalConfig) throws -> SlackConfig {
        let m = try node.mapping(allowedKeys: [
            "send_resolved", "http_config", "api_url", "api_url_file", "channel", "username", "color", "title",
            "title_link", "pretext", "text", "fields", "short_fields", "footer", "fallback", "callback_id",
            "icon_emoji", "icon_url", "image_url", "thumb_url", "link_names", "mrkdwn_in", "actions",
        ])
        var c = SlackConfig()
        c.sendResolved = try m["send_resolved"]?.bool() ?? false
        c.httpConfig = try m["http_config"].map(HTTPConfigParser.parse) ?? global.httpConfig
        if let v = m["api_url"] { c.apiURL = try NotifyConfig.parseURL(v) }
        c.apiURLFile = try m["api_url_file"]?.string() ?? ""
        if !c.apiURL.isEmpty && !c.apiURLFile.isEmpty {
            throw node.error("at most one of api_url & api_url_file must be configured")
        }
        if c.apiURL.isEmpty && c.apiURLFile.isEmpty {
            if global.slackAPIURL.isEmpty && global.slackAPIURLFile.isEmpty {
                throw node.error("no global Slack API URL set either inline or in a file")
            }
            c.apiURL = global.slackAPIURL
            c.apiURLFile = global.slackAPIURLFile
        }
        let strings: [(String, WritableKeyPath<SlackConfig, String>)] = [
            ("channel", \.channel), ("username", \.username), ("color", \.color), ("title", \.title),
            ("title_link", \.titleLink), ("pretext", \.pretext), ("text", \.text), ("footer", \.footer),
            ("fallback", \.fallback), ("callback_id", \.callbackID), ("icon_emoji", \.iconEmoji),
            ("icon_url", \.iconURL), ("image_url", \.imageURL), ("thumb_url", \.thumbURL),
        ]
        for (key, path) in strings { if let v = m[key] { c[keyPath: path] = try v.string() } }
        c.linkNames = try m["link_names"]?.bool() ?? false
        c.shortFields = try m["short_fields"]?.bool() ?? false
        if let v = m["mrkdwn_in"] { c.mrkdwnIn = try v.stringList() }
        for f in try m["fields"]?.sequence() ?? [] {
            let fm = try f.mapping(allowedKeys: ["title", "value", "short"])
            let title = try fm["title"]?.string() ?? "", value = try fm["value"]?.string() ?? ""
            if title.isEmpty { throw f.error("missing title in Slack field configuration") }
            if value.isEmpty { throw f.error("missing value in Slack field configuration") }
            c.fields.append(SlackField(title: title, value: value, short: try fm["short"]?.bool()))
        }
        c.actions = try m["actions"]?.sequence().map(parseSlackAction) ?? []
        return c
    }

    /// Alertmanager's SlackAction rules: type and text required; a `url` makes a link
    /// button (name, value and confirm are dropped), otherwise `name` is required.
    static func parseSlackAction(_ node: YAMLNode) throws -> SlackAction {
        let m = try node.mapping(allowedKeys: ["type", "text", "url", "style", "name", "value", "confirm"])
        func string(_ key: String) throws -> String { try m[key]?.string() ?? "" }
        var action = SlackAction(type: try string("type"), text: try string("text"), url: try string("url"),
                                 style: try string("style"), name: try string("name"), value: try string("value"))
        if let confirm = m["confirm"] {
            let cm = try confirm.mapping(allowedKeys: ["text", "title", "ok_text", "dismiss_text"])
            let text = try cm["text"]?.string() ?? ""
            if text.isEmpty { throw confirm.error("missing text in Slack confirmation configuration") }
            action.confirm = SlackConfirmation(text: text, title: try cm["title"]?.string() ?? "",
                                               okText: try cm["ok_text"]?.string() ?? "",
                                               dismissText: try cm["dismiss_text"]?.string() ?? "")
        }
        if action.type.isEmpty { throw node.error("missing type in Slack action configuration") }
        if action.text.isEmpty { throw node.error("missing text in Slack action configuration") }
        if !action.url.isEmpty {
            action.name = ""
            action.value = ""
            action.confirm = nil
        } else if action.name.isEmpty {
            throw node.error("missing name or url in Slack action configuration")
        }
        return action
    }

    static func parseTeams(_ node: YAMLNode, global: NotifyGlobalConfig) throws -> MSTeamsConfig {
        let m = try node.mapping(allowedKeys: ["send_resolved", "http_config", "webhook_url", "webhook_url_file",
                                               "title", "summary", "text"])
        var c = MSTeamsConfig()
        c.sendResolved = try m["send_resolved"]?.bool() ?? true
        c.httpConfig = try m["http_config"].map(HTTPConfigParser.parse) ?? global.httpConfig
        (c.webhookURL, c.webhookURLFile) = try webhookURL(m, node: node)
        if let v = m["title"] { c.title = try v.string() }
        if let v = m["summary"] { c.summary = try v.string() }
        if let v = m["text"] { c.text = try v.string() }
        return c
    }

    static func parseTeamsV2(_ node: YAMLNode, global: NotifyGlobalConfig) throws -> MSTeamsV2Config {
        let m = try node.mapping(allowedKeys: ["send_resolved", "http_config", "webhook_url", "webhook_url_file",
                                               "title", "text"])
        var c = MSTeamsV2Config()
        c.sendResolved = try m["send_resolved"]?.bool() ?? true
        c.httpConfig = try m["http_config"].map(HTTPConfigParser.parse) ?? global.httpConfig
        (c.webhookURL, c.webhookURLFile) = try webhookURL(m, node: node)
        if let v = m["title"] { c.title = try v.string() }
        if let v = m["text"] { c.text = try v.string() }
        return c
    }

    private static func webhookURL(_ m: YAMLMapping, node: YAMLNode) throws -> (String, String) {
        let url = try m["webhook_url"].map(NotifyConfig.parseURL) ?? ""
        let file = try m["webhook_url_file"]?.string() ?? ""
        if url.isEmpty && file.isEmpty { throw node.error("one of webhook_url or webhook_url_file must be configured") }
        if !url.isEmpty && !file.isEmpty { throw node.error("at most one of webhook_url & webhook_url_file must be configured") }
        return (url, file)
    }

    static func parseWebhook(_ node: YAMLNode, global: NotifyGlobalConfig) throws -> WebhookConfig {
        let m = try node.mapping(allowedKeys: ["send_resolved", "http_config", "url", "url_file", "max_alerts"])
        var c = WebhookConfig()
        c.sendResolved = try m["send_resolved"]?.bool() ?? true
        c.httpConfig = try m["http_config"].map(HTTPConfigParser.parse) ?? global.httpConfig
        c.url = try m["url"].map(NotifyConfig.parseURL) ?? ""
        c.urlFile = try m["url_file"]?.string() ?? ""
        if c.url.isEmpty && c.urlFile.isEmpty { throw node.error("one of url or url_file must be configured") }
        if !c.url.isEmpty && !c.urlFile.isEmpty { throw node.error("at most one of url & url_file must be configured") }
        c.maxAlerts = try m["max_alerts"]?.uint() ?? 0
        return c
    }

    static func parseEmail(_ node: YAMLNode, global: NotifyGlobalConfig) throws -> EmailConfig {
        let m = try node.mapping(allowedKeys: [
            "send_resolved", "to", "from", "hello", "smarthost", "auth_username", "auth_password",
            "auth_password_file", "auth_secret", "auth_identity", "headers", "html", "text", "require_tls", "tls_config",
        ])
        var c = EmailConfig()
        c.sendResolved = try m["send_resolved"]?.bool() ?? false
        c.to = try m["to"]?.string() ?? ""
        if c.to.isEmpty { throw node.error("missing to address in email config") }
        var headers: [String: String] = [:]
        for (name, value) in try m["headers"]?.entries() ?? [] {
            let canonical = canonicalHeader(name)
            if headers[canonical] != nil { throw value.error("duplicate header \"\(canonical)\" in email config") }
            headers[canonical] = try value.string()
        }
        c.headers = headers
        c.smarthost = try m["smarthost"].map(NotifyConfig.parseHostPort) ?? ""
        if c.smarthost.isEmpty {
            if global.smtpSmarthost.isEmpty { throw node.error("no global SMTP smarthost set") }
            c.smarthost = global.smtpSmarthost
        }
        c.from = try m["from"]?.string() ?? ""
        if c.from.isEmpty {
            if global.smtpFrom.isEmpty { throw node.error("no global SMTP from set") }
            c.from = global.smtpFrom
        }
        c.hello = try m["hello"]?.string() ?? global.smtpHello
        c.authUsername = try m["auth_username"]?.string() ?? global.smtpAuthUsername
        c.authPassword = try m["auth_password"]?.string() ?? global.smtpAuthPassword
        c.authPasswordFile = try m["auth_password_file"]?.string() ?? global.smtpAuthPasswordFile
        c.authSecret = try m["auth_secret"]?.string() ?? global.smtpAuthSecret
        c.authIdentity = try m["auth_identity"]?.string() ?? global.smtpAuthIdentity
        c.requireTLS = try m["require_tls"]?.bool() ?? global.smtpRequireTLS
        if let v = m["html"] { c.html = try v.string() }
        if let v = m["text"] { c.text = try v.string() }
        if let v = m["tls_config"] { c.tls = try HTTPConfigParser.parseTLS(v) }
        if c.headers["Subject"] == nil { c.headers["Subject"] = #"{{ template "email.default.subject" . }}"# }
        if c.headers["To"] == nil { c.headers["To"] = c.to }
        if c.headers["From"] == nil { c.headers["From"] = c.from }
        return c
    }

    /// Go's textproto.CanonicalMIMEHeaderKey.
    static func canonicalHeader(_ name: String) -> String {
        var out = ""
        var upper = true
        for c in name {
            out += upper ? c.uppercased() : c.lowercased()
            upper = c == "-"
        }
        return out
    }
}

/// Parsing of Prometheus's common `http_config` block.
enum HTTPConfigParser {
    static func parse(_ node: YAMLNode) throws -> HTTPClientConfig {
        let m = try node.mapping(allowedKeys: [
            "basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config", "proxy_url", "no_proxy",
            "proxy_from_environment", "proxy_connect_header", "follow_redirects", "enable_http2", "oauth2",
        ])
        var c = HTTPClientConfig()
        if let b = m["basic_auth"] {
            let bm = try b.mapping(allowedKeys: ["username", "username_file", "password", "password_file"])
            var auth = BasicAuth()
            auth.username = try bm["username"]?.string() ?? ""
            auth.usernameFile = try bm["username_file"]?.string() ?? ""
            auth.password = try bm["password"]?.string() ?? ""
            auth.passwordFile = try bm["password_file"]?.string() ?? ""
            if !auth.password.isEmpty && !auth.passwordFile.isEmpty {
                throw b.error("at most one of basic_auth password & password_file must be configured")
            }
            c.basicAuth = auth
        }
        if let a = m["authorization"] {
            let am = try a.mapping(allowedKeys: ["type", "credentials", "credentials_file"])
            var auth = Authorization()
            auth.type = try am["type"]?.string() ?? "Bearer"
            if auth.type.lowercased() == "basic" {
                throw a.error("authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            }
            auth.credentials = try am["credentials"]?.string() ?? ""
            auth.credentialsFile = try am["credentials_file"]?.string() ?? ""
            c.authorization = auth
        }
        if let t = m["bearer_token"] {
            var auth = Authorization()
            auth.credentials = try t.string()
            c.authorization = auth
        }
        if let t = m["bearer_token_file"] {
            var auth = Authorization()
            auth.credentialsFile = try t.string()
            c.authorization = auth
        }
        if c.basicAuth != nil && c.authorization != nil {
            throw node.error("at most one of basic_auth, oauth2 & authorization must be configured")
        }
        if let t = m["tls_config"] { c.tls = try parseTLS(t) }
        if let p = m["proxy_url"] {
            let text = try p.string()
            switch ConfigURL.parse(text) {
            case .success(let u): c.proxyURL = u
            case .failure(let e): throw p.error(e.message)
            }
        }
        c.noProxy = try m["no_proxy"]?.string() ?? ""
        c.proxyFromEnvironment = try m["proxy_from_environment"]?.bool() ?? false
        c.followRedirects = try m["follow_redirects"]?.bool() ?? true
        c.enableHTTP2 = try m["enable_http2"]?.bool() ?? true
        c.hasOAuth2 = m["oauth2"] != nil
        return c
    }

    static func parseTLS(_ node: YAMLNode) throws -> TLSConfig {
        let m = try node.mapping(allowedKeys: ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "server_name",
                                               "insecure_skip_verify", "min_version", "max_version"])
        var t = TLSConfig()
        t.ca = try m["ca"]?.string() ?? ""
        t.caFile = try m["ca_file"]?.string() ?? ""
        t.cert = try m["cert"]?.string() ?? ""
        t.certFile = try m["cert_file"]?.string() ?? ""
        t.key = try m["key"]?.string() ?? ""
        t.keyFile = try m["key_file"]?.string() ?? ""
        t.serverName = try m["server_name"]?.string() ?? ""
        t.insecureSkipVerify = try m["insecure_skip_verify"]?.bool() ?? false
        for (key, path) in [("min_version", \TLSConfig.minVersion), ("max_version", \TLSConfig.maxVersion)] {
            guard let v = m[key] else { continue }
            let text = try v.string()
            guard let version = Config.TLSVersion(rawValue: text) else { throw v.error("unknown TLS version: \(text)") }
            t[keyPath: path] = version
        }
        return t
    }
}
