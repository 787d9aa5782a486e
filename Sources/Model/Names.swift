/// Name validation and quoting shared by the exposition parsers, PromQL and configuration.

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
public func isValidLegacyMetricName(_ s: String) -> Bool {
    var first = true
    for b in s.utf8 {
        let ok: Bool
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"), UInt8(ascii: ":"):
            ok = true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            ok = !first
        default:
            ok = false
        }
        if !ok { return false }
        first = false
    }
    return !first
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
public func isValidLegacyLabelName(_ s: String) -> Bool {
    var first = true
    for b in s.utf8 {
        let ok: Bool
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            ok = true
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            ok = !first
        default:
            ok = false
        }
        if !ok { return false }
        first = false
    }
    return !first
}

/// Prometheus 3.x UTF-8 names: any non-empty valid UTF-8 string. Swift strings are always valid UTF-8.
public func isValidUTF8Name(_ s: String) -> Bool { !s.isEmpty }

/// Quotes a string with Go's strconv.Quote rules, as Prometheus prints label values.
public func quoteLabelValue(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{0B}": out += "\\v"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\x" + hex2(UInt8(scalar.value))
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    out += "\""
    return out
}

private func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
}
