/// Go's lexical helpers the template language relies on: strconv.Quote/Unquote,
/// unicode.IsPrint and numeric literal parsing.

/// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
func isGoPrintable(_ r: Unicode.Scalar) -> Bool {
    if r.value < 0x80 { return r.value >= 0x20 && r.value < 0x7F }
    switch r.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
        .nonspacingMark, .spacingMark, .enclosingMark,
        .decimalNumber, .letterNumber, .otherNumber,
        .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
        .initialPunctuation, .finalPunctuation, .otherPunctuation,
        .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
        return true
    default:
        return false
    }
}

private let hexDigits: [Character] = Array("0123456789abcdef")

/// strconv.Quote (or QuoteToASCII when `asciiOnly`).
func goQuote(_ s: String, quote: Character = "\"", asciiOnly: Bool = false) -> String {
    var out = String(quote)
    for r in s.unicodeScalars {
        appendQuotedScalar(r, quote: quote, asciiOnly: asciiOnly, to: &out)
    }
    out.append(quote)
    return out
}

func appendQuotedScalar(_ r: Unicode.Scalar, quote: Character, asciiOnly: Bool, to out: inout String) {
    if Character(r) == quote || r == "\\" {
        out += "\\"
        out.unicodeScalars.append(r)
        return
    }
    if asciiOnly ? (r.value < 0x80 && isGoPrintable(r)) : isGoPrintable(r) {
        out.unicodeScalars.append(r)
        return
    }
    switch r {
    case "\u{07}": out += "\\a"
    case "\u{08}": out += "\\b"
    case "\u{0C}": out += "\\f"
    case "\n": out += "\\n"
    case "\r": out += "\\r"
    case "\t": out += "\\t"
    case "\u{0B}": out += "\\v"
    default:
        if r.value < 0x20 || r.value == 0x7F {
            out += "\\x"
            out.append(hexDigits[Int(r.value >> 4)])
            out.append(hexDigits[Int(r.value & 0xF)])
        } else if r.value > 0xFFFF {
            out += "\\U" + hexString(UInt64(r.value), width: 8)
        } else {
            out += "\\u" + hexString(UInt64(r.value), width: 4)
        }
    }
}

func hexString(_ v: UInt64, width: Int) -> String {
    var s = String(v, radix: 16)
    while s.count < width { s = "0" + s }
    return s
}

/// strconv.Unquote for "...", `...` and '...' literals; nil when the syntax is invalid.
func goUnquote(_ quoted: String) -> String? {
    let bytes = Array(quoted.utf8)
    guard bytes.count >= 2, let q = bytes.first, bytes.last == q else { return nil }
    let body = bytes[1..<(bytes.count - 1)]
    if q == UInt8(ascii: "`") {
        if body.contains(UInt8(ascii: "`")) { return nil }
        return String(decoding: body.filter { $0 != 0x0D }, as: UTF8.self)
    }
    guard q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(body.count)
    var i = body.startIndex
    var runes = 0
    while i < body.endIndex {
        let c = body[i]
        if c == q || c == 0x0A { return nil }
        runes += 1
        guard c == UInt8(ascii: "\\") else {
            out.append(c)
            i += 1
            // Continuation bytes of a multi-byte rune do not count as runes.
            while i < body.endIndex && body[i] & 0xC0 == 0x80 {
                out.append(body[i])
                i += 1
            }
            continue
        }
        i += 1
        guard i < body.endIndex else { return nil }
        let e = body[i]
        i += 1
        switch e {
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            if e != q { return nil }
            out.append(e)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "x") ? 2 : (e == UInt8(ascii: "u") ? 4 : 8)
            guard i + n <= body.endIndex, let v = UInt32(String(decoding: body[i..<(i + n)], as: UTF8.self), radix: 16) else { return nil }
            i += n
            if e == UInt8(ascii: "x") {
                if q == UInt8(ascii: "'") {
                    guard let s = Unicode.Scalar(v) else { return nil }
                    out.append(contentsOf: Array(String(Character(s)).utf8))
                } else {
                    out.append(UInt8(v))
                }
            } else {
                guard let s = Unicode.Scalar(v) else { return nil }
                out.append(contentsOf: Array(String(Character(s)).utf8))
            }
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard i + 2 <= body.endIndex else { return nil }
            let digits = [e] + body[i..<(i + 2)]
            guard let v = UInt32(String(decoding: digits, as: UTF8.self), radix: 8), v <= 255 else { return nil }
            i += 2
            out.append(UInt8(v))
        default:
            return nil
        }
    }
    if q == UInt8(ascii: "'") && runes != 1 { return nil }
    return String(decoding: out, as: UTF8.self)
}

/// The integer, unsigned and float readings of a Go numeric literal (strconv with base 0).
struct GoNumberLiteral {
    var int: Int64?
    var uint: UInt64?
    var float: Double?

    init(_ text: String) {
        var s = Substring(text)
        var negative = false
        if s.first == "+" || s.first == "-" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        guard !s.isEmpty, Self.underscoreOK(s) else { return }
        let clean = s.filter { $0 != "_" }
        var radix = 10
        var digits = Substring(clean)
        let lower = clean.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2
            digits = digits.dropFirst(2)
        } else if clean.count > 1 && clean.hasPrefix("0") && clean.allSatisfy(\.isNumber) {
            radix = 8
            digits = digits.dropFirst()
        }
        if let u = UInt64(digits, radix: radix) {
            if negative {
                if u <= UInt64(Int64.max) { int = -Int64(u) } else if u == UInt64(Int64.max) + 1 { int = Int64.min }
                if u == 0 { uint = 0 }
            } else {
                uint = u
                if u <= UInt64(Int64.max) { int = Int64(u) }
            }
            return
        }
        var floatText = clean
        if floatText.hasSuffix(".") { floatText += "0" }
        if floatText.hasPrefix(".") { floatText = "0" + floatText }
        let isHex = lower.hasPrefix("0x")
        if isHex && !lower.contains("p") { return }
        if !isHex && floatText.contains(where: { !"0123456789.eE+-".contains($0) }) { return }
        if let f = Double(floatText) { float = negative ? -f : f }
    }

    /// strconv's rule: underscores only between digits (or after a base prefix).
    static func underscoreOK(_ s: Substring) -> Bool {
        guard s.contains("_") else { return true }
        var saw: Character = "^"
        var chars = Array(s)
        var i = 0
        var hex = false
        if chars.count >= 2 && chars[0] == "0" {
            let p = Character(chars[1].lowercased())
            if p == "x" || p == "o" || p == "b" {
                hex = p == "x"
                i = 2
                saw = "0"
            }
        }
        chars = Array(chars)
        while i < chars.count {
            let c = chars[i]
            let lower = Character(c.lowercased())
            if c.isASCII && (c.isNumber || (hex && "abcdef".contains(lower))) {
                saw = "0"
            } else if c == "_" {
                if saw != "0" { return false }
                saw = "_"
            } else {
                if saw == "_" { return false }
                saw = "!"
            }
            i += 1
        }
        return saw != "_"
    }
}
