import Foundation
import Model

/// Options of a route after inheritance from its parents (Alertmanager's RouteOpts).
public struct RouteOptions: Sendable, Equatable {
    public var receiver: String
    /// Labels to group by; ignored when `groupByAll`.
    public var groupBy: [String]
    /// `group_by: ['...']`: every label is a grouping label.
    public var groupByAll: Bool
    public var groupWait: PromDuration
    public var groupInterval: PromDuration
    public var repeatInterval: PromDuration
    public var muteTimeIntervals: [String]
    public var activeTimeIntervals: [String]
}

/// A node of the resolved routing tree.
public final class Route: Sendable {
    public let options: RouteOptions
    public let matchers: [Matcher]
    public let continueMatching: Bool
    public let routes: [Route]
    /// Alertmanager's route key (parent keys and matchers), the prefix of group keys.
    public let key: String
    /// Unique identifier: the key plus the index among siblings.
    public let id: String

    /// Builds the tree from configuration, applying Alertmanager's defaults at the root.
    public convenience init(config: RouteConfig) {
        let rootOptions = RouteOptions(
            receiver: config.receiver ?? "", groupBy: [], groupByAll: false,
            groupWait: PromDuration(seconds: 30), groupInterval: PromDuration(seconds: 300),
            repeatInterval: PromDuration(seconds: 4 * 3600), muteTimeIntervals: [], activeTimeIntervals: [])
        self.init(config: config, parentOptions: rootOptions, parentKey: nil, parentID: nil, index: nil)
    }

    private init(config: RouteConfig, parentOptions: RouteOptions, parentKey: String?, parentID: String?, index: Int?) {
        var o = parentOptions
        if let r = config.receiver, !r.isEmpty { o.receiver = r }
        if let g = config.groupBy {
            o.groupByAll = g == ["..."]
            o.groupBy = o.groupByAll ? [] : g
        }
        if let v = config.groupWait { o.groupWait = v }
        if let v = config.groupInterval { o.groupInterval = v }
        if let v = config.repeatInterval { o.repeatInterval = v }
        o.muteTimeIntervals = config.muteTimeIntervals
        o.activeTimeIntervals = config.activeTimeIntervals
        options = o
        matchers = config.matchers
        continueMatching = config.continueMatching
        let matcherText = AlertmanagerMatchers.format(config.matchers)
        let key = parentKey.map { "\($0)/\(matcherText)" } ?? matcherText
        var id = parentID.map { "\($0)/\(matcherText)" } ?? matcherText
        if let index { id += "/\(index)" }
        self.key = key
        self.id = id
        routes = config.routes.enumerated().map {
            Route(config: $0.element, parentOptions: o, parentKey: key, parentID: id, index: $0.offset)
        }
    }

    /// The routes an alert with `labels` is delivered through, in tree order (Alertmanager's Route.Match).
    public func match(_ labels: [String: String]) -> [Route] {
        guard matchers.allMatch(labels) else { return [] }
        var all: [Route] = []
        for child in routes {
            let matches = child.match(labels)
            all += matches
            if !matches.isEmpty && !child.continueMatching { break }
        }
        return all.isEmpty ? [self] : all
    }

    /// The labels of `labels` this route groups by.
    public func groupLabels(_ labels: [String: String]) -> [String: String] {
        if options.groupByAll { return labels }
        var out: [String: String] = [:]
        for name in options.groupBy { if let v = labels[name] { out[name] = v } }
        return out
    }

    /// Every route of the subtree, depth first.
    public var allRoutes: [Route] { [self] + routes.flatMap(\.allRoutes) }
}

/// `amtool config routes test`.
public enum RoutesTest {
    /// The receivers an alert with `labels` reaches, printed as
    /// `amtool config routes test --config.file F label=value...` prints them
    /// (comma-separated, in match order, newline-terminated).
    public static func routesTest(config: NotifyConfig, labels: [String: String]) -> String {
        let receivers = Route(config: config.route).match(labels).map(\.options.receiver)
        return receivers.joined(separator: ",") + "\n"
    }

    /// Parses amtool's `label=value` arguments (Alertmanager matcher syntax, equality only).
    public static func parseLabelArguments(_ args: [String]) throws(MatcherParseError) -> [String: String] {
        var labels: [String: String] = [:]
        for arg in args {
            for m in try AlertmanagerMatchers.parse(arg) {
                guard m.type == .equal else {
                    throw MatcherParseError(input: arg, reason: "labels must be specified as key=value pairs")
                }
                labels[m.name] = m.value
            }
        }
        return labels
    }
}

/// Alertmanager's LabelSet.String(): `{a="1", b="2"}` sorted by name.
func labelSetString(_ labels: [String: String]) -> String {
    "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(quoteGoString($0.value))" }.joined(separator: ", ") + "}"
}

/// Go's %q for a string (strconv.Quote) for the printable ASCII and common escapes.
func quoteGoString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 || u.value == 0x7f {
                out += String(format: "\\x%02x", u.value)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
