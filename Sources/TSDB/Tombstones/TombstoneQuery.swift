import Model

/// Which series a query reads: those matching label matchers, or given ids.
enum SeriesSelection {
    case matching([Matcher])
    /// Ascending ids; ids the store does not know are skipped.
    case ids([UInt64])

    func seriesIDs<S: PostingsSource>(_ matcher: PostingsMatcher, in source: inout S) throws -> [UInt64] {
        switch self {
        case .matching(let matchers): return try matcher.seriesIDs(matchers, in: &source)
        case .ids(let ids): return ids
        }
    }
}

extension MatchedSeries {
    /// The series without the chunks whose samples in [lo, hi] are all
    /// deleted; nil when nothing visible is left, so a wholly deleted series
    /// disappears from selects, series and label queries at once. Samples
    /// deleted inside a chunk that stays are hidden by `DeletedSamplesFilter`.
    func withoutDeleted(_ deleted: [UInt64: DeletedRanges], lo: Int64, hi: Int64) -> MatchedSeries? {
        guard !spans.isEmpty else { return nil }
        guard let ranges = deleted[id] else { return self }
        let top = min(hi, visibleMax)
        var visible = self
        visible.spans.removeAll { ranges.covers(max($0.minTime, lo), min($0.maxTime, top)) }
        return visible.spans.isEmpty ? nil : visible
    }
}

extension TSDBQuerier {
    /// Label pairs among `candidates` that no series with visible data
    /// carries any more: those of series whose every sample is deleted.
    /// Label queries without matchers answer from the postings, which still
    /// list such series until clean_tombstones removes them.
    func pairsOnlyOfDeletedSeries(_ deleted: [UInt64: DeletedRanges], among candidates: Set<UInt32>) throws -> Set<UInt32> {
        // A series whose newest sample is not deleted is alive: only the others need their chunks read.
        let maybeDead: [UInt64] = head.lock.withLock {
            deleted.filter { id, ranges in
                guard let newest = head.byID[id]?.lastTime ?? head.indexedMaxTimes[id], newest != .min else { return true }
                return ranges.contains(newest)
            }.keys.sorted()
        }
        guard !maybeDead.isEmpty else { return [] }
        var dead = Set<UInt64>()
        var deadPairs = Set<UInt32>()
        for m in try collect(.ids(maybeDead), lo: .min, hi: .max)
        where m.withoutDeleted(deleted, lo: .min, hi: .max) == nil {
            dead.insert(m.id)
            deadPairs.formUnion(m.pairs)
        }
        let suspects = deadPairs.intersection(candidates)
        guard !suspects.isEmpty else { return [] }
        // Head series count only while they hold or held samples, as in `Head.pairsWithData`.
        var carriers: [UInt32: [UInt64]] = head.lock.withLock {
            var out: [UInt32: [UInt64]] = [:]
            for pair in suspects {
                out[pair] = head.postings.list(pair).filter { id in
                    head.byID[id].map { $0.lastTime != .min || $0.persistedMaxTime != .min } ?? false
                }
            }
            return out
        }
        try db.index.read { c in
            for pair in suspects { carriers[pair, default: []] += try IndexStore.postings(c, pair: pair) }
        }
        return suspects.filter { pair in carriers[pair, default: []].allSatisfy(dead.contains) }
    }
}
