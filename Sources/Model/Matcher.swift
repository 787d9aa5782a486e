import Foundation

/// The four Prometheus matcher types.
public enum MatchType: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case regexMatch = "=~"
    case regexNoMatch = "!~"
}

/// A label matcher: `name op "value"`.
public struct Matcher: Sendable, Hashable, CustomStringConvertible {
    public let type: MatchType
    public let name: String
    public let value: String
    /// Present for the regex types.
    public let regex: FastRegex?

    /// Builds a matcher; throws `RegexError` for an invalid regular expression.
    public init(_ type: MatchType, _ name: String, _ value: String) throws {
        self.type = type
        self.name = name
        self.value = value
        switch type {
        case .regexMatch, .regexNoMatch: regex = try FastRegex(value)
        case .equal, .notEqual: regex = nil
        }
    }

    /// Whether `labelValue` ("" for an absent label) matches.
    @inline(__always)
    public func matches(_ labelValue: String) -> Bool {
        switch type {
        case .equal: return labelValue == value
        case .notEqual: return labelValue != value
        case .regexMatch: return regex!.matches(labelValue)
        case .regexNoMatch: return !regex!.matches(labelValue)
        }
    }

    /// Whether the matcher accepts the empty string, i.e. also series without the label.
    public var matchesEmpty: Bool { matches("") }

    public func matches(_ labels: Labels) -> Bool { matches(labels[name]) }

    public static func == (a: Matcher, b: Matcher) -> Bool {
        a.type == b.type && a.name == b.name && a.value == b.value
    }

    public func hash(into h: inout Hasher) {
        h.combine(type)
        h.combine(name)
        h.combine(value)
    }

    public var description: String {
        let n = isValidLegacyLabelName(name) ? name : quoteLabelValue(name)
        return "\(n)\(type.rawValue)\(quoteLabelValue(value))"
    }
}

/// An invalid regular expression, with the engine's explanation.
public struct RegexError: Error, CustomStringConvertible, Sendable {
    public let pattern: String
    public let reason: String
    public var description: String { "error parsing regexp: \(reason): `\(pattern)`" }
}

/// A fully anchored regular expression (`^(?s:re)$`, as Prometheus compiles
/// label regexes) with fast paths that avoid the regex engine for the shapes
/// Prometheus optimises: literals, alternations of literals (`a|b|c`),
/// prefixes (`foo.*`), suffixes (`.*foo`), substrings (`.*foo.*`), `.*` and `.+`.
public final class FastRegex: Sendable, Hashable {
    public let pattern: String
    private let shape: Shape
    private let compiled: NSRegularExpression?

    enum Shape: Sendable {
        case any            // .*
        case nonEmpty       // .+
        case literal(String)
        case set(Set<String>)
        case prefix(String) // foo.*
        case suffix(String) // .*foo
        case contains(String) // .*foo.*
        case general
    }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        do {
            // `\z`, not `$`: in ICU `$` also matches before a final newline, RE2 does not.
            compiled = try NSRegularExpression(pattern: "^(?:\(pattern))\\z", options: [.dotMatchesLineSeparators])
        } catch {
            throw RegexError(pattern: pattern, reason: "invalid regular expression")
        }
        shape = Self.analyse(pattern)
    }

    public func matches(_ s: String) -> Bool {
        switch shape {
        case .any: return true
        case .nonEmpty: return !s.isEmpty
        case .literal(let l): return s == l
        case .set(let set): return set.contains(s)
        case .prefix(let p): return s.hasPrefix(p)
        case .suffix(let p): return s.hasSuffix(p)
        case .contains(let p): return p.isEmpty || s.contains(p)
        case .general:
            let ns = s as NSString
            return compiled!.firstMatch(in: s, options: [], range: NSRange(location: 0, length: ns.length)) != nil
        }
    }

    /// The literal values this regex matches, when it is a plain alternation of literals.
    public var setMatches: [String]? {
        switch shape {
        case .literal(let l): return [l]
        case .set(let s): return s.sorted()
        default: return nil
        }
    }

    /// The literal prefix every match starts with, if the regex is `prefix.*`.
    public var literalPrefix: String? {
        if case .prefix(let p) = shape { return p }
        return nil
    }

    private static let meta: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]

    private static func isLiteral(_ s: Substring) -> Bool { !s.contains(where: { meta.contains($0) }) }

    static func analyse(_ p: String) -> Shape {
        if p == ".*" { return .any }
        if p == ".+" { return .nonEmpty }
        var body = Substring(p)
        // A single pair of enclosing non-capturing or capturing parentheses does not change meaning.
        if body.hasPrefix("(?:"), body.hasSuffix(")"), isLiteralAlternation(body.dropFirst(3).dropLast()) {
            body = body.dropFirst(3).dropLast()
        } else if body.hasPrefix("("), !body.hasPrefix("(?"), body.hasSuffix(")"), isLiteralAlternation(body.dropFirst().dropLast()) {
            body = body.dropFirst().dropLast()
        }
        if isLiteral(body) { return .literal(String(body)) }
        if isLiteralAlternation(body) {
            return .set(Set(body.split(separator: "|", omittingEmptySubsequences: false).map(String.init)))
        }
        if body.hasSuffix(".*") {
            let head = body.dropLast(2)
            if head.hasPrefix(".*"), isLiteral(head.dropFirst(2)) { return .contains(String(head.dropFirst(2))) }
            if isLiteral(head) { return .prefix(String(head)) }
        }
        if body.hasPrefix(".*"), isLiteral(body.dropFirst(2)) { return .suffix(String(body.dropFirst(2))) }
        return .general
    }

    private static func isLiteralAlternation(_ s: Substring) -> Bool {
        s.split(separator: "|", omittingEmptySubsequences: false).allSatisfy(isLiteral)
    }

    public static func == (a: FastRegex, b: FastRegex) -> Bool { a.pattern == b.pattern }
    public func hash(into h: inout Hasher) { h.combine(pattern) }
}

