/// A configuration problem, located in its file.
///
/// Printed as `file:line:column: field.path: message`, e.g.
/// `ember.yml:12:5: scrape_configs[1].scrape_interval: invalid duration "15x"`.
public struct ConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// 1-based; 0 when the position is unknown.
    public var line: Int
    public var column: Int
    /// Dotted field path with 0-based sequence indices; empty for the document itself.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        var s = file
        if line > 0 { s += ":\(line):\(column)" }
        s += ": "
        if !path.isEmpty { s += path + ": " }
        return s + message
    }
}

/// Several configuration problems found in one pass.
public struct ConfigErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Something in a configuration that Ember accepts but does not act on (a
/// Prometheus field Ember ignores, a service discovery mechanism it lacks).
///
/// Printed like an error: `file:line:column: field.path: message`.
public struct ConfigWarning: CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        ConfigError(file: file, line: line, column: column, path: path, message: message).description
    }
}

extension YAMLNode {
    /// A warning located at this node.
    public func warning(_ message: String) -> ConfigWarning {
        ConfigWarning(file: file, line: line, column: column, path: path, message: message)
    }
}
