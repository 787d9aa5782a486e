/// Token kinds of Go's text/template lexer.
enum ItemType: Equatable {
    case error, bool, char, charConstant, comment, complex, assign, declare, eof
    case field, identifier, leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen
    case space, string, text, variable
    // Keywords.
    case block, breakKeyword, continueKeyword, dot, define, elseKeyword, end, ifKeyword, nilKeyword
    case range, template, with

    var isKeyword: Bool {
        switch self {
        case .block, .breakKeyword, .continueKeyword, .dot, .define, .elseKeyword, .end, .ifKeyword,
            .nilKeyword, .range, .template, .with:
            return true
        default:
            return false
        }
    }
}

/// One token: kind, byte offset, text and the line it starts on.
struct Item {
    var type: ItemType
    var pos: Int
    var val: String
    var line: Int

    /// How Go's parser names a token in "unexpected ..." messages.
    var description: String {
        switch type {
        case .eof: return "EOF"
        case .error: return val
        default:
            if type.isKeyword { return "<\(val)>" }
            let scalars = Array(val.unicodeScalars)
            if scalars.count > 10 {
                return goQuote(String(String.UnicodeScalarView(scalars.prefix(10)))) + "..."
            }
            return goQuote(val)
        }
    }
}

private let keywords: [String: ItemType] = [
    ".": .dot, "block": .block, "break": .breakKeyword, "continue": .continueKeyword, "define": .define,
    "else": .elseKeyword, "end": .end, "if": .ifKeyword, "range": .range, "nil": .nilKeyword,
    "template": .template, "with": .with,
]

private let leftDelim: [UInt8] = Array("{{".utf8)
private let rightDelim: [UInt8] = Array("}}".utf8)
private let leftComment: [UInt8] = Array("/*".utf8)
private let rightComment: [UInt8] = Array("*/".utf8)

private func isSpaceByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

/// Go's text/template lexer, run to completion: the token stream is the same one Go's
/// goroutine-driven lexer produces, so the parser sees errors in the same order.
struct Lexer {
    private let input: [UInt8]
    private var pos = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private let breakOK: Bool
    private let continueOK: Bool
    private(set) var items: [Item] = []

    init(input: [UInt8], breakOK: Bool, continueOK: Bool) {
        self.input = input
        self.breakOK = breakOK
        self.continueOK = continueOK
    }

    static func tokens(_ input: [UInt8], breakOK: Bool = true, continueOK: Bool = true) -> [Item] {
        var lexer = Lexer(input: input, breakOK: breakOK, continueOK: continueOK)
        lexer.run()
        return lexer.items
    }

    private enum State { case text, leftDelim, comment, insideAction, rightDelim, done }

    private mutating func run() {
        var state = State.text
        while state != .done {
            switch state {
            case .text: state = lexText()
            case .leftDelim: state = lexLeftDelim()
            case .comment: state = lexComment()
            case .insideAction: state = lexInsideAction()
            case .rightDelim: state = lexRightDelim()
            case .done: break
            }
        }
    }

    // MARK: Primitives

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: input[from..<to], as: UTF8.self)
    }

    private func hasPrefix(_ p: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + p.count <= input.count else { return false }
        for k in 0..<p.count where input[i + k] != p[k] { return false }
        return true
    }

    private func countNewlines(_ from: Int, _ to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            if input[i] == 0x0A { n += 1 }
            i += 1
        }
        return n
    }

    /// Decodes the scalar at `i`; returns nil at end of input. Invalid UTF-8 decodes as U+FFFD width 1.
    private func scalar(at i: Int) -> (Unicode.Scalar, Int)? {
        guard i < input.count else { return nil }
        let b0 = input[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        var width = 0
        if b0 & 0xE0 == 0xC0 { width = 2 } else if b0 & 0xF0 == 0xE0 { width = 3 } else if b0 & 0xF8 == 0xF0 { width = 4 }
        guard width > 0, i + width <= input.count else { return ("\u{FFFD}", 1) }
        var decoder = UTF8()
        var iterator = input[i..<(i + width)].makeIterator()
        if case .scalarValue(let s) = decoder.decode(&iterator) { return (s, width) }
        return ("\u{FFFD}", 1)
    }

    /// Next scalar, advancing; nil at EOF.
    private mutating func next() -> Unicode.Scalar? {
        guard let (s, w) = scalar(at: pos) else {
            atEOF = true
            return nil
        }
        pos += w
        if s == "\n" { line += 1 }
        lastWidth = w
        return s
    }

    private var atEOF = false
    private var lastWidth = 0

    private mutating func backup() {
        if !atEOF && pos > 0 {
            pos -= lastWidth
            if input[pos] == 0x0A { line -= 1 }
        }
    }

    private func peek() -> Unicode.Scalar? { scalar(at: pos)?.0 }

    private mutating func emit(_ type: ItemType) {
        items.append(Item(type: type, pos: start, val: text(start, pos), line: startLine))
        start = pos
        startLine = line
    }

    private mutating func ignore() {
        line += countNewlines(start, pos)
        start = pos
        startLine = line
    }

    private mutating func errorf(_ message: String) -> State {
        items.append(Item(type: .error, pos: start, val: message, line: startLine))
        return .done
    }

    private func hasLeftTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && input[i] == UInt8(ascii: "-") && isSpaceByte(input[i + 1])
    }

    private func hasRightTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && isSpaceByte(input[i]) && input[i + 1] == UInt8(ascii: "-")
    }

    private func atRightDelim() -> (delim: Bool, trim: Bool) {
        if hasRightTrimMarker(at: pos) && hasPrefix(rightDelim, at: pos + 2) { return (true, true) }
        if hasPrefix(rightDelim, at: pos) { return (true, false) }
        return (false, false)
    }

    // MARK: States

    private mutating func lexText() -> State {
        var x = pos
        var found = false
        while x + 1 < input.count {
            if input[x] == UInt8(ascii: "{") && input[x + 1] == UInt8(ascii: "{") {
                found = true
                break
            }
            x += 1
        }
        if found {
            pos = x
            var trimLength = 0
            if hasLeftTrimMarker(at: pos + leftDelim.count) {
                var k = pos
                while k > start && isSpaceByte(input[k - 1]) { k -= 1 }
                trimLength = pos - k
            }
            pos -= trimLength
            if pos > start {
                line += countNewlines(start, pos)
                emit(.text)
            }
            pos += trimLength
            ignore()
            return .leftDelim
        }
        pos = input.count
        if pos > start {
            line += countNewlines(start, pos)
            emit(.text)
        }
        emit(.eof)
        return .done
    }

    private mutating func lexLeftDelim() -> State {
        pos += leftDelim.count
        let trimSpace = hasLeftTrimMarker(at: pos)
        let afterMarker = trimSpace ? 2 : 0
        if hasPrefix(leftComment, at: pos + afterMarker) {
            pos += afterMarker
            ignore()
            return .comment
        }
        emit(.leftDelim)
        pos += afterMarker
        ignore()
        parenDepth = 0
        return .insideAction
    }

    private mutating func lexComment() -> State {
        pos += leftComment.count
        var i = pos
        var found = -1
        while i + 1 < input.count {
            if input[i] == UInt8(ascii: "*") && input[i + 1] == UInt8(ascii: "/") {
                found = i
                break
            }
            i += 1
        }
        if found < 0 { return errorf("unclosed comment") }
        pos = found + rightComment.count
        let (delim, trimSpace) = atRightDelim()
        if !delim { return errorf("comment ends before closing delimiter") }
        if trimSpace { pos += 2 }
        pos += rightDelim.count
        if trimSpace {
            while pos < input.count && isSpaceByte(input[pos]) { pos += 1 }
        }
        ignore()
        return .text
    }

    private mutating func lexRightDelim() -> State {
        let trimSpace = hasRightTrimMarker(at: pos)
        if trimSpace {
            pos += 2
            ignore()
        }
        pos += rightDelim.count
        emit(.rightDelim)
        if trimSpace {
            while pos < input.count && isSpaceByte(input[pos]) { pos += 1 }
            ignore()
        }
        return .text
    }

    private mutating func lexInsideAction() -> State {
        let (delim, _) = atRightDelim()
        if delim {
            if parenDepth == 0 { return .rightDelim }
            return errorf("unclosed left paren")
        }
        guard let r = next() else { return errorf("unclosed action") }
        switch r {
        case " ", "\t", "\r", "\n":
            backup()
            return lexSpace()
        case "=":
            emit(.assign)
        case ":":
            if next() != "=" { return errorf("expected :=") }
            emit(.declare)
        case "|":
            emit(.pipe)
        case "\"":
            return lexQuote()
        case "`":
            return lexRawQuote()
        case "$":
            return lexVariable()
        case "'":
            return lexChar()
        case ".":
            if pos < input.count, !(input[pos] >= UInt8(ascii: "0") && input[pos] <= UInt8(ascii: "9")) {
                return lexFieldOrVariable(.field)
            }
            backup()
            return lexNumber()
        case "+", "-", "0"..."9":
            backup()
            return lexNumber()
        case "(":
            emit(.leftParen)
            parenDepth += 1
        case ")":
            emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { return errorf("unexpected right paren \(goUnicodeDescription(r))") }
        default:
            if isAlphaNumeric(r) {
                backup()
                return lexIdentifier()
            }
            if r.value <= 0x7F && r.value >= 0x20 && r.value != 0x7F {
                emit(.char)
            } else {
                return errorf("unrecognized character in action: \(goUnicodeDescription(r))")
            }
        }
        return .insideAction
    }

    private mutating func lexSpace() -> State {
        var numSpaces = 0
        while let r = peek(), r == " " || r == "\t" || r == "\r" || r == "\n" {
            _ = next()
            numSpaces += 1
        }
        if hasRightTrimMarker(at: pos - 1) && hasPrefix(rightDelim, at: pos - 1 + 2) {
            // Step back before the last space so " -}}" is seen as a trimming delimiter.
            pos -= 1
            if input[pos] == 0x0A { line -= 1 }
            if numSpaces == 1 { return .rightDelim }
        }
        emit(.space)
        return .insideAction
    }

    private mutating func lexIdentifier() -> State {
        while true {
            let r = next()
            if let r, isAlphaNumeric(r) { continue }
            if r != nil { backup() }
            let word = text(start, pos)
            if !atTerminator() { return errorf("bad character \(goUnicodeDescription(peek()))") }
            if let key = keywords[word], key.isKeyword {
                if (key == .breakKeyword && !breakOK) || (key == .continueKeyword && !continueOK) {
                    emit(.identifier)
                } else {
                    emit(key)
                }
            } else if word.hasPrefix(".") {
                emit(.field)
            } else if word == "true" || word == "false" {
                emit(.bool)
            } else {
                emit(.identifier)
            }
            return .insideAction
        }
    }

    private mutating func lexVariable() -> State {
        if atTerminator() {
            emit(.variable)
            return .insideAction
        }
        return lexFieldOrVariable(.variable)
    }

    private mutating func lexFieldOrVariable(_ type: ItemType) -> State {
        if atTerminator() {
            emit(type == .variable ? .variable : .dot)
            return .insideAction
        }
        while true {
            let r = next()
            if let r, isAlphaNumeric(r) { continue }
            if r != nil { backup() }
            break
        }
        if !atTerminator() { return errorf("bad character \(goUnicodeDescription(peek()))") }
        emit(type)
        return .insideAction
    }

    private func atTerminator() -> Bool {
        guard let r = peek() else { return true }
        switch r {
        case " ", "\t", "\r", "\n", ".", ",", "|", ":", ")", "(": return true
        default: return hasPrefix(rightDelim, at: pos)
        }
    }

    private mutating func lexChar() -> State {
        loop: while true {
            switch next() {
            case "\\":
                if let r = next(), r != "\n" { continue loop }
                return errorf("unterminated character constant")
            case nil, "\n":
                return errorf("unterminated character constant")
            case "'":
                break loop
            default:
                continue loop
            }
        }
        emit(.charConstant)
        return .insideAction
    }

    private mutating func lexNumber() -> State {
        if !scanNumber() { return errorf("bad number syntax: \(goQuote(text(start, pos)))") }
        if let sign = peek(), sign == "+" || sign == "-" {
            if !scanNumber() || input[pos - 1] != UInt8(ascii: "i") {
                return errorf("bad number syntax: \(goQuote(text(start, pos)))")
            }
            emit(.complex)
        } else {
            emit(.number)
        }
        return .insideAction
    }

    private mutating func accept(_ valid: String) -> Bool {
        if let r = next(), valid.unicodeScalars.contains(r) { return true }
        backup()
        return false
    }

    private mutating func acceptRun(_ valid: String) {
        while let r = next(), valid.unicodeScalars.contains(r) {}
        backup()
    }

    private mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if let r = peek(), isAlphaNumeric(r) {
            _ = next()
            return false
        }
        return true
    }

    private mutating func lexQuote() -> State {
        loop: while true {
            switch next() {
            case "\\":
                if let r = next(), r != "\n" { continue loop }
                return errorf("unterminated quoted string")
            case nil, "\n":
                return errorf("unterminated quoted string")
            case "\"":
                break loop
            default:
                continue loop
            }
        }
        emit(.string)
        return .insideAction
    }

    private mutating func lexRawQuote() -> State {
        while true {
            switch next() {
            case nil: return errorf("unterminated raw quoted string")
            case "`":
                emit(.rawString)
                return .insideAction
            default: continue
            }
        }
    }
}

func isAlphaNumeric(_ r: Unicode.Scalar) -> Bool {
    if r.value < 0x80 {
        let b = UInt8(r.value)
        return b == UInt8(ascii: "_") || (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A)
    }
    switch r.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
        return true
    default:
        return false
    }
}

/// Go's `%#U` for a rune: `U+0078 'x'`, or just `U+00A0` when not printable.
func goUnicodeDescription(_ r: Unicode.Scalar?) -> String {
    guard let r else { return "U+FFFFFFFFFFFFFFFF" }
    var hex = String(r.value, radix: 16, uppercase: true)
    while hex.count < 4 { hex = "0" + hex }
    if isGoPrintable(r) { return "U+\(hex) '\(Character(r))'" }
    return "U+\(hex)"
}
