/// Formats floats exactly as client_golang does (`strconv.FormatFloat(v, 'g', -1, 64)`
/// with `+Inf`, `-Inf` and `NaN` spelled out), so Ember's pages diff cleanly against
/// node_exporter's: `1.6777216e+07`, `1904.85`, `0`.
enum GoFloat {
    static func append(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v > 0 ? "+Inf" : "-Inf").utf8); return }
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var decimalPoint: Int
        if v == v.rounded(.towardZero), abs(v) < 1e15 {
            // Integral values (counters, byte counts) skip Double.description.
            var n = Int64(abs(v))
            while n > 0 {
                digits.append(UInt8(ascii: "0") + UInt8(n % 10))
                n /= 10
            }
            digits.reverse()
            decimalPoint = digits.count
        } else {
            decimalPoint = shortestDigits(abs(v), into: &digits)
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        let exponent = decimalPoint - 1
        if exponent < -4 || exponent >= 6 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            out.append(UInt8(ascii: "e"))
            out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            let e = abs(exponent)
            if e < 10 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: String(e).utf8)
        } else if decimalPoint <= 0 {
            out.append(contentsOf: "0.".utf8)
            for _ in 0 ..< -decimalPoint { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: digits)
        } else if decimalPoint >= digits.count {
            out.append(contentsOf: digits)
            for _ in 0 ..< (decimalPoint - digits.count) { out.append(UInt8(ascii: "0")) }
        } else {
            out.append(contentsOf: digits[..<decimalPoint])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[decimalPoint...])
        }
    }

    /// The shortest round-tripping decimal digits of a positive finite `v` (Swift's
    /// `description` computes the same shortest digits as Go) and the position of the
    /// decimal point relative to the first digit.
    static func shortestDigits(_ v: Double, into digits: inout [UInt8]) -> Int {
        var pointAt: Int? = nil
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        var leadingZeros = 0
        for b in v.description.utf8 {
            if inExponent {
                if b == UInt8(ascii: "-") { exponentSign = -1 } else if b >= 48, b <= 57 { exponent = exponent * 10 + Int(b - 48) }
                continue
            }
            switch b {
            case UInt8(ascii: "."): pointAt = digits.count + leadingZeros
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "0") where digits.isEmpty: leadingZeros += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(b)
            default: break
            }
        }
        let integerDigits = (pointAt ?? (digits.count + leadingZeros)) - leadingZeros
        return integerDigits + exponentSign * exponent
    }
}
