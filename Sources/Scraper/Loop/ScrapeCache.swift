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
    /// Open-addressing table of entry index + 1 (0 = empty), a power of two in size,
    /// kept at most half full; cheaper per lookup than a Dictionary keyed by hash.
    private var slots = [Int32](repeating: 0, count: 64)
    /// Number of completed scrape iterations; entries seen in iteration `iteration - 1`
    /// formed the previous successful scrape's series.
    /// Starts at 2 so that a new entry's `lastSeen` of 0 never reads as "seen in the previous scrape".
    private(set) var iteration = 2

    var count: Int { entries.count }

    /// The index of the entry for `raw`, or nil.
    func find(_ raw: UnsafeRawBufferPointer, hash: Int) -> Int? {
        let mask = slots.count - 1
        return entries.withUnsafeBufferPointer { all -> Int? in
            slots.withUnsafeBufferPointer { table -> Int? in
                var s = hash & mask
                while table[s] != 0 {
                    let i = Int(table[s] - 1)
                    if all[i].hash == hash, Self.keyEquals(all[i].key, raw) { return i }
                    s = (s + 1) & mask
                }
                return nil
            }
        }
    }

    private static func keyEquals(_ key: [UInt8], _ raw: UnsafeRawBufferPointer) -> Bool {
        guard key.count == raw.count else { return false }
        if raw.isEmpty { return true }
        return key.withUnsafeBytes { k in
            guard let a = k.baseAddress, let b = raw.baseAddress else { return false }
            return memcmp(a, b, raw.count) == 0
        }
    }

    private static let seed = UInt64.random(in: 1...UInt64.max)

    /// A fast seeded hash of the raw series bytes, eight bytes at a time.
    static func hash(_ raw: UnsafeRawBufferPointer) -> Int {
        var h = seed ^ UInt64(raw.count)
        var i = 0
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < raw.count {
            tail |= UInt64(raw[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 31
        h = h &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return Int(bitPattern: UInt(h))
    }

    mutating func insert(_ raw: UnsafeRawBufferPointer, hash: Int, labels: Labels?) -> Int {
        let index = entries.count
        entries.append(Entry(key: Array(raw), hash: hash, ref: 0, labels: labels,
                             lastSeen: 0, tracksStaleness: true, previousSeen: 0, previousRef: 0))
        if entries.count * 2 > slots.count {
            rebuildSlots(capacity: slots.count * 2)
        } else {
            place(index)
        }
        return index
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var s = entries[index].hash & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(index + 1)
    }

    private mutating func rebuildSlots(capacity: Int) {
        var size = 64
        while size < capacity { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        for i in entries.indices { place(i) }
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

    private mutating func compact() {
        let horizon = iteration - 2
        entries.removeAll { $0.lastSeen < horizon }
        rebuildSlots(capacity: entries.count * 2)
    }
}
