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
            for staged in samples {
                count(applyLocked(staged.series, t: staged.t, v: staged.v, walSegment: segment))
            }
        }
    }

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

    /// Applies a replayed WAL commit. Series the record defines come first;
    /// samples of unknown series (their record was lost with a truncated
    /// segment) are dropped and counted.
    func applyReplayed(_ commit: inout WALCommit, walSegment: Int, resolve: (UInt64) -> MemSeries?) -> Int {
        let segment = Int32(truncatingIfNeeded: walSegment)
        var unknown = 0
        var last: MemSeries?
        lock.withLock {
            for sample in commit.samples {
                let s: MemSeries
                if let l = last, l.id == sample.id {
                    s = l
                } else if let found = byID[sample.id] {
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
                let outcome = applyLocked(s, t: sample.t, v: sample.v, walSegment: segment)
                if case .appended = outcome { stats.replayedSamples.add(1) }
            }
        }
        return unknown
    }
}

/// A sample staged by an appender until commit.
struct StagedSample {
    let series: MemSeries
    let t: Int64
    let v: Double
}
