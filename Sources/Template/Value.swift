import Model

/// A dynamically typed value as a Go template sees it.
///
/// Go templates work on reflected Go values; this enum carries just the shapes
/// Prometheus and Alertmanager hand to templates, each remembering the Go type it
/// stands for, because Go's rules (comparison, argument checks, printing) and its
/// error messages depend on that type.
public enum TemplateValue: Sendable {
    /// Go's nil / "no value" (an invalid reflect.Value). Printed as `<no value>` by an action.
    case null
    case bool(Bool)
    /// A Go `int`.
    case int(Int)
    /// A Go `float64`.
    case float(Double)
    case string(String)
    case list(TemplateList)
    case map(TemplateMap)
    case object(TemplateStruct)
    /// A Go `time.Time`.
    case time(TemplateTime)
    /// A Go `time.Duration`.
    case duration(TemplateDuration)
}

// MARK: Convenience initialisers

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    /// A `[]interface {}`.
    public init(arrayLiteral elements: TemplateValue...) { self = .list(TemplateList(elements)) }
    /// A `map[string]interface {}`.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .map(TemplateMap(elements.map { ($0.0, $0.1) }, kind: .any))
    }

    /// A `[]string`.
    public static func strings(_ values: [String]) -> TemplateValue {
        .list(TemplateList(values.map { .string($0) }, kind: .strings))
    }

    /// A `[]float64`.
    public static func floats(_ values: [Double]) -> TemplateValue {
        .list(TemplateList(values.map { .float($0) }, kind: .floats))
    }

    /// A `[]int`.
    public static func ints(_ values: [Int]) -> TemplateValue {
        .list(TemplateList(values.map { .int($0) }, kind: .ints))
    }

    /// A `map[string]string`, as Prometheus passes label sets to templates.
    public static func stringMap(_ dict: [String: String]) -> TemplateValue {
        .map(TemplateMap(dict.map { ($0.key, .string($0.value)) }, kind: .strings))
    }

    /// A `map[string]string` of a label set.
    public static func stringMap(_ labels: Labels) -> TemplateValue {
        .map(TemplateMap(sortedUnchecked: labels.map { ($0.name, .string($0.value)) }, kind: .strings))
    }

    /// A `map[string]interface {}`.
    public static func dictionary(_ dict: [String: TemplateValue]) -> TemplateValue {
        .map(TemplateMap(dict.map { ($0.key, $0.value) }, kind: .any))
    }
}

// MARK: Lists

/// The Go slice type a list stands for; it decides the type name and the methods.
public enum TemplateListKind: Sendable, Equatable {
    /// `[]interface {}`
    case any
    /// `[]string`
    case strings
    /// `[]float64`
    case floats
    /// `[]int`
    case ints
    /// `[]bool`
    case bools
    /// Alertmanager's `template.Alerts` (has `Firing` and `Resolved`).
    case alerts
    /// `[]template.Alert`, what `Firing` and `Resolved` return.
    case alertSlice
    /// Alertmanager's `template.Pairs` (has `Names`, `Values` and a String method).
    case pairs
    /// Prometheus's `template.queryResult`, a list of `*template.sample`.
    case queryResult

    var goTypeName: String {
        switch self {
        case .any: return "[]interface {}"
        case .strings: return "[]string"
        case .floats: return "[]float64"
        case .ints: return "[]int"
        case .bools: return "[]bool"
        case .alerts: return "template.Alerts"
        case .alertSlice: return "[]template.Alert"
        case .pairs: return "template.Pairs"
        case .queryResult: return "template.queryResult"
        }
    }
}

/// A Go slice.
public struct TemplateList: Sendable {
    public var elements: [TemplateValue]
    public var kind: TemplateListKind

    public init(_ elements: [TemplateValue], kind: TemplateListKind = .any) {
        self.elements = elements
        self.kind = kind
    }

    public var count: Int { elements.count }
}

// MARK: Maps

/// The Go map type a map stands for.
public enum TemplateMapKind: Sendable, Equatable {
    /// `map[string]interface {}`: a missing key has no value.
    case any
    /// `map[string]string`: a missing key reads as "" (Prometheus's label maps).
    case strings
    /// Alertmanager's `template.KV` (`map[string]string` with `SortedPairs`, `Names`, `Values`, `Remove`).
    case kv

    var goTypeName: String {
        switch self {
        case .any: return "map[string]interface {}"
        case .strings: return "map[string]string"
        case .kv: return "template.KV"
        }
    }

    /// The zero value of the element type, what a missing key yields under `missingkey=zero`.
    var zeroElement: TemplateValue {
        switch self {
        case .any: return .null
        case .strings, .kv: return .string("")
        }
    }
}

/// A Go map with string keys, kept sorted by key because Go iterates and prints maps in key order.
public struct TemplateMap: Sendable {
    public private(set) var entries: [(key: String, value: TemplateValue)]
    public var kind: TemplateMapKind

    /// Builds a map from pairs in any order; a repeated key keeps its last value.
    public init(_ pairs: [(String, TemplateValue)], kind: TemplateMapKind = .any) {
        var sorted = pairs.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset
        }.map { (key: $0.element.0, value: $0.element.1) }
        var deduped: [(key: String, value: TemplateValue)] = []
        deduped.reserveCapacity(sorted.count)
        for entry in sorted {
            if let last = deduped.last, last.key == entry.key {
                deduped[deduped.count - 1] = entry
            } else {
                deduped.append(entry)
            }
        }
        sorted = deduped
        self.entries = sorted
        self.kind = kind
    }

    /// Wraps pairs already sorted by key and unique.
    public init(sortedUnchecked pairs: [(String, TemplateValue)], kind: TemplateMapKind) {
        self.entries = pairs.map { (key: $0.0, value: $0.1) }
        self.kind = kind
    }

    public var count: Int { entries.count }

    public subscript(key: String) -> TemplateValue? {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].key < key { lo = mid + 1 } else { hi = mid }
        }
        // Not a ternary: `nil` there would become TemplateValue.null, not Optional.none.
        if lo < entries.count && entries[lo].key == key { return entries[lo].value }
        return Optional.none
    }

    /// The entries' string values, for maps of kind `.strings` or `.kv`.
    var stringPairs: [(String, String)] {
        entries.map { ($0.key, $0.value.printed) }
    }
}

// MARK: Structs

/// A Go struct (or pointer to struct) with exported fields in declaration order.
public final class TemplateStruct: Sendable {
    /// One exported field; `jsonName` is its `json:"..."` tag, used by `toJson`.
    public struct Field: Sendable {
        public let name: String
        public let value: TemplateValue
        public let jsonName: String?

        public init(_ name: String, _ value: TemplateValue, json: String? = nil) {
            self.name = name
            self.value = value
            self.jsonName = json
        }
    }

    /// The Go type name, used in error messages (`template.Data`, `*template.sample`).
    public let typeName: String
    public let fields: [Field]
    /// Whether the value stands for a pointer to the struct (printed with a leading `&`).
    public let isPointer: Bool

    public init(typeName: String, fields: [Field], isPointer: Bool = false) {
        self.typeName = typeName
        self.fields = fields
        self.isPointer = isPointer
    }

    public func field(_ name: String) -> TemplateValue? {
        for f in fields where f.name == name { return f.value }
        return nil
    }
}

// MARK: Go type facts

extension TemplateValue {
    /// The Go type name, as `%T` and error messages print it.
    public var goTypeName: String {
        switch self {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .list(let l): return l.kind.goTypeName
        case .map(let m): return m.kind.goTypeName
        case .object(let s): return s.typeName
        case .time: return "time.Time"
        case .duration: return "time.Duration"
        }
    }

    /// Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.elements.isEmpty
        case .map(let m): return m.count > 0
        case .object, .time: return true
        case .duration(let d): return d.nanoseconds != 0
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as `{{ . }}` prints it.
    public var printed: String {
        if case .null = self { return "<no value>" }
        if case .string(let s) = self { return s }
        var out = ""
        GoFormatter.appendValue(self, verb: "v", flags: FormatFlags(), to: &out, depth: 0)
        return out
    }
}
