import Model

/// A sample iterator over an in-memory array; the building block of the
/// in-memory storage and of tests.
public final class ArraySampleIterator: SampleIterator {
    private let samples: [Sample]
    private var index = -1

    public init(_ samples: [Sample]) { self.samples = samples }

    public func next() -> Bool {
        if index < samples.count { index += 1 }
        return index < samples.count
    }

    public func seek(_ t: Timestamp) -> Bool {
        if index < 0 { index = 0 }
        if index < samples.count, samples[index].t >= t { return true }
        // Binary search the rest.
        var lo = index, hi = samples.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if samples[mid].t < t { lo = mid + 1 } else { hi = mid }
        }
        index = lo
        return index < samples.count
    }

    public var timestamp: Timestamp { samples[index].t }
    public var value: Double { samples[index].v }
}

extension SampleIterator {
    /// Drains the iterator into an array (for tests and small reads).
    public func collect() -> [Sample] {
        var out: [Sample] = []
        while next() { out.append(Sample(t: timestamp, v: value)) }
        return out
    }
}
