import Foundation
import HTTPClient
import Template

/// Slack incoming-webhook JSON, as Alertmanager's slack notifier builds it.
enum SlackPayload {
    static func build(_ c: SlackConfig, data: AlertmanagerTemplateData, value: TemplateValue,
                      templates: NotificationTemplates) throws(TemplateError) -> [UInt8] {
        func t(_ s: String) throws(TemplateError) -> String { try templates.render(s, value) }
        var title = try t(c.title)
        if title.count > 1024 { title = String(title.prefix(1023)) + "…" }
        var attachment: [(String, JSONValue)] = []
        func add(_ key: String, _ v: String, omitEmpty: Bool = true) {
            if !omitEmpty || !v.isEmpty { attachment.append((key, .string(v))) }
        }
        add("title", title)
        add("title_link", try t(c.titleLink))
        add("pretext", try t(c.pretext))
        add("text", try t(c.text), omitEmpty: false)
        add("fallback", try t(c.fallback), omitEmpty: false)
        add("callback_id", try t(c.callbackID), omitEmpty: false)
        if !c.fields.isEmpty {
            var fields: [JSONValue] = []
            for f in c.fields {
                fields.append(.object([("title", .string(try t(f.title))), ("value", .string(try t(f.value))),
                                       ("short", .bool(f.short ?? c.shortFields))]))
            }
            attachment.append(("fields", .array(fields)))
        }
        if !c.actions.isEmpty {
            attachment.append(("actions", .array(try c.actions.map { (a) throws(TemplateError) in try action(a, t) })))
        }
        add("image_url", try t(c.imageURL))
        add("thumb_url", try t(c.thumbURL))
        add("footer", try t(c.footer), omitEmpty: false)
        add("color", try t(c.color))
        if !c.mrkdwnIn.isEmpty { attachment.append(("mrkdwn_in", .array(c.mrkdwnIn.map { .string($0) }))) }
        var request: [(String, JSONValue)] = []
        let channel = try t(c.channel), username = try t(c.username)
        let iconEmoji = try t(c.iconEmoji), iconURL = try t(c.iconURL)
        if !channel.isEmpty { request.append(("channel", .string(channel))) }
        if !username.isEmpty { request.append(("username", .string(username))) }
        if !iconEmoji.isEmpty { request.append(("icon_emoji", .string(iconEmoji))) }
        if !iconURL.isEmpty { request.append(("icon_url", .string(iconURL))) }
        if c.linkNames { request.append(("link_names", .bool(true))) }
        request.append(("attachments", .array([.object(attachment)])))
        return JSONValue.object(request).bytes
    }

    /// One action as Alertmanager marshals it: empty strings are left out.
    private static func action(_ a: SlackAction, _ t: (String) throws(TemplateError) -> String) throws(TemplateError) -> JSONValue {
        var out: [(String, JSONValue)] = []
        func add(_ key: String, _ template: String, to pairs: inout [(String, JSONValue)]) throws(TemplateError) {
            let v = try t(template)
            if !v.isEmpty { pairs.append((key, .string(v))) }
        }
        for (key, template) in [("type", a.type), ("text", a.text), ("url", a.url), ("style", a.style),
                                ("name", a.name), ("value", a.value)] {
            try add(key, template, to: &out)
        }
        if let c = a.confirm {
            var confirm: [(String, JSONValue)] = []
            for (key, template) in [("text", c.text), ("title", c.title), ("ok_text", c.okText), ("dismiss_text", c.dismissText)] {
                try add(key, template, to: &confirm)
            }
            out.append(("confirm", .object(confirm)))
        }
        return .object(out)
    }

    /// Slack answers 200 even for some errors: the webhook's body must be `ok`,
    /// the Web API's JSON must say `"ok": true`.
    @Sendable static func checkResponse(_ r: HTTPResponse) -> String? {
        let body = r.bodyText
        if (r.headers["Content-Type"] ?? "").hasPrefix("application/json") {
            let obj = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any]
            if obj?["ok"] as? Bool == true { return nil }
            return "error response from Slack: \(obj?["error"] as? String ?? body)"
        }
        return body.trimmingWhitespace() == "ok" ? nil : "received an error response from Slack: \(r.bodyExcerpt(limit: 256))"
    }
}

/// Microsoft Teams payloads: the legacy connector MessageCard and the Adaptive Card for Workflows.
enum TeamsPayload {
    static func connectorCard(_ c: MSTeamsConfig, data: AlertmanagerTemplateData, value: TemplateValue,
                              templates: NotificationTemplates) throws(TemplateError) -> [UInt8] {
        let color: String
        if data.status == "firing" { color = "8C1A1A" } else { color = "2DC72D" }
        return JSONValue.object([
            ("@context", .string("http://schema.org/extensions")),
            ("type", .string("MessageCard")),
            ("title", .string(try templates.render(c.title, value))),
            ("summary", .string(try templates.render(c.summary, value))),
            ("text", .string(try templates.render(c.text, value))),
            ("themeColor", .string(color)),
        ]).bytes
    }

    static func adaptiveCard(_ c: MSTeamsV2Config, data: AlertmanagerTemplateData, value: TemplateValue,
                             templates: NotificationTemplates) throws(TemplateError) -> [UInt8] {
        let color = data.status == "firing" ? "Attention" : "Good"
        let title: JSONValue = .object([
            ("type", .string("TextBlock")), ("text", .string(try templates.render(c.title, value))),
            ("weight", .string("Bolder")), ("size", .string("Medium")), ("wrap", .bool(true)),
            ("style", .string("heading")), ("color", .string(color)),
        ])
        let text: JSONValue = .object([
            ("type", .string("TextBlock")), ("text", .string(try templates.render(c.text, value))), ("wrap", .bool(true)),
        ])
        let card: JSONValue = .object([
            ("$schema", .string("http://adaptivecards.io/schemas/adaptive-card.json")),
            ("type", .string("AdaptiveCard")),
            ("version", .string("1.2")),
            ("body", .array([title, text])),
            ("msteams", .object([("width", .string("full"))])),
        ])
        return JSONValue.object([
            ("type", .string("message")),
            ("attachments", .array([.object([
                ("contentType", .string("application/vnd.microsoft.card.adaptive")),
                ("contentUrl", .null),
                ("content", card),
            ])])),
        ]).bytes
    }
}

/// The generic webhook's JSON (payload version 4).
enum WebhookPayload {
    /// - Parameter data: built from the alerts left after `max_alerts` truncation, as
    ///   Alertmanager builds it (common labels then describe only the alerts sent).
    static func build(data: AlertmanagerTemplateData, groupKey: String, truncated: Int) -> [UInt8] {
        let alerts = data.alerts
        return JSONValue.object([
            ("receiver", .string(data.receiver)),
            ("status", .string(data.status)),
            ("alerts", .array(alerts.map(alertJSON))),
            ("groupLabels", .strings(data.groupLabels)),
            ("commonLabels", .strings(data.commonLabels)),
            ("commonAnnotations", .strings(data.commonAnnotations)),
            ("externalURL", .string(data.externalURL)),
            ("version", .string("4")),
            ("groupKey", .string(groupKey)),
            ("truncatedAlerts", .int(truncated)),
        ]).bytes
    }

    static func alertJSON(_ a: AlertmanagerTemplateAlert) -> JSONValue {
        .object([
            ("status", .string(a.status)),
            ("labels", .strings(a.labels)),
            ("annotations", .strings(a.annotations)),
            ("startsAt", .string(rfc3339(a.startsAt.date))),
            ("endsAt", .string(a.endsAt.isZero ? goZeroTimeString : rfc3339(a.endsAt.date))),
            ("generatorURL", .string(a.generatorURL)),
            ("fingerprint", .string(a.fingerprint)),
        ])
    }
}
