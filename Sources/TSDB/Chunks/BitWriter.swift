/// Appends a big-endian (most significant bit first) bit stream to a byte
/// array. Used when sealing chunks, where the output size is known roughly
/// up front and the writer lives only for one encoding attempt.
///
/// Bits gather in a 64-bit accumulator that is stored eight bytes at a
/// time: writing byte by byte made the writer a tenth of the sealing time.
struct BitWriter {
    /// Whole 64-bit words written so far, as bytes.
    private var full: [UInt8]
    /// Pending bits, left-aligned (the next bit goes below the last one).
    private var accumulator: UInt64 = 0
    private var pendingBits = 0

    init(capacity: Int = 0) {
        full = []
        full.reserveCapacity(capacity + 8)
    }

    /// Bits written so far.
    var bitCount: Int { full.count &* 8 &+ pendingBits }

    /// The stream so far, the last byte padded with zero bits.
    var bytes: [UInt8] {
        var out = full
        var word = accumulator
        for _ in 0..<(pendingBits + 7) / 8 {
            out.append(UInt8(truncatingIfNeeded: word >> 56))
            word <<= 8
        }
        return out
    }

    /// Writes the low `n` bits (0...64) of `value`.
    @inline(__always)
    mutating func write(_ value: UInt64, _ n: Int) {
        guard n > 0 else { return }
        let v = n == 64 ? value : value & ((1 &<< UInt64(n)) &- 1)
        let free = 64 &- pendingBits
        if n < free {
            accumulator |= v &<< UInt64(free &- n)
            pendingBits &+= n
            return
        }
        // Fill the accumulator, store it, and keep the bits that did not fit.
        let rest = n &- free
        accumulator |= v &>> UInt64(rest)
        storeAccumulator()
        accumulator = rest == 0 ? 0 : v &<< UInt64(64 &- rest)
        pendingBits = rest
    }

    private mutating func storeAccumulator() {
        withUnsafeBytes(of: accumulator.bigEndian) { full.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func writeBit(_ bit: Bool) { write(bit ? 1 : 0, 1) }

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
