import Model

/// How label names are validated: Prometheus 3's default accepts any non-empty
/// UTF-8 name; `legacy` is `[a-zA-Z_][a-zA-Z0-9_]*` (Prometheus 2).
public enum NameValidationScheme: String, Sendable, Hashable {
    case utf8
    case legacy

    public func isValidLabelName(_ name: String) -> Bool {
        switch self {
        case .utf8: return isValidUTF8Name(name)
        case .legacy: return isValidLegacyLabelName(name)
        }
    }

    /// A label name that may contain `$1`, `${1}`, `$name` references, as
    /// `target_label` (replace) and `replacement` (labelmap) may.
    func isValidLabelNameTemplate(_ name: String) -> Bool {
        switch self {
        case .utf8: return isValidUTF8Name(name)
        case .legacy: return isValidLegacyTemplate(name)
        }
    }

    /// Prometheus's `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: letters, `_`,
    /// and references, with digits allowed anywhere but first.
    private func isValidLegacyTemplate(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func isWord(_ c: UInt8) -> Bool {
            (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95
        }
        var i = 0
        var first = true
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "$") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "{") {
                    let start = i + 1
                    var j = start
                    while j < b.count, isWord(b[j]) { j += 1 }
                    guard j > start, j < b.count, b[j] == UInt8(ascii: "}") else { return false }
                    i = j + 1
                } else {
                    let start = i
                    while i < b.count, isWord(b[i]) { i += 1 }
                    if i == start { return false }
                }
            } else if isWord(c) {
                if first && c >= 48 && c <= 57 { return false }
                i += 1
            } else {
                return false
            }
            first = false
        }
        return !first
    }
}

/// A relabeling action, as in Prometheus's `<relabel_config>`.
public enum RelabelAction: String, Sendable, Hashable, CaseIterable {
    case replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase
}

/// One `<relabel_config>` step with Prometheus's defaults.
public struct RelabelConfig: Sendable, Hashable {
    /// Labels whose values are joined with `separator` to form the input.
    public var sourceLabels: [String]
    public var separator: String
    /// Fully anchored; defaults to `(.*)`.
    public var regex: RelabelRegex
    /// Required (non-zero) for `hashmod`.
    public var modulus: UInt64
    /// The label written by replace, hashmod, lowercase, uppercase; compared by keepequal and dropequal.
    /// For replace it may contain `$1`-style references.
    public var targetLabel: String
    /// Template for replace and labelmap; defaults to `$1`.
    public var replacement: String
    public var action: RelabelAction
    /// Which label names replace and labelmap may produce.
    public var nameValidationScheme: NameValidationScheme

    public static let defaultSeparator = ";"
    public static let defaultReplacement = "$1"

    public init(
        sourceLabels: [String] = [],
        separator: String = RelabelConfig.defaultSeparator,
        regex: RelabelRegex = .default,
        modulus: UInt64 = 0,
        targetLabel: String = "",
        replacement: String = RelabelConfig.defaultReplacement,
        action: RelabelAction = .replace,
        nameValidationScheme: NameValidationScheme = .utf8
    ) {
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
        self.modulus = modulus
        self.targetLabel = targetLabel
        self.replacement = replacement
        self.action = action
        self.nameValidationScheme = nameValidationScheme
    }

    /// What Prometheus's `relabel.Config.Validate` would reject, in its words; nil when valid.
    public var validationError: String? {
        let a = action.rawValue
        let scheme = nameValidationScheme
        if action == .hashmod && modulus == 0 {
            return "relabel configuration for hashmod requires non-zero modulus"
        }
        let needsTarget: Set<RelabelAction> = [.replace, .hashmod, .lowercase, .uppercase, .keepequal, .dropequal]
        if needsTarget.contains(action) && targetLabel.isEmpty {
            return "relabel configuration for \(a) action requires 'target_label' value"
        }
        let invalidTarget = "\(quoteLabelValue(targetLabel)) is invalid 'target_label' for \(a) action"
        if action == .replace {
            let ok = targetLabel.contains("$") ? scheme.isValidLabelNameTemplate(targetLabel) : scheme.isValidLabelName(targetLabel)
            if !ok { return invalidTarget }
        }
        let equalityOrCase: Set<RelabelAction> = [.lowercase, .uppercase, .keepequal, .dropequal]
        if equalityOrCase.contains(action) {
            if !scheme.isValidLabelName(targetLabel) { return invalidTarget }
            if replacement != Self.defaultReplacement { return "'replacement' can not be set for \(a) action" }
        }
        if action == .labelmap && !scheme.isValidLabelNameTemplate(replacement) {
            return "\(quoteLabelValue(replacement)) is invalid 'replacement' for \(a) action"
        }
        if action == .hashmod && !scheme.isValidLabelName(targetLabel) { return invalidTarget }
        if action == .keepequal || action == .dropequal {
            if regex.pattern != RelabelRegex.default.pattern || modulus != 0 || separator != Self.defaultSeparator
                || replacement != Self.defaultReplacement {
                return "\(a) action requires only 'source_labels' and `target_label`, and no other fields"
            }
        }
        if action == .labeldrop || action == .labelkeep {
            if !sourceLabels.isEmpty || !targetLabel.isEmpty || modulus != 0 || separator != Self.defaultSeparator
                || replacement != Self.defaultReplacement {
                return "\(a) action requires only 'regex', and no other fields"
            }
        }
        return nil
    }
}

extension RelabelConfig {
    static let yamlKeys = ["source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"]

    /// Decodes one `<relabel_config>` and validates it as Prometheus does.
    /// `nullMessage` is Prometheus's wording for an empty entry in this list.
    static func decode(_ node: YAMLNode, nullMessage: String, scheme: NameValidationScheme) throws -> RelabelConfig {
        if node.isNull { throw node.error(nullMessage) }
        let m = try node.mapping(allowedKeys: yamlKeys)
        var c = RelabelConfig(nameValidationScheme: scheme)
        if let v = m["source_labels"] {
            c.sourceLabels = try v.sequence().map { item in
                let name = try item.string()
                if !scheme.isValidLabelName(name) { throw item.error("\(quoteLabelValue(name)) is not a valid label name") }
                return name
            }
        }
        // An explicit null resets a field to Go's zero value, as Prometheus's YAML decoding does.
        if m.keyNode("separator") != nil { c.separator = try m["separator"]?.string() ?? "" }
        if m.keyNode("replacement") != nil { c.replacement = try m["replacement"]?.string() ?? "" }
        if let v = m["target_label"] { c.targetLabel = try v.string() }
        if m.keyNode("regex") != nil {
            let pattern = try m["regex"]?.string() ?? ""
            do {
                c.regex = try RelabelRegex(pattern)
            } catch let e as RelabelRegexError {
                throw (m["regex"] ?? node).error(e.description)
            }
        }
        if let v = m["modulus"] {
            guard let n = UInt64(try v.string()) else { throw v.error("expected a non-negative integer, got \(v.scalarText)") }
            c.modulus = n
        }
        if let key = m.keyNode("action") {
            guard let v = m["action"] else { throw key.error("relabel action cannot be empty") }
            let text = try v.string()
            guard let action = RelabelAction(rawValue: text.lowercased()) else {
                throw v.error("unknown relabel action \(quoteLabelValue(text))")
            }
            c.action = action
        }
        if let message = c.validationError {
            throw node.error(message)
        }
        if (c.action == .labeldrop || c.action == .labelkeep) && m.keyNode("source_labels") != nil {
            throw node.error("\(c.action.rawValue) action requires only 'regex', and no other fields")
        }
        return c
    }

    /// Decodes a list of relabel configs (`relabel_configs`, `metric_relabel_configs`, …).
    static func decodeList(_ node: YAMLNode?, nullMessage: String, scheme: NameValidationScheme) throws -> [RelabelConfig] {
        guard let node else { return [] }
        return try node.sequence().map { try decode($0, nullMessage: nullMessage, scheme: scheme) }
    }
}
