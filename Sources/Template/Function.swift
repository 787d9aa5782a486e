/// The Go type of a function parameter. The executor checks arguments against it
/// with Go's rules and messages ("wrong type for value; expected string; got int").
public enum TemplateParameterType: Sendable, Equatable {
    /// `interface {}`: anything, including nil.
    case any
    case string
    case int
    case float
    case bool
    /// `[]string`
    case stringList
    /// A named Go type, matched by its type name (`time.Time`, `template.queryResult`, ...).
    case named(String)

    var goTypeName: String {
        switch self {
        case .any: return "interface {}"
        case .string: return "string"
        case .int: return "int"
        case .float: return "float64"
        case .bool: return "bool"
        case .stringList: return "[]string"
        case .named(let n): return n
        }
    }

    /// Go's canBeNil: whether nil converts to this type's zero value.
    var acceptsNil: Bool {
        switch self {
        case .any, .stringList: return true
        case .string, .int, .float, .bool: return false
        case .named(let n): return n.hasPrefix("*") || n.hasPrefix("[]") || n.hasPrefix("map[") || n == "template.queryResult" || n == "template.KV" || n == "template.Alerts" || n == "template.Pairs"
        }
    }

    /// The zero value a nil argument becomes.
    var zeroValue: TemplateValue {
        switch self {
        case .stringList: return .list(TemplateList([], kind: .strings))
        case .named("template.queryResult"): return .list(TemplateList([], kind: .queryResult))
        default: return .null
        }
    }

    func accepts(_ value: TemplateValue) -> Bool {
        switch self {
        case .any: return true
        default: return value.goTypeName == goTypeName
        }
    }
}

/// An error a function reports; the executor prefixes it with "error calling NAME: ".
public struct TemplateFunctionError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A function callable from templates: its Go signature and its body.
public struct TemplateFunction: Sendable {
    /// The fixed parameters.
    public let parameters: [TemplateParameterType]
    /// The element type of a trailing variadic parameter (`...string`), if any.
    public let variadic: TemplateParameterType?
    let body: @Sendable ([TemplateValue]) throws -> TemplateValue
    /// `and`/`or` evaluate their arguments lazily; the executor handles them itself.
    let shortCircuit: ShortCircuit?

    enum ShortCircuit { case and, or }

    /// A function with the given Go parameter types. The body receives arguments
    /// already checked against them; it throws `TemplateFunctionError` to fail.
    public init(
        _ parameters: [TemplateParameterType], variadic: TemplateParameterType? = nil,
        _ body: @escaping @Sendable ([TemplateValue]) throws -> TemplateValue
    ) {
        self.parameters = parameters
        self.variadic = variadic
        self.body = body
        self.shortCircuit = nil
    }

    init(shortCircuit: ShortCircuit) {
        self.parameters = [.any]
        self.variadic = .any
        self.body = { _ in .null }
        self.shortCircuit = shortCircuit
    }
}

/// A function map, like Go's template.FuncMap. The builtins (`and`, `printf`, `eq`, ...)
/// are always present; a function here with the same name replaces a builtin.
public struct TemplateFunctions: Sendable {
    public private(set) var functions: [String: TemplateFunction]

    /// Only Go's builtins.
    public init() { functions = [:] }

    public init(_ functions: [String: TemplateFunction]) { self.functions = functions }

    public subscript(name: String) -> TemplateFunction? {
        get { functions[name] }
        set { functions[name] = newValue }
    }

    /// This map with `other`'s functions added; `other` wins on a name clash.
    public func merging(_ other: TemplateFunctions) -> TemplateFunctions {
        TemplateFunctions(functions.merging(other.functions) { _, new in new })
    }

    /// The function a template name resolves to: this map first, then the builtins.
    func lookup(_ name: String) -> (TemplateFunction, isBuiltin: Bool)? {
        if let f = functions[name] { return (f, false) }
        if let f = Builtins.table[name] { return (f, true) }
        return nil
    }

    func has(_ name: String) -> Bool { functions[name] != nil || Builtins.table[name] != nil }
}
