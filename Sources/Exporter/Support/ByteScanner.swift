/// A cursor over the bytes of a kernel text file: lines, whitespace-separated fields
/// and numbers, without building Strings for fields that are only numbers.
struct ByteScanner {
    let bytes: [UInt8]
    var position: Int = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    /// The next line (without its newline), or nil at the end.
    mutating func nextLine() -> Range<Int>? {
        guard position < bytes.count else { return nil }
        let start = position
        while position < bytes.count, bytes[position] != 0x0A { position += 1 }
        let line = start ..< position
        if position < bytes.count { position += 1 }
        return line
    }

    /// Splits a range into whitespace-separated fields.
    func fields(_ range: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            while i < range.upperBound, isSpace(bytes[i]) { i += 1 }
            if i >= range.upperBound { break }
            let start = i
            while i < range.upperBound, !isSpace(bytes[i]) { i += 1 }
            out.append(start ..< i)
        }
        return out
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// True when the bytes in `range` equal `literal`.
    func equals(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for (k, i) in range.enumerated() where bytes[i] != p[k] { return false }
        return true
    }

    func hasPrefix(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count >= literal.utf8CodeUnitCount else { return false }
        let p = literal.utf8Start
        for k in 0 ..< literal.utf8CodeUnitCount where bytes[range.lowerBound + k] != p[k] { return false }
        return true
    }

    /// An unsigned decimal integer filling the whole range, or nil.
    func uint64(_ range: Range<Int>) -> UInt64? {
        ByteScanner.parseUInt64(bytes, range)
    }

    /// A decimal number (optionally signed, with fraction) filling the whole range, or nil.
    func double(_ range: Range<Int>) -> Double? {
        ByteScanner.parseDouble(bytes, range)
    }

    static func parseUInt64(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        var n: UInt64 = 0
        for i in range {
            let b = bytes[i]
            guard isDigit(b) else { return nil }
            let (m, o1) = n.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(b - 48))
            if o1 || o2 { return nil }
            n = a
        }
        return n
    }

    static func parseInt64(_ bytes: [UInt8], _ range: Range<Int>) -> Int64? {
        guard !range.isEmpty else { return nil }
        if bytes[range.lowerBound] == UInt8(ascii: "-") {
            guard let u = parseUInt64(bytes, range.lowerBound + 1 ..< range.upperBound), u <= UInt64(Int64.max) else { return nil }
            return -Int64(u)
        }
        guard let u = parseUInt64(bytes, range), u <= UInt64(Int64.max) else { return nil }
        return Int64(u)
    }

    static func parseDouble(_ bytes: [UInt8], _ range: Range<Int>) -> Double? {
        guard !range.isEmpty else { return nil }
        // Plain integers are the common case; fall back to Double's own parser
        // (correctly rounded) for fractions, exponents, Inf and NaN.
        if let u = parseUInt64(bytes, range), u < (1 << 53) { return Double(u) }
        return Double(String(decoding: bytes[range], as: UTF8.self))
    }
}
