/// Sample lines: `name{labels} value [timestamp] [# {labels} value [timestamp]]`.
extension ExpositionParser {
    mutating func sampleLine(_ s: LineScanner, _ first: Int) throws(ExpositionError) -> ExpositionEntry {
        exemplarPresent = false
        timestampSeconds = nil
        let seriesEnd: Int
        if defersSeriesCheck && !validatesSemantics, let delimited = delimitSeries(s, first) {
            seriesEnd = delimited
            seriesChecked = false
        } else {
            seriesEnd = try scanSeries(s, first)
            seriesChecked = true
        }
        rawSeriesRange = first..<seriesEnd
        do throws(ExpositionError) {
            return try sampleTail(s, seriesEnd)
        } catch {
            // A series error comes first, as it would without deferral.
            if !seriesChecked { try checkSeries() }
            throw error
        }
    }

    /// Scans and checks the series starting at `first` into `series`; returns the index after it.
    mutating func scanSeries(_ s: LineScanner, _ first: Int) throws(ExpositionError) -> Int {
        let p = s.p
        let end = s.end
        series.reset()
        var seriesEnd = first
        if p[first] != ASCII.braceOpen {
            let nameEnd = s.scanLegacyMetricName(first)
            guard nameEnd > first else { throw s.fail(first, "invalid metric name, found \(s.found(first))") }
            series.name = first..<nameEnd
            series.hasName = true
            seriesEnd = nameEnd
        }
        let braces = s.skipOptionalBlanks(seriesEnd)
        if braces < end, p[braces] == ASCII.braceOpen {
            seriesEnd = try s.scanLabels(braces, into: &series, exemplar: false)
        }
        guard series.hasName else { throw s.fail(first, "metric name missing: give it before the braces or as a quoted string inside") }
        return seriesEnd
    }

    /// Where the series starting at `first` ends, without checking it: after
    /// the name, or after the first `}` outside quotes. For a valid series this
    /// is where `scanSeries` ends; nil when no end is found (the full scan
    /// then reports why).
    func delimitSeries(_ s: LineScanner, _ first: Int) -> Int? {
        let p = s.p
        let end = s.end
        var i = first
        if p[first] != ASCII.braceOpen {
            let nameEnd = s.scanLegacyMetricName(first)
            guard nameEnd > first else { return nil }
            i = s.skipOptionalBlanks(nameEnd)
            guard i < end, p[i] == ASCII.braceOpen else { return nameEnd }
        }
        i += 1
        var quoted = false
        while true {
            i = s.nextQuoteBackslashOrBrace(from: i)
            guard i < end else { return nil }
            switch p[i] {
            case ASCII.backslash where quoted:
                i += 2
                continue
            case ASCII.quote:
                quoted.toggle()
            case ASCII.braceClose where !quoted:
                return i + 1
            default:
                break
            }
            i += 1
        }
    }

    /// The value, timestamp and exemplar after the series.
    private mutating func sampleTail(_ s: LineScanner, _ seriesEnd: Int) throws(ExpositionError) -> ExpositionEntry {
        let p = s.p
        let end = s.end
        var i = seriesEnd
        if s.openMetrics {
            guard i < end, p[i] == ASCII.space else { throw s.fail(i, "expected a space and a value after the series, found \(s.found(i))") }
            i += 1
        } else {
            let afterBlanks = s.skipBlanks(i)
            guard afterBlanks > i else { throw s.fail(i, "expected blank and a value after the series, found \(s.found(i))") }
            i = afterBlanks
        }
        let valueStart = i
        while i < end, p[i] != ASCII.space, s.openMetrics || p[i] != ASCII.tab { i += 1 }
        let value = try parseValue(s, valueStart, i)
        let timestamp: Int64?
        if s.openMetrics {
            timestamp = try openMetricsSampleTail(s, i)
        } else {
            timestamp = try textSampleTail(s, i)
        }
        return .series(rawSeries: rawSeriesRange, value: value, timestamp: timestamp)
    }

    func parseValue(_ s: LineScanner, _ start: Int, _ end: Int) throws(ExpositionError) -> Double {
        guard end > start else { throw s.fail(start, "expected a value, found \(s.found(start))") }
        switch NumberParsing.parseFloat(s.p + start, count: end - start) {
        case .value(let v): return v
        case .invalidSyntax: throw s.fail(start, "invalid value \(s.found(start))")
        case .outOfRange: throw s.fail(start, "value \(s.found(start)) is out of range")
        }
    }

    /// Text format: optional integer millisecond timestamp, blanks allowed around it.
    private func textSampleTail(_ s: LineScanner, _ valueEnd: Int) throws(ExpositionError) -> Int64? {
        var i = s.skipBlanks(valueEnd)
        guard i < s.end else { return nil }
        let start = i
        while i < s.end, !s.isBlank(i) { i += 1 }
        guard let ts = NumberParsing.parseMillis(s.p + start, count: i - start) else {
            throw s.fail(start, "invalid timestamp \(s.found(start)): expected integer milliseconds")
        }
        i = s.skipBlanks(i)
        guard i == s.end else { throw s.fail(i, "unexpected \(s.found(i)) after timestamp") }
        return ts
    }

    /// OpenMetrics: ` timestamp` (float seconds) and/or ` # {labels} value [timestamp]`,
    /// each separated by exactly one space, nothing trailing.
    private mutating func openMetricsSampleTail(_ s: LineScanner, _ valueEnd: Int) throws(ExpositionError) -> Int64? {
        let p = s.p
        var i = valueEnd
        guard i < s.end else { return nil }
        i += 1
        if i < s.end, p[i] == ASCII.hash {
            try parseExemplar(s, i)
            return nil
        }
        let start = i
        while i < s.end, p[i] != ASCII.space { i += 1 }
        guard i > start else { throw s.fail(start - 1, "unexpected space after the value") }
        let (millis, seconds) = try parseSeconds(s, start, i, what: "timestamp")
        timestampSeconds = seconds
        if i < s.end {
            i += 1
            guard i < s.end, p[i] == ASCII.hash else { throw s.fail(i, "expected \"# {\" to start an exemplar, found \(s.found(i))") }
            try parseExemplar(s, i)
        }
        return millis
    }

    private func parseSeconds(_ s: LineScanner, _ start: Int, _ end: Int, what: String) throws(ExpositionError) -> (Int64, Double) {
        guard end > start else { throw s.fail(start, "expected \(what), found \(s.found(start))") }
        switch NumberParsing.parseSeconds(s.p + start, count: end - start) {
        case .value(let millis, let seconds): return (millis, seconds)
        case .invalidSyntax: throw s.fail(start, "invalid \(what) \(s.found(start)): expected a decimal number of seconds")
        case .outOfRange: throw s.fail(start, "\(what) \(s.found(start)) is out of range")
        }
    }

    /// ` # {labels} value [timestamp]` from the `#` at `hash`.
    private mutating func parseExemplar(_ s: LineScanner, _ hash: Int) throws(ExpositionError) {
        let p = s.p
        guard hash + 2 < s.end, p[hash + 1] == ASCII.space, p[hash + 2] == ASCII.braceOpen else {
            throw s.fail(hash, "an exemplar is written \" # {labels} value [timestamp]\"")
        }
        exemplarSpans.reset()
        var i = try s.scanLabels(hash + 2, into: &exemplarSpans, exemplar: true)
        guard i < s.end, p[i] == ASCII.space else { throw s.fail(i, "expected a space and a value after the exemplar labels, found \(s.found(i))") }
        i += 1
        let valueStart = i
        while i < s.end, p[i] != ASCII.space { i += 1 }
        exemplarValue = try parseValue(s, valueStart, i)
        exemplarTimestamp = nil
        if i < s.end {
            i += 1
            let start = i
            while i < s.end, p[i] != ASCII.space { i += 1 }
            guard i == s.end else { throw s.fail(i, "unexpected \(s.found(i)) after the exemplar timestamp") }
            exemplarTimestamp = try parseSeconds(s, start, i, what: "exemplar timestamp").0
        }
        exemplarPresent = true
    }
}
