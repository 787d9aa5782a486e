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
        var t = Translation(pattern: pattern)
        try t.run()
        return Result(pattern: String(t.out), groupNames: t.names)
    }

    /// The state of one translation: a cursor over the pattern and the ICU text so far.
    private struct Translation {
        let pattern: String
        let chars: [Unicode.Scalar]
        var out = String.UnicodeScalarView()
        var names: [String?] = [nil]
        var i = 0
        /// After a quantifier one `?` makes it lazy; any further repetition is an error in Go.
        var repetition = RepetitionState.none
        var depth = 0
        /// `$` keeps ICU's meaning only when a multi-line flag is set somewhere.
        let multiLine: Bool

        init(pattern: String) {
            self.pattern = pattern
            chars = Array(pattern.unicodeScalars)
            multiLine = GoRegexTranslator.setsMultiLineFlag(chars)
        }

        func fail(_ reason: String, _ text: String) -> RelabelRegexError {
            RelabelRegexError(pattern: pattern, reason: reason, fragment: text)
        }

        func text(_ range: some RangeExpression<Int>) -> String {
            String(String.UnicodeScalarView(chars[range.relative(to: chars)]))
        }

        mutating func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }

        mutating func run() throws {
            while i < chars.count {
                let c = chars[i]
                switch c {
                case "\\":
                    guard i + 1 < chars.count else { throw fail("trailing backslash at end of expression", "") }
                    let (translated, consumed) = try translateEscape(chars, at: i, inClass: false, fail: fail)
                    append(translated)
                    i += consumed
                    repetition = .none
                case "[":
                    let (translated, consumed) = try translateClass(chars, at: i, fail: fail)
                    append(translated)
                    i += consumed
                    repetition = .none
                case "(":
                    try openGroup()
                case ")":
                    depth -= 1
                    if depth < 0 { throw fail("unexpected )", pattern) }
                    literal(c)
                case "$":
                    append(multiLine ? "$" : "\\z")
                    advance()
                case "{":
                    try brace()
                case "}":
                    append("\\}")
                    advance()
                case "*", "+", "?":
                    try quantifier(c)
                default:
                    literal(c)
                }
            }
            if depth > 0 { throw fail("missing closing )", pattern) }
        }

        mutating func advance(by n: Int = 1, repetition next: RepetitionState = .none) {
            i += n
            repetition = next
        }

        mutating func literal(_ c: Unicode.Scalar) {
            out.append(c)
            advance()
        }

        /// `(`, `(?:`, `(?i)`, `(?P<name>`; lookaround and other Perl groups are errors in Go.
        mutating func openGroup() throws {
            depth += 1
            guard i + 1 < chars.count, chars[i + 1] == "?" else {
                names.append(nil)
                append("(")
                advance()
                return
            }
            let rest = text((i + 2)..<min(chars.count, i + 5))
            if rest.hasPrefix("P<") || (rest.hasPrefix("<") && !rest.hasPrefix("<=") && !rest.hasPrefix("<!")) {
                try namedGroup(nameStart: i + (rest.hasPrefix("P<") ? 4 : 3))
                return
            }
            for unsupported in ["=", "!", "<=", "<!", ">", "#"] where rest.hasPrefix(unsupported) {
                throw fail("invalid or unsupported Perl syntax", "(?" + unsupported)
            }
            if chars[(i + 2)...].prefix(while: { $0 != ":" && $0 != ")" }).contains("U") {
                throw fail("invalid or unsupported Perl syntax", "(?U")
            }
            append("(?")
            advance(by: 2)
        }

        /// A named group becomes a plain one; the name is kept for `$name` expansion.
        mutating func namedGroup(nameStart: Int) throws {
            guard let close = chars[nameStart...].firstIndex(of: ">") else { throw fail("invalid named capture", text(i...)) }
            let name = text(nameStart..<close)
            let valid = name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || $0.properties.numericType != nil }
            if name.isEmpty || !valid { throw fail("invalid named capture", text(i...close)) }
            if names.contains(name) { throw fail("duplicate capture group name", name) }
            names.append(name)
            append("(")
            advance(by: close + 1 - i)
        }

        /// `{n,m}` is a repetition; any other `{` is a literal in Go.
        mutating func brace() throws {
            guard let end = repetitionEnd(chars, at: i) else {
                append("\\{")
                advance()
                return
            }
            if repetition != .none { throw fail("invalid nested repetition operator", text((i - 1)...end)) }
            append(text(i...end))
            advance(by: end + 1 - i, repetition: .quantifier)
        }

        mutating func quantifier(_ c: Unicode.Scalar) throws {
            if repetition == .quantifier, c == "?" {
                out.append(c)
                advance(repetition: .lazy)
                return
            }
            if repetition != .none { throw fail("invalid nested repetition operator", String(chars[i - 1]) + String(c)) }
            out.append(c)
            advance(repetition: .quantifier)
        }
    }

    /// Whether a `(?flags)` or `(?flags:` group turns on `m`.
    private static func setsMultiLineFlag(_ chars: [Unicode.Scalar]) -> Bool {
        var i = 0
        while i + 1 < chars.count {
            if chars[i] == "\\" { i += 2; continue }
            if chars[i] == "(", chars[i + 1] == "?" {
                let flags = chars[(i + 2)...].prefix(while: { $0 != ":" && $0 != ")" })
                let enabled = flags.prefix(while: { $0 != "-" })
                if enabled.contains("m") { return true }
            }
            i += 1
        }
        return false
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
            if e == "x" {
                let end = min(chars.count, start + 4)
                return (String(String.UnicodeScalarView(chars[start..<end])), end - start)
            }
            // Go's one-letter class `\pL` is spelled `\p{L}` in ICU.
            guard start + 2 < chars.count else { throw fail("invalid character class range", "\\" + String(e)) }
            return ("\\" + String(e) + "{" + String(chars[start + 2]) + "}", 3)
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
