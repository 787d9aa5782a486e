import Foundation
import Model
import Yams

/// A YAML node that knows where it is: file, line, column and field path.
///
/// Ember's configuration readers walk these instead of using `Codable`, because
/// decoding errors from Codable carry only a coding path, and users need
/// `file:line:column: path: message` for every unknown field and bad value.
public struct YAMLNode: @unchecked Sendable {
    public let node: Yams.Node
    public let file: String
    public let path: String

    public init(node: Yams.Node, file: String, path: String) {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Parses a document. Returns nil for an empty document (only comments or whitespace).
    public static func parse(_ contents: String, file: String) throws -> YAMLNode? {
        do {
            guard let root = try Yams.compose(yaml: contents) else { return nil }
            return YAMLNode(node: root, file: file, path: "")
        } catch let error as YamlError {
            throw Self.error(from: error, file: file)
        }
    }

    /// Reads and parses a file.
    public static func load(file: String) throws -> YAMLNode? {
        let contents: String
        do {
            contents = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigError(file: file, line: 0, column: 0, path: "", message: "cannot read file: \(error.localizedDescription)")
        }
        return try parse(contents, file: file)
    }

    private static func error(from e: YamlError, file: String) -> ConfigError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let ctx = context.map { $0.text + " " } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, path: "", message: "invalid YAML: \(ctx)\(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column, path: "",
                               message: "duplicate key(s) \(duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")) in mapping")
        case let .reader(problem, _, _, _):
            return ConfigError(file: file, line: 0, column: 0, path: "", message: "invalid YAML: \(problem)")
        default:
            return ConfigError(file: file, line: 0, column: 0, path: "", message: "invalid YAML: \(e)")
        }
    }

    // MARK: Location

    public var line: Int { node.mark?.line ?? 0 }
    public var column: Int { node.mark?.column ?? 0 }

    /// An error located at this node.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: line, column: column, path: path, message: message)
    }

    func child(_ node: Yams.Node, key: String) -> YAMLNode {
        YAMLNode(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func child(_ node: Yams.Node, index: Int) -> YAMLNode {
        YAMLNode(node: node, file: file, path: "\(path)[\(index)]")
    }

    // MARK: Kinds

    /// True for `~`, `null` and empty scalars: YAML's way of saying "not set".
    public var isNull: Bool {
        // `Node.tag` resolves implicit tags (a plain empty scalar is null); `Scalar.tag` may still be implicit.
        if case .scalar = node { return node.tag.rawValue == Tag.Name.null.rawValue }
        return false
    }

    /// The node as a mapping whose keys must all be in `allowedKeys`
    /// (Prometheus decodes strictly: an unknown field is an error).
    public func mapping(allowedKeys: [String]) throws -> YAMLMapping {
        guard case .mapping(let m) = node else {
            if isNull { return YAMLMapping(owner: self, entries: []) }
            throw error("expected a mapping, got \(kindName)")
        }
        var entries: [(String, YAMLNode, YAMLNode)] = []
        for (k, v) in try mergedPairs(m) {
            guard case .scalar(let ks) = k else {
                throw YAMLNode(node: k, file: file, path: path).error("mapping keys must be strings")
            }
            let key = ks.string
            let keyNode = YAMLNode(node: k, file: file, path: path.isEmpty ? key : "\(path).\(key)")
            if !allowedKeys.contains(key) {
                throw keyNode.error("field \(key) not found in type \(typeNameForErrors)")
            }
            entries.append((key, keyNode, child(v, key: key)))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// A free-form mapping of string keys (labels, headers, params).
    public func entries() throws -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let m) = node else {
            if isNull { return [] }
            throw error("expected a mapping, got \(kindName)")
        }
        return try mergedPairs(m).map { k, v in
            guard case .scalar(let ks) = k else { throw YAMLNode(node: k, file: file, path: path).error("mapping keys must be strings") }
            return (ks.string, child(v, key: ks.string))
        }
    }

    /// The pairs of a mapping with YAML merge keys (`<<: *anchor`) applied, as
    /// Prometheus's YAML library does: keys written in the mapping win over merged
    /// ones, and among merged mappings the first one listed wins.
    private func mergedPairs(_ m: Node.Mapping) throws -> [(Node, Node)] {
        var own: [(Node, Node)] = []
        var merged: [(Node, Node)] = []
        for (k, v) in m {
            guard case .scalar = k, k.tag.rawValue == Tag.Name.merge.rawValue else {
                own.append((k, v))
                continue
            }
            switch v {
            case .mapping(let sub):
                merged += try mergedPairs(sub)
            case .sequence(let seq):
                for item in seq {
                    guard case .mapping(let sub) = item else {
                        throw YAMLNode(node: item, file: file, path: path).error("merge key << takes a mapping or a list of mappings")
                    }
                    merged += try mergedPairs(sub)
                }
            default:
                throw YAMLNode(node: v, file: file, path: path).error("merge key << takes a mapping or a list of mappings")
            }
        }
        if merged.isEmpty { return own }
        var seen = Set<String>()
        var out: [(Node, Node)] = []
        for (k, v) in own + merged {
            if case .scalar(let ks) = k {
                if !seen.insert(ks.string).inserted { continue }
            }
            out.append((k, v))
        }
        return out
    }

    public func sequence() throws -> [YAMLNode] {
        guard case .sequence(let s) = node else {
            if isNull { return [] }
            throw error("expected a list, got \(kindName)")
        }
        return s.enumerated().map { child($0.element, index: $0.offset) }
    }

    public func string() throws -> String {
        guard case .scalar(let s) = node else { throw error("expected a string, got \(kindName)") }
        return isNull ? "" : s.string
    }

    public func bool() throws -> Bool {
        guard case .scalar(let s) = node else { throw error("expected a boolean, got \(kindName)") }
        switch s.string {
        case "true", "True", "TRUE", "yes", "Yes", "on", "On": return true
        case "false", "False", "FALSE", "no", "No", "off", "Off": return false
        default: throw error("invalid boolean \(quoteLabelValue(s.string))")
        }
    }

    public func int() throws -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string.replacingOccurrences(of: "_", with: "")) else {
            throw error("expected an integer, got \(scalarText)")
        }
        return v
    }

    /// A non-negative integer (Prometheus's `uint` fields: limits, shard counts).
    public func uint() throws -> Int {
        guard case .scalar(let s) = node, let v = Int(s.string.replacingOccurrences(of: "_", with: "")), v >= 0 else {
            throw error("expected a non-negative integer, got \(scalarText)")
        }
        return v
    }

    public func double() throws -> Double {
        guard case .scalar(let s) = node, let v = Double(s.string) else {
            throw error("expected a number, got \(scalarText)")
        }
        return v
    }

    /// A Prometheus duration (`1h30m`, `15s`, `500ms`).
    public func duration() throws -> PromDuration {
        let text = try string()
        guard let d = PromDuration(text) else { throw error("invalid duration \(quoteLabelValue(text))") }
        return d
    }

    public func stringList() throws -> [String] {
        try sequence().map { try $0.string() }
    }

    public func stringMap() throws -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in try entries() { out[k] = try v.string() }
        return out
    }

    var kindName: String {
        switch node {
        case .scalar(let s): return isNull ? "null" : "scalar \(quoteLabelValue(s.string))"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    var scalarText: String {
        if case .scalar(let s) = node { return quoteLabelValue(s.string) }
        return kindName
    }

    private var typeNameForErrors: String {
        let last = path.split(separator: ".").last.map(String.init) ?? "config"
        return last.isEmpty ? "config" : last.replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression)
    }
}

/// The fields of a strictly decoded mapping.
public struct YAMLMapping: @unchecked Sendable {
    public let owner: YAMLNode
    let entries: [(String, YAMLNode, YAMLNode)]

    /// The value of `key`, or nil when absent or null.
    public subscript(_ key: String) -> YAMLNode? {
        guard let e = entries.first(where: { $0.0 == key }), !e.2.isNull else { return nil }
        return e.2
    }

    /// The key node of `key` (for errors about the key itself).
    public func keyNode(_ key: String) -> YAMLNode? { entries.first(where: { $0.0 == key })?.1 }

    public func has(_ key: String) -> Bool { self[key] != nil }

    /// The value of a key that must be present.
    public func required(_ key: String) throws -> YAMLNode {
        if let v = self[key] { return v }
        let p = owner.path.isEmpty ? key : "\(owner.path).\(key)"
        throw ConfigError(file: owner.file, line: owner.line, column: owner.column, path: p, message: "missing required field")
    }

    public var keys: [String] { entries.map(\.0) }
}

/// Two nodes are equal when their YAML content is equal; positions and paths are
/// ignored, so a reload can tell an unchanged section from a changed one.
extension YAMLNode: Equatable {
    public static func == (a: YAMLNode, b: YAMLNode) -> Bool { a.node == b.node }
}
