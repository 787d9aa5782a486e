/// Lexes the tokens of one line: names, quoted strings and label sets.
///
/// The Prometheus text format allows blanks (spaces, tabs) between tokens; the
/// OpenMetrics ABNF allows none inside a label set and exactly one space between
/// the parts of a sample, so `openMetrics` switches whitespace off.
struct LineScanner {
    let p: UnsafePointer<UInt8>
    let lineStart: Int
    /// Index of the line's `\n`, or the payload's end.
    let end: Int
    let lineNumber: Int
    let openMetrics: Bool
    /// OpenMetrics: label names starting with `__` are reserved.
    let rejectReservedLabelNames: Bool

    func fail(_ index: Int, _ reason: String) -> ExpositionError {
        ExpositionError(line: lineNumber, column: index - lineStart + 1, reason: reason)
    }

    /// A short, printable rendering of the token at `index`, for messages.
    func found(_ index: Int) -> String {
        guard index < end else { return "end of line" }
        var stop = index
        while stop < end, stop - index < 16, p[stop] != ASCII.space { stop += 1 }
        let text = Escaping.decode(p, index..<stop, escaped: false, style: .full)
        return "\"" + text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined() + "\""
    }

    @inline(__always)
    func isBlank(_ i: Int) -> Bool { i < end && (p[i] == ASCII.space || p[i] == ASCII.tab) }

    @inline(__always)
    func skipBlanks(_ i: Int) -> Int {
        var i = i
        while i < end, p[i] == ASCII.space || p[i] == ASCII.tab { i += 1 }
        return i
    }

    /// In the text format, skips blanks; in OpenMetrics, blanks are not allowed here.
    @inline(__always)
    func skipOptionalBlanks(_ i: Int) -> Int { openMetrics ? i : skipBlanks(i) }

    /// Index of the first `"`, `\` or `}` at or after `start`; `end` when
    /// there is none (`start` when it is past `end`). Eight bytes per step:
    /// series are most of a payload's bytes.
    @inline(__always)
    func nextQuoteBackslashOrBrace(from start: Int) -> Int {
        var i = start
        while i &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
            let hits = ByteMask.matches(word, ASCII.quote) | ByteMask.matches(word, ASCII.backslash)
                | ByteMask.matches(word, ASCII.braceClose)
            if hits != 0 { return i &+ hits.trailingZeroBitCount >> 3 }
            i &+= 8
        }
        while i < end {
            let b = p[i]
            if b == ASCII.quote || b == ASCII.backslash || b == ASCII.braceClose { return i }
            i += 1
        }
        return max(i, end)
    }

    /// The end of a legacy metric name starting at `i` (`i` itself when there is none).
    @inline(__always)
    func scanLegacyMetricName(_ i: Int) -> Int {
        guard i < end, ASCII.isMetricNameStart(p[i]) else { return i }
        var j = i + 1
        while j < end, ASCII.isMetricNameChar(p[j]) { j += 1 }
        return j
    }

    /// A quoted string starting at the `"` at `i`. Returns the index of the closing
    /// quote and whether a backslash occurs inside.
    func scanQuoted(_ i: Int) throws(ExpositionError) -> (close: Int, escaped: Bool) {
        var j = i + 1
        var escaped = false
        var highBit = false
        while j < end {
            let b = p[j]
            if b == ASCII.quote {
                if highBit && !UTF8Check.isValid(p, i + 1, j) {
                    throw fail(i, "invalid UTF-8 in quoted string")
                }
                return (j, escaped)
            }
            if b == ASCII.backslash {
                escaped = true
                j += 2
                continue
            }
            if b >= 0x80 { highBit = true }
            j += 1
        }
        throw fail(i, "quoted string is not terminated on this line")
    }

    /// A metric name, bare or quoted, as metadata lines give it. Returns the
    /// name's range (inside quotes), whether it is escaped, and the index after it.
    func scanMetadataName(_ i: Int) throws(ExpositionError) -> (name: Range<Int>, escaped: Bool, next: Int)? {
        if i < end, p[i] == ASCII.quote {
            let (close, escaped) = try scanQuoted(i)
            guard close > i + 1 else { throw fail(i, "empty metric name") }
            return (i + 1..<close, escaped, close + 1)
        }
        let nameEnd = scanLegacyMetricName(i)
        return nameEnd > i ? (i..<nameEnd, false, nameEnd) : nil
    }

    /// Scans `{...}` starting at the `{` at `open` into `series`; returns the index
    /// after `}`. A quoted string followed by `,` or `}` is the metric name (the
    /// Prometheus 3 UTF-8 form `{"my.metric", "a.b"="x"}`), except in exemplars.
    func scanLabels(_ open: Int, into series: inout SeriesSpans, exemplar: Bool) throws(ExpositionError) -> Int {
        var i = skipOptionalBlanks(open + 1)
        if i < end, p[i] == ASCII.braceClose { return i + 1 }
        while true {
            guard i < end else { throw fail(i, "label set is not closed") }
            let tokenStart = i
            var name: Range<Int>
            var nameEscaped = false
            var quoted = false
            if p[i] == ASCII.quote {
                let (close, escaped) = try scanQuoted(i)
                name = i + 1..<close
                nameEscaped = escaped
                quoted = true
                i = close + 1
            } else if ASCII.isLabelNameStart(p[i]) {
                var j = i + 1
                while j < end, ASCII.isLabelNameChar(p[j]) { j += 1 }
                name = i..<j
                i = j
            } else {
                throw fail(i, "expected label name, found \(found(i))")
            }
            i = skipOptionalBlanks(i)
            if quoted, !exemplar, i < end, p[i] == ASCII.comma || p[i] == ASCII.braceClose {
                guard !series.hasName else { throw fail(tokenStart, "metric name given twice") }
                guard !name.isEmpty else { throw fail(tokenStart, "empty metric name") }
                series.name = name
                series.nameEscaped = nameEscaped
                series.hasName = true
            } else {
                guard !name.isEmpty else { throw fail(tokenStart, "empty label name") }
                guard i < end, p[i] == ASCII.equals else {
                    throw fail(i, "expected \"=\" after label name, found \(found(i))")
                }
                i = skipOptionalBlanks(i + 1)
                guard i < end, p[i] == ASCII.quote else {
                    throw fail(i, "expected quoted label value, found \(found(i))")
                }
                let (close, valueEscaped) = try scanQuoted(i)
                let span = LabelSpan(name: name, value: i + 1..<close, nameEscaped: nameEscaped, valueEscaped: valueEscaped)
                try checkLabelName(span, at: tokenStart, against: series.labels)
                series.labels.append(span)
                i = skipOptionalBlanks(close + 1)
            }
            guard i < end else { throw fail(i, "label set is not closed") }
            if p[i] == ASCII.braceClose { return i + 1 }
            guard p[i] == ASCII.comma else { throw fail(i, "expected \",\" or \"}\" in label set, found \(found(i))") }
            i = skipOptionalBlanks(i + 1)
            if i < end, p[i] == ASCII.braceClose {
                // A trailing comma: Prometheus's text parser takes it, the OpenMetrics ABNF does not.
                if openMetrics { throw fail(i, "trailing comma in label set") }
                return i + 1
            }
        }
    }

    /// Rejects `__name__` as a label (the name belongs before the braces), reserved
    /// names in OpenMetrics, and repeated label names.
    private func checkLabelName(_ span: LabelSpan, at index: Int, against previous: [LabelSpan]) throws(ExpositionError) {
        let n = span.name
        if n.count >= 2, p[n.lowerBound] == ASCII.underscore, p[n.lowerBound + 1] == ASCII.underscore {
            if isMetricNameLabel(n, escaped: span.nameEscaped) {
                throw fail(index, "label __name__ is not allowed: the metric name goes before the braces")
            }
            if rejectReservedLabelNames { throw fail(index, "label names starting with \"__\" are reserved") }
        }
        for other in previous where other.name.count == n.count || other.nameEscaped || span.nameEscaped {
            if Escaping.decodedEqual(p, other.name, other.nameEscaped, n, span.nameEscaped) {
                throw fail(index, "duplicate label name \"\(Escaping.decode(p, n, escaped: span.nameEscaped, style: .full))\"")
            }
        }
    }

    private func isMetricNameLabel(_ n: Range<Int>, escaped: Bool) -> Bool {
        "__name__".utf8.withContiguousStorageIfAvailable { target in
            Escaping.decodedEquals(p, n, escaped: escaped, target)
        } ?? false
    }
}

/// Byte search in a 64-bit word (SWAR).
enum ByteMask {
    /// The high bit of each byte of `word` equal to `byte`. Bits above the
    /// lowest match may be spurious (borrows), so only the lowest set bit,
    /// and whether any is set, may be used.
    @inline(__always)
    static func matches(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }
}
