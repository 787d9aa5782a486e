import Model

/// xxHash64 (seed 0), the hash Prometheus uses for label sets; `limit_ratio`
/// needs it to pick the same series as Prometheus does.
enum XXHash64 {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    @inline(__always) private static func rotl(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }

    @inline(__always) private static func round(_ acc: UInt64, _ input: UInt64) -> UInt64 {
        rotl(acc &+ input &* p2, 31) &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ val: UInt64) -> UInt64 {
        (acc ^ round(0, val)) &* p1 &+ p4
    }

    static func hash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { buf in
            let n = buf.count
            var i = 0
            func read64(_ at: Int) -> UInt64 {
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(buf[at + k]) << (8 * UInt64(k)) }
                return v
            }
            func read32(_ at: Int) -> UInt64 {
                var v: UInt64 = 0
                for k in 0..<4 { v |= UInt64(buf[at + k]) << (8 * UInt64(k)) }
                return v
            }
            var h: UInt64
            if n >= 32 {
                var v1 = p1 &+ p2, v2 = p2, v3: UInt64 = 0, v4 = 0 &- p1
                while i + 32 <= n {
                    v1 = round(v1, read64(i))
                    v2 = round(v2, read64(i + 8))
                    v3 = round(v3, read64(i + 16))
                    v4 = round(v4, read64(i + 24))
                    i += 32
                }
                h = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
                h = merge(h, v1)
                h = merge(h, v2)
                h = merge(h, v3)
                h = merge(h, v4)
            } else {
                h = p5
            }
            h = h &+ UInt64(n)
            while i + 8 <= n {
                h ^= round(0, read64(i))
                h = rotl(h, 27) &* p1 &+ p4
                i += 8
            }
            if i + 4 <= n {
                h ^= read32(i) &* p1
                h = rotl(h, 23) &* p2 &+ p3
                i += 4
            }
            while i < n {
                h ^= UInt64(buf[i]) &* p5
                h = rotl(h, 11) &* p1
                i += 1
            }
            h ^= h >> 33
            h = h &* p2
            h ^= h >> 29
            h = h &* p3
            h ^= h >> 32
            return h
        }
    }
}

extension Labels {
    /// Prometheus's labels.Hash(): xxHash64 over `name 0xff value 0xff ...`.
    var prometheusHash: UInt64 {
        var bytes: [UInt8] = []
        for p in pairs {
            bytes.append(contentsOf: p.name.utf8)
            bytes.append(0xff)
            bytes.append(contentsOf: p.value.utf8)
            bytes.append(0xff)
        }
        return XXHash64.hash(bytes)
    }
}
