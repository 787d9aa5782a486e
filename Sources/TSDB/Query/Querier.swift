import Model
import Storage

/// A series matched by a query, before labels are resolved.
struct MatchedSeries {
    var id: UInt64
    var pairs: [UInt32]
    var spans: [ChunkSpan] = []
    /// Newest time this reader may see (isolation), clipped to the query.
    var visibleMax: Int64
    /// Whether indexed chunks may hold data in range.
    var readIndex: Bool
    /// Locations of sealed chunks copied from memory, to skip their index refs.
    var inMemory: Set<UInt64> = []
}

/// A read view over [mint, maxt]. Registered with the head at creation:
/// commits applied later stay invisible to it, so a query never sees part
/// of a commit, even across several selects.
final class TSDBQuerier: Querier {
    let db: TSDB
    let head: Head
    let mint: Int64
    let maxt: Int64
    private let reader: (id: Int, seq: UInt64)

    init(db: TSDB, mint: Int64, maxt: Int64) {
        self.db = db
        head = db.head
        self.mint = mint
        self.maxt = maxt
        reader = db.head.registerReader()
    }

    deinit { head.unregisterReader(reader.id) }

    func select(_ matchers: [Matcher], hints: SelectHints?) throws -> [SelectedSeries] {
        let lo = max(mint, hints?.start ?? mint)
        let hi = min(maxt, hints?.end ?? maxt)
        guard lo <= hi else { return [] }
        let deleted = db.tombstones.current()
        let matched = try collect(matchers, lo: lo, hi: hi).compactMap { $0.withoutDeleted(deleted, lo: lo, hi: hi) }
        let labels = head.symbols.labels(matched.map(\.pairs))
        let failures = db.readFailures
        var out: [SelectedSeries] = []
        out.reserveCapacity(matched.count)
        for (m, l) in zip(matched, labels) {
            let spans = m.spans.sorted { $0.minTime < $1.minTime }
            let top = min(hi, m.visibleMax)
            let hidden = deleted[m.id].flatMap { $0.overlaps(lo, top) ? $0 : nil }
            out.append(SelectedSeries(labels: l) {
                let samples = makeSeriesIterator(spans: spans, minTime: lo, maxTime: top, failures: failures)
                guard let hidden else { return samples }
                return DeletedSamplesFilter(base: samples, deleted: hidden)
            })
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    func labelNames(matching matchers: [Matcher]) throws -> [String] {
        let pairs = try pairsInRange(matchers)
        return Array(head.symbols.names(ofPairs: pairs)).sorted()
    }

    func labelValues(_ name: String, matching matchers: [Matcher]) throws -> [String] {
        let present = try pairsInRange(matchers)
        return head.symbols.pairs(named: name).filter { present.contains($0.id) }.map(\.value).sorted()
    }

    /// Pairs of series with data in range (with matchers), or of all series
    /// when there are none and the range overlaps the stored data, as
    /// Prometheus answers label queries without matchers.
    private func pairsInRange(_ matchers: [Matcher]) throws -> Set<UInt32> {
        let deleted = db.tombstones.current()
        if matchers.isEmpty {
            let (lo, hi) = db.timeRange
            guard lo <= maxt, hi >= mint else { return [] }
            var pairs = head.lock.withLock { head.pairsWithData() }
            try db.index.read { c in pairs.formUnion(try IndexStore.pairsWithPostings(c)) }
            if !deleted.isEmpty { pairs.subtract(try pairsOnlyOfDeletedSeries(deleted, among: pairs)) }
            return pairs
        }
        var pairs = Set<UInt32>()
        for m in try collect(matchers, lo: mint, hi: maxt) {
            if let visible = m.withoutDeleted(deleted, lo: mint, hi: maxt) { pairs.formUnion(visible.pairs) }
        }
        return pairs
    }

    /// Matching series with the chunks overlapping [lo, hi]: head state is
    /// copied under the head lock first, then the index is read in one
    /// read transaction; a chunk seen in both is taken once.
    func collect(_ matchers: [Matcher], lo: Int64, hi: Int64) throws -> [MatchedSeries] {
        try collect(.matching(matchers), lo: lo, hi: hi)
    }

    func collect(_ selection: SeriesSelection, lo: Int64, hi: Int64) throws -> [MatchedSeries] {
        let matcher = PostingsMatcher(symbols: head.symbols)
        var matched: [UInt64: MatchedSeries] = [:]
        var readOutside = false
        try head.lock.withLock {
            var source = HeadPostingsSource(head: head)
            for id in try selection.seriesIDs(matcher, in: &source) {
                guard let s = head.byID[id] else { continue }
                matched[id] = snapshot(s, lo: lo, hi: hi)
            }
            readOutside = lo <= head.outsideMaxTime
        }
        let needsIndex = readOutside || matched.values.contains { $0.readIndex }
        guard needsIndex else { return Array(matched.values) }
        var mappings: [UInt32: FileMapping] = [:]
        try db.index.read { c in
            // Pin the read snapshot first, then read segment sizes: every ref
            // the snapshot shows was synced, and its size published, before it.
            try IndexStore.pinSnapshot(c)
            let segments = db.segments.overlapping(lo, hi)
            if readOutside {
                var source = IndexPostingsSource(connection: c)
                let outside = try selection.seriesIDs(matcher, in: &source).filter { matched[$0] == nil }
                // Only series whose indexed data reaches into the range.
                let inRange = head.lock.withLock { outside.filter { (head.indexedMaxTimes[$0] ?? .min) >= lo } }
                for (id, pairs) in try IndexStore.seriesPairs(c, inRange) {
                    matched[id] = MatchedSeries(id: id, pairs: pairs, visibleMax: hi, readIndex: true)
                }
            }
            guard !segments.isEmpty else { return }
            let wanted = matched.values.filter(\.readIndex).map(\.id).sorted()
            let refsByID = try IndexStore.chunkRefs(c, series: wanted, segments: segments)
            for id in wanted {
                guard var m = matched[id], let refs = refsByID[id] else { continue }
                for ref in refs where ref.maxTime >= lo && ref.minTime <= m.visibleMax && !m.inMemory.contains(ref.location) {
                    guard let mapping = try mappingFor(ref.segment, segments: segments, cache: &mappings) else { continue }
                    m.spans.append(ChunkSpan(minTime: ref.minTime, maxTime: ref.maxTime,
                                             source: .mapped(mapping, offset: Int(ref.offset), series: id, segment: ref.segment)))
                }
                matched[id] = m
            }
        }
        return Array(matched.values)
    }

    /// Copies what a head series holds in range. Caller holds the head lock.
    private func snapshot(_ s: MemSeries, lo: Int64, hi: Int64) -> MatchedSeries {
        let visible = min(hi, s.visibleMaxTime(forReaderAt: reader.seq))
        var m = MatchedSeries(id: s.id, pairs: s.pairs, visibleMax: visible, readIndex: s.persistedMaxTime >= lo)
        for p in s.pendingChunks {
            m.inMemory.insert(p.ref.location)
            if p.ref.maxTime >= lo && p.ref.minTime <= visible {
                m.spans.append(ChunkSpan(minTime: p.ref.minTime, maxTime: p.ref.maxTime, source: .sealed(p.chunk)))
            }
        }
        if s.chunk.count > 0 && s.chunk.maxTime >= lo && s.chunk.minTime <= visible {
            m.spans.append(ChunkSpan(minTime: s.chunk.minTime, maxTime: s.chunk.maxTime, source: .head(s.chunk.snapshot())))
        }
        return m
    }

    private func mappingFor(_ segment: UInt32, segments: [ChunkSegmentInfo], cache: inout [UInt32: FileMapping]) throws -> FileMapping? {
        if let m = cache[segment] { return m }
        guard let info = segments.first(where: { $0.id == segment }) else { return nil }
        do {
            let m = try db.segments.mapping(segment, covering: info.durableSize)
            cache[segment] = m
            return m
        } catch {
            db.readFailures.report("segment \(ChunkSegmentFormat.fileName(segment)) unreadable: \(error)")
            return nil
        }
    }
}
