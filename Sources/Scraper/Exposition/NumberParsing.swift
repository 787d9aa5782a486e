#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number syntax shared by both exposition formats.
///
/// Values follow Go's `strconv.ParseFloat` as Prometheus calls it: decimal
/// numbers with an optional exponent, `Inf`/`Infinity` with an optional sign and
/// `NaN`, all case-insensitive. Prometheus rejects hexadecimal floats and `_`
/// digit separators ("Keep to pre-Go 1.13 float formats"), and so does the
/// OpenMetrics ABNF, so they are errors here. Overflow (`1e400`) is an error, as
/// `ParseFloat` reports `ErrRange`; underflow rounds to zero.
enum NumberParsing {
    enum FloatResult: Equatable {
        case value(Double)
        case invalidSyntax
        case outOfRange
    }

    /// Parses `count` bytes at `p` as a sample value.
    static func parseFloat(_ p: UnsafePointer<UInt8>, count n: Int) -> FloatResult {
        guard n > 0 else { return .invalidSyntax }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "+") || p[0] == UInt8(ascii: "-") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        guard i < n else { return .invalidSyntax }
        let lower = p[i] | 0x20
        if lower == UInt8(ascii: "i") {
            let rest = n - i
            if (rest == 3 && matchesLowercase(p + i, "inf")) || (rest == 8 && matchesLowercase(p + i, "infinity")) {
                return .value(negative ? -.infinity : .infinity)
            }
            return .invalidSyntax
        }
        if lower == UInt8(ascii: "n") {
            // Go's ParseFloat takes no sign on NaN, nor does the OpenMetrics ABNF.
            if i == 0 && n == 3 && matchesLowercase(p, "nan") { return .value(.nan) }
            return .invalidSyntax
        }
        guard let decimal = scanDecimal(p, from: i, count: n) else { return .invalidSyntax }
        if let fast = decimal.exactValue {
            return .value(negative ? -fast : fast)
        }
        return slowParse(p, count: n)
    }

    /// A decimal number broken into an integer mantissa and a power of ten.
    struct Decimal {
        var mantissa: UInt64 = 0
        var exponent10 = 0
        /// Significant digits were dropped: the fast path would round wrongly.
        var truncated = false
        /// An `e` exponent was present.
        var hasExponent = false

        /// The exactly rounded value when the Clinger fast path applies: a mantissa
        /// of at most 53 bits and a power of ten that is itself exact in a Double.
        var exactValue: Double? {
            if mantissa == 0 { return 0 }
            guard !truncated, mantissa <= (1 << 53), exponent10 >= -22, exponent10 <= 22 else { return nil }
            let m = Double(mantissa)
            return exponent10 >= 0 ? m * powersOfTen[exponent10] : m / powersOfTen[-exponent10]
        }
    }

    /// Scans `[digits][.digits][e[sign]digits]` (at least one mantissa digit) from `i` to `n`.
    static func scanDecimal(_ p: UnsafePointer<UInt8>, from start: Int, count n: Int) -> Decimal? {
        var d = Decimal()
        var i = start
        var sawDigit = false
        var significant = 0
        while i < n, p[i] &- 48 < 10 {
            let digit = UInt64(p[i] &- 48)
            sawDigit = true
            if d.mantissa == 0 && digit == 0 {
                // Leading zero: no significance.
            } else if significant < 19 {
                d.mantissa = d.mantissa &* 10 &+ digit
                significant += 1
            } else {
                d.exponent10 += 1
                if digit != 0 { d.truncated = true }
            }
            i += 1
        }
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, p[i] &- 48 < 10 {
                let digit = UInt64(p[i] &- 48)
                sawDigit = true
                if d.mantissa == 0 && digit == 0 {
                    d.exponent10 -= 1
                } else if significant < 19 {
                    d.mantissa = d.mantissa &* 10 &+ digit
                    d.exponent10 -= 1
                    significant += 1
                } else if digit != 0 {
                    d.truncated = true
                }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < n, p[i] | 0x20 == UInt8(ascii: "e") {
            d.hasExponent = true
            i += 1
            var expNegative = false
            if i < n, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                expNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var sawExpDigit = false
            while i < n, p[i] &- 48 < 10 {
                // Clamp: beyond this every value is 0 or out of range anyway.
                e = Swift.min(e * 10 + Int(p[i] &- 48), 100_000)
                sawExpDigit = true
                i += 1
            }
            guard sawExpDigit else { return nil }
            d.exponent10 += expNegative ? -e : e
        }
        return i == n ? d : nil
    }

    /// Correct rounding for long or extreme numbers, through the C library.
    /// The syntax was already checked, so `strtod` sees only what Go would accept.
    private static func slowParse(_ p: UnsafePointer<UInt8>, count n: Int) -> FloatResult {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { tmp in
            guard let base = tmp.baseAddress else { return .invalidSyntax }
            p.withMemoryRebound(to: CChar.self, capacity: n) { src in
                base.update(from: src, count: n)
            }
            base[n] = 0
            let v = strtod(base, nil)
            return v.isInfinite ? .outOfRange : .value(v)
        }
    }

    private static func matchesLowercase(_ p: UnsafePointer<UInt8>, _ word: StaticString) -> Bool {
        let w = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount where p[k] | 0x20 != w[k] { return false }
        return true
    }

    private static let powersOfTen: [Double] = (0...22).map { k in
        var v = 1.0
        for _ in 0..<k { v *= 10 }
        return v
    }

    // MARK: Timestamps

    /// A Prometheus text timestamp: decimal digits only (the lexer's `{D}+`), milliseconds.
    static func parseMillis(_ p: UnsafePointer<UInt8>, count n: Int) -> Int64? {
        guard n > 0 else { return nil }
        var v: Int64 = 0
        for k in 0..<n {
            let digit = p[k] &- 48
            guard digit < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(digit))
            if o1 || o2 { return nil }
            v = s
        }
        return v
    }

    enum SecondsResult {
        case value(millis: Int64, seconds: Double)
        case invalidSyntax
        case outOfRange
    }

    /// An OpenMetrics timestamp: a real number of seconds (no Inf or NaN), converted
    /// to milliseconds. Plain decimals convert exactly (truncating below a
    /// millisecond, as Prometheus's `int64(ts*1000)` intends); exponent forms go
    /// through a Double.
    static func parseSeconds(_ p: UnsafePointer<UInt8>, count n: Int) -> SecondsResult {
        guard n > 0 else { return .invalidSyntax }
        var i = 0
        var negative = false
        if p[0] == UInt8(ascii: "+") || p[0] == UInt8(ascii: "-") {
            negative = p[0] == UInt8(ascii: "-")
            i = 1
        }
        guard let decimal = scanDecimal(p, from: i, count: n) else { return .invalidSyntax }
        let seconds: Double
        if let fast = decimal.exactValue {
            seconds = negative ? -fast : fast
        } else {
            guard case .value(let v) = slowParse(p, count: n) else { return .outOfRange }
            seconds = v
        }
        if !decimal.hasExponent, let exact = exactMillis(p, from: i, count: n) {
            return .value(millis: negative ? -exact : exact, seconds: seconds)
        }
        let ms = (seconds * 1000).rounded(.towardZero)
        guard ms.isFinite, ms > -9.2e18, ms < 9.2e18 else { return .outOfRange }
        return .value(millis: Int64(ms), seconds: seconds)
    }

    /// `digits[.digits]` seconds as whole milliseconds, or nil on overflow.
    private static func exactMillis(_ p: UnsafePointer<UInt8>, from start: Int, count n: Int) -> Int64? {
        var whole: Int64 = 0
        var i = start
        while i < n, p[i] &- 48 < 10 {
            let (m, o1) = whole.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(p[i] &- 48))
            if o1 || o2 { return nil }
            whole = s
            i += 1
        }
        var fraction: Int64 = 0
        var places = 0
        if i < n, p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, places < 3, p[i] &- 48 < 10 {
                fraction = fraction * 10 + Int64(p[i] &- 48)
                places += 1
                i += 1
            }
        }
        while places < 3 {
            fraction *= 10
            places += 1
        }
        let (ms, o1) = whole.multipliedReportingOverflow(by: 1000)
        let (total, o2) = ms.addingReportingOverflow(fraction)
        return o1 || o2 ? nil : total
    }
}
