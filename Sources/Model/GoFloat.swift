#if canImport(Glibc)
import Glibc
#endif

/// Go's strconv.FormatFloat, which Prometheus's outputs are defined by: the HTTP
/// API's sample values, the text exposition, PromQL printing and templates.
public enum GoFloat {
    /// strconv.FormatFloat for 'e', 'E', 'f', 'F', 'g', 'G'; precision -1 means the shortest
    /// representation that reads back exactly.
    public static func format(_ v: Double, format: Unicode.Scalar, precision: Int) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let upper = format == "E" || format == "G"
        if precision >= 0 {
            let c: String
            switch format {
            case "F": c = "f"
            default: c = String(Character(format))
            }
            return cFormat(v, spec: "%.\(precision)\(c)")
        }
        let (negative, digits, dp) = shortestDigits(v)
        var body: String
        switch format {
        case "e", "E": body = formatE(digits, dp, precision: max(digits.count - 1, 0), upper: upper)
        case "f", "F": body = formatF(digits, dp, precision: max(digits.count - dp, 0))
        default:
            let exp = dp - 1
            if !digits.isEmpty && (exp < -4 || exp >= 6) {
                body = formatE(digits, dp, precision: digits.count - 1, upper: upper)
            } else {
                body = formatF(digits, dp, precision: max(digits.count - dp, 0))
            }
        }
        if negative { body = "-" + body }
        return body
    }

    static func cFormat(_ v: Double, spec: String) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let n = spec.withCString { fmtPtr in
            withVaList([v]) { vsnprintf(&buffer, buffer.count, fmtPtr, $0) }
        }
        if n >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(n) + 1)
            _ = spec.withCString { fmtPtr in withVaList([v]) { vsnprintf(&buffer, buffer.count, fmtPtr, $0) } }
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Shortest round-trip decimal digits (no leading or trailing zeros) and the decimal
    /// point position: |v| = 0.d1d2d3... × 10^dp. Swift's description already is shortest.
    public static func shortestDigits(_ v: Double) -> (negative: Bool, digits: [UInt8], dp: Int) {
        var text = Substring(v.description)
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text = text.dropFirst()
        }
        var exponent = 0
        if let e = text.firstIndex(of: "e") {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = text[..<e]
        }
        var digits: [UInt8] = []
        var pointIndex = -1
        for c in text.utf8 {
            if c == UInt8(ascii: ".") {
                pointIndex = digits.count
            } else {
                digits.append(c)
            }
        }
        if pointIndex < 0 { pointIndex = digits.count }
        var dp = pointIndex + exponent
        var start = 0
        while start < digits.count && digits[start] == UInt8(ascii: "0") {
            start += 1
            dp -= 1
        }
        var end = digits.count
        while end > start && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
        let trimmed = Array(digits[start..<end])
        return (negative, trimmed, trimmed.isEmpty ? 0 : dp)
    }

    static func formatE(_ digits: [UInt8], _ dp: Int, precision: Int, upper: Bool) -> String {
        var s = ""
        s.unicodeScalars.append(Unicode.Scalar(digits.first ?? UInt8(ascii: "0")))
        if precision > 0 {
            s += "."
            for i in 1...precision {
                s.unicodeScalars.append(Unicode.Scalar(i < digits.count ? digits[i] : UInt8(ascii: "0")))
            }
        }
        var exp = digits.isEmpty ? 0 : dp - 1
        s += upper ? "E" : "e"
        if exp < 0 {
            s += "-"
            exp = -exp
        } else {
            s += "+"
        }
        if exp < 10 { s += "0" }
        s += String(exp)
        return s
    }

    static func formatF(_ digits: [UInt8], _ dp: Int, precision: Int) -> String {
        var s = ""
        if dp > 0 {
            for i in 0..<dp {
                s.unicodeScalars.append(Unicode.Scalar(i < digits.count ? digits[i] : UInt8(ascii: "0")))
            }
        } else {
            s = "0"
        }
        if precision > 0 {
            s += "."
            for i in 1...precision {
                let index = dp + i - 1
                s.unicodeScalars.append(Unicode.Scalar(index >= 0 && index < digits.count ? digits[index] : UInt8(ascii: "0")))
            }
        }
        return s
    }

    /// The form Prometheus's JSON API uses for sample values: 'f' shortest, or 'e'
    /// below 1e-6 and from 1e21, with NaN, +Inf and -Inf spelled out.
    public static func apiValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let a = abs(v)
        return format(v, format: a != 0 && (a < 1e-6 || a >= 1e21) ? "e" : "f", precision: -1)
    }

    /// `apiValue(v)` appended as UTF-8 to `out`, without building intermediate
    /// strings for the common cases (integers and short decimals): the query
    /// API writes one of these per sample, and matrices hold hundreds of thousands.
    public static func appendAPIValue(_ v: Double, to out: inout [UInt8]) {
        let written: Bool = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: shortValueCapacity) { buffer in
            let n = writeShortAPIValue(v, to: buffer.baseAddress.unsafelyUnwrapped)
            if n > 0 { out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n])) }
            return n > 0
        }
        if written { return }
        if v.isFinite, v.magnitude >= 1e-4 {
            // Between 1e-4 and 2^53 Swift's shortest form has no exponent: it is
            // Go's 'f' form once a trailing ".0" is dropped.
            var text = v.description
            let plain: Bool = text.withUTF8 { bytes in
                guard !bytes.contains(UInt8(ascii: "e")) else { return false }
                var end = bytes.count
                if end >= 2, bytes[end - 1] == UInt8(ascii: "0"), bytes[end - 2] == UInt8(ascii: ".") { end -= 2 }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<end]))
                return true
            }
            if plain { return }
        }
        out.append(contentsOf: apiValue(v).utf8)
    }

    /// Bytes `writeShortAPIValue` may write.
    public static let shortValueCapacity = 32

    /// Writes `apiValue(v)` for integers below 1e15 and decimals of at most four
    /// digits into `buffer` (`shortValueCapacity` bytes); returns the byte
    /// count, or 0 when `v` needs the general path.
    public static func writeShortAPIValue(_ v: Double, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        if v.magnitude < 1e15, v == v.rounded(.towardZero), !(v == 0 && v.sign == .minus) {
            return writeInteger(Int64(v), to: buffer)
        }
        return writeShortDecimal(v, to: buffer)
    }

    private static let powersOfTen: [Double] = [1, 10, 100, 1_000, 10_000]

    /// Values with at most four decimals (most gauges: 48.26, 0.125) written
    /// from their scaled integer. When `v` is exactly the double nearest to
    /// n / 10^k and n is far below 2^53, no other decimal of k or fewer
    /// digits rounds to `v`, so this is the shortest form Go writes.
    private static func writeShortDecimal(_ v: Double, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        guard v.magnitude >= 1e-4, v.magnitude < 1e11 else { return 0 }
        for k in 1...4 {
            let scale = powersOfTen[k]
            let scaled = (v * scale).rounded()
            guard scaled.magnitude < 1e15 else { return 0 }
            guard scaled / scale == v else { continue }
            var n = Int64(scaled)
            var count = 0
            if n < 0 {
                buffer[0] = UInt8(ascii: "-")
                count = 1
                n = -n
            }
            var fraction = n % Int64(scale)
            var digits = k
            while fraction % 10 == 0 && digits > 0 { fraction /= 10; digits -= 1 }
            count += writeInteger(n / Int64(scale), to: buffer + count)
            guard digits > 0 else { return count }
            buffer[count] = UInt8(ascii: ".")
            count += 1
            var i = count + digits
            count = i
            while i > count - digits {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(fraction % 10)
                fraction /= 10
            }
            return count
        }
        return 0
    }

    /// Decimal digits of `value`, appended as UTF-8.
    public static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            let n = writeInteger(value, to: buffer.baseAddress.unsafelyUnwrapped)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
    }

    /// Writes the decimal digits of `value` (at most 20 bytes) to `buffer`; returns the count.
    public static func writeInteger(_ value: Int64, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        var magnitude = value.magnitude
        var count = 0
        if value < 0 {
            buffer[0] = UInt8(ascii: "-")
            count = 1
        }
        var digits = 1
        var probe = magnitude
        while probe >= 10 { probe /= 10; digits += 1 }
        var i = count + digits
        let end = i
        repeat {
            i -= 1
            buffer[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        return end
    }
}
