import Model

/// Prometheus's per-group evaluation offset: xxHash64 of the label set
/// `{file="<file>", name="<group>"}` (as labels.Hash() serialises it), modulo
/// the interval in nanoseconds. Using the same hash makes Ember evaluate a
/// group at the same instants within its interval as Prometheus would.
enum GroupOffset {
    /// The offset in milliseconds (Prometheus works in ns; sample times are truncated to ms).
    static func milliseconds(name: String, file: String, intervalMs: Int64) -> Int64 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + file.utf8.count + 12)
        for (k, v) in [("file", file), ("name", name)] {
            bytes.append(contentsOf: k.utf8)
            bytes.append(0xff)
            bytes.append(contentsOf: v.utf8)
            bytes.append(0xff)
        }
        let intervalNs = UInt64(intervalMs) &* 1_000_000
        guard intervalNs > 0 else { return 0 }
        return Int64((xxHash64(bytes) % intervalNs) / 1_000_000)
    }

    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 { (x << r) | (x >> (64 - r)) }
    private static func mix(_ acc: UInt64, _ lane: UInt64) -> UInt64 { rotate(acc &+ lane &* prime2, 31) &* prime1 }
    private static func fold(_ acc: UInt64, _ lane: UInt64) -> UInt64 { (acc ^ mix(0, lane)) &* prime1 &+ prime4 }

    private static func little(_ b: [UInt8], _ at: Int, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<count { v |= UInt64(b[at + k]) << (8 * UInt64(k)) }
        return v
    }

    /// xxHash64 with seed 0 (the hash Go's cespare/xxhash computes).
    static func xxHash64(_ b: [UInt8]) -> UInt64 {
        let n = b.count
        var i = 0
        var h: UInt64
        if n >= 32 {
            var lanes: (UInt64, UInt64, UInt64, UInt64) = (prime1 &+ prime2, prime2, 0, 0 &- prime1)
            while i + 32 <= n {
                lanes.0 = mix(lanes.0, little(b, i, 8))
                lanes.1 = mix(lanes.1, little(b, i + 8, 8))
                lanes.2 = mix(lanes.2, little(b, i + 16, 8))
                lanes.3 = mix(lanes.3, little(b, i + 24, 8))
                i += 32
            }
            h = rotate(lanes.0, 1) &+ rotate(lanes.1, 7) &+ rotate(lanes.2, 12) &+ rotate(lanes.3, 18)
            h = fold(fold(fold(fold(h, lanes.0), lanes.1), lanes.2), lanes.3)
        } else {
            h = prime5
        }
        h = h &+ UInt64(n)
        while i + 8 <= n {
            h = rotate(h ^ mix(0, little(b, i, 8)), 27) &* prime1 &+ prime4
            i += 8
        }
        if i + 4 <= n {
            h = rotate(h ^ (little(b, i, 4) &* prime1), 23) &* prime2 &+ prime3
            i += 4
        }
        while i < n {
            h = rotate(h ^ (UInt64(b[i]) &* prime5), 11) &* prime1
            i += 1
        }
        h = (h ^ (h >> 33)) &* prime2
        h = (h ^ (h >> 29)) &* prime3
        return h ^ (h >> 32)
    }
}
