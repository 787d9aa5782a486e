import Model
import Storage

/// A closed range [minTime, maxTime] of deleted sample times (ms).
public struct DeletedRange: Hashable, Sendable, CustomStringConvertible {
    /// First deleted time, inclusive.
    public var minTime: Int64
    /// Last deleted time, inclusive.
    public var maxTime: Int64

    /// A range; one with `minTime > maxTime` is empty and deletes nothing.
    public init(minTime: Int64, maxTime: Int64) {
        self.minTime = minTime
        self.maxTime = maxTime
    }

    public var description: String { "[\(minTime), \(maxTime)]" }
}

/// The deleted ranges of one series: sorted by time, disjoint and never
/// touching (ranges that overlap or abut merge as they are added, as
/// Prometheus's tombstone intervals do), so lookups are binary searches.
struct DeletedRanges: Equatable, Sendable {
    private(set) var ranges: [DeletedRange] = []

    init(_ list: [DeletedRange] = []) {
        for r in list { add(r) }
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// Adds a range, merging it with those it overlaps or touches; an empty
    /// range (min > max) changes nothing.
    mutating func add(_ r: DeletedRange) {
        guard r.minTime <= r.maxTime else { return }
        var lo = r.minTime
        var hi = r.maxTime
        var out: [DeletedRange] = []
        out.reserveCapacity(ranges.count + 1)
        var placed = false
        for e in ranges {
            if Self.endsBefore(e.maxTime, lo) {
                out.append(e)
            } else if Self.endsBefore(hi, e.minTime) {
                if !placed {
                    out.append(DeletedRange(minTime: lo, maxTime: hi))
                    placed = true
                }
                out.append(e)
            } else {
                lo = min(lo, e.minTime)
                hi = max(hi, e.maxTime)
            }
        }
        if !placed { out.append(DeletedRange(minTime: lo, maxTime: hi)) }
        ranges = out
    }

    /// Whether a range ending at `end` leaves a gap before `start` (so the two do not merge).
    @inline(__always)
    private static func endsBefore(_ end: Int64, _ start: Int64) -> Bool {
        start != .min && end < start - 1
    }

    /// Index of the first range ending at or after `t` (`ranges.count` if none).
    @inline(__always)
    func firstIndex(endingAtOrAfter t: Int64) -> Int {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].maxTime < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func contains(_ t: Int64) -> Bool {
        let i = firstIndex(endingAtOrAfter: t)
        return i < ranges.count && ranges[i].minTime <= t
    }

    /// Whether every time in [lo, hi] is deleted.
    func covers(_ lo: Int64, _ hi: Int64) -> Bool {
        let i = firstIndex(endingAtOrAfter: lo)
        return i < ranges.count && ranges[i].minTime <= lo && ranges[i].maxTime >= hi
    }

    /// Whether some time in [lo, hi] is deleted.
    func overlaps(_ lo: Int64, _ hi: Int64) -> Bool {
        let i = firstIndex(endingAtOrAfter: lo)
        return i < ranges.count && ranges[i].minTime <= hi
    }
}

/// Hides deleted samples of a series: a deleted range is skipped with one
/// seek past its end, so a long deletion costs one seek, not a decode per
/// sample it hides.
final class DeletedSamplesFilter: SampleIterator {
    private let base: any SampleIterator
    private let ranges: [DeletedRange]
    /// First range that can still contain the current or a later sample.
    private var nextRange = 0

    init(base: any SampleIterator, deleted: DeletedRanges) {
        self.base = base
        ranges = deleted.ranges
    }

    var timestamp: Timestamp { base.timestamp }
    var value: Double { base.value }

    func next() -> Bool {
        guard base.next() else { return false }
        return skipDeleted()
    }

    func seek(_ t: Timestamp) -> Bool {
        guard base.seek(t) else { return false }
        return skipDeleted()
    }

    /// Moves past deleted samples from the current one; false at the end.
    private func skipDeleted() -> Bool {
        while true {
            let t = base.timestamp
            while nextRange < ranges.count && ranges[nextRange].maxTime < t { nextRange += 1 }
            guard nextRange < ranges.count, ranges[nextRange].minTime <= t else { return true }
            let end = ranges[nextRange].maxTime
            guard end != .max, base.seek(end + 1) else { return false }
        }
    }
}
