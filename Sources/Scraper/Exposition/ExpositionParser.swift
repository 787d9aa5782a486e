#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Model

/// A pull parser for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text.
///
/// It works on the payload's bytes and creates no String per sample: `next()`
/// returns the raw `name{labels}` range of each sample, so a scrape loop can look
/// the series up in its cache and call `labels()` only on a miss, the way
/// Prometheus's scrape cache does.
///
/// ```swift
/// var parser = ExpositionParser(body, format: .detect(contentType: header))
/// while let entry = try parser.next() {
///     if case .series(let raw, let value, let timestamp) = entry { ... parser.labels() ... }
/// }
/// ```
///
/// In OpenMetrics mode the parser also enforces the format's semantic rules
/// (family grouping, metadata placement, histogram and counter invariants,
/// exemplar placement), so that a payload is accepted exactly when the
/// OpenMetrics conformance suite says it is valid. Pass
/// `openMetricsSemantics: false` to check only the syntax.
public struct ExpositionParser {
    /// The format being parsed.
    public let format: ExpositionFormat
    /// The payload; the ranges in entries index it.
    public let bytes: [UInt8]

    var position = 0
    var lineNumberStorage = 0
    var lineStart = 0
    var sawEOF = false
    var finished = false

    var series = SeriesSpans()
    var rawSeriesRange: Range<Int> = 0..<0
    /// End of the current line (its `\n` or the payload's end).
    var lineEnd = 0
    /// Whether sample lines only find where their series ends and leave checking
    /// it (and its label spans) to `checkSeries()`. For a scrape cache: bytes it
    /// already holds were checked when they were new, so a hit needs no check.
    var defersSeriesCheck = false
    /// The current series was fully scanned (its spans are valid).
    var seriesChecked = true
    var exemplarSpans = SeriesSpans()
    var exemplarPresent = false
    var exemplarValue = 0.0
    var exemplarTimestamp: Int64?

    var metadataName: Range<Int> = 0..<0
    var metadataNameEscaped = false
    var metadataText: Range<Int> = 0..<0

    var timestampSeconds: Double?
    let validatesSemantics: Bool
    var validator = OpenMetricsValidator()

    /// Parses `bytes` as `format`.
    ///
    /// - Parameter openMetricsSemantics: in OpenMetrics mode, also enforce the rules
    ///   beyond syntax that the OpenMetrics conformance tests require (on by default).
    public init(_ bytes: [UInt8], format: ExpositionFormat, openMetricsSemantics: Bool = true) {
        self.bytes = bytes
        self.format = format
        validatesSemantics = format == .openMetrics && openMetricsSemantics
    }

    /// The 1-based number of the line the last entry came from.
    public var lineNumber: Int { lineNumberStorage }

    /// The next entry, or nil at the end of a valid payload.
    ///
    /// Throws an ``ExpositionError`` naming the line for a malformed payload; an
    /// OpenMetrics payload without `# EOF` fails at its end.
    public mutating func next() throws(ExpositionError) -> ExpositionEntry? {
        let storage = bytes
        return try storage.withUnsafeBufferPointer { (buf) throws(ExpositionError) -> ExpositionEntry? in
            try self.advance(buf)
        }
    }

    private mutating func advance(_ buf: UnsafeBufferPointer<UInt8>) throws(ExpositionError) -> ExpositionEntry? {
        while true {
            guard position < buf.count, let p = buf.baseAddress else { return try finish() }
            if sawEOF {
                throw ExpositionError(line: lineNumberStorage + 1, column: 1, reason: "unexpected data after # EOF")
            }
            let start = position
            let end: Int
            if let hit = memchr(p + start, Int32(ASCII.newline), buf.count - start) {
                end = start + (UnsafeRawPointer(hit) - UnsafeRawPointer(p + start))
                position = end + 1
            } else {
                end = buf.count
                position = end
            }
            lineNumberStorage += 1
            lineStart = start
            lineEnd = end
            exemplarPresent = false
            let entry: ExpositionEntry?
            switch format {
            case .prometheusText: entry = try textLine(p, start, end)
            case .openMetrics: entry = try openMetricsLine(p, start, end)
            }
            if let entry { return entry }
        }
    }

    private mutating func finish() throws(ExpositionError) -> ExpositionEntry? {
        if finished { return nil }
        finished = true
        guard format == .openMetrics else { return nil }
        guard sawEOF else {
            throw ExpositionError(line: max(lineNumberStorage, 1), column: 0, reason: "missing # EOF at the end of the exposition")
        }
        return nil
    }

    func scanner(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> LineScanner {
        LineScanner(
            p: p, lineStart: start, end: end, lineNumber: lineNumberStorage,
            openMetrics: format == .openMetrics, rejectReservedLabelNames: validatesSemantics)
    }

    /// One line of the Prometheus text format; nil for a blank line.
    private mutating func textLine(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(ExpositionError) -> ExpositionEntry? {
        let s = scanner(p, start, end)
        let first = s.skipBlanks(start)
        if first == end { return nil }
        if p[first] == ASCII.hash { return try textComment(s, first) }
        return try sampleLine(s, first)
    }

    /// One line of OpenMetrics.
    private mutating func openMetricsLine(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws(ExpositionError) -> ExpositionEntry {
        let s = scanner(p, start, end)
        guard start < end else { throw s.fail(start, "empty line") }
        if p[start] == ASCII.hash {
            if end - start == 5, matchesASCII(p + start, "# EOF") {
                sawEOF = true
                if validatesSemantics { try validateEndOfExposition(s) }
                return .eof
            }
            return try openMetricsMetadata(s, start)
        }
        let entry = try sampleLine(s, start)
        if validatesSemantics, case .series(_, let value, _) = entry {
            try validateSample(s, value: value)
        }
        return entry
    }

    // MARK: Access to the current entry

    /// The raw `name{labels}` bytes of the current series.
    public var rawSeries: ArraySlice<UInt8> { bytes[rawSeriesRange] }

    /// Calls `body` with the raw `name{labels}` bytes of the current series, for
    /// hashing or comparing without a copy.
    public func withRawSeries<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[rawSeriesRange]))
        }
    }

    /// Checks the current sample line's series, which a parser that defers
    /// series checks only delimited, and records its label spans; throws what
    /// parsing it without deferral would have thrown.
    mutating func checkSeries() throws(ExpositionError) {
        guard !seriesChecked else { return }
        let storage = bytes
        try storage.withUnsafeBufferPointer { (buf) throws(ExpositionError) in
            guard let p = buf.baseAddress else { return }
            _ = try scanSeries(scanner(p, lineStart, lineEnd), rawSeriesRange.lowerBound)
        }
        seriesChecked = true
    }

    /// The current series's labels, with its metric name as `__name__`.
    /// Labels with empty values are dropped, as everywhere in Prometheus.
    public func labels() -> Labels {
        assert(seriesChecked, "labels() of a series whose check was deferred")
        return bytes.withUnsafeBufferPointer { buf in
            guard let p = buf.baseAddress else { return Labels() }
            var pairs: [Label] = []
            pairs.reserveCapacity(series.labels.count + 1)
            pairs.append(Label(LabelName.metricName, Escaping.decode(p, series.name, escaped: series.nameEscaped, style: .full)))
            for span in series.labels where !span.value.isEmpty {
                pairs.append(Label(
                    Escaping.decode(p, span.name, escaped: span.nameEscaped, style: .full),
                    Escaping.decode(p, span.value, escaped: span.valueEscaped, style: .full)))
            }
            return Labels(pairs)
        }
    }

    /// The labels of raw `name{labels}` bytes as ``withRawSeries(_:)`` gave them
    /// (from either format), exactly as ``labels()`` built them then; nil for
    /// bytes that are not a series. For caches that keep the raw bytes only.
    public static func labels(ofRawSeries raw: UnsafeRawBufferPointer) -> Labels? {
        // The text format's series syntax accepts every series OpenMetrics does, and
        // both decode names and values the same way.
        var line: [UInt8] = []
        line.reserveCapacity(raw.count + 3)
        line.append(contentsOf: raw)
        line.append(contentsOf: " 0\n".utf8)
        var parser = ExpositionParser(line, format: .prometheusText)
        guard case .series? = try? parser.next(), parser.rawSeriesRange == 0..<raw.count else { return nil }
        return parser.labels()
    }

    /// The current series's metric name.
    public func metricName() -> String {
        decoded(series.name, escaped: series.nameEscaped, style: .full)
    }

    /// Whether the current sample carries an exemplar (OpenMetrics only).
    public var hasExemplar: Bool { exemplarPresent }

    /// The current sample's exemplar, if it has one.
    public func exemplar() -> Exemplar? {
        guard exemplarPresent else { return nil }
        let labels: Labels = bytes.withUnsafeBufferPointer { buf in
            guard let p = buf.baseAddress else { return Labels() }
            return Labels(exemplarSpans.labels.map { span in
                Label(Escaping.decode(p, span.name, escaped: span.nameEscaped, style: .full),
                      Escaping.decode(p, span.value, escaped: span.valueEscaped, style: .full))
            })
        }
        return Exemplar(labels: labels, value: exemplarValue, timestamp: exemplarTimestamp)
    }

    /// The metric name of the current `# HELP`, `# TYPE` or `# UNIT` entry.
    public func metadataMetricName() -> String {
        metadataMetricName(metadataName, escaped: metadataNameEscaped)
    }

    /// The unescaped text of the current `# HELP` entry. The text format knows the
    /// escapes `\\` and `\n`; OpenMetrics also `\"`.
    public func helpText() -> String {
        helpText(metadataText)
    }

    /// The unit of the current `# UNIT` entry, or the text of a comment.
    public func metadataTextString() -> String {
        decoded(metadataText, escaped: false, style: .full)
    }

    /// A metadata entry's metric name from its range, for callers that keep
    /// ranges (`metadataName`, `metadataNameEscaped`) past the entry.
    func metadataMetricName(_ range: Range<Int>, escaped: Bool) -> String {
        decoded(range, escaped: escaped, style: .full)
    }

    /// A `# HELP` text from its range (`metadataText` of the entry).
    func helpText(_ range: Range<Int>) -> String {
        decoded(range, escaped: true, style: format == .openMetrics ? .full : .help)
    }

    /// A `# UNIT` text from its range (`metadataText` of the entry).
    func unitText(_ range: Range<Int>) -> String {
        decoded(range, escaped: false, style: .full)
    }

    private func decoded(_ range: Range<Int>, escaped: Bool, style: EscapeStyle) -> String {
        bytes.withUnsafeBufferPointer { buf in
            guard let p = buf.baseAddress else { return "" }
            return Escaping.decode(p, range, escaped: escaped, style: style)
        }
    }
}

/// Whether the bytes at `p` spell `word`.
@inline(__always)
func matchesASCII(_ p: UnsafePointer<UInt8>, _ word: StaticString) -> Bool {
    Escaping.memoryEqual(p, word.utf8Start, word.utf8CodeUnitCount)
}
