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
///
/// Memory: the keys live in one front-coded byte arena, and an entry is a few
/// plain integers. The final labels of a series are kept only until the storage has
/// given it a ref; from then on samples are appended by ref alone, and the rare
/// paths that need the labels again (a ref the storage forgot, a handover to a
/// successor loop) re-derive them from the key, the same way a miss does.
struct ScrapeCache {
    /// Trivial (no references) and 32 bytes, so walking and compacting the
    /// entries costs no reference counting and 50,000 series take 1.6 MB.
    struct Entry {
        /// Storage ref; 0 until an append returned one. A ref stays once given,
        /// even when the scrape that got it rolled back: the storage handed it
        /// out, and one it no longer knows is answered by the labels path.
        var ref: SeriesRef
        /// The scrape iteration that last appended this series.
        var lastSeen: Int
        /// The low 32 bits of the key's hash (the slot table never needs more).
        var hash: UInt32
        /// Where the key's stored bytes start in `arena`, the key's full length,
        /// and how many leading bytes it shares with the previous entry's key
        /// (which are not stored again; see ScrapeCacheKeys.swift).
        var keyStart: UInt32
        var keyCount: UInt32
        var keyShared: UInt16
        var flags: Flags
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        /// Metric relabeling dropped the series: it is counted as scraped, never appended.
        static let dropped = Flags(rawValue: 1)
        /// False for samples with explicit timestamps, which get no staleness markers
        /// unless `track_timestamps_staleness` is on.
        static let tracksStaleness = Flags(rawValue: 2)
        /// The final labels are in `heldLabels` (the series has no ref yet).
        static let holdsLabels = Flags(rawValue: 4)
        /// Before the running scrape touched the entry it was last seen one
        /// (or two) iterations ago: all a failed scrape must restore, since
        /// older values only ever compare as "older than two iterations".
        static let seenOneAgo = Flags(rawValue: 8)
        static let seenTwoAgo = Flags(rawValue: 16)
        /// The key passed the OpenMetrics parser's series check. Every key passed the
        /// text format's, which accepts all OpenMetrics does but also blanks and a
        /// trailing comma: a target that switches to OpenMetrics gets its keys
        /// checked again.
        static let checkedAsOpenMetrics = Flags(rawValue: 32)
    }

    /// Why an entry cannot be added.
    struct Full: Error {}

    private(set) var entries: [Entry] = []
    /// The keys, front coded (ScrapeCacheKeys.swift); a compaction rewrites it.
    var arena: [UInt8] = []
    /// The full key of entry `lastKeyIndex` (the last one found or added): the
    /// next entry in payload order stores only what follows their shared prefix.
    var lastKey: [UInt8] = []
    var lastKeyIndex = -1
    /// Final labels of the entries (by index) that have no storage ref yet.
    private var heldLabels: [Int: Labels] = [:]
    /// Open-addressing table of entry index + 1 (0 = empty), a power of two in size,
    /// kept at most half full; cheaper per lookup than a Dictionary keyed by hash.
    private var slots = [Int32](repeating: 0, count: 64)
    /// The entry expected next: a target lists its series in the same order every
    /// scrape, so the entry after the last one found usually is the next one.
    private var cursor = 0
    /// Entries were added in the running iteration (the arrays may have slack to trim).
    private var grew = false
    /// Number of completed scrape iterations; entries seen in iteration `iteration - 1`
    /// formed the previous successful scrape's series.
    /// Starts at 3 so that a new entry's `lastSeen` of 0 never reads as seen in the last two scrapes.
    private(set) var iteration = 3

    var count: Int { entries.count }

    /// The index of the entry for `raw`, or nil. Tries the entry after the
    /// previous hit before hashing.
    mutating func lookup(_ raw: UnsafeRawBufferPointer) -> Int? {
        var found = cursor
        if cursor >= entries.count || !keyEquals(cursor, raw) {
            guard let hit = find(raw, hash: Self.hash(raw)) else { return nil }
            found = hit
        }
        cursor = found + 1
        remember(raw, as: found)
        return found
    }

    /// The index of the entry for `raw` by its hash, or nil.
    func find(_ raw: UnsafeRawBufferPointer, hash: Int) -> Int? {
        let mask = slots.count - 1
        let short = UInt32(truncatingIfNeeded: hash)
        return entries.withUnsafeBufferPointer { all -> Int? in
            slots.withUnsafeBufferPointer { table -> Int? in
                var s = hash & mask
                while table[s] != 0 {
                    let i = Int(table[s] - 1)
                    if all[i].hash == short, keyEquals(i, raw) { return i }
                    s = (s + 1) & mask
                }
                return nil
            }
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

    /// Adds the entry for `raw` (which must not be in the cache); `dropped` when
    /// metric relabeling drops the series. Returns its index; throws when the
    /// keys would pass 4 GiB or the entries 2^31 (the sizes an entry can address).
    mutating func insert(_ raw: UnsafeRawBufferPointer, hash: Int, dropped: Bool) throws(Full) -> Int {
        guard arena.count + raw.count <= Int(UInt32.max), entries.count < Int(Int32.max) - 1 else { throw Full() }
        let index = entries.count
        let (keyStart, shared) = appendKey(raw)
        entries.append(Entry(ref: 0, lastSeen: 0, hash: UInt32(truncatingIfNeeded: hash), keyStart: keyStart,
                             keyCount: UInt32(raw.count), keyShared: shared, flags: dropped ? [.dropped] : [.tracksStaleness]))
        remember(raw, as: index)
        if entries.count * 2 > slots.count {
            rebuildSlots(capacity: slots.count * 2)
        } else {
            place(index)
        }
        cursor = index + 1
        grew = true
        return index
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var s = Int(entries[index].hash) & mask
        while slots[s] != 0 { s = (s + 1) & mask }
        slots[s] = Int32(index + 1)
    }

    private mutating func rebuildSlots(capacity: Int) {
        var size = 64
        while size < capacity { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        for i in entries.indices { place(i) }
    }

    /// Records that the running scrape appended (or for a dropped series, read) the
    /// entry; a non-zero `ref` releases the labels held for it.
    mutating func markSeen(_ index: Int, ref: SeriesRef, tracksStaleness: Bool) {
        let holds = entries.withUnsafeMutableBufferPointer { all -> Bool in
            var flags = all[index].flags
            if all[index].lastSeen != iteration {
                flags.remove([.seenOneAgo, .seenTwoAgo])
                if all[index].lastSeen == iteration - 1 { flags.insert(.seenOneAgo) }
                if all[index].lastSeen == iteration - 2 { flags.insert(.seenTwoAgo) }
            }
            if tracksStaleness { flags.insert(.tracksStaleness) } else { flags.remove(.tracksStaleness) }
            let holds = ref != 0 && flags.contains(.holdsLabels)
            if holds { flags.remove(.holdsLabels) }
            all[index].flags = flags
            all[index].ref = ref
            all[index].lastSeen = iteration
            return holds
        }
        if holds { heldLabels[index] = nil }
    }

    /// Keeps the final labels of an entry that has no ref yet, so its next
    /// append need not re-derive them.
    mutating func hold(_ labels: Labels, at index: Int) {
        heldLabels[index] = labels
        entries[index].flags.insert(.holdsLabels)
    }

    /// The held final labels of an entry, if it has no ref yet and they were kept.
    func heldLabels(at index: Int) -> Labels? {
        entries[index].flags.contains(.holdsLabels) ? heldLabels[index] : nil
    }

    func isDropped(_ index: Int) -> Bool { entries[index].flags.contains(.dropped) }

    func isCheckedAsOpenMetrics(_ index: Int) -> Bool { entries[index].flags.contains(.checkedAsOpenMetrics) }

    mutating func markCheckedAsOpenMetrics(_ index: Int) { entries[index].flags.insert(.checkedAsOpenMetrics) }

    func ref(at index: Int) -> SeriesRef { entries[index].ref }

    /// Entries of the previous scrape that this scrape did not append (and whose
    /// ref no series of this scrape has): the ones to mark stale.
    func vanishedEntries() -> [Int] {
        let previous = iteration - 1
        var vanished: [Int] = []
        var anyAlive = false
        for i in entries.indices {
            let e = entries[i]
            if e.lastSeen == previous && e.flags.contains(.tracksStaleness) && !e.flags.contains(.dropped) { vanished.append(i) }
            if e.lastSeen == iteration && e.ref != 0 { anyAlive = true }
        }
        if vanished.isEmpty || !anyAlive { return vanished }
        // Two raw series can map to the same labels after relabeling, so to the
        // same ref: still alive if either is.
        var alive = Set<SeriesRef>()
        for e in entries where e.lastSeen == iteration && e.ref != 0 { alive.insert(e.ref) }
        return vanished.filter { entries[$0].ref == 0 || !alive.contains(entries[$0].ref) }
    }

    /// Entries of the last scrape, for staleness when a target goes away.
    func currentEntries() -> [Int] {
        entries.indices.filter { i in
            let e = entries[i]
            return e.lastSeen == iteration - 1 && e.flags.contains(.tracksStaleness) && !e.flags.contains(.dropped)
        }
    }

    /// Ends a scrape iteration and forgets series not seen for two iterations
    /// (their staleness markers are written by then).
    mutating func finishIteration() {
        iteration += 1
        cursor = 0
        var dead = 0
        let horizon = iteration - 2
        for e in entries where e.lastSeen < horizon { dead += 1 }
        if dead > 64 && dead * 4 > entries.count {
            compact()
        } else if grew {
            trimCapacity()
        }
        grew = false
    }

    /// Undoes what a failed (rolled back) scrape recorded, so its series count as not seen.
    mutating func revertIteration() {
        cursor = 0
        let iteration = iteration
        entries.withUnsafeMutableBufferPointer { all in
            for i in all.indices where all[i].lastSeen == iteration {
                let flags = all[i].flags
                all[i].lastSeen = flags.contains(.seenOneAgo) ? iteration - 1 : flags.contains(.seenTwoAgo) ? iteration - 2 : iteration - 3
            }
        }
    }

    /// Copies the entries and keys into exactly sized arrays once they stopped
    /// growing: growth by doubling can leave half of each unused.
    private mutating func trimCapacity() {
        if arena.capacity - arena.count > arena.count / 8 {
            arena = arena.withUnsafeBufferPointer { Array(exactly: $0) }
        }
        if entries.capacity - entries.count > entries.count / 8 {
            entries = entries.withUnsafeBufferPointer { Array(exactly: $0) }
        }
    }

    private mutating func compact() {
        let horizon = iteration - 2
        let old = self
        entries = []
        arena = []
        heldLabels = [:]
        lastKeyIndex = -1
        old.forEachKey { i, key in
            let e = old.entries[i]
            guard e.lastSeen >= horizon else { return }
            let index = entries.count
            var moved = e
            (moved.keyStart, moved.keyShared) = appendKey(key)
            entries.append(moved)
            remember(key, as: index)
            if e.flags.contains(.holdsLabels) { heldLabels[index] = old.heldLabels[i] }
        }
        rebuildSlots(capacity: entries.count * 2)
    }
}

extension Array where Element: BitwiseCopyable {
    /// A copy with no spare capacity beyond what the allocator rounds up to.
    init(exactly source: UnsafeBufferPointer<Element>) {
        self.init(unsafeUninitializedCapacity: source.count) { buffer, count in
            if let base = source.baseAddress, source.count > 0 {
                buffer.baseAddress?.initialize(from: base, count: source.count)
            }
            count = source.count
        }
    }
}
