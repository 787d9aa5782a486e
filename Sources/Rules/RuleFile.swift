import Config
import Foundation
import Model
import PromQL

/// Whether a rule records a series or raises alerts, with the name it gives them.
public enum RuleKind: Sendable, Equatable {
    case recording(String)
    case alerting(String)
}

/// One rule as written in a rule file, validated and with its expression parsed.
public struct RuleDefinition: Sendable {
    /// Recording or alerting, with the name.
    public var kind: RuleKind
    /// The expression as written (used for equality on reload and for display).
    public var exprText: String
    /// The parsed expression.
    public var expr: Expr
    /// `for`: how long an alert stays pending before it fires.
    public var holdDuration: PromDuration
    /// `keep_firing_for`: how long a firing alert stays firing after the expression stops returning it.
    public var keepFiringFor: PromDuration
    /// Rule labels in file order (values are templates for alerting rules).
    public var labels: [(name: String, value: String)]
    /// Annotations in file order (templates).
    public var annotations: [(name: String, value: String)]
    /// Where the rule starts in its file (1-based).
    public var line: Int

    /// The recorded metric or the alert name.
    public var name: String {
        switch kind {
        case .recording(let n), .alerting(let n): return n
        }
    }

    /// True when both rules would behave identically (used to keep state on reload).
    public func sameDefinition(as other: RuleDefinition) -> Bool {
        kind == other.kind && exprText == other.exprText && holdDuration == other.holdDuration
            && keepFiringFor == other.keepFiringFor && labels.elementsEqual(other.labels, by: ==)
            && annotations.elementsEqual(other.annotations, by: ==)
    }
}

/// A rule group as written in a rule file.
public struct RuleGroupDefinition: Sendable {
    /// The group name (unique within its file).
    public var name: String
    /// The file the group came from; part of the group's identity.
    public var file: String
    /// Evaluation interval; nil means the global `evaluation_interval`.
    public var interval: PromDuration?
    /// Evaluates queries this far in the past (`query_offset`); nil means the global default.
    public var queryOffset: PromDuration?
    /// Most alerts or series a rule may produce; 0 is unlimited.
    public var limit: Int
    /// Labels added to the output of every rule of the group (rule labels win).
    public var labels: [(name: String, value: String)]
    /// Rules in file order.
    public var rules: [RuleDefinition]
}

/// A rule-file problem, worded as Prometheus's rulefmt words it.
public struct RuleFileError: Error, Sendable, CustomStringConvertible {
    /// The rule file.
    public var file: String
    /// `L:C: group "g", rule 1, "name": problem` (or a YAML error) without the file prefix.
    public var message: String
    /// `file: message`, as promtool prints it.
    public var description: String { "\(file): \(message)" }
}

/// Reads and validates Prometheus rule files.
public enum RuleFileParser {
    static let groupKeys = ["name", "interval", "query_offset", "limit", "rules", "labels"]
    static let ruleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// Reads `path` and parses it; all problems found are returned, none thrown.
    ///
    /// `nameValidation` is Prometheus's name validation scheme: `.utf8` (Prometheus 3's
    /// default) accepts any UTF-8 metric and label name, `.legacy` only `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func load(file path: String, ignoreUnknownFields: Bool = false,
                            nameValidation: NameValidationScheme = .utf8) -> (groups: [RuleGroupDefinition], errors: [RuleFileError]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return ([], [RuleFileError(file: path, message: "open \(path): no such file or directory")])
        }
        return parse(String(decoding: data, as: UTF8.self), file: path, ignoreUnknownFields: ignoreUnknownFields,
                     nameValidation: nameValidation)
    }

    /// Parses rule-file text. `file` names the source in errors and in each group's identity.
    public static func parse(_ text: String, file: String, ignoreUnknownFields: Bool = false,
                             nameValidation: NameValidationScheme = .utf8) -> (groups: [RuleGroupDefinition], errors: [RuleFileError]) {
        var reader = GroupReader(file: file, ignoreUnknownFields: ignoreUnknownFields, scheme: nameValidation)
        do {
            guard let root = try YAMLNode.parse(text, file: file) else { return ([], []) }
            let top = try reader.strictEntries(root, allowed: ["groups"], type: "rulefmt.RuleGroups")
            guard let groupsNode = top.first(where: { $0.key == "groups" })?.value else { return ([], []) }
            var groups: [RuleGroupDefinition] = []
            var seen = Set<String>()
            for g in try groupsNode.sequence() {
                if let group = try reader.readGroup(g, seen: &seen) { groups.append(group) }
            }
            if !reader.errors.isEmpty { return ([], reader.errors) }
            return (groups, [])
        } catch let e as ConfigError {
            return ([], reader.errors + [RuleFileError(file: file, message: yamlMessage(e))])
        } catch {
            return ([], [RuleFileError(file: file, message: "\(error)")])
        }
    }

    static func yamlMessage(_ e: ConfigError) -> String {
        e.line > 0 ? "\(e.line):\(e.column): \(e.message)" : e.message
    }
}

/// Walks the YAML of one file, collecting every validation error as rulefmt does.
struct GroupReader {
    let file: String
    let ignoreUnknownFields: Bool
    let scheme: NameValidationScheme
    var errors: [RuleFileError] = []

    init(file: String, ignoreUnknownFields: Bool, scheme: NameValidationScheme) {
        self.file = file
        self.ignoreUnknownFields = ignoreUnknownFields
        self.scheme = scheme
    }

    private func isValidMetricName(_ name: String) -> Bool {
        scheme == .legacy ? isValidLegacyMetricName(name) : isValidUTF8Name(name)
    }

    func strictEntries(_ node: YAMLNode, allowed: [String], type: String) throws -> [(key: String, value: YAMLNode)] {
        let entries = try node.entries()
        if !ignoreUnknownFields, let bad = entries.first(where: { !allowed.contains($0.key) }) {
            throw ConfigError(file: file, line: bad.value.line, column: bad.value.column, path: "",
                              message: "field \(bad.key) not found in type \(type)")
        }
        return entries
    }

    mutating func fail(_ node: YAMLNode?, _ message: String) {
        let at = node.map { "\($0.line):\($0.column): " } ?? ""
        errors.append(RuleFileError(file: file, message: at + message))
    }

    mutating func readGroup(_ node: YAMLNode, seen: inout Set<String>) throws -> RuleGroupDefinition? {
        let m = Dictionary(try strictEntries(node, allowed: RuleFileParser.groupKeys, type: "rulefmt.RuleGroup").map { ($0.key, $0.value) },
                           uniquingKeysWith: { a, _ in a })
        let name = try m["name"]?.string() ?? ""
        if name.isEmpty { fail(node, "Groupname must not be empty") }
        if !seen.insert(name).inserted { fail(node, "groupname: \"\(name)\" is repeated in the same file") }
        var group = RuleGroupDefinition(name: name, file: file, interval: nil, queryOffset: nil, limit: 0, labels: [], rules: [])
        // As in Prometheus, an interval of 0 means "use the global evaluation_interval".
        if let i = m["interval"], !i.isNull, case let d = try i.duration(), d != .zero { group.interval = d }
        if let q = m["query_offset"], !q.isNull { group.queryOffset = try q.duration() }
        if let l = m["limit"], !l.isNull { group.limit = try l.int() }
        for (k, v) in try m["labels"]?.entries() ?? [] {
            if !scheme.isValidLabelName(k) || k == LabelName.metricName { fail(v, "invalid label name: \(k)") }
            group.labels.append((k, try v.string()))
        }
        for (index, r) in (try m["rules"]?.sequence() ?? []).enumerated() {
            if let rule = try readRule(r, group: name, index: index + 1) { group.rules.append(rule) }
        }
        return group
    }

    /// A rule's fields as written, with the nodes errors point at.
    private struct RawRule {
        var node: YAMLNode
        var fields: [String: YAMLNode]
        var record: String
        var alert: String
        var exprText: String
        var hold: PromDuration
        var keep: PromDuration
        var labels: [(name: String, value: String, node: YAMLNode)]
        var annotations: [(name: String, value: String, node: YAMLNode)]

        init(_ node: YAMLNode, _ fields: [String: YAMLNode]) throws {
            self.node = node
            self.fields = fields
            record = try fields["record"]?.string() ?? ""
            alert = try fields["alert"]?.string() ?? ""
            exprText = try fields["expr"]?.string() ?? ""
            hold = try fields["for"].map { $0.isNull ? .zero : try $0.duration() } ?? .zero
            keep = try fields["keep_firing_for"].map { $0.isNull ? .zero : try $0.duration() } ?? .zero
            labels = try (fields["labels"]?.entries() ?? []).map { (name: $0.key, value: try $0.value.string(), node: $0.value) }
            annotations = try (fields["annotations"]?.entries() ?? []).map { (name: $0.key, value: try $0.value.string(), node: $0.value) }
        }

        var recordNode: YAMLNode { fields["record"] ?? node }
    }

    mutating func readRule(_ node: YAMLNode, group: String, index: Int) throws -> RuleDefinition? {
        let entries = try strictEntries(node, allowed: RuleFileParser.ruleKeys, type: "rulefmt.Rule")
        let rule = try RawRule(node, Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }))
        let prefix = "group \"\(group)\", rule \(index), \"\(rule.alert.isEmpty ? rule.record : rule.alert)\": "
        let before = errors.count
        let parsed = checkKindAndExpr(rule, prefix)
        if !rule.record.isEmpty { checkRecording(rule, prefix) }
        checkLabelsAndTemplates(rule, prefix)
        guard errors.count == before, let parsed else { return nil }
        return RuleDefinition(
            kind: rule.alert.isEmpty ? .recording(rule.record) : .alerting(rule.alert), exprText: rule.exprText, expr: parsed,
            holdDuration: rule.hold, keepFiringFor: rule.keep, labels: rule.labels.map { ($0.name, $0.value) },
            annotations: rule.annotations.map { ($0.name, $0.value) }, line: node.line)
    }

    /// Exactly one of record/alert, and an expression that parses (returned).
    private mutating func checkKindAndExpr(_ rule: RawRule, _ prefix: String) -> Expr? {
        if !rule.record.isEmpty && !rule.alert.isEmpty {
            let r = rule.recordNode, a = rule.fields["alert"] ?? rule.node
            fail(nil, "\(r.line):\(r.column): \(a.line):\(a.column): " + prefix + "only one of 'record' and 'alert' must be set")
        }
        if rule.record.isEmpty && rule.alert.isEmpty { fail(rule.node, prefix + "one of 'record' or 'alert' must be set") }
        let exprNode = rule.fields["expr"] ?? rule.node
        if rule.exprText.isEmpty {
            fail(exprNode, prefix + "field 'expr' must be set in rule")
            return nil
        }
        do {
            return try PromQLParser.parse(rule.exprText)
        } catch {
            fail(exprNode, prefix + "could not parse expression: \(error.description)")
            return nil
        }
    }

    private mutating func checkRecording(_ rule: RawRule, _ prefix: String) {
        let at = rule.recordNode
        if !rule.annotations.isEmpty { fail(at, prefix + "invalid field 'annotations' in recording rule") }
        if rule.hold != .zero { fail(at, prefix + "invalid field 'for' in recording rule") }
        if rule.keep != .zero { fail(at, prefix + "invalid field 'keep_firing_for' in recording rule") }
        if !isValidMetricName(rule.record) { fail(at, prefix + "invalid recording rule name: \(rule.record)") }
        if rule.record.contains("{") || rule.record.contains("}") {
            fail(at, prefix + "braces present in the recording rule name; should it be in expr?: \(rule.record)")
        }
    }

    private mutating func checkLabelsAndTemplates(_ rule: RawRule, _ prefix: String) {
        for l in rule.labels where !scheme.isValidLabelName(l.name) || l.name == LabelName.metricName {
            fail(l.node, prefix + "invalid label name: \(l.name)")
        }
        for a in rule.annotations where !scheme.isValidLabelName(a.name) {
            fail(a.node, prefix + "invalid annotation name: \(a.name)")
        }
        guard !rule.alert.isEmpty else { return }
        for l in rule.labels {
            if let e = TemplateExpansion.parseError(l.value, ruleName: rule.alert) { fail(l.node, prefix + "label \"\(l.name)\": \(e)") }
        }
        for a in rule.annotations {
            if let e = TemplateExpansion.parseError(a.value, ruleName: rule.alert) {
                fail(a.node, prefix + "annotation \"\(a.name)\": \(e)")
            }
        }
    }
}
