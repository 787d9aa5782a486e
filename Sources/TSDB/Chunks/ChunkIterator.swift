import Model
import Storage

/// Decodes one chunk sample by sample, straight from its bytes (a mapped
/// chunk file or a head chunk snapshot), without allocating per sample.
///
/// A final class so a querier calling it in a loop dispatches statically.
/// When the bytes turn out damaged mid-way, `next()` returns false and
/// `error` says where; the iterator never reads outside its bytes.
public final class ChunkIterator: SampleIterator {
    /// Keeps the bytes alive (a mapping or a `ChunkByteStorage`).
    private let owner: AnyObject?
    let encoding: ChunkEncoding
    var reader: BitReader
    /// Samples in the chunk.
    public let count: Int
    /// Samples decoded so far; the current one is `decoded - 1`.
    var decoded = 0
    var currentTime: Int64 = 0
    var currentBits: UInt64 = 0
    /// Set when the bytes end early or hold an impossible field.
    public private(set) var error: ChunkError?
    /// True once `next()` returned false.
    private var exhausted = false

    // Gorilla state.
    private var xorDelta: Int64 = 0
    private var xorValues = XORValueDecoder()

    // Columnar state: one cursor per column.
    var timeColumn = IntColumnDecoder()
    var valueColumn = ValueColumnDecoder()

    /// The current sample's timestamp; valid after `next()` or `seek` returned true.
    public var timestamp: Timestamp { currentTime }
    /// The current sample's value, bit-exact (NaN payloads kept).
    public var value: Double { Double(bitPattern: currentBits) }

    init(encoding: ChunkEncoding, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        self.owner = owner
        self.encoding = encoding
        self.reader = BitReader(bytes)
        switch encoding {
        case .xor:
            guard bytes.count >= 2 else { throw ChunkError.truncated(encoding: .xor, offset: 0, field: "sample count") }
            count = Int(reader.read(16))
        case .columnar:
            guard let n = reader.readUVarint() else { throw ChunkError.truncated(encoding: .columnar, offset: 0, field: "sample count") }
            guard n >= 1, n <= UInt64(ColumnarLayout.maxSamples) else {
                throw ChunkError.corrupt(encoding: .columnar, offset: 0, field: "sample count", reason: "\(n) is outside 1...\(ColumnarLayout.maxSamples)")
            }
            count = Int(n)
            timeColumn = try IntColumnDecoder(parsing: &reader, count: count, withLength: true, column: "timestamps")
            valueColumn = try ValueColumnDecoder(parsing: &reader, count: count)
        }
    }

    /// An iterator over bytes this process encoded itself; a damaged header
    /// leaves it empty with `error` set instead of throwing.
    convenience init(uncheckedEncoding encoding: ChunkEncoding, storage: ChunkByteStorage, byteCount: Int) {
        let bytes = UnsafeRawBufferPointer(start: storage.elements, count: byteCount)
        do {
            try self.init(encoding: encoding, bytes: bytes, owner: storage)
        } catch {
            self.init(empty: error as? ChunkError)
        }
    }

    private init(empty error: ChunkError?) {
        owner = nil
        encoding = .xor
        reader = BitReader(UnsafeRawBufferPointer(start: nil, count: 0))
        count = 0
        self.error = error
    }

    /// An iterator with no samples.
    static var empty: ChunkIterator { ChunkIterator(empty: nil) }

    public func next() -> Bool {
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
        decoded += 1
        return true
    }

    public func seek(_ t: Timestamp) -> Bool {
        if exhausted { return false }
        if decoded > 0, currentTime >= t { return true }
        while next() {
            if currentTime >= t { return true }
        }
        return false
    }

    /// Stops iteration with `error`.
    func fail(_ error: ChunkError) {
        if self.error == nil { self.error = error }
        decoded = count
    }

    private func decodeXOR() {
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
            case 1: dod = signed(reader.read(14), bits: 14)
            case 2: dod = signed(reader.read(17), bits: 17)
            case 3: dod = signed(reader.read(20), bits: 20)
            default: dod = Int64(bitPattern: reader.read(64))
            }
            xorDelta &+= dod
            currentTime &+= xorDelta
            decodeXORValue()
        }
    }

    /// Undoes Prometheus's bucket encoding: range [-(2^(n-1) - 1), 2^(n-1)].
    @inline(__always)
    private func signed(_ raw: UInt64, bits: Int) -> Int64 {
        let v = Int64(bitPattern: raw)
        return v > 1 << (bits - 1) ? v - (1 << bits) : v
    }

    @inline(__always)
    private func decodeXORValue() {
        guard let bits = xorValues.decode(previous: currentBits, from: &reader) else {
            fail(.corrupt(encoding: .xor, offset: reader.position >> 3, field: "value \(decoded)",
                          reason: "leading zeros + significant bits exceed 64"))
            return
        }
        currentBits = bits
    }
}
