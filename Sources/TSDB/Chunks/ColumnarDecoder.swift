/// Streams the value column of a columnar chunk as bit patterns.
struct ValueColumnDecoder {
    private(set) var kind = ValueKind.xor
    private var scale = 1.0
    private(set) var integers = IntColumnDecoder()
    /// XOR stream cursor, or the exception list cursor for integer kinds.
    private var reader = BitReader(UnsafeRawBufferPointer(start: nil, count: 0))
    private var xor = XORValueDecoder()
    private var previous: UInt64 = 0
    private var index = 0
    private(set) var exceptionsLeft = 0
    private var nextException = Int.max
    private(set) var damaged = false

    init() {}

    /// Parses the value column header for `count` samples at `reader`.
    init(parsing reader: inout BitReader, count: Int) throws {
        let rawKind = reader.read(4)
        guard !reader.overran else { throw ChunkError.truncated(encoding: .columnar, offset: reader.position >> 3, field: "value kind") }
        guard let kind = ValueKind(rawValue: rawKind) else {
            throw ChunkError.corrupt(encoding: .columnar, offset: reader.position >> 3, field: "value kind", reason: "unknown kind \(rawKind)")
        }
        self.kind = kind
        if kind == .xor {
            self.reader = reader
            return
        }
        if case .decimal(let digits) = kind { scale = ValueKind.powersOfTen[digits] }
        let exceptions = reader.readBit() ? reader.readUVarint() : 0
        guard let exceptions, exceptions < UInt64(count) else {
            throw ChunkError.corrupt(encoding: .columnar, offset: reader.position >> 3, field: "value exceptions",
                                     reason: "missing, or not fewer than the \(count) samples")
        }
        exceptionsLeft = Int(exceptions)
        self.reader = reader
        // Skip the exception list to find the integers; it is read again lazily.
        var last = -1
        for _ in 0..<exceptionsLeft {
            guard let gap = reader.readUVarint(), reader.remaining >= 64 else {
                throw ChunkError.truncated(encoding: .columnar, offset: reader.position >> 3, field: "value exceptions")
            }
            guard gap < UInt64(count - 1 - last) else {
                throw ChunkError.corrupt(encoding: .columnar, offset: reader.position >> 3, field: "value exceptions",
                                         reason: "exception index past the \(count) samples")
            }
            last += 1 + Int(gap)
            reader.position += 64
        }
        integers = try IntColumnDecoder(parsing: &reader, count: count - exceptionsLeft, withLength: false, column: "values")
        nextException = readExceptionIndex(after: -1)
    }

    /// The next value's bit pattern.
    @inline(__always)
    mutating func next() -> UInt64 {
        defer { index &+= 1 }
        switch kind {
        case .decimal:
            if index == nextException { return readException() }
            return (Double(integers.next()) / scale).bitPattern
        case .rawBits:
            if index == nextException { return readException() }
            return UInt64(bitPattern: integers.next())
        case .xor:
            if index == 0 {
                previous = reader.read(64)
            } else if let bits = xor.decode(previous: previous, from: &reader) {
                previous = bits
            } else {
                damaged = true
            }
            return previous
        }
    }

    /// Whether a cursor ran past the data or met an impossible code.
    var failed: Bool { damaged || integers.damaged || reader.overran || integers.reader.overran }

    /// Byte offset of the furthest cursor, for error messages.
    var byteOffset: Int { max(reader.position, integers.reader.position) >> 3 }

    private mutating func readException() -> UInt64 {
        let bits = reader.read(64)
        nextException = readExceptionIndex(after: index)
        return bits
    }

    private mutating func readExceptionIndex(after index: Int) -> Int {
        guard exceptionsLeft > 0 else { return Int.max }
        exceptionsLeft -= 1
        // Validated while skipping the list in init.
        let gap = reader.readUVarint() ?? 0
        return index &+ 1 &+ Int(truncatingIfNeeded: gap)
    }
}
