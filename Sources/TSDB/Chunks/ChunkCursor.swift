/// All mutable decoding state of one chunk: a value type, so a decoding
/// step touches no class properties (each such access would cost a dynamic
/// exclusivity check, which made decoding several times slower).
struct ChunkCursor {
    let encoding: ChunkEncoding
    var reader: BitReader
    /// Samples in the chunk.
    let count: Int
    /// Samples decoded so far; the current one is `decoded - 1`.
    var decoded = 0
    var currentTime: Int64 = 0
    var currentBits: UInt64 = 0
    var error: ChunkError?
    /// True once `next()` returned false.
    var exhausted = false

    // Gorilla state.
    private var xorDelta: Int64 = 0
    private var xorValues = XORValueDecoder()

    // Columnar state: one cursor per column.
    private(set) var timeColumn = IntColumnDecoder()
    private(set) var valueColumn = ValueColumnDecoder()

    /// Parses the chunk header; throws when it is unreadable.
    init(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer) throws {
        self.encoding = encoding
        reader = BitReader(bytes)
        switch encoding {
        case .xor:
            guard bytes.count >= 2 else { throw ChunkError.truncated(encoding: .xor, offset: 0, field: "sample count") }
            count = Int(reader.read(16))
        case .columnar:
            guard let n = reader.readUVarint() else { throw ChunkError.truncated(encoding: .columnar, offset: 0, field: "sample count") }
            guard n >= 1, n <= UInt64(ColumnarLayout.maxSamples) else {
                throw ChunkError.corrupt(encoding: .columnar, offset: 0, field: "sample count",
                                         reason: "\(n) is outside 1...\(ColumnarLayout.maxSamples)")
            }
            count = Int(n)
            timeColumn = try IntColumnDecoder(parsing: &reader, count: count, withLength: true, column: "timestamps")
            valueColumn = try ValueColumnDecoder(parsing: &reader, count: count)
        }
    }

    /// A cursor over nothing, carrying `error` if there was one.
    init(empty error: ChunkError?) {
        encoding = .xor
        reader = BitReader(UnsafeRawBufferPointer(start: nil, count: 0))
        count = 0
        self.error = error
    }

    @inline(__always)
    mutating func next() -> Bool {
        guard decoded < count else {
            exhausted = true
            return false
        }
        switch encoding {
        case .xor: decodeXOR()
        case .columnar: decodeColumnar()
        }
        if reader.overran, error == nil {
            fail(.truncated(encoding: encoding, offset: min(reader.position, reader.end) >> 3, field: "sample \(decoded)"))
        }
        guard error == nil else {
            exhausted = true
            return false
        }
        decoded &+= 1
        return true
    }

    @inline(__always)
    mutating func seek(_ t: Int64) -> Bool {
        if exhausted { return false }
        if decoded > 0, currentTime >= t { return true }
        while next() {
            if currentTime >= t { return true }
        }
        return false
    }

    /// Stops iteration with `error`.
    mutating func fail(_ error: ChunkError) {
        if self.error == nil { self.error = error }
        decoded = count
    }

    @inline(__always)
    private mutating func decodeXOR() {
        switch decoded {
        case 0:
            guard let t = reader.readVarint() else { return }
            currentTime = t
            currentBits = reader.read(64)
        case 1:
            guard let delta = reader.readUVarint() else { return }
            xorDelta = Int64(bitPattern: delta)
            currentTime &+= xorDelta
            decodeXORValue()
        default:
            let dod: Int64
            switch reader.readOnes(limit: 4) {
            case 0: dod = 0
            case 1: dod = Self.signed(reader.read(14), bits: 14)
            case 2: dod = Self.signed(reader.read(17), bits: 17)
            case 3: dod = Self.signed(reader.read(20), bits: 20)
            default: dod = Int64(bitPattern: reader.read(64))
            }
            xorDelta &+= dod
            currentTime &+= xorDelta
            decodeXORValue()
        }
    }

    /// Undoes Prometheus's bucket encoding: range [-(2^(n-1) - 1), 2^(n-1)].
    @inline(__always)
    private static func signed(_ raw: UInt64, bits: Int) -> Int64 {
        let v = Int64(bitPattern: raw)
        return v > 1 << (bits - 1) ? v - (1 << bits) : v
    }

    @inline(__always)
    private mutating func decodeXORValue() {
        guard let bits = xorValues.decode(previous: currentBits, from: &reader) else {
            fail(.corrupt(encoding: .xor, offset: reader.position >> 3, field: "value \(decoded)",
                          reason: "leading zeros + significant bits exceed 64"))
            return
        }
        currentBits = bits
    }

    @inline(__always)
    private mutating func decodeColumnar() {
        currentTime = timeColumn.next()
        currentBits = valueColumn.next()
        if timeColumn.damaged || timeColumn.reader.overran {
            fail(.corrupt(encoding: .columnar, offset: timeColumn.reader.position >> 3, field: "timestamp \(decoded)",
                          reason: "the column ends early or holds an impossible code"))
        } else if valueColumn.failed {
            fail(.corrupt(encoding: .columnar, offset: valueColumn.byteOffset, field: "value \(decoded)",
                          reason: "the column ends early or holds an impossible code"))
        }
    }
}
