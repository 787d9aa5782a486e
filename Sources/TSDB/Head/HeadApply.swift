import Storage

/// Outcome of applying one committed sample to a series.
enum ApplyOutcome {
    case appended
    /// Same timestamp and bit-identical value as the newest sample: dropped silently.
    case duplicateIgnored
    case outOfOrder
    case duplicateTimestamp
}

extension Head {
    /// Decides whether a sample may follow a series' newest sample
    /// (`Int64.min` when none), as Prometheus does by default.
    @inline(__always)
    static func check(t: Int64, bits: UInt64, lastTime: Int64, lastBits: UInt64) -> ApplyOutcome {
        if t > lastTime { return .appended }
        if t < lastTime { return .outOfOrder }
        return bits == lastBits ? .duplicateIgnored : .duplicateTimestamp
    }

    /// Makes sure `lastValueBits` is real before a same-timestamp comparison;
    /// only series activated from the index lack it. Caller holds the lock.
    func ensureLastValueLocked(_ s: MemSeries) {
        guard !s.lastValueKnown else { return }
        if let v = lastValueResolver?(s.id, s.lastTime) { s.lastValueBits = v.bitPattern }
        s.lastValueKnown = true
    }

    /// Applies one committed sample. Caller holds the lock and counts the outcome.
    @inline(__always)
    func applyLocked(_ s: MemSeries, t: Int64, v: Double, walSegment: Int32) -> ApplyOutcome {
        let bits = v.bitPattern
        if t == s.lastTime { ensureLastValueLocked(s) }
        let outcome = Self.check(t: t, bits: bits, lastTime: s.lastTime, lastBits: s.lastValueBits)
        guard case .appended = outcome else { return outcome }
        let hadPending = !s.pendingChunks.isEmpty
        if s.append(t, v, walSegment: walSegment, limits: limits, writer: writer) {
            stats.chunksCreated.add(1)
            if !hadPending { withPendingChunks.append(s) }
        }
        if t > maxTime { maxTime = t }
        return outcome
    }

    /// Counts an outcome in the stats; returns the error an appender reports, if any.
    @discardableResult
    func count(_ outcome: ApplyOutcome) -> AppendError? {
        switch outcome {
        case .appended:
            stats.samplesAppended.add(1)
            return nil
        case .duplicateIgnored:
            return nil
        case .outOfOrder:
            stats.outOfOrderSamples.add(1)
            return .outOfOrder
        case .duplicateTimestamp:
            stats.duplicateSamples.add(1)
            return .duplicateSampleForTimestamp
        }
    }

    /// Applies a commit that is durable in the WAL: every staged sample is
    /// re-checked against the committed state (another commit may have
    /// advanced a series since staging), exactly as replay will do.
    func applyCommit(_ samples: [StagedSample], touched: [MemSeries], walSegment: Int) {
        let segment = Int32(truncatingIfNeeded: walSegment)
        lock.withLock {
            commitSeq += 1
            var readerRange: (min: UInt64, max: UInt64)?
            for seq in readers.values {
                readerRange = (min(readerRange?.min ?? seq, seq), max(readerRange?.max ?? seq, seq))
            }
            for s in touched {
                s.walLogged = true
                markIsolationLocked(s, readerRange: readerRange)
                if s.pendingAppenders > 0 { s.pendingAppenders -= 1 }
                s.stagedBy = 0
            }
            // Appends are counted once per commit: an atomic add per sample costs
            // as much as encoding the sample.
            var appended = 0
            samples.withUnsafeBufferPointer { samples in
                for i in samples.indices {
                    let staged = samples[i]
                    // The appender's `touched` list keeps the series alive: borrow it without a retain and release per sample.
                    let outcome = staged.series._withUnsafeGuaranteedRef {
                        applyLocked($0, t: staged.t, v: staged.v, walSegment: segment)
                    }
                    if case .appended = outcome { appended += 1 } else { count(outcome) }
                }
            }
            stats.samplesAppended.add(appended)
            commitSizeHint = min(Self.maxCommitSizeHint, max(samples.count, commitSizeHint - commitSizeHint / 8))
        }
    }

    /// Largest reservation a new appender makes up front (1.5 MiB of staged samples).
    static let maxCommitSizeHint = 65_536

    /// Records, while readers are open, what a series looked like before
    /// this commit. A reader needs only the first mark after its own
    /// sequence number, so a mark is added only when no existing one serves
    /// every open reader: a long-lived querier costs one mark per series,
    /// not one per commit.
    @inline(__always)
    private func markIsolationLocked(_ s: MemSeries, readerRange: (min: UInt64, max: UInt64)?) {
        guard let readerRange else {
            s.isolation = nil
            return
        }
        var marks = s.isolation ?? []
        marks.removeAll { $0.seq <= readerRange.min }
        if marks.last.map({ $0.seq <= readerRange.max }) ?? true {
            marks.append(IsolationMark(seq: commitSeq, previousMaxTime: s.lastTime))
        }
        s.isolation = marks
    }

    /// Releases a rolled-back appender's hold on its series.
    func releaseStaged(_ touched: [MemSeries]) {
        lock.withLock {
            for s in touched {
                if s.pendingAppenders > 0 { s.pendingAppenders -= 1 }
                s.stagedBy = 0
            }
        }
    }

    /// Applies a batch of replayed samples series by series (see
    /// `ReplayBatch`). Samples of ids nothing defines (their series record
    /// was lost with a truncated segment) are dropped and counted.
    func applyReplayed(_ batch: inout ReplayBatch, lookup: ReplayLookup, resolve: (UInt64) -> MemSeries?) -> Int {
        var unknown = 0
        var appended = 0
        var last: MemSeries?
        let order = batch.seriesOrder(lookup)
        lock.withLock {
            for i in order {
                let sample = batch.samples[Int(i)]
                let s: MemSeries
                if let l = last, l.id == sample.id {
                    s = l
                } else if let found = lookup[sample.id] ?? byID[sample.id] {
                    s = found
                } else {
                    lock.unlock()
                    let resolved = resolve(sample.id)
                    lock.lock()
                    guard let r = resolved else {
                        unknown += 1
                        continue
                    }
                    s = r
                }
                last = s
                // Samples already in indexed chunks come back as out of order: skip them quietly.
                let outcome = applyLocked(s, t: sample.t, v: sample.v, walSegment: batch.segments[Int(i)])
                if case .appended = outcome { appended += 1 }
            }
        }
        batch.clear()
        stats.replayedSamples.add(appended)
        return unknown
    }
}

/// Replayed samples collected across many WAL records, applied grouped by
/// series: each series' open chunk is then touched once per batch instead
/// of once per record, which turns the replay from memory-latency bound
/// into a mostly sequential pass. Per-series order is kept, and series are
/// independent, so the result equals applying records one by one.
struct ReplayBatch {
    var samples: [WALSample] = []
    var segments: [Int32] = []
    /// Samples per batch (about 130 MB of buffers at most): with a million
    /// series a series still gets a few samples per batch.
    static let capacity = 4 << 20

    mutating func append(_ commit: WALCommit, segment: Int) {
        samples.append(contentsOf: commit.samples)
        segments.append(contentsOf: repeatElement(Int32(truncatingIfNeeded: segment), count: commit.samples.count))
    }

    var isFull: Bool { samples.count >= Self.capacity }

    mutating func clear() {
        samples.removeAll(keepingCapacity: true)
        segments.removeAll(keepingCapacity: true)
    }

    /// Sample indices grouped by series (a counting sort on the dense id
    /// index), in original order within a series; ids outside the dense
    /// range come last, in original order.
    func seriesOrder(_ lookup: ReplayLookup) -> [Int32] {
        let span = lookup.span
        var counts = [Int32](repeating: 0, count: span + 1)
        for s in samples { counts[lookup.denseIndex(s.id) ?? span] += 1 }
        var start: Int32 = 0
        for k in counts.indices {
            let c = counts[k]
            counts[k] = start
            start += c
        }
        var order = [Int32](repeating: 0, count: samples.count)
        for (i, s) in samples.enumerated() {
            let k = lookup.denseIndex(s.id) ?? span
            order[Int(counts[k])] = Int32(i)
            counts[k] += 1
        }
        return order
    }
}

/// Series by id during WAL replay. Ids are dense in practice, so an array
/// indexed by id replaces a hash lookup per sample (the replay's hottest
/// operation); ids too far apart fall back to the head's dictionary.
final class ReplayLookup {
    private var series: [MemSeries?] = []
    private var base: UInt64 = 0
    /// Largest array kept (entries), about 128 MiB of pointers.
    private let limit = 16 << 20

    subscript(id: UInt64) -> MemSeries? {
        guard id >= base, id - base < UInt64(series.count) else { return nil }
        return series[Int(id - base)]
    }

    /// Number of dense slots.
    var span: Int { series.count }

    /// The dense slot of an id, if it has one.
    @inline(__always)
    func denseIndex(_ id: UInt64) -> Int? {
        id >= base && id - base < UInt64(series.count) ? Int(id - base) : nil
    }

    func insert(_ s: MemSeries) {
        if series.isEmpty { base = s.id > 1024 ? s.id - 1024 : 0 }
        guard s.id >= base, s.id - base < UInt64(limit) else { return }
        let i = Int(s.id - base)
        if i >= series.count { series.append(contentsOf: repeatElement(nil, count: max(i + 1 - series.count, series.count))) }
        series[i] = s
    }
}

/// A sample staged by an appender until commit.
struct StagedSample: WALSampleFields {
    /// Unretained: the appender's `touched` list holds every staged series
    /// strongly until the commit or rollback. A retain plus a release per
    /// staged sample was a tenth of the append path's time; `Unmanaged`
    /// (rather than `unowned(unsafe)`) lets hot loops borrow the series
    /// with `_withUnsafeGuaranteedRef` without the compiler adding them back.
    let series: Unmanaged<MemSeries>
    let t: Int64
    let v: Double

    init(series: MemSeries, t: Int64, v: Double) {
        self.series = Unmanaged.passUnretained(series)
        self.t = t
        self.v = v
    }

    init(series: Unmanaged<MemSeries>, t: Int64, v: Double) {
        self.series = series
        self.t = t
        self.v = v
    }

    var id: UInt64 { series._withUnsafeGuaranteedRef { $0.id } }
}
