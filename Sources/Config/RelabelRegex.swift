import Foundation
import Model

/// A relabeling regular expression, fully anchored as Prometheus compiles it
/// (`^(?s:regex)$`), with Go's `regexp` syntax and replacement expansion.
///
/// Prometheus uses Go's RE2 syntax; Ember matches with ICU (NSRegularExpression).
/// The pattern is translated so the two agree on what users write in practice:
/// `(?P<name>…)` groups, `$` meaning end of text (ICU's `$` also matches before a
/// final newline), ASCII-only `\d \w \s`, and a literal `{` where it does not
/// start a repetition. Syntax RE2 rejects (lookaround, backreferences, possessive
/// quantifiers) is rejected here too, with Go's wording.
public final class RelabelRegex: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written in the configuration.
    public let pattern: String
    private let shape: Shape
    private let compiled: NSRegularExpression
    /// Capture-group names by group number (index 0 is the whole match).
    private let groupNames: [String?]

    /// Cheap matchers for the shapes relabel configs use most. None of them has
    /// capture groups except `.anyCapturing`, whose group 1 is the whole input.
    private enum Shape: Sendable {
        case anyCapturing   // (.*), the default
        case any            // .*
        case literal(String)
        case set(Set<String>)
        case prefix(String) // foo.*
        case general
    }

    /// The default relabel regex, `(.*)`.
    public static let `default`: RelabelRegex = {
        do { return try RelabelRegex("(.*)") } catch { preconditionFailure("the default relabel regex compiles") }
    }()

    /// Compiles `pattern`; throws `RelabelRegexError` with Go's wording when Go would reject it.
    public init(_ pattern: String) throws {
        self.pattern = pattern
        let translated = try GoRegexTranslator.translate(pattern)
        do {
            compiled = try NSRegularExpression(pattern: "^(?:\(translated.pattern))\\z", options: [.dotMatchesLineSeparators])
        } catch {
            throw RelabelRegexError(pattern: pattern, reason: "invalid regular expression", fragment: pattern)
        }
        var names = translated.groupNames
        while names.count < compiled.numberOfCaptureGroups + 1 { names.append(nil) }
        groupNames = names
        shape = Self.shape(of: pattern)
    }

    public var description: String { pattern }

    var groupNamesForExpansion: [String?] { groupNames }

    /// Whether the whole of `s` matches.
    public func matches(_ s: String) -> Bool {
        switch shape {
        case .anyCapturing, .any: return true
        case .literal(let l): return s == l
        case .set(let set): return set.contains(s)
        case .prefix(let p): return s.hasPrefix(p)
        case .general:
            return compiled.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) != nil
        }
    }

    /// Matches `s` and expands `template` (Go's `Regexp.ExpandString`): `$1`,
    /// `${1}`, `$name`, `${name}`, `$$`. Returns nil when `s` does not match.
    public func expand(_ template: String, matching s: String) -> String? {
        guard let groups = captureGroups(s) else { return nil }
        return Self.expand(template, groups: groups, names: groupNames)
    }

    /// Substrings of each capture group (nil for groups that did not take part),
    /// or nil when `s` does not match.
    func captureGroups(_ s: String) -> [Substring?]? {
        switch shape {
        case .anyCapturing: return [s[...], s[...]]
        case .any: return [s[...]]
        case .literal, .set, .prefix: return matches(s) ? [s[...]] : nil
        case .general:
            guard let m = compiled.firstMatch(in: s, options: [], range: NSRange(s.startIndex..., in: s)) else { return nil }
            var out: [Substring?] = []
            out.reserveCapacity(m.numberOfRanges)
            for i in 0..<m.numberOfRanges {
                let r = m.range(at: i)
                if r.location == NSNotFound { out.append(nil); continue }
                out.append(Range(r, in: s).map { s[$0] })
            }
            return out
        }
    }

    /// Go's `regexp.Expand` over already-extracted groups.
    static func expand(_ template: String, groups: [Substring?], names: [String?]) -> String {
        guard template.utf8.contains(UInt8(ascii: "$")) else { return template }
        var out = ""
        var rest = Substring(template)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let ref = GroupReference.parse(rest) else {
                out += "$"
                continue
            }
            rest = ref.rest
            if let number = ref.number {
                if number < groups.count, let g = groups[number] { out += g }
            } else if let i = names.firstIndex(where: { $0.map { $0[...] } == ref.name }), i < groups.count, let g = groups[i] {
                out += g
            }
        }
        out += rest
        return out
    }

    private static let meta: Set<Character> = ["\\", ".", "+", "*", "?", "(", ")", "|", "[", "]", "{", "}", "^", "$"]

    private static func isLiteral<S: StringProtocol>(_ s: S) -> Bool { !s.contains(where: { meta.contains($0) }) }

    private static func shape(of p: String) -> Shape {
        switch p {
        case "(.*)": return .anyCapturing
        case ".*": return .any
        default: break
        }
        if isLiteral(p) { return .literal(p) }
        let parts = p.split(separator: "|", omittingEmptySubsequences: false)
        if parts.count > 1, parts.allSatisfy({ isLiteral($0) }) { return .set(Set(parts.map(String.init))) }
        if p.hasSuffix(".*"), isLiteral(p.dropLast(2)) { return .prefix(String(p.dropLast(2))) }
        return .general
    }

    public static func == (a: RelabelRegex, b: RelabelRegex) -> Bool { a.pattern == b.pattern }
    public func hash(into h: inout Hasher) { h.combine(pattern) }
}

/// A regular expression Go's `regexp` package would not compile.
public struct RelabelRegexError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The whole expression.
    public let pattern: String
    public let reason: String
    /// The offending part (the whole expression when the engine does not say).
    public let fragment: String
    /// Go's wording: ``error parsing regexp: invalid escape sequence: `\1` ``.
    public var description: String { "error parsing regexp: \(reason): `\(fragment)`" }
}

/// A `$…` reference in a replacement template, parsed as Go's `regexp.extract` does:
/// the name is the longest run of letters, digits and `_`, so `$1x` means `${1x}`.
private struct GroupReference {
    var name: Substring
    var number: Int?
    var rest: Substring

    static func parse(_ s: Substring) -> GroupReference? {
        var str = s
        let brace = str.first == "{"
        if brace { str = str.dropFirst() }
        let end = str.firstIndex(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) ?? str.endIndex
        let name = str[..<end]
        if name.isEmpty { return nil }
        var rest = str[end...]
        if brace {
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        var number: Int? = nil
        if name.allSatisfy({ $0.isASCII && $0.isNumber }), name.count < 9, !(name.first == "0" && name.count > 1) {
            number = Int(name)
        }
        return GroupReference(name: name, number: number, rest: rest)
    }
}
