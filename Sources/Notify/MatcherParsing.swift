import Model

/// A matcher string that Alertmanager's parser rejects: `input` and the `reason`.
public struct MatcherParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public let input: String
    public let reason: String
    public var description: String { reason }
}

/// Alertmanager's matcher syntax (pkg/labels/parse.go, v0.25): `foo="bar"`,
/// `foo=~"a|b"`, `foo!=x` (unquoted values), optionally as a `{...}` list
/// separated by commas.
public enum AlertmanagerMatchers {
    /// Parses a list such as `{alertname="Foo", severity=~"crit|warn"}`.
    public static func parse(_ text: String) throws(MatcherParseError) -> [Matcher] {
        var s = Substring(text)
        if s.hasPrefix("{") { s = s.dropFirst() }
        if s.hasSuffix("}") { s = s.dropLast() }
        var tokens: [String] = []
        var token = ""
        var insideQuotes = false
        var escaped = false
        for c in s {
            switch c {
            case ",":
                if !insideQuotes {
                    tokens.append(token)
                    token = ""
                    continue
                }
            case "\"":
                if !escaped { insideQuotes.toggle() } else { escaped = false }
            case "\\":
                escaped.toggle()
            default:
                escaped = false
            }
            token.append(c)
        }
        let last = token.trimmingWhitespace()
        if !last.isEmpty { tokens.append(last) }
        var out: [Matcher] = []
        for t in tokens { out.append(try parseOne(t)) }
        return out
    }

    /// Parses one matcher (`name op value`).
    public static func parseOne(_ text: String) throws(MatcherParseError) -> Matcher {
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count, isSpace(scalars[i]) { i += 1 }
        let nameStart = i
        while i < scalars.count, isNameChar(scalars[i], first: i == nameStart) { i += 1 }
        let name = String(String.UnicodeScalarView(scalars[nameStart..<i]))
        while i < scalars.count, isSpace(scalars[i]) { i += 1 }
        guard !name.isEmpty else { throw MatcherParseError(input: text, reason: "bad matcher format: \(text)") }
        var op: MatchType?
        func at(_ k: Int) -> Unicode.Scalar? { k < scalars.count ? scalars[k] : nil }
        switch (at(i), at(i + 1)) {
        case ("=", "~"): op = .regexMatch; i += 2
        case ("!", "="): op = .notEqual; i += 2
        case ("!", "~"): op = .regexNoMatch; i += 2
        case ("=", _): op = .equal; i += 1
        default: op = nil
        }
        guard let type = op else { throw MatcherParseError(input: text, reason: "bad matcher format: \(text)") }
        while i < scalars.count, isSpace(scalars[i]) { i += 1 }
        var end = scalars.count
        while end > i, isSpace(scalars[end - 1]) { end -= 1 }
        let raw = String(String.UnicodeScalarView(scalars[i..<end]))
        let value = try unescape(raw, input: text)
        do {
            return try Matcher(type, name, value)
        } catch {
            throw MatcherParseError(input: text, reason: "\(error)")
        }
    }

    private static func unescape(_ raw: String, input: String) throws(MatcherParseError) -> String {
        var body = Array(raw.unicodeScalars)
        var expectTrailingQuote = false
        if body.first == "\"" {
            body.removeFirst()
            expectTrailingQuote = true
        }
        var value = String.UnicodeScalarView()
        var escaped = false
        for (index, c) in body.enumerated() {
            if escaped {
                escaped = false
                switch c {
                case "n": value.append("\n")
                case "\"", "\\": value.append(c)
                default:
                    value.append("\\")
                    value.append(c)
                }
                continue
            }
            switch c {
            case "\\":
                if index < body.count - 1 {
                    escaped = true
                    continue
                }
                value.append("\\")
            case "\"":
                if !expectTrailingQuote || index < body.count - 1 {
                    throw MatcherParseError(input: input, reason: "matcher value contains unescaped double quote: \(raw)")
                }
                expectTrailingQuote = false
            default:
                value.append(c)
            }
        }
        if expectTrailingQuote {
            throw MatcherParseError(input: input, reason: "matcher value contains unescaped double quote: \(raw)")
        }
        return String(value)
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
    }

    private static func isNameChar(_ c: Unicode.Scalar, first: Bool) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "_", ":": return true
        case "0"..."9": return !first
        default: return false
        }
    }

    /// Alertmanager's `Matcher.String()`: `name="value"` with OpenMetrics escaping.
    public static func format(_ m: Matcher) -> String {
        var v = ""
        for c in m.value {
            switch c {
            case "\\": v += "\\\\"
            case "\"": v += "\\\""
            case "\n": v += "\\n"
            default: v.append(c)
            }
        }
        return "\(m.name)\(m.type.rawValue)\"\(v)\""
    }

    /// Alertmanager's `Matchers.String()`: `{a="1",b=~"2"}`.
    public static func format(_ ms: [Matcher]) -> String {
        "{" + ms.map { format($0) }.joined(separator: ",") + "}"
    }

    /// Sorts as Alertmanager's `Matchers` sort: by name, then value, then type.
    public static func sorted(_ ms: [Matcher]) -> [Matcher] {
        ms.sorted { a, b in
            if a.name != b.name { return a.name < b.name }
            if a.value != b.value { return a.value < b.value }
            return typeOrder(a.type) < typeOrder(b.type)
        }
    }

    private static func typeOrder(_ t: MatchType) -> Int {
        switch t {
        case .equal: return 0
        case .notEqual: return 1
        case .regexMatch: return 2
        case .regexNoMatch: return 3
        }
    }
}

extension Array where Element == Matcher {
    /// Whether every matcher accepts `labels` (absent labels read as "").
    func allMatch(_ labels: [String: String]) -> Bool {
        allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
