/// The text exposition formats a scrape target can answer with.
public enum ExpositionFormat: String, Sendable, Hashable, CaseIterable {
    /// The Prometheus text format 0.0.4 (and its 1.0.0 successor, which only adds quoted UTF-8 names).
    case prometheusText = "text"
    /// OpenMetrics 1.0 text (`application/openmetrics-text`).
    case openMetrics = "openmetrics"

    /// The `Accept` header a scrape sends, as Prometheus 3 does with its default
    /// `scrape_protocols` (OpenMetrics preferred, then the Prometheus text format),
    /// announcing that quoted UTF-8 names are understood.
    public static let scrapeAcceptHeader =
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
        + "application/openmetrics-text;version=0.0.1;q=0.5,"
        + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
        + "text/plain;version=0.0.4;q=0.3,"
        + "*/*;q=0.2"

    /// The `Accept` header of Prometheus 2.x: for targets that mishandle the
    /// `escaping` parameter.
    public static let legacyScrapeAcceptHeader =
        "application/openmetrics-text;version=1.0.0,"
        + "application/openmetrics-text;version=0.0.1;q=0.75,"
        + "text/plain;version=0.0.4;q=0.5,"
        + "*/*;q=0.1"

    /// The media type (with version) of each format, as a `Content-Type` value.
    public var contentType: String {
        switch self {
        case .prometheusText: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// The format of a scrape response, from its `Content-Type` header.
    ///
    /// `application/openmetrics-text` (any version) is OpenMetrics; anything else,
    /// including a missing or unparsable header and `text/plain`, falls back to the
    /// Prometheus text format, as Prometheus 2.x does.
    public static func detect(contentType: String?) -> ExpositionFormat {
        guard let contentType else { return .prometheusText }
        var mediaType = Substring(contentType)
        if let semicolon = mediaType.firstIndex(of: ";") {
            mediaType = mediaType[..<semicolon]
        }
        let trimmed = mediaType.trimmingASCIIWhitespace().lowercased()
        return trimmed == "application/openmetrics-text" ? .openMetrics : .prometheusText
    }
}

/// The type of a metric family, from a `# TYPE` line.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    /// A monotonic count: `_total` (and OpenMetrics `_created`) samples.
    case counter
    /// A value that goes up and down.
    case gauge
    /// Cumulative `_bucket`s with `le`, `_sum`, `_count` (OpenMetrics also `_created`).
    case histogram
    /// OpenMetrics: a histogram of a current state: `_bucket`s, `_gsum`, `_gcount`.
    case gaugeHistogram = "gaugehistogram"
    /// Quantiles (`quantile` label), `_sum`, `_count` (OpenMetrics also `_created`).
    case summary
    /// OpenMetrics: constant `_info` samples of value 1 carrying labels.
    case info
    /// OpenMetrics: one 0/1 sample per state, the state in a label named after the family.
    case stateSet = "stateset"
    /// `untyped` in the Prometheus text format, `unknown` in OpenMetrics.
    case unknown
}

extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
