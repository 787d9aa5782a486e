/// Streams the integers of a column written by `IntColumnEncoder`, one per
/// `next()`, with its own cursor into the chunk bytes.
struct IntColumnDecoder {
    /// Cursor at the next residual.
    var reader = BitReader(UnsafeRawBufferPointer(start: nil, count: 0))
    /// Set when a code is longer than any encoder writes.
    private(set) var damaged = false
    private var count = 0
    private var produced = 0
    private(set) var order = 1
    private(set) var packing = IntPacking.constant
    private(set) var gcd: UInt64 = 1
    private var base: Int64 = 0
    private(set) var k = 0
    private var sparseValueK = 0
    private var sparseLeft = 0
    private var nextSparse = Int.max
    private var residualIndex = 0
    private var current: Int64 = 0
    private var delta: Int64 = 0

    init() {}

    /// Parses a column header of `count` values at `reader`'s position and
    /// moves `reader` past the column when its end is known from the
    /// header (always when `withLength`).
    init(parsing reader: inout BitReader, count: Int, withLength: Bool, column: String) throws {
        let errors = ColumnErrors(column: column)
        self.count = count
        guard let first = reader.readVarint() else { throw errors.truncated("first value", reader) }
        current = first
        guard count > 1 else { return }
        order = Int(reader.read(2))
        guard order == 1 || ((order == 2 || order == 0) && count > 2) else {
            throw errors.corrupt("order", "\(order) is not a residual order for \(count) values", reader)
        }
        if order != 1 {
            // The first delta (order 2) or the grid step (order 0).
            guard let d = reader.readVarint() else { throw errors.truncated(order == 2 ? "first delta" : "grid step", reader) }
            delta = d
        }
        let rawPacking = reader.read(3)
        guard let p = IntPacking(rawValue: UInt8(rawPacking)) else { throw errors.corrupt("packing", "unknown packing \(rawPacking)", reader) }
        packing = p
        if packing != .constant, reader.readBit() {
            guard let g = reader.readUVarint() else { throw errors.truncated("divisor", reader) }
            guard g > 1 else { throw errors.corrupt("divisor", "divisor \(g) must exceed 1", reader) }
            gcd = g
        }
        guard let b = reader.readVarint() else { throw errors.truncated("base", reader) }
        base = b
        try parseParameters(&reader, residuals: count - max(order, 1), errors: errors)

        var payloadBits: Int?
        if packing == .frameOfReference { payloadBits = (count - max(order, 1)) * k }
        if packing == .constant { payloadBits = 0 }
        if withLength, packing.hasVariableLength {
            guard let length = reader.readUVarint() else { throw errors.truncated("payload length", reader) }
            payloadBits = Int(clamping: length)
        }
        guard !reader.overran else { throw errors.truncated("header", reader) }
        self.reader = reader
        if let payloadBits {
            guard payloadBits <= reader.remaining else { throw errors.truncated("payload (\(payloadBits) bits)", reader) }
            reader.position += payloadBits
        }
        if packing == .sparse { nextSparse = readSparseGap(after: -1) }
    }

    /// Reads the packing's own header fields.
    private mutating func parseParameters(_ reader: inout BitReader, residuals: Int, errors: ColumnErrors) throws {
        switch packing {
        case .constant: break
        case .frameOfReference:
            k = Int(reader.read(7))
            guard k <= 64 else { throw errors.corrupt("bit width", "\(k) exceeds 64", reader) }
        case .riceOffset, .riceZigzag:
            k = Int(reader.read(6))
        case .expGolombZigzag:
            k = Int(reader.read(6))
            guard k <= 62 else { throw errors.corrupt("Exp-Golomb order", "\(k) exceeds 62", reader) }
        case .sparse:
            guard let e = reader.readUVarint() else { throw errors.truncated("exception count", reader) }
            guard e >= 1, e <= UInt64(residuals) else { throw errors.corrupt("exception count", "\(e) for \(residuals) residuals", reader) }
            sparseLeft = Int(e)
            k = Int(reader.read(6))
            sparseValueK = Int(reader.read(6))
            guard k <= 62, sparseValueK <= 62 else { throw errors.corrupt("Exp-Golomb order", "above 62", reader) }
        }
    }

    /// The next integer; the caller stops after `count` of them.
    @inline(__always)
    mutating func next() -> Int64 {
        defer { produced &+= 1 }
        if produced == 0 { return current }
        let g = Int64(bitPattern: gcd)
        switch order {
        case 1:
            current &+= nextResidual() &* g
            return current
        case 2:
            if produced > 1 { delta &+= nextResidual() &* g }
            current &+= delta
            return current
        default:
            // `current` walks the grid; the residual is the offset from it.
            current &+= delta
            return current &+ nextResidual() &* g
        }
    }

    @inline(__always)
    private mutating func nextResidual() -> Int64 {
        switch packing {
        case .constant:
            return base
        case .frameOfReference:
            return base &+ Int64(bitPattern: reader.read(k))
        case .riceOffset:
            return base &+ Int64(bitPattern: readRice())
        case .riceZigzag:
            return base &+ zigzagDecode(readRice())
        case .expGolombZigzag:
            return base &+ zigzagDecode(readExpGolomb(k))
        case .sparse:
            let index = residualIndex
            residualIndex &+= 1
            guard index == nextSparse else { return base }
            let value = zigzagDecode(readExpGolomb(sparseValueK) &+ 1)
            nextSparse = readSparseGap(after: index)
            return base &+ value
        }
    }

    private mutating func readSparseGap(after index: Int) -> Int {
        guard sparseLeft > 0 else { return Int.max }
        sparseLeft -= 1
        let gap = readExpGolomb(k)
        guard gap < UInt64(count) else {
            damaged = true
            return Int.max
        }
        return index &+ 1 &+ Int(gap)
    }

    @inline(__always)
    private mutating func readRice() -> UInt64 {
        let q = reader.peek(64).leadingZeroBitCount
        guard q <= IntColumnEncoder.maxPrefix else {
            damaged = true
            return 0
        }
        reader.position &+= q &+ 1
        return (UInt64(q) &<< UInt64(k)) | reader.read(k)
    }

    @inline(__always)
    private mutating func readExpGolomb(_ order: Int) -> UInt64 {
        let zeros = reader.peek(64).leadingZeroBitCount
        let length = zeros &+ order &+ 1
        guard length <= 64 else {
            damaged = true
            return 0
        }
        reader.position &+= zeros
        return reader.read(length) &- (1 &<< UInt64(order))
    }
}

/// Errors naming a column's field and the byte where reading stopped.
private struct ColumnErrors {
    let column: String

    func truncated(_ field: String, _ reader: BitReader) -> ChunkError {
        .truncated(encoding: .columnar, offset: min(reader.position, reader.end) >> 3, field: "\(column) \(field)")
    }

    func corrupt(_ field: String, _ reason: String, _ reader: BitReader) -> ChunkError {
        .corrupt(encoding: .columnar, offset: reader.position >> 3, field: "\(column) \(field)", reason: reason)
    }
}
