import Model

/// Rewrites a Go (RE2) regular expression into an equivalent ICU pattern for
/// NSRegularExpression, and rejects what Go's parser rejects.
///
/// Only the differences that change results are handled: named groups
/// (`(?P<name>…)` and `(?<name>…)` become plain groups, names kept aside because
/// ICU forbids `_` in names), `$` (end of text in Go, also before a final newline
/// in ICU), `\d \w \s` (ASCII in Go, Unicode in ICU), `{` that does not start a
/// repetition (a literal in Go, an error in ICU), and a `[` inside a character
/// class (a literal in Go, a nested set in ICU).
enum GoRegexTranslator {
    struct Result {
        var pattern: String
        /// Names by group number; index 0 is the whole match.
        var groupNames: [String?]
    }

    static func translate(_ pattern: String) throws -> Result {
        let chars = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var names: [String?] = [nil]
        // `$` keeps its ICU meaning only when a multi-line flag may be in force.
        let multiLine = pattern.contains("(?m") || pattern.contains("(?im") || pattern.contains("(?sm") || pattern.contains("(?ims") || pattern.contains("(?ism")
        var i = 0
        // After a quantifier one `?` makes it lazy; any further repetition is an error in Go.
        var repetition = RepetitionState.none
        var depth = 0

        func fail(_ reason: String, _ text: String) -> RelabelRegexError {
            RelabelRegexError(pattern: pattern, reason: reason, fragment: text)
        }
        func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }

        while i < chars.count {
            let c = chars[i]
            var isQuantifier = false
            switch c {
            case "\\":
                guard i + 1 < chars.count else { throw fail("trailing backslash at end of expression", "") }
                let (text, consumed) = try translateEscape(chars, at: i, inClass: false, fail: fail)
                append(text)
                i += consumed
                repetition = .none
                continue
            case "[":
                let (text, consumed) = try translateClass(chars, at: i, fail: fail)
                append(text)
                i += consumed
                repetition = .none
                continue
            case "(":
                depth += 1
                if i + 1 < chars.count, chars[i + 1] == "?" {
                    let rest = String(String.UnicodeScalarView(chars[(i + 2)...].prefix(3)))
                    if rest.hasPrefix("P<") || (rest.hasPrefix("<") && !rest.hasPrefix("<=") && !rest.hasPrefix("<!")) {
                        let nameStart = i + (rest.hasPrefix("P<") ? 4 : 3)
                        guard let close = chars[nameStart...].firstIndex(of: ">") else {
                            throw fail("invalid named capture", String(String.UnicodeScalarView(chars[i...])))
                        }
                        let name = String(String.UnicodeScalarView(chars[nameStart..<close]))
                        if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || $0.properties.numericType != nil }) {
                            throw fail("invalid named capture", String(String.UnicodeScalarView(chars[i...close])))
                        }
                        if names.contains(name) {
                            throw fail("duplicate capture group name", name)
                        }
                        names.append(name)
                        append("(")
                        i = close + 1
                        repetition = .none
                        continue
                    }
                    for unsupported in ["=", "!", "<=", "<!", ">", "#"] where rest.hasPrefix(unsupported) {
                        throw fail("invalid or unsupported Perl syntax", "(?" + unsupported)
                    }
                    let flags = chars[(i + 2)...].prefix(while: { $0 != ":" && $0 != ")" })
                    if flags.contains("U") {
                        throw fail("invalid or unsupported Perl syntax", "(?U")
                    }
                    append("(?")
                    i += 2
                    repetition = .none
                    continue
                }
                names.append(nil)
                append("(")
            case ")":
                depth -= 1
                if depth < 0 { throw fail("unexpected )", pattern) }
                out.append(c)
            case "$":
                append(multiLine ? "$" : "\\z")
            case "{":
                if let end = repetitionEnd(chars, at: i) {
                    if repetition != .none {
                        throw fail("invalid nested repetition operator", String(String.UnicodeScalarView(chars[(i - 1)...end])))
                    }
                    append(String(String.UnicodeScalarView(chars[i...end])))
                    i = end + 1
                    repetition = .quantifier
                    continue
                }
                append("\\{")
            case "}":
                append("\\}")
            case "*", "+", "?":
                if repetition == .quantifier, c == "?" {
                    out.append(c)
                    i += 1
                    repetition = .lazy
                    continue
                }
                if repetition != .none {
                    throw fail("invalid nested repetition operator", String(chars[i - 1]) + String(c))
                }
                out.append(c)
                isQuantifier = true
            default:
                out.append(c)
            }
            repetition = isQuantifier ? .quantifier : .none
            i += 1
        }
        if depth > 0 { throw fail("missing closing )", pattern) }
        return Result(pattern: String(out), groupNames: names)
    }

    private enum RepetitionState { case none, quantifier, lazy }

    /// The index of the `}` closing a valid `{n}`, `{n,}` or `{n,m}` starting at `start`.
    private static func repetitionEnd(_ chars: [Unicode.Scalar], at start: Int) -> Int? {
        var i = start + 1
        var digits = 0
        while i < chars.count, chars[i].properties.numericType != nil, chars[i].isASCII { i += 1; digits += 1 }
        if digits == 0 || i >= chars.count { return nil }
        if chars[i] == "}" { return i }
        guard chars[i] == "," else { return nil }
        i += 1
        while i < chars.count, chars[i].isASCII, chars[i].properties.numericType != nil { i += 1 }
        return i < chars.count && chars[i] == "}" ? i : nil
    }

    private static let asciiClasses: [Unicode.Scalar: (inner: String, negated: Bool)] = [
        "d": ("0-9", false), "D": ("0-9", true),
        "w": ("0-9A-Za-z_", false), "W": ("0-9A-Za-z_", true),
        "s": ("\\t\\n\\f\\r ", false), "S": ("\\t\\n\\f\\r ", true),
    ]

    /// Translates the escape at `start` (a backslash); returns the ICU text and the
    /// number of scalars consumed.
    private static func translateEscape(
        _ chars: [Unicode.Scalar], at start: Int, inClass: Bool, fail: (String, String) -> RelabelRegexError
    ) throws -> (String, Int) {
        let e = chars[start + 1]
        if let cls = asciiClasses[e] {
            if inClass {
                // A negated class inside a class has no simple ICU spelling; ICU's own is close enough.
                return cls.negated ? ("\\" + String(e), 2) : (cls.inner, 2)
            }
            return ("[" + (cls.negated ? "^" : "") + cls.inner + "]", 2)
        }
        switch e {
        case "1"..."9":
            throw fail("invalid escape sequence", "\\" + String(e))
        case "Z", "G", "X", "R", "K", "k", "g", "h", "H", "N", "V", "c", "e":
            throw fail("invalid escape sequence", "\\" + String(e))
        case "Q":
            // Literal text up to \E, copied as is: ICU understands \Q…\E.
            var j = start + 2
            while j + 1 < chars.count, !(chars[j] == "\\" && chars[j + 1] == "E") { j += 1 }
            let end = j + 1 < chars.count ? j + 2 : chars.count
            return (String(String.UnicodeScalarView(chars[start..<end])), end - start)
        case "p", "P", "x":
            if start + 2 < chars.count, chars[start + 2] == "{" {
                guard let close = chars[(start + 2)...].firstIndex(of: "}") else {
                    throw fail("invalid escape sequence", String(String.UnicodeScalarView(chars[start...])))
                }
                return (String(String.UnicodeScalarView(chars[start...close])), close - start + 1)
            }
            let width = e == "x" ? 4 : 3
            let end = min(chars.count, start + width)
            return (String(String.UnicodeScalarView(chars[start..<end])), end - start)
        default:
            return ("\\" + String(e), 2)
        }
    }

    /// Translates the character class starting at `start` (a `[`).
    private static func translateClass(_ chars: [Unicode.Scalar], at start: Int, fail: (String, String) -> RelabelRegexError) throws -> (String, Int) {
        var out = "["
        var i = start + 1
        if i < chars.count, chars[i] == "^" { out += "^"; i += 1 }
        // A `]` right after `[` or `[^` is a literal in Go.
        if i < chars.count, chars[i] == "]" { out += "\\]"; i += 1 }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "]":
                out += "]"
                return (out, i - start + 1)
            case "\\":
                guard i + 1 < chars.count else { throw fail("missing closing ]", String(String.UnicodeScalarView(chars[start...]))) }
                let (text, consumed) = try translateEscape(chars, at: i, inClass: true, fail: fail)
                out += text
                i += consumed
                continue
            case "[":
                // `[:alpha:]` is a POSIX class in both engines; any other `[` is a literal in Go.
                if i + 1 < chars.count, chars[i + 1] == ":",
                   let close = findPosixClassEnd(chars, from: i + 2) {
                    out += String(String.UnicodeScalarView(chars[i...close]))
                    i = close + 1
                    continue
                }
                out += "\\["
            case "&", "{", "}", "$":
                // Set operators and ICU's property syntax are literals in Go.
                out += "\\" + String(c)
            default:
                out.unicodeScalars.append(c)
            }
            i += 1
        }
        throw fail("missing closing ]", String(String.UnicodeScalarView(chars[start...])))
    }

    private static func findPosixClassEnd(_ chars: [Unicode.Scalar], from: Int) -> Int? {
        var j = from
        while j + 1 < chars.count {
            if chars[j] == ":" && chars[j + 1] == "]" { return j + 1 }
            if !chars[j].properties.isAlphabetic && chars[j] != "^" { return nil }
            j += 1
        }
        return nil
    }
}
