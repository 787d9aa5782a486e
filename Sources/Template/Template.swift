/// The `Template` module: Go's text/template language as Prometheus and Alertmanager
/// users write it, with both projects' function sets and data models. Shared by rule
/// templates (labels, annotations) and notification templates. See docs/ARCHITECTURE.md.

/// Parse and execution settings.
public struct TemplateOptions: Sendable {
    /// What a missing map key yields (Go's `missingkey` option).
    public enum MissingKey: Sendable, Equatable {
        /// No value (`<no value>`), Go's default.
        case invalid
        /// The map element type's zero value ("" for string maps). Prometheus and Alertmanager use this.
        case zero
        /// An execution error.
        case error
    }

    public var missingKey: MissingKey
    /// Execution fails once the output (or any single string a function returns) grows past this.
    public var maxOutputBytes: Int
    /// The total number of `range` iterations one execution may run.
    public var maxRangeIterations: Int
    /// The number of template nodes one execution may evaluate.
    public var maxSteps: Int
    /// How deeply `{{template}}` calls may nest.
    public var maxTemplateDepth: Int
    /// How deeply control structures and parentheses may nest in the source.
    public var maxNesting: Int

    public init(
        missingKey: MissingKey = .zero, maxOutputBytes: Int = 4 << 20, maxRangeIterations: Int = 100_000,
        maxSteps: Int = 5_000_000, maxTemplateDepth: Int = 100, maxNesting: Int = 200
    ) {
        self.missingKey = missingKey
        self.maxOutputBytes = maxOutputBytes
        self.maxRangeIterations = maxRangeIterations
        self.maxSteps = maxSteps
        self.maxTemplateDepth = maxTemplateDepth
        self.maxNesting = maxNesting
    }
}

/// A parse or execution failure. `message` is Go's wording, e.g.
/// `template: summary:1: unexpected "}" in operand` or
/// `template: t:1:3: executing "t" at <.Foo>: map has no entry for key "Foo"`.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case parse
        case execution
        /// A resource limit of `TemplateOptions` was hit.
        case limit
    }

    public let kind: Kind
    /// The template being parsed or executed.
    public let templateName: String
    /// 1-based line of the failure; 0 when unknown.
    public let line: Int
    /// 0-based byte column within the line (Go's convention), for execution errors.
    public let column: Int?
    public let message: String

    public var description: String { message }
}

/// The immutable state shared by a set's templates during execution.
final class TemplateSetStorage: Sendable {
    let trees: [String: ParsedTree]
    let functions: TemplateFunctions
    let options: TemplateOptions

    init(trees: [String: ParsedTree], functions: TemplateFunctions, options: TemplateOptions) {
        self.trees = trees
        self.functions = functions
        self.options = options
    }
}

/// A set of associated named templates, like a Go `*template.Template` and its
/// associates: templates parsed from several files, each able to call the others
/// with `{{template "name" .}}`. Alertmanager's `templates:` files load into one set.
public struct TemplateSet: Sendable {
    private var storage: TemplateSetStorage

    public init(functions: TemplateFunctions = TemplateFunctions(), options: TemplateOptions = TemplateOptions()) {
        storage = TemplateSetStorage(trees: [:], functions: functions, options: options)
    }

    public var functions: TemplateFunctions { storage.functions }
    public var options: TemplateOptions { storage.options }

    /// Parses `text` as the template `name` and adds every template it defines with
    /// `define` or `block`, as Go's `set.New(name).Parse(text)`: a later non-empty
    /// definition replaces an earlier one; an empty one never does.
    public mutating func parse(name: String, text: String) throws(TemplateError) {
        let functions = storage.functions
        let parsed: [ParsedTree]
        do {
            parsed = try Parser.parse(name: name, text: text, hasFunction: { functions.has($0) }, maxNesting: storage.options.maxNesting)
        } catch {
            throw TemplateError(kind: .parse, templateName: name, line: error.line, column: nil, message: error.message)
        }
        var trees = storage.trees
        for tree in parsed {
            if tree.isEmpty, trees[tree.name] != nil { continue }
            trees[tree.name] = tree
        }
        storage = TemplateSetStorage(trees: trees, functions: functions, options: storage.options)
    }

    /// The names of all templates in the set, sorted.
    public var names: [String] { storage.trees.keys.sorted() }

    /// The template called `name`, able to call every other template of the set.
    public func template(named name: String) -> Template? {
        guard let tree = storage.trees[name] else { return nil }
        return Template(name: name, storage: storage, tree: tree)
    }

    /// Executes the template called `name` (Go's ExecuteTemplate).
    public func execute(name: String, data: TemplateValue = .null) throws(TemplateError) -> String {
        guard let t = template(named: name) else {
            throw TemplateError(
                kind: .execution, templateName: name, line: 0, column: nil,
                message: "template: no template \(goQuote(name)) associated with template \(goQuote(""))")
        }
        return try t.execute(data: data)
    }

    /// Parses `text` as a new template in a copy of this set and executes it, as
    /// Alertmanager's ExecuteTextString does for receiver fields: the text may call
    /// every template of the set. Empty text yields "".
    public func executeText(_ text: String, data: TemplateValue, name: String = "") throws(TemplateError) -> String {
        if text.isEmpty { return "" }
        var copy = self
        try copy.parse(name: name, text: text)
        return try copy.execute(name: name, data: data)
    }
}

/// One parsed template (with the set it belongs to).
///
///     let t = try Template.parse(name: "summary", text: "{{ $labels.instance }} is down",
///                                functions: .prometheus(query: nil, externalURL: "http://prom:9090"))
///     let out = try t.execute(data: data)
public struct Template: Sendable {
    public let name: String
    let storage: TemplateSetStorage
    let tree: ParsedTree

    /// Parses `text` as a template called `name`; templates it defines are available to it.
    public static func parse(
        name: String, text: String, functions: TemplateFunctions = TemplateFunctions(), options: TemplateOptions = TemplateOptions()
    ) throws(TemplateError) -> Template {
        var set = TemplateSet(functions: functions, options: options)
        try set.parse(name: name, text: text)
        guard let t = set.template(named: name) else {
            throw TemplateError(kind: .parse, templateName: name, line: 0, column: nil, message: "template: \(name): no template parsed")
        }
        return t
    }

    /// The set this template belongs to.
    public var set: TemplateSet {
        var s = TemplateSet(functions: storage.functions, options: storage.options)
        s.replaceStorage(storage)
        return s
    }

    /// Executes the template with `data` as dot and `$`.
    public func execute(data: TemplateValue = .null) throws(TemplateError) -> String {
        do {
            return try Executor.run(storage: storage, tree: tree, data: data)
        } catch {
            throw TemplateError(
                kind: error.isLimit ? .limit : .execution, templateName: name, line: error.line, column: error.column,
                message: error.message)
        }
    }
}

extension TemplateSet {
    fileprivate mutating func replaceStorage(_ storage: TemplateSetStorage) { self.storage = storage }
}
