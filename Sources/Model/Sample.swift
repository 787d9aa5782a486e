/// Milliseconds since the Unix epoch, as Prometheus stores time.
public typealias Timestamp = Int64

/// The bit pattern Prometheus writes to mark a series as stale.
public enum StaleNaN {
    public static let bits: UInt64 = 0x7ff0_0000_0000_0002
    public static let value = Double(bitPattern: bits)

    /// True only for the exact stale-marker payload, not for other NaNs.
    @inline(__always)
    public static func isStale(_ v: Double) -> Bool { v.bitPattern == bits }
}

/// One float sample.
public struct Sample: Hashable, Sendable {
    public var t: Timestamp
    public var v: Double

    public init(t: Timestamp, v: Double) {
        self.t = t
        self.v = v
    }

    /// Bitwise equality: NaN equals NaN with the same payload.
    public static func == (a: Sample, b: Sample) -> Bool {
        a.t == b.t && a.v.bitPattern == b.v.bitPattern
    }

    public func hash(into h: inout Hasher) {
        h.combine(t)
        h.combine(v.bitPattern)
    }
}

/// Wall-clock helpers.
public enum Clock {
    /// Now, in milliseconds since the epoch.
    public static func nowMillis() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Monotonic nanoseconds, for measuring durations.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
