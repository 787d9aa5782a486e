import Model
import Storage

/// The in-memory part of the store: active series with their open chunks
/// and sealed chunks not yet indexed, the head postings, and the map from
/// label hash to id of every series the store knows (in memory or only in
/// the index). One lock guards it all; commits hold it only to apply
/// already-validated samples, so queries and appends interleave finely.
final class Head: @unchecked Sendable {
    let lock = PosixLock()
    let symbols: SymbolTable
    let index: IndexStore
    let writer: ChunkSegmentWriter
    let stats: StatsCounters
    let limits: ChunkLimits

    // Guarded by `lock`.
    var byID: [UInt64: MemSeries] = [:]
    /// Head series by slot: the appender's ref fast path indexes this array
    /// instead of hashing into `byID`.
    var slots: ContiguousArray<MemSeries?> = []
    var freeSlots: [Int32] = []
    /// Label hash -> id, for every known series; `collisions` holds the
    /// extra ids when different label sets share a hash.
    var known: [UInt64: UInt64] = [:]
    var collisions: [UInt64: [UInt64]] = [:]
    /// Newest indexed sample time per series with indexed chunks (in memory
    /// or not): the out-of-order bound of a series coming back from the index.
    var indexedMaxTimes: [UInt64: Int64] = [:]
    var postings = HeadPostings()
    var nextSeriesID: UInt64
    /// Series created since the last flush that the index does not have yet.
    var unindexed: [MemSeries] = []
    /// Series with sealed chunks waiting for the flush.
    var withPendingChunks: [MemSeries] = []
    /// Newest sample time committed to the head.
    var maxTime: Int64 = .min
    /// Newest sample time of any series not in memory; queries reaching
    /// back that far also consult the index.
    var outsideMaxTime: Int64 = .min
    /// Commit sequence and the open readers' sequence numbers (isolation).
    var commitSeq: UInt64 = 0
    var readers: [Int: UInt64] = [:]
    var nextReaderID = 0
    var nextAppenderID: UInt32 = 0
    /// About how many samples recent commits staged (a decaying maximum):
    /// new appenders reserve that much, so a scrape's commit does not grow
    /// its arrays a dozen times. Guarded by the lock.
    var commitSizeHint = 0
    /// Reads the value of a series' newest indexed sample (series id, its time).
    var lastValueResolver: ((UInt64, Int64) -> Double?)?

    init(symbols: SymbolTable, index: IndexStore, writer: ChunkSegmentWriter, stats: StatsCounters,
         limits: ChunkLimits, nextSeriesID: UInt64) {
        self.symbols = symbols
        self.index = index
        self.writer = writer
        self.stats = stats
        self.limits = limits
        self.nextSeriesID = max(1, nextSeriesID)
    }

    // MARK: Known series (all of the index plus memory)

    /// Registers an indexed series at open.
    func registerKnown(id: UInt64, hash: UInt64) {
        lock.withLock {
            addKnownLocked(id: id, hash: hash)
            if id >= nextSeriesID { nextSeriesID = id + 1 }
        }
    }

    func addKnownLocked(id: UInt64, hash: UInt64) {
        if let existing = known[hash] {
            if existing != id, !(collisions[hash]?.contains(id) ?? false) { collisions[hash, default: []].append(id) }
        } else {
            known[hash] = id
        }
    }

    func removeKnownLocked(id: UInt64, hash: UInt64) {
        if known[hash] == id {
            if var rest = collisions[hash], !rest.isEmpty {
                known[hash] = rest.removeFirst()
                collisions[hash] = rest.isEmpty ? nil : rest
            } else {
                known[hash] = nil
            }
        } else if var rest = collisions[hash] {
            rest.removeAll { $0 == id }
            collisions[hash] = rest.isEmpty ? nil : rest
        }
    }

    private func candidatesLocked(hash: UInt64) -> [UInt64] {
        guard let first = known[hash] else { return [] }
        return [first] + (collisions[hash] ?? [])
    }

    // MARK: Lookup and creation

    func series(id: UInt64) -> MemSeries? { lock.withLock { byID[id] } }

    /// The ref appenders hand out: slot + 1 in the high half, the id's low
    /// half below, so a ref whose slot was reused by another series misses.
    static func ref(of s: MemSeries) -> UInt64 {
        UInt64(UInt32(bitPattern: s.slot) &+ 1) << 32 | (s.id & 0xffff_ffff)
    }

    /// The series behind a ref, if it is still in the head, without a retain:
    /// the caller holds the lock, under which the slot array keeps the series
    /// alive. The append path takes it once per sample, where a retain and
    /// release pair cost as much as the check.
    @inline(__always)
    func seriesLockedUnretained(ref: UInt64) -> Unmanaged<MemSeries>? {
        let slot = Int(ref >> 32) &- 1
        guard slot >= 0, slot < slots.count else { return nil }
        return slots.withUnsafeBufferPointer { all -> Unmanaged<MemSeries>? in
            guard let s = all[slot] else { return nil }
            let series = Unmanaged.passUnretained(s)
            return series._withUnsafeGuaranteedRef { $0.id & 0xffff_ffff == ref & 0xffff_ffff } ? series : nil
        }
    }

    /// Adds a series to the maps and postings. Caller holds the lock.
    private func insertLocked(_ s: MemSeries) {
        if let free = freeSlots.popLast() {
            s.slot = free
            slots[Int(free)] = s
        } else {
            s.slot = Int32(slots.count)
            slots.append(s)
        }
        byID[s.id] = s
        postings.add(s.id, pairs: s.pairs)
    }

    /// Removes series from the maps (postings are updated by the caller in bulk).
    func removeLocked(_ s: MemSeries) {
        byID[s.id] = nil
        if s.slot >= 0, Int(s.slot) < slots.count, slots[Int(s.slot)] === s {
            slots[Int(s.slot)] = nil
            freeSlots.append(s.slot)
        }
    }

    /// The head series for `labels`, activating it from the index or
    /// creating it when needed. `created` tells whether it is new.
    func getOrCreate(_ labels: Labels) throws -> MemSeries {
        guard !labels.isEmpty else { throw AppendError.invalidLabels("empty label set") }
        let hash = labels.stableHash
        let wanted = symbols.lookup(labels)
        var inIndex: [UInt64] = []
        let found: MemSeries? = lock.withLock {
            for id in candidatesLocked(hash: hash) {
                if let s = byID[id] {
                    if let wanted, s.pairs == wanted { return s }
                } else {
                    inIndex.append(id)
                }
            }
            return nil
        }
        if let found { return found }
        if let wanted, !inIndex.isEmpty, let s = try activate(candidates: inIndex, pairs: wanted) { return s }
        return create(labels, hash: hash)
    }

    /// Brings an indexed series back into memory if one of `candidates` has exactly `pairs`.
    private func activate(candidates: [UInt64], pairs: [UInt32]) throws -> MemSeries? {
        for id in candidates {
            guard let stored = try index.read({ try IndexStore.seriesPairs($0, id) }), stored == pairs else { continue }
            return lock.withLock { activateLocked(id: id, pairs: pairs, maxTime: indexedMaxTimes[id]) }
        }
        return nil
    }

    /// Brings an indexed series into memory (another thread may have done it first).
    func activateLocked(id: UInt64, pairs: [UInt32], maxTime: Int64?) -> MemSeries {
        if let s = byID[id] { return s }
        let s = MemSeries(id: id, pairs: pairs, indexed: true)
        if let maxTime {
            s.lastTime = maxTime
            s.persistedMaxTime = maxTime
            s.lastValueKnown = false
        }
        insertLocked(s)
        return s
    }

    private func create(_ labels: Labels, hash: UInt64) -> MemSeries {
        let pairs = symbols.intern(labels)
        return lock.withLock {
            for id in candidatesLocked(hash: hash) {
                if let s = byID[id], s.pairs == pairs { return s }
            }
            let s = MemSeries(id: nextSeriesID, pairs: pairs, indexed: false)
            nextSeriesID += 1
            insertLocked(s)
            addKnownLocked(id: s.id, hash: hash)
            unindexed.append(s)
            stats.seriesCreated.add(1)
            return s
        }
    }

    /// Creates or finds a series defined by a WAL record during replay,
    /// keeping the id the record gives.
    func replaySeries(id: UInt64, labels: Labels, indexedRow: (pairs: [UInt32], maxTime: Int64?)?) -> MemSeries {
        let pairs = indexedRow?.pairs ?? symbols.intern(labels)
        return lock.withLock {
            if let s = byID[id] { return s }
            if let row = indexedRow {
                let s = activateLocked(id: id, pairs: row.pairs, maxTime: row.maxTime)
                s.walLogged = true
                return s
            }
            let s = MemSeries(id: id, pairs: pairs, indexed: false)
            s.walLogged = true
            insertLocked(s)
            addKnownLocked(id: id, hash: labels.stableHash)
            unindexed.append(s)
            if id >= nextSeriesID { nextSeriesID = id + 1 }
            return s
        }
    }

    // MARK: Readers (isolation)

    /// Registers a reader; it will not see commits applied after this point.
    func registerReader() -> (id: Int, seq: UInt64) {
        lock.withLock {
            nextReaderID += 1
            readers[nextReaderID] = commitSeq
            return (nextReaderID, commitSeq)
        }
    }

    func unregisterReader(_ id: Int) {
        lock.withLock { readers[id] = nil }
    }

    /// Pairs of head series that hold or have held samples (created-but-
    /// rolled-back series do not count). Caller holds the lock.
    func pairsWithData() -> Set<UInt32> {
        var out = Set<UInt32>()
        for pair in Array(postings.pairs) {
            let ids = postings.list(pair)
            if ids.contains(where: { id in byID[id].map { $0.lastTime != .min || $0.persistedMaxTime != .min } ?? false }) {
                out.insert(pair)
            }
        }
        return out
    }

    // MARK: Accounting

    var seriesCount: Int { lock.withLock { byID.count } }

    /// Open chunks with samples, and bytes held by head chunks.
    func chunkFootprint() -> (openChunks: Int, bytes: Int, series: Int) {
        lock.withLock {
            var open = 0, bytes = 0
            for s in byID.values {
                if s.chunk.count > 0 { open += 1 }
                bytes += s.chunk.allocatedBytes + s.pendingChunks.reduce(0) { $0 + $1.chunk.bytes.count }
            }
            return (open, bytes, byID.count)
        }
    }
}
