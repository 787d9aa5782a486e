import Foundation
import Model
import Storage

/// In-memory storage for rule unit tests, where samples only ever arrive in
/// time order and thousands of evaluations each read a short window.
///
/// Unlike `MemoryStorage` it neither copies the data for every querier nor
/// scans whole series: a querier remembers how many samples each series had
/// when it was made (series only grow, so that is a consistent snapshot) and
/// finds its window by binary search. Series are indexed by metric name.
/// Appends and reads must not overlap in time (the unit-test runner is sequential).
final class AppendOnlyStorage: Storage, @unchecked Sendable {
    /// One series; appended to under the storage lock, read up to a snapshot length.
    final class Series: @unchecked Sendable {
        let labels: Labels
        var ts: [Timestamp] = []
        var vs: [Double] = []
        init(labels: Labels) { self.labels = labels }
    }

    private let lock = NSLock()
    private var byLabels: [Labels: Series] = [:]
    private var byName: [String: [Series]] = [:]
    private var all: [Series] = []

    func appender() -> any Appender { Batch(storage: self) }

    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        lock.withLock {
            var lengths: [ObjectIdentifier: Int] = [:]
            for s in all { lengths[ObjectIdentifier(s)] = s.ts.count }
            return Snapshot(series: all, lengths: lengths, byName: byName, mint: mint, maxt: maxt)
        }
    }

    fileprivate func commit(_ pending: [(Labels, Timestamp, Double)]) {
        lock.withLock {
            for (labels, t, v) in pending {
                let s: Series
                if let existing = byLabels[labels] {
                    s = existing
                } else {
                    s = Series(labels: labels)
                    byLabels[labels] = s
                    byName[labels.metricName, default: []].append(s)
                    all.append(s)
                }
                s.ts.append(t)
                s.vs.append(v)
            }
        }
    }

    /// The newest sample of a series, for order checks.
    fileprivate func last(_ labels: Labels) -> (Timestamp, Double)? {
        lock.withLock {
            guard let s = byLabels[labels], let t = s.ts.last, let v = s.vs.last else { return nil }
            return (t, v)
        }
    }
}

private final class Batch: Appender {
    let storage: AppendOnlyStorage
    var pending: [(Labels, Timestamp, Double)] = []
    var lastPending: [Labels: (Timestamp, Double)] = [:]

    init(storage: AppendOnlyStorage) { self.storage = storage }

    func append(ref: SeriesRef, labels: Labels, t: Timestamp, v: Double) throws -> SeriesRef {
        guard !labels.isEmpty else { throw AppendError.invalidLabels("empty label set") }
        if let (lt, lv) = lastPending[labels] ?? storage.last(labels) {
            if t < lt { throw AppendError.outOfOrder }
            if t == lt {
                if lv.bitPattern == v.bitPattern { return 0 }
                throw AppendError.duplicateSampleForTimestamp
            }
        }
        pending.append((labels, t, v))
        lastPending[labels] = (t, v)
        return 0
    }

    func commit() throws {
        storage.commit(pending)
        pending = []
        lastPending = [:]
    }

    func rollback() {
        pending = []
        lastPending = [:]
    }
}

private struct Snapshot: Querier {
    let series: [AppendOnlyStorage.Series]
    let lengths: [ObjectIdentifier: Int]
    let byName: [String: [AppendOnlyStorage.Series]]
    let mint: Timestamp
    let maxt: Timestamp

    private func candidates(_ matchers: [Matcher]) -> [AppendOnlyStorage.Series] {
        if let name = matchers.first(where: { $0.name == LabelName.metricName && $0.type == .equal }) {
            return byName[name.value] ?? []
        }
        return series
    }

    /// Index range of the samples within [lo, hi] among the first `count`.
    private func window(_ s: AppendOnlyStorage.Series, count: Int, lo: Timestamp, hi: Timestamp) -> Range<Int> {
        func firstIndex(atLeast t: Timestamp) -> Int {
            var a = 0, b = count
            while a < b {
                let m = (a + b) / 2
                if s.ts[m] < t { a = m + 1 } else { b = m }
            }
            return a
        }
        let start = firstIndex(atLeast: lo)
        let end = hi == .max ? count : firstIndex(atLeast: hi + 1)
        return start..<max(start, end)
    }

    func select(_ matchers: [Matcher], hints: SelectHints?) throws -> [SelectedSeries] {
        let lo = hints.map { max($0.start, mint) } ?? mint
        let hi = hints.map { min($0.end, maxt) } ?? maxt
        var out: [SelectedSeries] = []
        for s in candidates(matchers) where matchers.allSatisfy({ $0.matches(s.labels) }) {
            guard let count = lengths[ObjectIdentifier(s)] else { continue }
            let range = window(s, count: count, lo: lo, hi: hi)
            if range.isEmpty { continue }
            let samples = range.map { Sample(t: s.ts[$0], v: s.vs[$0]) }
            out.append(SelectedSeries(labels: s.labels) { ArraySampleIterator(samples) })
        }
        return out.sorted { $0.labels < $1.labels }
    }

    private func withData(_ matchers: [Matcher]) -> [Labels] {
        return candidates(matchers).filter { s in
            guard matchers.allSatisfy({ $0.matches(s.labels) }), let n = lengths[ObjectIdentifier(s)] else { return false }
            return !window(s, count: n, lo: mint, hi: maxt).isEmpty
        }.map(\.labels)
    }

    func labelNames(matching matchers: [Matcher]) throws -> [String] {
        Array(Set(withData(matchers).flatMap(\.names))).sorted()
    }

    func labelValues(_ name: String, matching matchers: [Matcher]) throws -> [String] {
        Array(Set(withData(matchers).compactMap { $0.get(name) })).sorted()
    }
}
