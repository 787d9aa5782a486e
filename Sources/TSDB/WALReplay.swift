import Logging
import Model

/// Replays the WAL into the head at open. Series the index already has
/// keep their newest indexed time, so samples already in indexed chunks
/// are skipped; samples are applied in batches grouped by series.
final class WALReplayer {
    struct Outcome {
        var nextSegment: Int
        var messages: [String]
    }

    private let head: Head
    private let index: IndexStore
    private let symbols: SymbolTable
    private let indexedIDs: Set<UInt64>
    private let lookup = ReplayLookup()
    private var batch = ReplayBatch()
    private var unknownSamples = 0

    init(head: Head, index: IndexStore, symbols: SymbolTable, indexedIDs: Set<UInt64>) {
        self.head = head
        self.index = index
        self.symbols = symbols
        self.indexedIDs = indexedIDs
    }

    func run(directory: String, counters: StatsCounters, logger: Logger) throws -> Outcome {
        let start = Clock.monotonicNanos()
        let report = try WALReader.replay(directory: directory) { commit, segment in
            for s in commit.series { define(s) }
            batch.append(commit, segment: segment)
            if batch.isFull { applyBatch() }
        }
        applyBatch()
        let ms = Int((Clock.monotonicNanos() - start) / 1_000_000)
        counters.replayMilliseconds.store(ms, ordering: .relaxed)
        if report.records > 0 {
            logger.info("replayed \(report.records) WAL records (\(report.samples) samples, \(report.series) series) in \(ms) ms")
        }
        var messages: [String] = []
        if let corruption = report.corruption {
            counters.walCorruptions.add(1)
            messages.append("WAL damaged: \(corruption); dropped \(report.droppedBytes) bytes"
                + (report.droppedSegments > 0 ? " and \(report.droppedSegments) segment files" : "")
                + "; everything before the damage was replayed")
        }
        if unknownSamples > 0 {
            messages.append("\(unknownSamples) WAL samples refer to series that are defined nowhere; dropped")
        }
        for m in messages { logger.error("\(m)") }
        let remaining = try FileIO.numberedFiles(directory)
        return Outcome(nextSegment: (remaining.last?.number ?? report.lastSegment) + 1, messages: messages)
    }

    /// A series record: create it in the head under its logged id.
    private func define(_ s: WALSeries) {
        var row: (pairs: [UInt32], maxTime: Int64?)?
        if indexedIDs.contains(s.id) {
            row = (symbols.intern(s.labels), head.lock.withLock { head.indexedMaxTimes[s.id] })
        }
        lookup.insert(head.replaySeries(id: s.id, labels: s.labels, indexedRow: row))
    }

    private func applyBatch() {
        unknownSamples += head.applyReplayed(&batch, lookup: lookup) { [self] id in resolve(id) }
    }

    /// A sample of a series no replayed record defines: its record went
    /// with a truncated segment once the index had it; bring it back from there.
    private func resolve(_ id: UInt64) -> MemSeries? {
        guard let pairs = try? index.read({ try IndexStore.seriesPairs($0, id) }) else { return nil }
        let s = head.lock.withLock {
            let s = head.activateLocked(id: id, pairs: pairs, maxTime: head.indexedMaxTimes[id])
            s.walLogged = true
            return s
        }
        lookup.insert(s)
        return s
    }
}
