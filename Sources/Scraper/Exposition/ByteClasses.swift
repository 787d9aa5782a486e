/// Byte classes and escaping shared by the exposition scanners.
enum ASCII {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
    static let braceOpen = UInt8(ascii: "{")
    static let braceClose = UInt8(ascii: "}")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let underscore = UInt8(ascii: "_")
    static let colon = UInt8(ascii: ":")

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }

    /// `[a-zA-Z_:]`
    @inline(__always) static func isMetricNameStart(_ b: UInt8) -> Bool {
        isLetter(b) || b == underscore || b == colon
    }

    /// `[a-zA-Z0-9_:]`
    @inline(__always) static func isMetricNameChar(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == underscore || b == colon
    }

    /// `[a-zA-Z_]`
    @inline(__always) static func isLabelNameStart(_ b: UInt8) -> Bool { isLetter(b) || b == underscore }

    /// `[a-zA-Z0-9_]`
    @inline(__always) static func isLabelNameChar(_ b: UInt8) -> Bool {
        isLetter(b) || isDigit(b) || b == underscore
    }
}

/// Which backslash escapes a piece of text understands. Unknown escapes are kept
/// verbatim (backslash included), as Prometheus's replacers and the reference
/// OpenMetrics parser do.
enum EscapeStyle {
    /// `\\`, `\"`, `\n`: label values, quoted names, OpenMetrics HELP.
    case full
    /// `\\`, `\n`: Prometheus text HELP, where `\"` stays as written.
    case help
}

enum Escaping {
    /// Calls `emit` with each byte of the decoded text in `p[start..<end]`.
    @inline(__always)
    static func forEachDecodedByte(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, style: EscapeStyle, _ emit: (UInt8) -> Void
    ) {
        var i = start
        while i < end {
            let b = p[i]
            if b == ASCII.backslash, i + 1 < end {
                let n = p[i + 1]
                switch n {
                case ASCII.backslash: emit(ASCII.backslash); i += 2; continue
                case UInt8(ascii: "n"): emit(ASCII.newline); i += 2; continue
                case ASCII.quote where style == .full: emit(ASCII.quote); i += 2; continue
                default: break
                }
            }
            emit(b)
            i += 1
        }
    }

    /// The decoded text as a String. The bytes were checked to be valid UTF-8.
    static func decode(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, escaped: Bool, style: EscapeStyle) -> String {
        if !escaped {
            return String(decoding: UnsafeBufferPointer(start: p + range.lowerBound, count: range.count), as: UTF8.self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        forEachDecodedByte(p, range.lowerBound, range.upperBound, style: style) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether two escaped byte ranges decode to the same text.
    static func decodedEqual(_ p: UnsafePointer<UInt8>, _ a: Range<Int>, _ aEscaped: Bool, _ b: Range<Int>, _ bEscaped: Bool) -> Bool {
        if !aEscaped && !bEscaped {
            return a.count == b.count && memoryEqual(p + a.lowerBound, p + b.lowerBound, a.count)
        }
        var left: [UInt8] = []
        var right: [UInt8] = []
        forEachDecodedByte(p, a.lowerBound, a.upperBound, style: .full) { left.append($0) }
        forEachDecodedByte(p, b.lowerBound, b.upperBound, style: .full) { right.append($0) }
        return left == right
    }

    /// Whether the decoded range equals `bytes`.
    static func decodedEquals(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, escaped: Bool, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if !escaped {
            guard range.count == bytes.count, let base = bytes.baseAddress else { return range.isEmpty && bytes.isEmpty }
            return memoryEqual(p + range.lowerBound, base, range.count)
        }
        var k = 0
        var equal = true
        forEachDecodedByte(p, range.lowerBound, range.upperBound, style: .full) { b in
            if k >= bytes.count || bytes[k] != b { equal = false }
            k += 1
        }
        return equal && k == bytes.count
    }

    @inline(__always)
    static func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var i = 0
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}

enum UTF8Check {
    /// Strict UTF-8 validation (no overlongs, no surrogates, at most U+10FFFF).
    static func isValid(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        var i = start
        while i < end {
            let b0 = p[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lowest = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; highest = 0x9F
            case 0xF0: length = 4; lowest = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; highest = 0x8F
            default: return false
            }
            guard i + length <= end else { return false }
            let b1 = p[i + 1]
            guard b1 >= lowest && b1 <= highest else { return false }
            for k in 2..<max(2, length) where p[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    /// The number of code points in the decoded form of an escaped range.
    static func decodedCodePointCount(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, escaped: Bool) -> Int {
        var count = 0
        if escaped {
            Escaping.forEachDecodedByte(p, range.lowerBound, range.upperBound, style: .full) { b in
                if b & 0xC0 != 0x80 { count += 1 }
            }
        } else {
            for i in range where p[i] & 0xC0 != 0x80 { count += 1 }
        }
        return count
    }
}
