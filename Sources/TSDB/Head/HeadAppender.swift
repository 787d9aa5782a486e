#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Model
import Storage

/// A write transaction against the head. Samples are checked when added
/// (so the scraper can count rejections per sample) and become durable
/// and visible together in `commit()`.
final class HeadAppender: Appender {
    private let db: TSDB
    private let head: Head
    /// The head lock's mutex (`head` keeps it alive): locking once per
    /// sample through the lock object retained and released the object.
    private let headMutex: UnsafeMutablePointer<pthread_mutex_t>
    private let id: UInt32
    private var staged: [StagedSample] = []
    /// Series this appender holds a pending mark on (one entry per mark).
    private var touched: [MemSeries] = []
    private var finished = false
    /// The series of the previous append while its samples keep coming (a
    /// backfill, a batch per series): its next samples are checked against
    /// `staged[runIndex]` without the head lock. The commit re-checks every
    /// sample against the committed state anyway.
    private var runRef: SeriesRef = 0
    private var runIndex = 0

    init(db: TSDB, head: Head) {
        self.db = db
        self.head = head
        self.headMutex = head.lock.rawMutex
        let (id, hint) = head.lock.withLock {
            head.nextAppenderID &+= 1
            if head.nextAppenderID == 0 { head.nextAppenderID = 1 }
            return (head.nextAppenderID, head.commitSizeHint)
        }
        self.id = id
        staged.reserveCapacity(hint)
        touched.reserveCapacity(hint)
    }

    deinit {
        if !finished && !touched.isEmpty { head.releaseStaged(touched) }
    }

    func append(ref: SeriesRef, labels: Labels, t: Timestamp, v: Double) throws -> SeriesRef {
        guard !finished else { throw TSDBError.appenderFinished }
        let bits = v.bitPattern
        if ref != 0 && ref == runRef {
            let previous = staged[runIndex]
            let outcome = Head.check(t: t, bits: bits, lastTime: previous.t, lastBits: previous.v.bitPattern)
            if case .appended = outcome {
                runIndex = staged.count
                staged.append(StagedSample(series: previous.series, t: t, v: v))
            } else if let error = head.count(outcome) {
                throw error
            }
            return ref
        }
        var found: Unmanaged<MemSeries>?
        if ref != 0 {
            pthread_mutex_lock(headMutex)
            found = head.seriesLockedUnretained(ref: ref)
            if found == nil { pthread_mutex_unlock(headMutex) }
        }
        // A created series is kept alive by this strong reference until it is staged (and so in `touched`).
        var created: MemSeries?
        if found == nil {
            created = try head.getOrCreate(labels)
            found = Unmanaged.passUnretained(created.unsafelyUnwrapped)
            pthread_mutex_lock(headMutex)
        }
        let series = found.unsafelyUnwrapped
        endRunLocked()
        let (outcome, seriesRef) = series._withUnsafeGuaranteedRef { (stageLocked($0, t: t, bits: bits), Head.ref(of: $0)) }
        pthread_mutex_unlock(headMutex)
        withExtendedLifetime(created) {}
        switch outcome {
        case .appended:
            // Staged, so `touched` holds the series: the borrow stays valid after unlocking.
            staged.append(StagedSample(series: series, t: t, v: v))
            runRef = seriesRef
            runIndex = staged.count - 1
        case .duplicateIgnored:
            break
        case .outOfOrder, .duplicateTimestamp:
            if let error = head.count(outcome) { throw error }
        }
        return seriesRef
    }

    /// Points the run's series at its newest staged sample, which the lock-free
    /// appends did not record on the shared series. Caller holds the head lock.
    @inline(__always)
    private func endRunLocked() {
        guard runRef != 0 else { return }
        staged[runIndex].series._withUnsafeGuaranteedRef { series in
            if series.stagedBy == id { series.stagedIndex = Int32(truncatingIfNeeded: runIndex) }
        }
        runRef = 0
    }

    /// Checks a sample against the series' newest (committed or staged by this
    /// appender) and marks the series as staged. Caller holds the head lock.
    @inline(__always)
    private func stageLocked(_ series: MemSeries, t: Int64, bits: UInt64) -> ApplyOutcome {
        let mine = series.stagedBy == id
        if !mine && series.lastValueKnown == false && t == series.lastTime { head.ensureLastValueLocked(series) }
        let lastTime: Int64
        let lastBits: UInt64
        if mine {
            let previous = staged[Int(series.stagedIndex)]
            lastTime = previous.t
            lastBits = previous.v.bitPattern
        } else {
            lastTime = series.lastTime
            lastBits = series.lastValueBits
        }
        let outcome = Head.check(t: t, bits: bits, lastTime: lastTime, lastBits: lastBits)
        guard case .appended = outcome else { return outcome }
        if !mine {
            series.pendingAppenders &+= 1
            touched.append(series)
            series.stagedBy = id
        }
        series.stagedIndex = Int32(truncatingIfNeeded: staged.count)
        return outcome
    }

    func commit() throws {
        guard !finished else { throw TSDBError.appenderFinished }
        finished = true
        defer {
            staged = []
            touched = []
        }
        do {
            try db.commit(staged, touched: touched)
        } catch {
            head.releaseStaged(touched)
            throw error
        }
    }

    func rollback() {
        guard !finished else { return }
        finished = true
        head.releaseStaged(touched)
        head.stats.rollbacks.add(1)
        staged = []
        touched = []
    }
}
