import Model

/// A small, fast JSON writer producing bytes directly.
///
/// The query API writes large matrices (1,000 series × 240 points); building
/// them through `JSONSerialization` or `Codable` allocates per value, so the API
/// writes JSON by hand with this.
public struct JSONWriter: Sendable {
    public internal(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    @inline(__always) public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) public mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// A JSON string literal with the escapes RFC 8259 requires.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            for b in buf {
                switch b {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0..<0x20:
                    raw("\\u00")
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0xf)])
                default: bytes.append(b)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func int(_ v: Int64) { GoFloat.appendInteger(v, to: &bytes) }
    public mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }
    public mutating func null() { raw("null") }

    /// `"key":`
    public mutating func key(_ k: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(k)
        raw("\":")
    }

    public mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }

    @inline(__always) public mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    /// A flat object of string values, keys in the given order.
    public mutating func stringObject(_ pairs: [(String, String)]) {
        raw("{")
        for (i, (k, v)) in pairs.enumerated() {
            if i > 0 { comma() }
            key(k)
            string(v)
        }
        raw("}")
    }
}
