import Model
import Synchronization

/// A complete in-memory storage with the same append semantics as the TSDB
/// (atomic commits, out-of-order and duplicate rejection). It backs the PromQL
/// and rule test runners and the unit tests of modules that read or write samples.
public final class MemoryStorage: Storage, @unchecked Sendable {
    struct State {
        var series: [Labels: [Sample]] = [:]
        var refs: [Labels: SeriesRef] = [:]
        var labelsByRef: [SeriesRef: Labels] = [:]
        var nextRef: SeriesRef = 1
    }

    private let state = Mutex(State())

    public init() {}

    public func appender() -> any Appender { MemoryAppender(storage: self) }

    public func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier {
        MemoryQuerier(snapshot: state.withLock { $0.series }, mint: mint, maxt: maxt)
    }

    /// Number of series stored.
    public var seriesCount: Int { state.withLock { $0.series.count } }

    /// Removes everything.
    public func clear() { state.withLock { $0 = State() } }

    fileprivate func ref(for labels: Labels) -> SeriesRef {
        state.withLock { s in
            if let r = s.refs[labels] { return r }
            let r = s.nextRef
            s.nextRef += 1
            s.refs[labels] = r
            s.labelsByRef[r] = labels
            return r
        }
    }

    fileprivate func labels(for ref: SeriesRef) -> Labels? { state.withLock { $0.labelsByRef[ref] } }

    fileprivate func lastSample(of labels: Labels) -> Sample? { state.withLock { $0.series[labels]?.last } }

    fileprivate func commit(_ pending: [(Labels, Sample)]) {
        state.withLock { s in
            for (l, sample) in pending { s.series[l, default: []].append(sample) }
        }
    }
}

private final class MemoryAppender: Appender {
    let storage: MemoryStorage
    var pending: [(Labels, Sample)] = []
    var lastPending: [Labels: Sample] = [:]

    init(storage: MemoryStorage) { self.storage = storage }

    func append(ref: SeriesRef, labels: Labels, t: Timestamp, v: Double) throws -> SeriesRef {
        var labels = labels
        if ref != 0, let known = storage.labels(for: ref) { labels = known }
        guard !labels.isEmpty else { throw AppendError.invalidLabels("empty label set") }
        let last = lastPending[labels] ?? storage.lastSample(of: labels)
        if let last {
            if t < last.t { throw AppendError.outOfOrder }
            if t == last.t {
                if last.v.bitPattern == v.bitPattern { return storage.ref(for: labels) }
                throw AppendError.duplicateSampleForTimestamp
            }
        }
        let s = Sample(t: t, v: v)
        pending.append((labels, s))
        lastPending[labels] = s
        return storage.ref(for: labels)
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

private struct MemoryQuerier: Querier {
    let snapshot: [Labels: [Sample]]
    let mint: Timestamp
    let maxt: Timestamp

    func matching(_ matchers: [Matcher]) -> [Labels] {
        snapshot.keys.filter { l in matchers.allSatisfy { $0.matches(l) } }.sorted()
    }

    func select(_ matchers: [Matcher], hints: SelectHints?) throws -> [SelectedSeries] {
        let lo = hints.map { max($0.start, mint) } ?? mint
        let hi = hints.map { min($0.end, maxt) } ?? maxt
        return matching(matchers).compactMap { l in
            let samples = snapshot[l]!.filter { $0.t >= lo && $0.t <= hi }
            if samples.isEmpty { return nil }
            return SelectedSeries(labels: l) { ArraySampleIterator(samples) }
        }
    }

    func labelNames(matching matchers: [Matcher]) throws -> [String] {
        Array(Set(matching(matchers).filter(hasData).flatMap(\.names))).sorted()
    }

    func labelValues(_ name: String, matching matchers: [Matcher]) throws -> [String] {
        Array(Set(matching(matchers).filter(hasData).compactMap { $0.get(name) })).sorted()
    }

    private func hasData(_ l: Labels) -> Bool {
        snapshot[l]!.contains { $0.t >= mint && $0.t <= maxt }
    }
}
