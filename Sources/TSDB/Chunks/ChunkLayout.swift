/// What a chunk's header says about its layout, for `ember tsdb analyze`
/// style reports and compression measurements.
public struct ChunkLayout: Sendable, Equatable, CustomStringConvertible {
    public let encoding: ChunkEncoding
    public let count: Int
    /// The timestamp column's layout, e.g. "delta constant" or "dod rice k=3".
    public let timestamps: String
    /// The value column's layout, e.g. "decimal(1) delta rice-zigzag k=2".
    public let values: String
    /// Values stored verbatim beside an integer column (stale markers, ...).
    public let exceptions: Int

    public var description: String {
        "\(encoding) n=\(count) t: \(timestamps) v: \(values)" + (exceptions > 0 ? " +\(exceptions) exceptions" : "")
    }

    /// Reads the layout from a chunk's header without decoding its samples.
    public init(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer) throws {
        let it = try ChunkCursor(encoding: encoding, bytes: bytes)
        self.encoding = encoding
        count = it.count
        switch encoding {
        case .xor:
            timestamps = "gorilla dod"
            values = "gorilla xor"
            exceptions = 0
        case .columnar:
            timestamps = Self.describe(it.timeColumn)
            let v = it.valueColumn
            exceptions = v.exceptionsLeft
            switch v.kind {
            case .decimal(let digits): values = (digits == 0 ? "integer " : "decimal(\(digits)) ") + Self.describe(v.integers)
            case .rawBits: values = "float bits " + Self.describe(v.integers)
            case .xor: values = "gorilla xor"
            }
        }
    }

    private static func describe(_ column: IntColumnDecoder) -> String {
        var s = ["grid ", "delta ", "dod "][column.order]
        switch column.packing {
        case .constant: s += "constant"
        case .frameOfReference: s += "bits w=\(column.k)"
        case .riceOffset: s += "rice-offset k=\(column.k)"
        case .riceZigzag: s += "rice-zigzag k=\(column.k)"
        case .expGolombZigzag: s += "expgolomb k=\(column.k)"
        case .sparse: s += "sparse"
        }
        return column.gcd > 1 ? s + " gcd=\(column.gcd)" : s
    }
}
