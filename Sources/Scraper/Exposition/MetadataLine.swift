/// `#` lines: HELP, TYPE and UNIT metadata, text-format comments, OpenMetrics `# EOF`.
extension ExpositionParser {
    enum MetadataKind: String {
        case help = "HELP"
        case type = "TYPE"
        case unit = "UNIT"
    }

    /// A text-format `#` line: `# HELP`/`# TYPE` (blanks around the keyword allowed,
    /// as Prometheus's lexer does) or a free comment.
    mutating func textComment(_ s: LineScanner, _ hash: Int) throws(ExpositionError) -> ExpositionEntry {
        let p = s.p
        let keyword = s.skipBlanks(hash + 1)
        if keyword > hash + 1, s.end - keyword > 4, s.isBlank(keyword + 4) {
            let kind: MetadataKind? =
                matchesASCII(p + keyword, "HELP") ? .help : matchesASCII(p + keyword, "TYPE") ? .type : nil
            if let kind {
                let nameStart = s.skipBlanks(keyword + 4)
                guard let (name, escaped, next) = try s.scanMetadataName(nameStart) else {
                    throw s.fail(nameStart, "expected metric name after \(kind.rawValue), found \(s.found(nameStart))")
                }
                let text: Range<Int>
                if next == s.end {
                    text = s.end..<s.end
                } else if s.isBlank(next) {
                    // Prometheus's lexer keeps everything after the first blank.
                    text = next + 1..<s.end
                } else {
                    throw s.fail(next, "expected blank after metric name, found \(s.found(next))")
                }
                return try metadataEntry(s, kind, name, escaped, text)
            }
        }
        metadataText = hash..<s.end
        return .comment(hash..<s.end)
    }

    /// An OpenMetrics `#` line other than `# EOF`: exactly `# KIND name text`.
    mutating func openMetricsMetadata(_ s: LineScanner, _ hash: Int) throws(ExpositionError) -> ExpositionEntry {
        let p = s.p
        let kind: MetadataKind?
        if s.end - hash >= 7, p[hash + 1] == ASCII.space, p[hash + 6] == ASCII.space {
            kind = matchesASCII(p + hash + 2, "HELP") ? .help
                : matchesASCII(p + hash + 2, "TYPE") ? .type
                : matchesASCII(p + hash + 2, "UNIT") ? .unit : nil
        } else {
            kind = nil
        }
        guard let kind else {
            throw s.fail(hash, "invalid line: OpenMetrics allows only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\" lines starting with #")
        }
        let nameStart = hash + 7
        guard let (name, escaped, next) = try s.scanMetadataName(nameStart) else {
            throw s.fail(nameStart, "expected metric name after \(kind.rawValue), found \(s.found(nameStart))")
        }
        guard next < s.end, p[next] == ASCII.space else {
            throw s.fail(next, "expected a space after the metric name, found \(s.found(next))")
        }
        let entry = try metadataEntry(s, kind, name, escaped, next + 1..<s.end)
        if validatesSemantics {
            var type: MetricType?
            if case .type(_, let t) = entry { type = t }
            try validateMetadata(s, kind, type: type)
        }
        return entry
    }

    private mutating func metadataEntry(
        _ s: LineScanner, _ kind: MetadataKind, _ name: Range<Int>, _ escaped: Bool, _ text: Range<Int>
    ) throws(ExpositionError) -> ExpositionEntry {
        metadataName = name
        metadataNameEscaped = escaped
        metadataText = text
        switch kind {
        case .help:
            guard UTF8Check.isValid(s.p, text.lowerBound, text.upperBound) else {
                throw s.fail(text.lowerBound, "HELP text is not valid UTF-8")
            }
            return .help(metric: name, text: text)
        case .type:
            guard let type = metricType(s, text) else {
                throw s.fail(text.lowerBound, "invalid metric type \(s.found(text.lowerBound))")
            }
            return .type(metric: name, type)
        case .unit:
            for i in text where !ASCII.isMetricNameChar(s.p[i]) {
                throw s.fail(i, "invalid character in unit")
            }
            return .unit(metric: name, unit: text)
        }
    }

    private func metricType(_ s: LineScanner, _ text: Range<Int>) -> MetricType? {
        let p = s.p + text.lowerBound
        let n = text.count
        func word(_ w: StaticString) -> Bool { n == w.utf8CodeUnitCount && matchesASCII(p, w) }
        if word("counter") { return .counter }
        if word("gauge") { return .gauge }
        if word("histogram") { return .histogram }
        if word("summary") { return .summary }
        if s.openMetrics {
            if word("gaugehistogram") { return .gaugeHistogram }
            if word("info") { return .info }
            if word("stateset") { return .stateSet }
            if word("unknown") { return .unknown }
        } else if word("untyped") {
            return .unknown
        }
        return nil
    }
}
