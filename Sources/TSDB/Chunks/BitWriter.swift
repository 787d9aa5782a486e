/// Appends a big-endian (most significant bit first) bit stream to a byte
/// array. Used when sealing chunks, where the output size is known roughly
/// up front and the writer lives only for one encoding attempt.
struct BitWriter {
    private(set) var bytes: [UInt8]
    /// Bits written so far.
    private(set) var bitCount: Int = 0

    init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes the low `n` bits (0...64) of `value`.
    mutating func write(_ value: UInt64, _ n: Int) {
        var left = n
        while left > 0 {
            let used = bitCount & 7
            if used == 0 { bytes.append(0) }
            let free = 8 &- used
            let take = left < free ? left : free
            let chunk = UInt8(truncatingIfNeeded: (value >> UInt64(left &- take)) & ((1 << UInt64(take)) &- 1))
            bytes[bytes.count &- 1] |= chunk << UInt8(free &- take)
            left &-= take
            bitCount &+= take
        }
    }

    @inline(__always)
    mutating func writeBit(_ bit: Bool) { write(bit ? 1 : 0, 1) }

    /// Pads to the next byte boundary with zero bits.
    mutating func alignToByte() { bitCount = bytes.count &* 8 }

    /// Writes an unsigned LEB128 varint, 8 bits per group, at the current position.
    mutating func writeUVarint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            write((x & 0x7f) | 0x80, 8)
            x >>= 7
        }
        write(x, 8)
    }

    /// Writes a zigzag-encoded signed varint.
    mutating func writeVarint(_ v: Int64) { writeUVarint(zigzagEncode(v)) }
}

/// Length in bytes of `v` as an unsigned LEB128 varint.
@inline(__always)
func uvarintSize(_ v: UInt64) -> Int { max(1, (bitWidth(v) &+ 6) / 7) }

/// Length in bytes of `v` as a zigzag varint.
@inline(__always)
func varintSize(_ v: Int64) -> Int { uvarintSize(zigzagEncode(v)) }
