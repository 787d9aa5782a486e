import Config
import Foundation
import Model

/// An Alertmanager configuration (alertmanager.yml), with Alertmanager's defaults applied.
///
/// Here and in the section types below, each field is the YAML key of the same
/// name in camelCase (`group_wait` → `groupWait`) and means what Alertmanager documents.
public struct NotifyConfig: Sendable {
    public var global: NotifyGlobalConfig
    public var route: RouteConfig
    public var inhibitRules: [InhibitRuleConfig]
    public var receivers: [ReceiverConfig]
    public var timeIntervals: [String: [NotifyTimeInterval]]
    /// Template file globs, resolved against the configuration file's directory.
    public var templateFiles: [String]
    /// The configuration text as given (served by /api/v2/status).
    public var original: String
    /// Fields Ember reads but does not act on (receiver types it lacks).
    public var warnings: [ConfigWarning]

    /// The receiver called `name`.
    public func receiver(named name: String) -> ReceiverConfig? { receivers.first { $0.name == name } }
}

/// The `global:` section.
public struct NotifyGlobalConfig: Sendable {
    public var resolveTimeout = PromDuration(milliseconds: 5 * 60 * 1000)
    public var httpConfig = HTTPClientConfig()
    public var smtpFrom = ""
    public var smtpHello = "localhost"
    public var smtpSmarthost = ""
    public var smtpAuthUsername = ""
    public var smtpAuthPassword = ""
    public var smtpAuthPasswordFile = ""
    public var smtpAuthIdentity = ""
    public var smtpAuthSecret = ""
    public var smtpRequireTLS = true
    public var slackAPIURL = ""
    public var slackAPIURLFile = ""
    public init() {}
}

/// One node of the routing tree as written (children inherit unset options).
public struct RouteConfig: Sendable {
    public var receiver: String?
    public var groupBy: [String]?
    public var matchers: [Matcher] = []
    public var continueMatching = false
    public var routes: [RouteConfig] = []
    public var groupWait: PromDuration?
    public var groupInterval: PromDuration?
    public var repeatInterval: PromDuration?
    public var muteTimeIntervals: [String] = []
    public var activeTimeIntervals: [String] = []
    public init() {}
}

/// An `inhibit_rules` entry.
public struct InhibitRuleConfig: Sendable {
    public var sourceMatchers: [Matcher] = []
    public var targetMatchers: [Matcher] = []
    public var equal: [String] = []
    public init() {}
}

/// A named receiver and its integrations.
public struct ReceiverConfig: Sendable {
    public var name: String
    public var slack: [SlackConfig] = []
    public var msteams: [MSTeamsConfig] = []
    public var msteamsV2: [MSTeamsV2Config] = []
    public var email: [EmailConfig] = []
    public var webhook: [WebhookConfig] = []
    public init(name: String) { self.name = name }

    /// Number of integrations Ember will notify.
    public var integrationCount: Int { slack.count + msteams.count + msteamsV2.count + email.count + webhook.count }
}

/// `slack_configs` entry (incoming webhook).
public struct SlackConfig: Sendable {
    public var sendResolved = false
    public var httpConfig = HTTPClientConfig()
    public var apiURL = ""
    public var apiURLFile = ""
    public var channel = ""
    public var username = #"{{ template "slack.default.username" . }}"#
    public var color = #"{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}"#
    public var title = #"{{ template "slack.default.title" . }}"#
    public var titleLink = #"{{ template "slack.default.titlelink" . }}"#
    public var pretext = #"{{ template "slack.default.pretext" . }}"#
    public var text = #"{{ template "slack.default.text" . }}"#
    public var footer = #"{{ template "slack.default.footer" . }}"#
    public var fallback = #"{{ template "slack.default.fallback" . }}"#
    public var callbackID = #"{{ template "slack.default.callbackid" . }}"#
    public var iconEmoji = #"{{ template "slack.default.iconemoji" . }}"#
    public var iconURL = #"{{ template "slack.default.iconurl" . }}"#
    public var imageURL = ""
    public var thumbURL = ""
    public var linkNames = false
    public var shortFields = false
    public var mrkdwnIn = ["fallback", "pretext", "text"]
    public var fields: [SlackField] = []
    /// Buttons under the message (Slack's legacy attachment actions).
    public var actions: [SlackAction] = []
    public init() {}
}

/// A Slack attachment action: a link button (`url`) or a message button (`name`/`value`,
/// optionally with a confirmation). Every string is a template.
public struct SlackAction: Sendable {
    public var type: String
    public var text: String
    public var url: String
    public var style: String
    public var name: String
    public var value: String
    public var confirm: SlackConfirmation?
}

/// The confirmation dialog of a Slack message button.
public struct SlackConfirmation: Sendable {
    public var text: String
    public var title: String
    public var okText: String
    public var dismissText: String
}

/// A Slack attachment field.
public struct SlackField: Sendable {
    public var title: String
    public var value: String
    public var short: Bool?
}

/// `msteams_configs` entry (legacy Office 365 connector).
public struct MSTeamsConfig: Sendable {
    public var sendResolved = true
    public var httpConfig = HTTPClientConfig()
    public var webhookURL = ""
    public var webhookURLFile = ""
    public var title = #"{{ template "msteams.default.title" . }}"#
    public var summary = #"{{ template "msteams.default.summary" . }}"#
    public var text = #"{{ template "msteams.default.text" . }}"#
    public init() {}
}

/// `msteamsv2_configs` entry (Power Automate Workflows URL, Adaptive Card).
public struct MSTeamsV2Config: Sendable {
    public var sendResolved = true
    public var httpConfig = HTTPClientConfig()
    public var webhookURL = ""
    public var webhookURLFile = ""
    public var title = #"{{ template "msteamsv2.default.title" . }}"#
    public var text = #"{{ template "msteamsv2.default.text" . }}"#
    public init() {}
}

/// `email_configs` entry.
public struct EmailConfig: Sendable {
    public var sendResolved = false
    public var to = ""
    public var from = ""
    public var hello = ""
    public var smarthost = ""
    public var authUsername = ""
    public var authPassword = ""
    public var authPasswordFile = ""
    public var authSecret = ""
    public var authIdentity = ""
    /// Header names in canonical form (`Subject`, `To`, `From`, ...).
    public var headers: [String: String] = [:]
    public var html = #"{{ template "email.default.html" . }}"#
    public var text = ""
    public var requireTLS = true
    public var tls = TLSConfig()
    public init() {}
}

/// `webhook_configs` entry.
public struct WebhookConfig: Sendable {
    public var sendResolved = true
    public var httpConfig = HTTPClientConfig()
    public var url = ""
    public var urlFile = ""
    public var maxAlerts = 0
    public init() {}
}
