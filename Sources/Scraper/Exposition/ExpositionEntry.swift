import Model

/// One entry of an exposition, in the order the pull parser meets it.
///
/// Byte ranges index the parser's `bytes`. A metric name range excludes the
/// quotes of a quoted UTF-8 name; use the parser's accessors for decoded text.
public enum ExpositionEntry: Sendable, Equatable {
    /// A sample. `rawSeries` is the `name{labels}` text exactly as written, which is
    /// stable from scrape to scrape and so serves as a cache key before any
    /// `Labels` is built. `timestamp` is in milliseconds.
    case series(rawSeries: Range<Int>, value: Double, timestamp: Int64?)
    /// `# HELP name text`; `text` is still escaped (see `ExpositionParser.helpText()`).
    case help(metric: Range<Int>, text: Range<Int>)
    /// `# TYPE name type`.
    case type(metric: Range<Int>, MetricType)
    /// `# UNIT name unit` (OpenMetrics only).
    case unit(metric: Range<Int>, unit: Range<Int>)
    /// Any other `#` line of the Prometheus text format; the range is the whole line.
    case comment(Range<Int>)
    /// The OpenMetrics `# EOF` line.
    case eof
}

/// An exemplar attached to an OpenMetrics counter or bucket sample.
public struct Exemplar: Sendable, Hashable {
    public var labels: Labels
    public var value: Double
    /// Milliseconds, when the exemplar carries a timestamp.
    public var timestamp: Int64?

    /// An exemplar with the given labels, value and optional millisecond timestamp.
    public init(labels: Labels, value: Double, timestamp: Int64?) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }

    /// Bitwise value equality, so that NaN exemplars compare equal.
    public static func == (a: Exemplar, b: Exemplar) -> Bool {
        a.labels == b.labels && a.value.bitPattern == b.value.bitPattern && a.timestamp == b.timestamp
    }

    public func hash(into h: inout Hasher) {
        h.combine(labels)
        h.combine(value.bitPattern)
        h.combine(timestamp)
    }
}

/// Where a label's name and value sit in the payload.
struct LabelSpan {
    var name: Range<Int>
    var value: Range<Int>
    /// The name was quoted and contains a backslash.
    var nameEscaped: Bool
    /// The value contains a backslash.
    var valueEscaped: Bool
}

/// The metric name and labels of one `name{labels}` (or exemplar `{labels}`).
struct SeriesSpans {
    var name: Range<Int> = 0..<0
    var nameEscaped = false
    var hasName = false
    var labels: [LabelSpan] = []

    mutating func reset() {
        name = 0..<0
        nameEscaped = false
        hasName = false
        labels.removeAll(keepingCapacity: true)
    }
}
