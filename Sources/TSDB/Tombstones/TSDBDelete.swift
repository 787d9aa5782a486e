import Model

extension TSDB {
    /// Deletes the samples in [mint, maxt] of every series matching all of
    /// `matchers`, as Prometheus's `delete_series` does: the samples vanish
    /// from queries, series and label results at once (a tombstone records
    /// the deleted range, durably, before this returns) and are physically
    /// removed by `cleanTombstones()`. Each range is clamped to the data the
    /// series holds now, so samples appended later stay visible.
    public func deleteSeries(matching matchers: [Matcher], mint: Timestamp, maxt: Timestamp) throws {
        try deleteSeries(matchingAny: [matchers], mint: mint, maxt: maxt)
    }

    /// `deleteSeries(matching:mint:maxt:)` for several selectors in one durable step.
    public func deleteSeries(matchingAny selectors: [[Matcher]], mint: Timestamp, maxt: Timestamp) throws {
        guard !closed.load(ordering: .relaxed) else { throw TSDBError.closed }
        guard mint <= maxt else { return }
        try tombstones.mutation.withLock {
            let querier = TSDBQuerier(db: self, mint: mint, maxt: maxt)
            var additions: [UInt64: [DeletedRange]] = [:]
            for matchers in selectors {
                for m in try querier.collect(matchers, lo: mint, hi: maxt) {
                    guard let first = m.spans.map(\.minTime).min(), let last = m.spans.map(\.maxTime).max() else { continue }
                    let range = DeletedRange(minTime: max(mint, first), maxTime: min(maxt, last))
                    if range.minTime <= range.maxTime { additions[m.id, default: []].append(range) }
                }
            }
            try tombstones.add(additions)
            if !additions.isEmpty {
                logger.info("deleted samples in [\(mint), \(maxt)] of \(additions.count) series")
            }
        }
    }

    /// The deleted ranges (tombstones) not yet cleaned, per series labels.
    public func tombstoneRanges() throws -> [Labels: [DeletedRange]] {
        let deleted = tombstones.current()
        guard !deleted.isEmpty else { return [:] }
        let ids = deleted.keys.sorted()
        var pairs: [UInt64: [UInt32]] = head.lock.withLock {
            var out: [UInt64: [UInt32]] = [:]
            for id in ids { if let s = head.byID[id] { out[id] = s.pairs } }
            return out
        }
        let missing = ids.filter { pairs[$0] == nil }
        if !missing.isEmpty {
            try index.read { c in pairs.merge(try IndexStore.seriesPairs(c, missing)) { a, _ in a } }
        }
        var out: [Labels: [DeletedRange]] = [:]
        for id in ids {
            guard let p = pairs[id], let ranges = deleted[id] else { continue }
            out[symbols.labels(p)] = ranges.ranges
        }
        return out
    }
}
