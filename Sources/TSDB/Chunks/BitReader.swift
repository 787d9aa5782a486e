/// Reads a big-endian (most significant bit first) bit stream straight from
/// raw bytes, never touching memory outside them.
///
/// Reading past the end does not trap: the missing bits read as zero and
/// `overran` becomes true, so decoders check once per sample instead of
/// once per field. This is what keeps corrupt chunks from crashing a reader.
struct BitReader {
    let base: UnsafeRawPointer?
    let byteCount: Int
    /// Bit position of the next read, from the start of `base`.
    var position: Int
    /// Bit position where readable data ends.
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, bitOffset: Int = 0) {
        self.base = bytes.baseAddress
        self.byteCount = bytes.count
        self.position = bitOffset
        self.end = bytes.count &* 8
    }

    /// True once a read went past the end of the data.
    @inline(__always)
    var overran: Bool { position > end }

    /// Bits left to read (negative after an overrun).
    @inline(__always)
    var remaining: Int { end &- position }

    /// The 64 bits starting at byte `index`, zero-padded past the end.
    @inline(__always)
    private func word(atByte index: Int) -> UInt64 {
        guard let base else { return 0 }
        if index &+ 8 <= byteCount {
            return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        }
        var w: UInt64 = 0
        var i = 0
        while i < 8 {
            w <<= 8
            let at = index &+ i
            if at >= 0, at < byteCount { w |= UInt64(base.load(fromByteOffset: at, as: UInt8.self)) }
            i &+= 1
        }
        return w
    }

    /// Reads `n` bits (0...64) as an unsigned integer.
    @inline(__always)
    mutating func read(_ n: Int) -> UInt64 {
        if n == 0 { return 0 }
        let value = peek(n)
        position &+= n
        return value
    }

    /// The next `n` bits (1...64) without consuming them.
    @inline(__always)
    func peek(_ n: Int) -> UInt64 {
        let byte = position >> 3
        let shift = position & 7
        var w = word(atByte: byte) << UInt64(shift)
        if shift &+ n > 64 {
            w |= word(atByte: byte &+ 8) >> UInt64(64 &- shift)
        }
        return w >> UInt64(64 &- n)
    }

    @inline(__always)
    mutating func readBit() -> Bool { read(1) != 0 }

    /// Counts (and consumes) up to `limit` one-bits before a zero bit; the
    /// zero is consumed too when found. Gorilla's prefix codes.
    @inline(__always)
    mutating func readOnes(limit: Int) -> Int {
        let bits = peek(limit)
        let ones = (~(bits << UInt64(64 &- limit))).leadingZeroBitCount
        let n = ones < limit ? ones : limit
        position &+= n < limit ? n &+ 1 : n
        return n
    }

    /// Reads a byte-aligned unsigned LEB128 varint. Returns nil when it is
    /// longer than 10 bytes or runs past the end.
    mutating func readUVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = 0
        while i < 10 {
            if position &+ 8 > end { position = end &+ 1; return nil }
            let b = read(8)
            if i == 9 && b > 1 { return nil }
            result |= (b & 0x7f) << shift
            if b < 0x80 { return result }
            shift &+= 7
            i &+= 1
        }
        return nil
    }

    /// Reads a zigzag-encoded signed varint.
    mutating func readVarint() -> Int64? {
        guard let u = readUVarint() else { return nil }
        return zigzagDecode(u)
    }
}

@inline(__always)
func zigzagEncode(_ v: Int64) -> UInt64 {
    UInt64(bitPattern: (v &<< 1) ^ (v >> 63))
}

@inline(__always)
func zigzagDecode(_ u: UInt64) -> Int64 {
    Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1)
}

/// Bits needed to write `v` as an unsigned integer (0 for 0).
@inline(__always)
func bitWidth(_ v: UInt64) -> Int { 64 &- v.leadingZeroBitCount }
