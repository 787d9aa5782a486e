#if canImport(Glibc)
import Glibc
#endif
import Model
import Storage

/// Per-target memory of the series a target exposes, keyed by the raw
/// `name{labels}` bytes of the payload, so that a steady-state scrape neither
/// builds `Labels` nor re-runs metric relabeling (Prometheus's scrapeCache).
///
/// It also remembers in which scrape each series was last seen, which is how
/// vanished series are found for their staleness markers.
struct ScrapeCache {
    struct Entry {
        var key: [UInt8]
        var hash: Int
        /// Index of the next entry with the same hash bucket, or -1.
        var next: Int32
        /// Storage ref; 0 until the first append.
        var ref: SeriesRef
        /// Labels after target labels and metric relabeling; nil when relabeling dropped the series.
        var labels: Labels?
        /// The scrape iteration that last appended this series.
        var lastSeen: Int
        /// False for samples with explicit timestamps, which get no staleness markers
        /// unless `track_timestamps_staleness` is on.
        var tracksStaleness: Bool
        /// `lastSeen` and `ref` before the running scrape touched the entry, to undo a failed scrape.
        var previousSeen: Int
        var previousRef: SeriesRef
    }

    private(set) var entries: [Entry] = []
    private var buckets: [Int: Int32] = [:]
    /// Number of completed scrape iterations; entries seen in iteration `iteration - 1`
    /// formed the previous successful scrape's series.
    /// Starts at 2 so that a new entry's `lastSeen` of 0 never reads as "seen in the previous scrape".
    private(set) var iteration = 2

    var count: Int { entries.count }

    /// The index of the entry for `raw`, or nil.
    func find(_ raw: UnsafeRawBufferPointer, hash: Int) -> Int? {
        guard var i = buckets[hash] else { return nil }
        while i >= 0 {
            let matches = entries.withUnsafeBufferPointer { all -> Bool in
                let e = all[Int(i)]
                guard e.hash == hash, e.key.count == raw.count else { return false }
                if raw.isEmpty { return true }
                return e.key.withUnsafeBytes { key in
                    guard let a = key.baseAddress, let b = raw.baseAddress else { return false }
                    return memcmp(a, b, raw.count) == 0
                }
            }
            if matches { return Int(i) }
            i = entries[Int(i)].next
        }
        return nil
    }

    static func hash(_ raw: UnsafeRawBufferPointer) -> Int {
        var h = Hasher()
        h.combine(bytes: raw)
        return h.finalize()
    }

    mutating func insert(_ raw: UnsafeRawBufferPointer, hash: Int, labels: Labels?) -> Int {
        let index = entries.count
        entries.append(Entry(key: Array(raw), hash: hash, next: buckets[hash] ?? -1, ref: 0, labels: labels,
                             lastSeen: 0, tracksStaleness: true, previousSeen: 0, previousRef: 0))
        buckets[hash] = Int32(index)
        return index
    }

    mutating func markSeen(_ index: Int, ref: SeriesRef, tracksStaleness: Bool) {
        if entries[index].lastSeen != iteration {
            entries[index].previousSeen = entries[index].lastSeen
            entries[index].previousRef = entries[index].ref
        }
        entries[index].ref = ref
        entries[index].lastSeen = iteration
        entries[index].tracksStaleness = tracksStaleness
    }

    /// The final labels of an entry (nil: dropped by metric relabeling).
    func labels(at index: Int) -> Labels? { entries[index].labels }

    func ref(at index: Int) -> SeriesRef { entries[index].ref }

    /// Series of the previous scrape that this scrape did not append (and whose
    /// final labels no series of this scrape has): the ones to mark stale.
    func vanishedSeries() -> [(SeriesRef, Labels)] {
        // Index loops: iterating the entries by value would retain each key and label set.
        var vanished: [(SeriesRef, Labels)] = []
        let previous = iteration - 1
        for i in entries.indices where entries[i].lastSeen == previous && entries[i].tracksStaleness {
            if let labels = entries[i].labels { vanished.append((entries[i].ref, labels)) }
        }
        if vanished.isEmpty { return vanished }
        // Two raw series can map to the same labels after relabeling: still alive if either is.
        var alive = Set<SeriesRef>()
        for i in entries.indices where entries[i].lastSeen == iteration { alive.insert(entries[i].ref) }
        return vanished.filter { !alive.contains($0.0) }
    }

    /// Series of the last scrape, for staleness when a target goes away.
    func currentSeries() -> [(SeriesRef, Labels)] {
        entries.compactMap { e in
            guard e.lastSeen == iteration - 1, e.tracksStaleness, let labels = e.labels else { return nil }
            return (e.ref, labels)
        }
    }

    /// Ends a scrape iteration and forgets series not seen for two iterations
    /// (their staleness markers are written by then).
    mutating func finishIteration() {
        iteration += 1
        var dead = 0
        let horizon = iteration - 2
        for i in entries.indices where entries[i].lastSeen < horizon { dead += 1 }
        if dead > 64 && dead * 4 > entries.count { compact() }
    }

    /// Undoes what a failed (rolled back) scrape recorded, so its series count as not seen.
    mutating func revertIteration() {
        for i in entries.indices where entries[i].lastSeen == iteration {
            entries[i].lastSeen = entries[i].previousSeen
            entries[i].ref = entries[i].previousRef
        }
    }

    /// Drops every entry; the next scrape rebuilds them (for example after a config change).
    mutating func forgetMappings() {
        entries.removeAll()
        buckets.removeAll()
    }

    private mutating func compact() {
        let keep = entries.filter { $0.lastSeen >= iteration - 2 }
        entries = []
        buckets = [:]
        entries.reserveCapacity(keep.count)
        for var e in keep {
            e.next = buckets[e.hash] ?? -1
            buckets[e.hash] = Int32(entries.count)
            entries.append(e)
        }
    }
}
