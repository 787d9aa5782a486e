/// Tokenizer for PromQL expressions.
///
/// The lexer is context free: keywords come out as identifiers and the parser
/// decides from the position whether `on`, `sum` or `offset` is a keyword or a
/// label name. Positions are byte offsets into the UTF-8 query text.
enum TokenKind: Equatable, Sendable {
    case identifier      // includes keywords; may contain ':'
    case number          // decimal, hex, Inf, NaN
    case duration        // 5m, 1h30m
    case string          // value already unescaped
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
    case comma, colon, at
    case assign          // = (matchers)
    case add, sub, mul, div, mod, pow
    case eql, neq, lss, lte, gtr, gte   // == != < <= > >=
    case eqlRegex, neqRegex             // =~ !~
    case eof
}

struct Token: Sendable {
    var kind: TokenKind
    var text: String
    /// Byte offsets of the token in the query, end exclusive.
    var start: Int
    var end: Int
}

struct Lexer {
    private let bytes: [UInt8]
    private var pos = 0

    init(_ input: String) { bytes = Array(input.utf8) }

    /// Tokenizes the whole input; the last token is always `.eof`.
    static func tokenize(_ input: String) throws(ParseError) -> [Token] {
        var lexer = Lexer(input)
        var out: [Token] = []
        // Bracket balance is checked here, as Prometheus's lexer does, for its wording.
        var open: [TokenKind] = []
        while true {
            let t = try lexer.next()
            switch t.kind {
            case .leftParen, .leftBracket, .leftBrace:
                open.append(t.kind)
            case .rightParen, .rightBracket, .rightBrace:
                let expected: TokenKind = t.kind == .rightParen ? .leftParen : t.kind == .rightBracket ? .leftBracket : .leftBrace
                guard open.last == expected else {
                    let what = t.kind == .rightParen ? "parenthesis" : t.kind == .rightBracket ? "bracket" : "brace"
                    throw ParseError(position: t.start, message: "unexpected right \(what) '\(t.text)'")
                }
                open.removeLast()
            case .eof:
                switch open.last {
                case .leftParen: throw ParseError(position: t.start, message: "unclosed left parenthesis")
                case .leftBracket: throw ParseError(position: t.start, message: "unclosed left bracket")
                case .leftBrace: throw ParseError(position: t.start, message: "unexpected end of input inside braces")
                default: break
                }
            default:
                break
            }
            out.append(t)
            if t.kind == .eof { return out }
        }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        pos + offset < bytes.count ? bytes[pos + offset] : nil
    }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }

    mutating func next() throws(ParseError) -> Token {
        skipSpaceAndComments()
        let start = pos
        guard let c = peek() else { return Token(kind: .eof, text: "", start: pos, end: pos) }
        func single(_ k: TokenKind, _ len: Int = 1) -> Token {
            pos += len
            return Token(kind: k, text: text(start, pos), start: start, end: pos)
        }
        switch c {
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ":"):
            // A colon starts an identifier only outside brackets; the parser
            // never expects an identifier right after `[5m`, so a lone colon is punctuation.
            return single(.colon)
        case UInt8(ascii: "@"): return single(.at)
        case UInt8(ascii: "+"): return single(.add)
        case UInt8(ascii: "-"): return single(.sub)
        case UInt8(ascii: "*"): return single(.mul)
        case UInt8(ascii: "/"): return single(.div)
        case UInt8(ascii: "%"): return single(.mod)
        case UInt8(ascii: "^"): return single(.pow)
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { return single(.eql, 2) }
            if peek(1) == UInt8(ascii: "~") { return single(.eqlRegex, 2) }
            return single(.assign)
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { return single(.neq, 2) }
            if peek(1) == UInt8(ascii: "~") { return single(.neqRegex, 2) }
            throw ParseError(position: start, message: "unexpected character after '!': \(describe(peek(1)))")
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "=") { return single(.lte, 2) }
            return single(.lss)
        case UInt8(ascii: ">"):
            if peek(1) == UInt8(ascii: "=") { return single(.gte, 2) }
            return single(.gtr)
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
            return try lexString(quote: c)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."):
            return try lexNumberOrDuration()
        default:
            if isIdentStart(c) { return lexIdentifier() }
            throw ParseError(position: start, message: "unexpected character: \(describe(c))")
        }
    }

    private func describe(_ c: UInt8?) -> String {
        guard let c else { return "end of input" }
        return "'\(Character(Unicode.Scalar(c)))'"
    }

    private mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == 32 || c == 9 || c == 10 || c == 13 {
                pos += 1
            } else if c == UInt8(ascii: "#") {
                while let d = peek(), d != 10 { pos += 1 }
            } else {
                return
            }
        }
    }

    private func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95 || c == 58
    }

    private func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 48 && c <= 57) }

    private mutating func lexIdentifier() -> Token {
        let start = pos
        while let c = peek(), isIdentChar(c) { pos += 1 }
        let word = text(start, pos)
        let lower = word.lowercased()
        if lower == "inf" || lower == "nan" {
            return Token(kind: .number, text: word, start: start, end: pos)
        }
        return Token(kind: .identifier, text: word, start: start, end: pos)
    }

    private static let durationUnits: Set<UInt8> = Set("smhdwy".utf8)

    private mutating func lexNumberOrDuration() throws(ParseError) -> Token {
        let start = pos
        if peek() == UInt8(ascii: "0"), let x = peek(1), x == UInt8(ascii: "x") || x == UInt8(ascii: "X") {
            pos += 2
            while let c = peek(), isHexDigit(c) || c == 95 { pos += 1 }
            if pos == start + 2 || (peek().map(isIdentChar) ?? false) {
                throw ParseError(position: start, message: "bad number or duration syntax: \"\(text(start, min(pos + 1, bytes.count)))\"")
            }
            return Token(kind: .number, text: text(start, pos), start: start, end: pos)
        }
        // A duration is digits followed by a unit, possibly repeated (1h30m).
        if let durEnd = scanDuration(from: pos) {
            pos = durEnd
            return Token(kind: .duration, text: text(start, pos), start: start, end: pos)
        }
        while let c = peek(), isDigit(c) || c == 95 { pos += 1 }
        if peek() == UInt8(ascii: ".") {
            pos += 1
            while let c = peek(), isDigit(c) || c == 95 { pos += 1 }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            var p = pos + 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            if p < bytes.count, isDigit(bytes[p]) {
                pos = p
                while let c = peek(), isDigit(c) { pos += 1 }
            }
        }
        if pos == start + 1 && bytes[start] == UInt8(ascii: ".") {
            throw ParseError(position: start, message: "unexpected character: '.'")
        }
        if let c = peek(), c != UInt8(ascii: ":"), isIdentChar(c) {
            throw ParseError(position: start, message: "bad number or duration syntax: \"\(text(start, pos + 1))\"")
        }
        return Token(kind: .number, text: text(start, pos), start: start, end: pos)
    }

    /// The end of a duration literal starting at `from`, or nil if the text there is not one.
    private func scanDuration(from: Int) -> Int? {
        var p = from
        var sawUnit = false
        while p < bytes.count, isDigit(bytes[p]) {
            while p < bytes.count, isDigit(bytes[p]) { p += 1 }
            guard p < bytes.count else { return sawUnit ? p : nil }
            let u = bytes[p]
            if u == UInt8(ascii: "m"), p + 1 < bytes.count, bytes[p + 1] == UInt8(ascii: "s") {
                p += 2
            } else if Self.durationUnits.contains(u) {
                p += 1
            } else {
                return nil
            }
            sawUnit = true
        }
        guard sawUnit else { return nil }
        if p < bytes.count, bytes[p] != UInt8(ascii: ":"), isIdentChar(bytes[p]) || bytes[p] == UInt8(ascii: ".") { return nil }
        return p
    }

    private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private func isHexDigit(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
    }

    private mutating func lexString(quote: UInt8) throws(ParseError) -> Token {
        let start = pos
        pos += 1
        if quote == UInt8(ascii: "`") {
            while let c = peek(), c != quote { pos += 1 }
            guard peek() == quote else { throw ParseError(position: start, message: "unterminated raw string") }
            pos += 1
            return Token(kind: .string, text: text(start + 1, pos - 1), start: start, end: pos)
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw ParseError(position: start, message: "unterminated quoted string") }
            if c == 10 { throw ParseError(position: start, message: "unterminated quoted string") }
            if c == quote { pos += 1; break }
            if c == UInt8(ascii: "\\") {
                try unescape(into: &out, quote: quote)
                continue
            }
            out.append(c)
            pos += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw ParseError(position: start, message: "invalid UTF-8 in string literal")
        }
        return Token(kind: .string, text: s, start: start, end: pos)
    }

    /// Decodes one Go escape sequence at `pos` (which points at the backslash).
    private mutating func unescape(into out: inout [UInt8], quote: UInt8) throws(ParseError) {
        let escStart = pos
        pos += 1
        guard let c = peek() else { throw ParseError(position: escStart, message: "escape sequence not terminated") }
        pos += 1
        switch c {
        case UInt8(ascii: "a"): out.append(7)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "v"): out.append(11)
        case UInt8(ascii: "\\"): out.append(92)
        case quote: out.append(quote)
        case UInt8(ascii: "x"):
            out.append(UInt8(try hexValue(digits: 2, at: escStart)))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let v = try hexValue(digits: c == UInt8(ascii: "u") ? 4 : 8, at: escStart)
            guard let scalar = Unicode.Scalar(v) else {
                throw ParseError(position: escStart, message: "invalid Unicode code point in escape sequence")
            }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var v = UInt32(c - 48)
            for _ in 0..<2 {
                guard let d = peek(), d >= 48, d <= 55 else {
                    throw ParseError(position: escStart, message: "invalid octal escape sequence")
                }
                v = v * 8 + UInt32(d - 48)
                pos += 1
            }
            guard v <= 255 else { throw ParseError(position: escStart, message: "octal escape value > 255") }
            out.append(UInt8(v))
        default:
            throw ParseError(position: escStart, message: "unknown escape sequence \(describe(c))")
        }
    }

    private mutating func hexValue(digits: Int, at escStart: Int) throws(ParseError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<digits {
            guard let d = peek(), isHexDigit(d) else {
                throw ParseError(position: escStart, message: "invalid hexadecimal escape sequence")
            }
            let n: UInt8 = d <= 57 ? d - 48 : (d | 0x20) - 87
            v = v * 16 + UInt32(n)
            pos += 1
        }
        return v
    }
}
