/// Something bits can be appended to (the head's stream, a sealing writer).
protocol BitSink {
    mutating func write(_ value: UInt64, _ n: Int)
}

extension BitWriter: BitSink {}

/// Gorilla's float compression, exactly as Prometheus's chunkenc writes it:
/// '0' for a repeated value, else '1' and the XOR with the previous value,
/// either '0' + meaningful bits inside the previous leading/trailing-zero
/// window, or '1' + 5 bits leading zeros + 6 bits length + the bits.
struct XORValueEncoder {
    /// Bit pattern of the previous value.
    var previous: UInt64
    private var leading: UInt8 = 0xff
    private var trailing: UInt8 = 0

    init(first: UInt64) { previous = first }

    mutating func encode<Sink: BitSink>(_ bits: UInt64, to sink: inout Sink) {
        let xor = bits ^ previous
        previous = bits
        if xor == 0 {
            sink.write(0, 1)
            return
        }
        let newLeading = UInt8(min(xor.leadingZeroBitCount, 31))
        let newTrailing = UInt8(xor.trailingZeroBitCount)
        if leading != 0xff, newLeading >= leading, newTrailing >= trailing {
            sink.write(0b10, 2)
            sink.write(xor >> UInt64(trailing), 64 - Int(leading) - Int(trailing))
            return
        }
        leading = newLeading
        trailing = newTrailing
        let significant = 64 - Int(newLeading) - Int(newTrailing)
        sink.write(0b11, 2)
        sink.write(UInt64(newLeading), 5)
        // 64 significant bits do not fit in 6 bits and 0 never occurs: 0 means 64.
        sink.write(UInt64(significant & 63), 6)
        sink.write(xor >> UInt64(newTrailing), significant)
    }
}

/// Reads what `XORValueEncoder` writes.
struct XORValueDecoder {
    private var leading = 0
    private var trailing = 0

    /// The next value's bit pattern given the previous one, or nil when the
    /// window fields are impossible (corrupt data).
    @inline(__always)
    mutating func decode(previous: UInt64, from reader: inout BitReader) -> UInt64? {
        // The control bits and window fields (at most 13 bits) come from one
        // peek instead of four reads; bits past the end peek as zero, and the
        // caller's overrun check sees the advanced position.
        let head = reader.peek(13)
        if head & 0x1000 == 0 {
            reader.position &+= 1
            return previous
        }
        if head & 0x0800 == 0 {
            reader.position &+= 2
        } else {
            let newLeading = Int(truncatingIfNeeded: (head >> 6) & 31)
            var significant = Int(truncatingIfNeeded: head & 63)
            if significant == 0 { significant = 64 }
            guard newLeading + significant <= 64 else { return nil }
            leading = newLeading
            trailing = 64 - newLeading - significant
            reader.position &+= 13
        }
        return previous ^ (reader.read(64 - leading - trailing) << UInt64(trailing))
    }
}

/// Counts bits instead of storing them, to price an encoding.
struct BitCounter: BitSink {
    var bitCount = 0
    @inline(__always)
    mutating func write(_ value: UInt64, _ n: Int) { bitCount += n }
}
