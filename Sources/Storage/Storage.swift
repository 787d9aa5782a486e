import Model

/// An opaque per-storage series identifier; 0 means "unknown".
public typealias SeriesRef = UInt64

/// Why a single sample was rejected. The appender stays usable: callers count
/// the error and go on with the next sample, as Prometheus's scrape loop does.
public enum AppendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Older than the newest sample of its series.
    case outOfOrder
    /// Same timestamp as the newest sample of its series, different value.
    case duplicateSampleForTimestamp
    /// Outside the window the storage accepts (for example behind retention).
    case outOfBounds
    /// Empty, unsorted or otherwise unusable label set.
    case invalidLabels(String)

    public var description: String {
        switch self {
        case .outOfOrder: return "out of order sample"
        case .duplicateSampleForTimestamp: return "duplicate sample for timestamp"
        case .outOfBounds: return "out of bounds"
        case .invalidLabels(let why): return "invalid labels: \(why)"
        }
    }
}

/// A write transaction. Samples become visible to queriers only on `commit()`,
/// all at once; `rollback()` discards them. An appender is used by one task at a time.
public protocol Appender: AnyObject {
    /// Adds a sample to the transaction. `ref` is the value returned by an
    /// earlier append of the same series (0 when unknown); passing it lets the
    /// storage skip the label lookup. Returns the series's ref.
    ///
    /// A caller may pass a known ref with empty `labels` (the scraper does,
    /// to avoid keeping every series' labels). A storage that no longer knows
    /// the ref must then throw `AppendError.invalidLabels`, never invent a
    /// series, so the caller can retry with the labels and ref 0.
    @discardableResult
    func append(ref: SeriesRef, labels: Labels, t: Timestamp, v: Double) throws -> SeriesRef

    /// Makes every sample of the transaction durable (per the storage's
    /// policy) and visible. After commit the appender may not be reused.
    func commit() throws

    /// Discards the transaction.
    func rollback()
}

extension Appender {
    @discardableResult
    public func append(_ labels: Labels, _ t: Timestamp, _ v: Double) throws -> SeriesRef {
        try append(ref: 0, labels: labels, t: t, v: v)
    }
}

/// Something samples can be written to.
public protocol Appendable: Sendable {
    func appender() -> any Appender
}

/// Hints a query engine passes to `select`, so the storage can avoid loading
/// data outside the range a selector needs.
public struct SelectHints: Sendable, Equatable {
    /// Inclusive time bounds of the data the caller will read.
    public var start: Timestamp
    public var end: Timestamp
    /// Query step in ms (0 for instant queries).
    public var step: Int64
    /// Range of a range selector in ms (0 for instant selectors).
    public var range: Int64
    /// The function the selector is an argument of, if any (e.g. "rate").
    public var function: String?

    public init(start: Timestamp, end: Timestamp, step: Int64 = 0, range: Int64 = 0, function: String? = nil) {
        self.start = start
        self.end = end
        self.step = step
        self.range = range
        self.function = function
    }
}

/// Iterates a series's samples in timestamp order.
public protocol SampleIterator: AnyObject {
    /// Advances to the next sample; false at the end.
    func next() -> Bool
    /// Advances to the first sample with timestamp >= t (staying put if
    /// already there); false if there is none.
    func seek(_ t: Timestamp) -> Bool
    /// The current sample; valid after `next()` or `seek` returned true.
    var timestamp: Timestamp { get }
    var value: Double { get }
}

/// One selected series.
public struct SelectedSeries {
    public let labels: Labels
    /// Creates a fresh iterator over the series's samples within the querier's bounds.
    public let makeIterator: () -> any SampleIterator

    public init(labels: Labels, makeIterator: @escaping () -> any SampleIterator) {
        self.labels = labels
        self.makeIterator = makeIterator
    }
}

/// A read view of the storage over a fixed time range. Reads see a
/// consistent snapshot: never a half-written chunk or half a commit.
public protocol Querier {
    /// Series matching all matchers, sorted by labels.
    func select(_ matchers: [Matcher], hints: SelectHints?) throws -> [SelectedSeries]
    /// Sorted label names of series matching the matchers (all series when empty).
    func labelNames(matching matchers: [Matcher]) throws -> [String]
    /// Sorted values of `name` among series matching the matchers.
    func labelValues(_ name: String, matching matchers: [Matcher]) throws -> [String]
}

/// Something that can be queried.
public protocol Queryable: Sendable {
    /// A querier over samples with timestamps in [mint, maxt].
    func querier(mint: Timestamp, maxt: Timestamp) throws -> any Querier
}

/// A storage both readable and writable.
public typealias Storage = Appendable & Queryable
