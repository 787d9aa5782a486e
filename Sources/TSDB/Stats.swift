import Synchronization

/// A snapshot of the store's self-metrics. Counters only grow while the
/// database is open; gauges describe the moment of the snapshot. The server
/// renders them as `ember_tsdb_<name>` (snake case).
public struct TSDBStats: Sendable, Equatable {
    // Gauges.
    /// Series held in memory (the head).
    public var headSeries = 0
    /// Open (unsealed) head chunks holding at least one sample.
    public var headChunks = 0
    /// Bytes held by head chunks (open and sealed-but-not-yet-indexed).
    public var headChunkBytes = 0
    /// Series in the index, plus new ones waiting for the next index flush.
    public var indexedSeries = 0
    public var walSegments = 0
    public var walBytes = 0
    public var chunkSegments = 0
    public var chunkBytes = 0
    public var indexBytes = 0
    /// Oldest and newest sample time known (0 when empty).
    public var minTime: Int64 = 0
    public var maxTime: Int64 = 0

    // Counters.
    public var samplesAppended = 0
    public var outOfOrderSamples = 0
    public var duplicateSamples = 0
    public var invalidSamples = 0
    public var commits = 0
    public var rollbacks = 0
    public var seriesCreated = 0
    public var seriesEvicted = 0
    public var chunksCreated = 0
    public var bulkSamplesAppended = 0
    public var indexFlushes = 0
    public var walCorruptions = 0
    public var walTruncations = 0
    public var walSegmentsRemoved = 0
    public var chunkCorruptions = 0
    public var indexCorruptions = 0
    public var segmentsRemovedByRetention = 0
    public var seriesRemovedByRetention = 0
    public var replayedSamples = 0
    public var replayMilliseconds = 0
    public var backgroundErrors = 0
}

/// The live counters behind `TSDBStats`, updated without locks.
final class StatsCounters: Sendable {
    let samplesAppended = Atomic<Int>(0)
    let outOfOrderSamples = Atomic<Int>(0)
    let duplicateSamples = Atomic<Int>(0)
    let invalidSamples = Atomic<Int>(0)
    let commits = Atomic<Int>(0)
    let rollbacks = Atomic<Int>(0)
    let seriesCreated = Atomic<Int>(0)
    let seriesEvicted = Atomic<Int>(0)
    let chunksCreated = Atomic<Int>(0)
    let bulkSamplesAppended = Atomic<Int>(0)
    let indexFlushes = Atomic<Int>(0)
    let walCorruptions = Atomic<Int>(0)
    let walTruncations = Atomic<Int>(0)
    let walSegmentsRemoved = Atomic<Int>(0)
    let chunkCorruptions = Atomic<Int>(0)
    let indexCorruptions = Atomic<Int>(0)
    let segmentsRemovedByRetention = Atomic<Int>(0)
    let seriesRemovedByRetention = Atomic<Int>(0)
    let replayedSamples = Atomic<Int>(0)
    let replayMilliseconds = Atomic<Int>(0)
    let backgroundErrors = Atomic<Int>(0)

    func fill(_ s: inout TSDBStats) {
        s.samplesAppended = samplesAppended.load(ordering: .relaxed)
        s.outOfOrderSamples = outOfOrderSamples.load(ordering: .relaxed)
        s.duplicateSamples = duplicateSamples.load(ordering: .relaxed)
        s.invalidSamples = invalidSamples.load(ordering: .relaxed)
        s.commits = commits.load(ordering: .relaxed)
        s.rollbacks = rollbacks.load(ordering: .relaxed)
        s.seriesCreated = seriesCreated.load(ordering: .relaxed)
        s.seriesEvicted = seriesEvicted.load(ordering: .relaxed)
        s.chunksCreated = chunksCreated.load(ordering: .relaxed)
        s.bulkSamplesAppended = bulkSamplesAppended.load(ordering: .relaxed)
        s.indexFlushes = indexFlushes.load(ordering: .relaxed)
        s.walCorruptions = walCorruptions.load(ordering: .relaxed)
        s.walTruncations = walTruncations.load(ordering: .relaxed)
        s.walSegmentsRemoved = walSegmentsRemoved.load(ordering: .relaxed)
        s.chunkCorruptions = chunkCorruptions.load(ordering: .relaxed)
        s.indexCorruptions = indexCorruptions.load(ordering: .relaxed)
        s.segmentsRemovedByRetention = segmentsRemovedByRetention.load(ordering: .relaxed)
        s.seriesRemovedByRetention = seriesRemovedByRetention.load(ordering: .relaxed)
        s.replayedSamples = replayedSamples.load(ordering: .relaxed)
        s.replayMilliseconds = replayMilliseconds.load(ordering: .relaxed)
        s.backgroundErrors = backgroundErrors.load(ordering: .relaxed)
    }
}

extension Atomic where Value == Int {
    @inline(__always) func add(_ n: Int) { _ = wrappingAdd(n, ordering: .relaxed) }
}
