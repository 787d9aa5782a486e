import Logging
import Model
import Storage

/// One chunk a query will read, resolved at select time: mapped from a
/// segment file, a sealed chunk still in memory, or a snapshot of an open
/// head chunk.
struct ChunkSpan {
    enum Source {
        case mapped(FileMapping, offset: Int, series: UInt64, segment: UInt32)
        case sealed(SealedChunk)
        case head(HeadChunk)
    }

    var minTime: Int64
    var maxTime: Int64
    var source: Source
}

/// Counts and logs damaged chunks met while reading; the query goes on without them.
final class ReadFailures: Sendable {
    let stats: StatsCounters
    let logger: Logger

    init(stats: StatsCounters, logger: Logger) {
        self.stats = stats
        self.logger = logger
    }

    func report(_ what: String) {
        stats.chunkCorruptions.add(1)
        logger.error("skipping unreadable chunk: \(what)")
    }

    /// Opens a chunk for iteration; nil (after reporting) when it is damaged.
    func open(_ span: ChunkSpan) -> ChunkIterator? {
        switch span.source {
        case .head(var chunk):
            return chunk.makeIterator()
        case .sealed(let chunk):
            return chunk.makeIterator()
        case let .mapped(mapping, offset, series, segment):
            do {
                let entry = try ChunkSegmentFormat.entry(in: mapping.bytes, at: offset)
                guard entry.series == series else {
                    throw DecodeError(offset: offset, field: "chunk series id",
                                      reason: "entry belongs to series \(entry.series), not \(series)")
                }
                return try makeChunkIterator(rawEncoding: entry.encoding, bytes: entry.data, owner: mapping)
            } catch {
                report("segment \(ChunkSegmentFormat.fileName(segment)) offset \(offset) (series \(series)): \(error)")
                return nil
            }
        }
    }
}

/// Iterates a series' chunks in time order (they do not overlap), clipped
/// to [minTime, maxTime]. Decodes lazily, one chunk at a time.
final class ChunkSeriesIterator: SampleIterator {
    private let spans: [ChunkSpan]
    private let minTime: Int64
    private let maxTime: Int64
    private let failures: ReadFailures
    private var nextSpan = 0
    private var current: ChunkIterator?
    private var currentMax: Int64 = .min
    private var started = false
    private var exhausted = false
    private var t: Int64 = 0
    private var v: Double = 0

    init(spans: [ChunkSpan], minTime: Int64, maxTime: Int64, failures: ReadFailures) {
        self.spans = spans
        self.minTime = minTime
        self.maxTime = maxTime
        self.failures = failures
    }

    var timestamp: Timestamp { t }
    var value: Double { v }

    func next() -> Bool {
        if exhausted { return false }
        if !started { return seek(minTime) }
        return advance(atLeast: t &+ 1)
    }

    func seek(_ target: Timestamp) -> Bool {
        if exhausted { return false }
        if started && t >= target { return true }
        started = true
        return advance(atLeast: max(target, minTime))
    }

    /// Moves to the first sample >= target within bounds.
    private func advance(atLeast target: Int64) -> Bool {
        while true {
            if let it = current, currentMax >= target {
                if it.seek(target) {
                    let ts = it.timestamp
                    if ts > maxTime { return finish() }
                    t = ts
                    v = it.value
                    return true
                }
                if let e = it.error { failures.report("\(e)") }
            }
            current = nil
            // Next chunk that can hold a sample >= target.
            while nextSpan < spans.count && spans[nextSpan].maxTime < target { nextSpan += 1 }
            guard nextSpan < spans.count else { return finish() }
            let span = spans[nextSpan]
            nextSpan += 1
            if span.minTime > maxTime { return finish() }
            current = failures.open(span)
            currentMax = span.maxTime
        }
    }

    private func finish() -> Bool {
        exhausted = true
        current = nil
        return false
    }
}

/// Builds the iterator of one selected series. Overlapping chunks (only
/// after a backfill over existing data) are merged by decoding them all;
/// the common case streams.
func makeSeriesIterator(spans: [ChunkSpan], minTime: Int64, maxTime: Int64, failures: ReadFailures) -> any SampleIterator {
    var overlapping = false
    for i in spans.indices.dropFirst() where spans[i].minTime <= spans[i - 1].maxTime {
        overlapping = true
        break
    }
    if !overlapping {
        return ChunkSeriesIterator(spans: spans, minTime: minTime, maxTime: maxTime, failures: failures)
    }
    var samples: [Sample] = []
    for span in spans {
        guard let it = failures.open(span) else { continue }
        while it.next() {
            let ts = it.timestamp
            if ts >= minTime && ts <= maxTime { samples.append(Sample(t: ts, v: it.value)) }
        }
        if let e = it.error { failures.report("\(e)") }
    }
    // Stable sort: for equal timestamps the earlier chunk (older data) wins.
    let sorted = samples.enumerated().sorted { a, b in
        a.element.t != b.element.t ? a.element.t < b.element.t : a.offset < b.offset
    }
    var merged: [Sample] = []
    merged.reserveCapacity(sorted.count)
    for (_, s) in sorted where merged.last?.t != s.t { merged.append(s) }
    return ArraySampleIterator(merged)
}
