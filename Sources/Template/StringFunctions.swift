import Foundation

/// String helpers with Go's semantics, shared by the Prometheus and Alertmanager function sets.
enum GoStrings {
    /// strings.ToUpper: per-rune simple case mapping (ß stays ß, unlike Swift's uppercased()).
    static func toUpper(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for r in s.unicodeScalars {
            if r.isASCII {
                out.unicodeScalars.append(r.value >= 0x61 && r.value <= 0x7A ? Unicode.Scalar(r.value - 32)! : r)
                continue
            }
            let mapped = r.properties.uppercaseMapping.unicodeScalars
            if mapped.count == 1, let m = mapped.first { out.unicodeScalars.append(m) } else { out.unicodeScalars.append(r) }
        }
        return out
    }

    /// strings.ToLower: per-rune simple case mapping.
    static func toLower(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for r in s.unicodeScalars {
            if r.isASCII {
                out.unicodeScalars.append(r.value >= 0x41 && r.value <= 0x5A ? Unicode.Scalar(r.value + 32)! : r)
                continue
            }
            let mapped = r.properties.lowercaseMapping.unicodeScalars
            if mapped.count == 1, let m = mapped.first { out.unicodeScalars.append(m) } else { out.unicodeScalars.append(r) }
        }
        return out
    }

    /// golang.org/x/text/cases Title: the first letter of each word in title case and, unless
    /// `keepRest` (cases.NoLower, Prometheus's choice), the rest of the word in lower case.
    /// Apostrophes, periods and other case-ignorable characters do not break a word.
    static func title(_ s: String, keepRest: Bool) -> String {
        var out = ""
        var inWord = false
        for r in s.unicodeScalars {
            let p = r.properties
            let isWordChar = p.isAlphabetic || p.numericType != nil || p.isCased
            if isWordChar {
                if !inWord && p.isCased {
                    let t = p.titlecaseMapping
                    out += t
                } else if !keepRest && p.isCased {
                    let l = p.lowercaseMapping.unicodeScalars
                    if l.count == 1, let m = l.first { out.unicodeScalars.append(m) } else { out.unicodeScalars.append(r) }
                } else {
                    out.unicodeScalars.append(r)
                }
                inWord = true
            } else if inWord && (p.isCaseIgnorable || r == "'" || r == "." || r == ":") {
                out.unicodeScalars.append(r)
            } else {
                out.unicodeScalars.append(r)
                inWord = false
            }
        }
        return out
    }

    /// strings.TrimSpace: Unicode white space at both ends.
    static func trimSpace(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isGoSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isGoSpace($0) }) ?? first
        return String(scalars[first...last])
    }

    /// unicode.IsSpace.
    static func isGoSpace(_ r: Unicode.Scalar) -> Bool {
        switch r.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0: return true
        default: return r.value > 0xFF && r.properties.isWhitespace
        }
    }

    /// strconv.ParseFloat with Go's error text.
    static func parseFloat(_ s: String) throws(TemplateFunctionError) -> Double {
        let invalid = TemplateFunctionError("strconv.ParseFloat: parsing \(goQuote(s)): invalid syntax")
        var body = Substring(s)
        var sign = 1.0
        var signed = false
        if body.hasPrefix("+") || body.hasPrefix("-") {
            sign = body.hasPrefix("-") ? -1 : 1
            signed = true
            body = body.dropFirst()
        }
        let lower = body.lowercased()
        if lower == "inf" || lower == "infinity" { return sign * .infinity }
        if lower == "nan" && !signed { return .nan }
        let isHex = lower.hasPrefix("0x")
        let allowed = isHex ? "0123456789abcdefxp.+-_" : "0123456789.e+-_"
        guard !lower.isEmpty, lower.allSatisfy({ allowed.contains($0) }), lower.contains(where: \.isNumber) else { throw invalid }
        if isHex && !lower.contains("p") { throw invalid }
        var clean = String(lower)
        if clean.contains("_") {
            guard GoNumberLiteral.underscoreOK(Substring(clean)) else { throw invalid }
            clean.removeAll { $0 == "_" }
        }
        guard let v = Double(clean) else { throw invalid }
        if v.isInfinite { throw TemplateFunctionError("strconv.ParseFloat: parsing \(goQuote(s)): value out of range") }
        return sign * v
    }

    /// net.SplitHostPort; nil when Go would return an error.
    static func splitHostPort(_ hostport: String) -> (host: String, port: String)? {
        let b = Array(hostport.utf8)
        guard let i = b.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host: [UInt8]
        var j = 0, k = 0
        if b.first == UInt8(ascii: "[") {
            guard let end = b.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            if end + 1 == b.count || end + 1 != i { return nil }
            host = Array(b[1..<end])
            j = 1
            k = end + 1
        } else {
            host = Array(b[..<i])
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if b[j...].contains(UInt8(ascii: "[")) { return nil }
        if b[k...].contains(UInt8(ascii: "]")) { return nil }
        return (String(decoding: host, as: UTF8.self), String(decoding: b[(i + 1)...], as: UTF8.self))
    }

    /// net.ParseIP succeeds.
    static func isIP(_ s: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return s.withCString { inet_pton(AF_INET, $0, &v4) == 1 || inet_pton(AF_INET6, $0, &v6) == 1 }
    }

    /// net.JoinHostPort.
    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
