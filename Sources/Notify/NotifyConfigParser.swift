import Config
import Foundation
import Model
import Yams

extension NotifyConfig {
    /// Reads and checks an alertmanager.yml file.
    public static func load(file: String) throws -> NotifyConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, line: 0, column: 0, path: "", message: "cannot read file: \(error.localizedDescription)")
        }
        return try parse(text, file: file)
    }

    /// Parses alertmanager.yml text; `file` names it in errors and anchors relative template paths.
    public static func parse(_ text: String, file: String) throws -> NotifyConfig {
        guard let root = try YAMLNode.parse(text, file: file) else {
            throw ConfigError(file: file, line: 0, column: 0, path: "", message: "no route provided in config")
        }
        var config = try parseSections(node: root, baseDirectory: (file as NSString).deletingLastPathComponent)
        config.original = text
        return config
    }

    /// Parses an already composed node, e.g. the `notify:` section of Ember's own configuration.
    /// `original` (served by /api/v2/status) is the section re-serialized as YAML.
    public static func parse(node: YAMLNode, baseDirectory: String) throws -> NotifyConfig {
        var config = try parseSections(node: node, baseDirectory: baseDirectory)
        config.original = (try? Yams.serialize(node: node.node)) ?? ""
        return config
    }

    private static func parseSections(node: YAMLNode, baseDirectory: String) throws -> NotifyConfig {
        let m = try node.mapping(allowedKeys: ["global", "route", "inhibit_rules", "receivers", "templates",
                                               "time_intervals", "mute_time_intervals"])
        var warnings: [ConfigWarning] = []
        let global = try m["global"].map(parseGlobal) ?? NotifyGlobalConfig()
        var receivers: [ReceiverConfig] = []
        var names = Set<String>()
        for r in try m["receivers"]?.sequence() ?? [] {
            let receiver = try ReceiverParser.parse(r, global: global, baseDirectory: baseDirectory, warnings: &warnings)
            if !names.insert(receiver.name).inserted {
                throw r.error("notification config name \"\(receiver.name)\" is not unique")
            }
            receivers.append(receiver)
        }
        var intervals: [String: [NotifyTimeInterval]] = [:]
        for key in ["mute_time_intervals", "time_intervals"] {
            for entry in try m[key]?.sequence() ?? [] {
                let em = try entry.mapping(allowedKeys: ["name", "time_intervals"])
                let name = try em["name"]?.string() ?? ""
                if name.isEmpty { throw entry.error("missing name in time interval") }
                if intervals[name] != nil { throw entry.error("time interval \"\(name)\" is not unique") }
                intervals[name] = try em["time_intervals"]?.sequence().map(TimeIntervalParser.parse) ?? []
            }
        }
        guard let routeNode = m["route"] else { throw node.error("no routes provided") }
        let route = try parseRoute(routeNode)
        if (route.receiver ?? "").isEmpty { throw routeNode.error("root route must specify a default receiver") }
        if !route.matchers.isEmpty { throw routeNode.error("root route must not have any matchers") }
        if route.continueMatching { throw routeNode.error("cannot have continue in root route") }
        if !route.muteTimeIntervals.isEmpty { throw routeNode.error("root route must not have any mute time intervals") }
        if !route.activeTimeIntervals.isEmpty { throw routeNode.error("root route must not have any active time intervals") }
        try checkReferences(route, node: routeNode, receivers: names, intervals: Set(intervals.keys))
        let inhibitRules = try m["inhibit_rules"]?.sequence().map(parseInhibitRule) ?? []
        let templates = try m["templates"]?.stringList().map { path in
            path.hasPrefix("/") || baseDirectory.isEmpty ? path : baseDirectory + "/" + path
        } ?? []
        return NotifyConfig(global: global, route: route, inhibitRules: inhibitRules, receivers: receivers,
                            timeIntervals: intervals, templateFiles: templates, original: "", warnings: warnings)
    }

    private static func checkReferences(_ r: RouteConfig, node: YAMLNode, receivers: Set<String>, intervals: Set<String>) throws {
        if let name = r.receiver, !name.isEmpty, !receivers.contains(name) {
            throw node.error("undefined receiver \"\(name)\" used in route")
        }
        for name in r.muteTimeIntervals + r.activeTimeIntervals where !intervals.contains(name) {
            throw node.error("undefined time interval \"\(name)\" used in route")
        }
        let children = (try? (try? node.mapping(allowedKeys: routeKeys))?["routes"]?.sequence()) ?? nil
        for (i, child) in r.routes.enumerated() {
            let childNode = children.flatMap { i < $0.count ? $0[i] : nil } ?? node
            try checkReferences(child, node: childNode, receivers: receivers, intervals: intervals)
        }
    }

    static let globalKeys = [
        "resolve_timeout", "http_config", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
        "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity", "smtp_require_tls",
        "slack_api_url", "slack_api_url_file", "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key",
        "opsgenie_api_key_file", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url",
        "victorops_api_key", "victorops_api_key_file", "telegram_api_url", "webex_api_url",
    ]

    static func parseGlobal(_ node: YAMLNode) throws -> NotifyGlobalConfig {
        let m = try node.mapping(allowedKeys: globalKeys)
        var g = NotifyGlobalConfig()
        if let v = m["resolve_timeout"] { g.resolveTimeout = try v.duration() }
        if let v = m["http_config"] { g.httpConfig = try HTTPConfigParser.parse(v) }
        g.smtpFrom = try m["smtp_from"]?.string() ?? ""
        g.smtpHello = try m["smtp_hello"]?.string() ?? "localhost"
        if let v = m["smtp_smarthost"] { g.smtpSmarthost = try parseHostPort(v) }
        g.smtpAuthUsername = try m["smtp_auth_username"]?.string() ?? ""
        g.smtpAuthPassword = try m["smtp_auth_password"]?.string() ?? ""
        g.smtpAuthPasswordFile = try m["smtp_auth_password_file"]?.string() ?? ""
        g.smtpAuthSecret = try m["smtp_auth_secret"]?.string() ?? ""
        g.smtpAuthIdentity = try m["smtp_auth_identity"]?.string() ?? ""
        g.smtpRequireTLS = try m["smtp_require_tls"]?.bool() ?? true
        if let v = m["slack_api_url"] { g.slackAPIURL = try parseURL(v) }
        g.slackAPIURLFile = try m["slack_api_url_file"]?.string() ?? ""
        if !g.slackAPIURL.isEmpty && !g.slackAPIURLFile.isEmpty {
            throw node.error("at most one of slack_api_url & slack_api_url_file must be configured")
        }
        for key in ["pagerduty_url", "opsgenie_api_url", "wechat_api_url", "victorops_api_url", "telegram_api_url", "webex_api_url"] {
            if let v = m[key] { _ = try parseURL(v) }
        }
        return g
    }

    /// `host:port` as Go's net.SplitHostPort accepts it.
    static func parseHostPort(_ node: YAMLNode) throws -> String {
        let s = try node.string()
        if s.isEmpty { return "" }
        guard let colon = s.lastIndex(of: ":") else { throw node.error("address \(s): missing port in address") }
        let host = s[..<colon], port = s[s.index(after: colon)...]
        if port.isEmpty { throw node.error("address \"\(s)\": port cannot be empty") }
        if host.contains(":") && !(host.hasPrefix("[") && host.hasSuffix("]")) {
            throw node.error("address \(s): too many colons in address")
        }
        return s
    }

    /// An http or https URL with a host, as Alertmanager's config.URL requires.
    static func parseURL(_ node: YAMLNode) throws -> String {
        let s = try node.string()
        guard let u = URLComponents(string: s) else { throw node.error("invalid URL \(quoteLabelValue(s))") }
        let scheme = u.scheme ?? ""
        guard scheme == "http" || scheme == "https" else { throw node.error("unsupported scheme \"\(scheme)\" for URL") }
        guard let host = u.host, !host.isEmpty else { throw node.error("host is empty for URL \(quoteLabelValue(s))") }
        return s
    }

    static let routeKeys = ["receiver", "group_by", "match", "match_re", "matchers", "continue", "routes", "group_wait",
                            "group_interval", "repeat_interval", "mute_time_intervals", "active_time_intervals"]

    static func parseRoute(_ node: YAMLNode) throws -> RouteConfig {
        let m = try node.mapping(allowedKeys: routeKeys)
        var r = RouteConfig()
        r.receiver = try m["receiver"]?.string()
        r.matchers = try parseMatcherSections(m, equalKey: "match", regexKey: "match_re", matchersKey: "matchers")
        if let g = m["group_by"] {
            var seen = Set<String>()
            var labels: [String] = []
            for item in try g.sequence() {
                let name = try item.string()
                if name == "..." {
                    if try g.sequence().count > 1 {
                        throw g.error("cannot have wildcard group_by (`...`) and other other labels at the same time")
                    }
                } else if !isValidLegacyLabelName(name) {
                    throw item.error("invalid label name \"\(name)\" in group_by list")
                }
                if !seen.insert(name).inserted { throw item.error("duplicated label \"\(name)\" in group_by") }
                labels.append(name)
            }
            r.groupBy = labels
        }
        r.continueMatching = try m["continue"]?.bool() ?? false
        r.groupWait = try m["group_wait"]?.duration()
        if let v = m["group_interval"] {
            let d = try v.duration()
            if d == .zero { throw v.error("group_interval cannot be zero") }
            r.groupInterval = d
        }
        if let v = m["repeat_interval"] {
            let d = try v.duration()
            if d == .zero { throw v.error("repeat_interval cannot be zero") }
            r.repeatInterval = d
        }
        r.muteTimeIntervals = try m["mute_time_intervals"]?.stringList() ?? []
        r.activeTimeIntervals = try m["active_time_intervals"]?.stringList() ?? []
        r.routes = try m["routes"]?.sequence().map(parseRoute) ?? []
        return r
    }

    /// Combines the old `match`/`match_re` maps with `matchers` lines, sorted as Alertmanager does.
    static func parseMatcherSections(_ m: YAMLMapping, equalKey: String, regexKey: String, matchersKey: String) throws -> [Matcher] {
        var out: [Matcher] = []
        for (name, value) in try m[equalKey]?.entries() ?? [] {
            if !isValidLegacyLabelName(name) { throw value.error("invalid label name \"\(name)\"") }
            out.append(try Matcher(.equal, name, value.string()))
        }
        for (name, value) in try m[regexKey]?.entries() ?? [] {
            if !isValidLegacyLabelName(name) { throw value.error("invalid label name \"\(name)\"") }
            do {
                out.append(try Matcher(.regexMatch, name, value.string()))
            } catch let e as RegexError {
                throw value.error("\(e)")
            }
        }
        for line in try m[matchersKey]?.sequence() ?? [] {
            do {
                out += try AlertmanagerMatchers.parse(line.string())
            } catch let e as MatcherParseError {
                throw line.error(e.reason)
            }
        }
        return AlertmanagerMatchers.sorted(out)
    }

    static func parseInhibitRule(_ node: YAMLNode) throws -> InhibitRuleConfig {
        let m = try node.mapping(allowedKeys: ["source_match", "source_match_re", "source_matchers",
                                               "target_match", "target_match_re", "target_matchers", "equal"])
        var rule = InhibitRuleConfig()
        rule.sourceMatchers = try parseMatcherSections(m, equalKey: "source_match", regexKey: "source_match_re", matchersKey: "source_matchers")
        rule.targetMatchers = try parseMatcherSections(m, equalKey: "target_match", regexKey: "target_match_re", matchersKey: "target_matchers")
        for item in try m["equal"]?.sequence() ?? [] {
            let name = try item.string()
            if !isValidLegacyLabelName(name) { throw item.error("\"\(name)\" is not a valid label name") }
            rule.equal.append(name)
        }
        return rule
    }
}
