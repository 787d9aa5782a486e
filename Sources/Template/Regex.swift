import Foundation
import Synchronization

/// Unanchored regular expressions with Go's regexp API shape (MatchString,
/// ReplaceAllString with `$1`/`${name}` expansion), on top of NSRegularExpression.
/// Compiled patterns are cached: templates run the same patterns on every evaluation.
final class GoRegex: Sendable {
    private let regex: NSRegularExpression
    private let groupNames: [String?]

    private static let cache = Mutex<[String: GoRegex]>([:])
    private static let cacheLimit = 512

    private init(regex: NSRegularExpression, groupNames: [String?]) {
        self.regex = regex
        self.groupNames = groupNames
    }

    /// Compiles `pattern` (RE2 syntax); the error reads like Go's `error parsing regexp: ...`.
    static func compile(_ pattern: String) throws(TemplateFunctionError) -> GoRegex {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        // RE2 spells named groups (?P<name>...); ICU only accepts (?<name>...).
        let translated = pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: translated)
        } catch {
            throw TemplateFunctionError("error parsing regexp: \(diagnose(pattern)): `\(pattern)`")
        }
        let compiled = GoRegex(regex: regex, groupNames: namedGroups(translated, count: regex.numberOfCaptureGroups))
        cache.withLock {
            if $0.count >= cacheLimit { $0.removeAll() }
            $0[pattern] = compiled
        }
        return compiled
    }

    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Go's Regexp.ReplaceAllString: `$n`, `${n}`, `$name`, `${name}` expand to groups
    /// (missing groups to ""), `$$` to `$`; an empty match right after a match is skipped.
    func replaceAll(_ s: String, with template: String) -> String {
        let ns = s as NSString
        var out = ""
        var last = 0
        var previousEnd = -1
        for match in regex.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
            let r = match.range
            if r.length == 0 && r.location == previousEnd { continue }
            out += ns.substring(with: NSRange(location: last, length: r.location - last))
            expand(template, match: match, in: ns, to: &out)
            last = r.location + r.length
            previousEnd = last
        }
        out += ns.substring(from: last)
        return out
    }

    private func expand(_ template: String, match: NSTextCheckingResult, in ns: NSString, to out: inout String) {
        let t = Array(template.unicodeScalars)
        var i = 0
        while i < t.count {
            guard t[i] == "$" else {
                out.unicodeScalars.append(t[i])
                i += 1
                continue
            }
            if i + 1 < t.count && t[i + 1] == "$" {
                out += "$"
                i += 2
                continue
            }
            guard let (name, next) = Self.extractName(t, from: i) else {
                out += "$"
                i += 1
                continue
            }
            i = next
            out += group(name, match: match, in: ns)
        }
    }

    /// The name after `$` (or inside `${...}`) and the index after it; nil when malformed.
    private static func extractName(_ t: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var i = start + 1
        guard i < t.count else { return nil }
        let brace = t[i] == "{"
        if brace { i += 1 }
        let nameStart = i
        while i < t.count, t[i] == "_" || t[i].properties.isAlphabetic || t[i].properties.numericType == .decimal { i += 1 }
        if i == nameStart { return nil }
        let name = String(String.UnicodeScalarView(t[nameStart..<i]))
        if brace {
            guard i < t.count, t[i] == "}" else { return nil }
            i += 1
        }
        return (name, i)
    }

    private func group(_ name: String, match: NSTextCheckingResult, in ns: NSString) -> String {
        var index: Int?
        if let n = Int(name), name.allSatisfy(\.isASCII), !(name.hasPrefix("0") && name.count > 1) {
            index = n
        } else if let named = groupNames.firstIndex(where: { $0 == name }) {
            index = named
        }
        guard let index, index < match.numberOfRanges else { return "" }
        let r = match.range(at: index)
        return r.location == NSNotFound ? "" : ns.substring(with: r)
    }

    /// Names of capture groups by index (index 0 is the whole match).
    private static func namedGroups(_ pattern: String, count: Int) -> [String?] {
        var names: [String?] = [nil]
        let p = Array(pattern.unicodeScalars)
        var i = 0
        var inClass = false
        while i < p.count {
            let c = p[i]
            if c == "\\" {
                i += 2
                continue
            }
            if inClass {
                if c == "]" { inClass = false }
            } else if c == "[" {
                inClass = true
            } else if c == "(" {
                if i + 1 < p.count && p[i + 1] == "?" {
                    if i + 2 < p.count && p[i + 2] == "<" && i + 3 < p.count && p[i + 3] != "=" && p[i + 3] != "!" {
                        var j = i + 3
                        var name = ""
                        while j < p.count && p[j] != ">" {
                            name.unicodeScalars.append(p[j])
                            j += 1
                        }
                        names.append(name)
                    }
                } else {
                    names.append(nil)
                }
            }
            i += 1
        }
        while names.count < count + 1 { names.append(nil) }
        return names
    }

    /// A best-effort version of RE2's reason for rejecting a pattern.
    private static func diagnose(_ pattern: String) -> String {
        var depth = 0
        var inClass = false
        var escaped = false
        for c in pattern {
            if escaped {
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case "[" where !inClass: inClass = true
            case "]" where inClass: inClass = false
            case "(" where !inClass: depth += 1
            case ")" where !inClass:
                depth -= 1
                if depth < 0 { return "unexpected )" }
            default: break
            }
        }
        if inClass { return "missing closing ]" }
        if depth > 0 { return "missing closing )" }
        if let first = pattern.first, "*+?".contains(first) { return "missing argument to repetition operator: `\(first)`" }
        return "invalid or unsupported syntax"
    }
}

/// Go's regexp quote() used in MustCompile panics: backquoted when possible.
func goRegexQuote(_ s: String) -> String {
    if !s.contains("`") && s.unicodeScalars.allSatisfy({ $0 == "\t" || isGoPrintable($0) }) { return "`" + s + "`" }
    return goQuote(s)
}
