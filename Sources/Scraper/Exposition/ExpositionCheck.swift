import Model

/// A problem `ember check metrics` reports.
public struct ExpositionProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The payload is malformed: a scrape of it fails.
        case error
        /// A naming or metadata convention is broken (`--lint`).
        case lint
    }

    public var kind: Kind
    /// 1-based line of an error, or of the family's first line for a lint problem.
    public var line: Int
    /// 1-based column of an error (0 when it concerns the whole line).
    public var column: Int
    /// The metric family a lint problem concerns.
    public var metric: String?
    /// promtool's wording for lint problems; the parser's reason for errors.
    public var text: String

    /// A problem of `kind` at `line` (and `column`), about `metric` when it is a lint problem.
    public init(kind: Kind, line: Int, column: Int = 0, metric: String? = nil, text: String) {
        self.kind = kind
        self.line = line
        self.column = column
        self.metric = metric
        self.text = text
    }

    /// `line 3:7: reason` for errors; `metric_name text` for lint problems, as promtool prints them.
    public var description: String {
        switch kind {
        case .error:
            return column > 0 ? "line \(line):\(column): \(text)" : "line \(line): \(text)"
        case .lint:
            return "\(metric ?? "") \(text)"
        }
    }
}

/// Checks an exposition the way `promtool check metrics` does: first that it
/// parses, then (with `lint`) promtool's naming conventions.
public enum ExpositionCheck {
    /// Which parser to use.
    public enum FormatChoice: Sendable, Hashable {
        case text
        case openMetrics
        /// OpenMetrics when the payload ends with a `# EOF` line, else text.
        case auto
    }

    /// All problems found; an error stops the check at its line (a scrape fails
    /// there too), so it is then the only problem besides none.
    public static func check(_ bytes: [UInt8], format: FormatChoice, lint: Bool) -> [ExpositionProblem] {
        let resolved = resolve(format, bytes)
        var parser = ExpositionParser(bytes, format: resolved)
        var families = FamilyTracker(openMetrics: resolved == .openMetrics)
        do {
            // Bounded: each call consumes at least one line.
            for _ in 0...(bytes.count + 1) {
                guard let entry = try parser.next() else { break }
                try families.observe(entry, parser: parser)
            }
        } catch {
            return [ExpositionProblem(kind: .error, line: error.line, column: error.column, text: error.reason)]
        }
        guard lint else { return [] }
        return MetricsLint.problems(families.finished())
    }

    static func resolve(_ choice: FormatChoice, _ bytes: [UInt8]) -> ExpositionFormat {
        switch choice {
        case .text: return .prometheusText
        case .openMetrics: return .openMetrics
        case .auto:
            var end = bytes.count
            while end > 0, bytes[end - 1] == ASCII.newline { end -= 1 }
            let marker = Array("# EOF".utf8)
            guard end >= marker.count, Array(bytes[(end - marker.count)..<end]) == marker else { return .prometheusText }
            let lineStart = end - marker.count
            return lineStart == 0 || bytes[lineStart - 1] == ASCII.newline ? .openMetrics : .prometheusText
        }
    }
}

/// What the linter needs to know of one metric family.
struct LintFamily {
    var name: String
    var type: MetricType?
    var hasHelp = false
    var line: Int
    /// Label names of each sample, without `__name__` and the histogram/summary
    /// labels that belong to the family's structure.
    var sampleLabelNames: [[String]] = []
}

/// Groups entries into families the way the text format's reference decoder
/// (expfmt) does, and enforces its metadata rules: one HELP and one TYPE per
/// family, TYPE before samples.
struct FamilyTracker {
    let openMetrics: Bool
    private(set) var order: [String] = []
    private(set) var families: [String: LintFamily] = [:]
    private var current: String?
    private var hasSamples: Set<String> = []

    init(openMetrics: Bool) { self.openMetrics = openMetrics }

    mutating func observe(_ entry: ExpositionEntry, parser: ExpositionParser) throws(ExpositionError) {
        switch entry {
        case .help:
            let name = parser.metadataMetricName()
            if !openMetrics, families[name]?.hasHelp == true {
                throw ExpositionError(line: parser.lineNumber, column: 0, reason: "second HELP line for metric name \"\(name)\"")
            }
            self[family: name, line: parser.lineNumber].hasHelp = true
            current = name
        case .type(_, let type):
            let name = parser.metadataMetricName()
            if !openMetrics, families[name]?.type != nil || hasSamples.contains(name) {
                throw ExpositionError(
                    line: parser.lineNumber, column: 0,
                    reason: "second TYPE line for metric name \"\(name)\", or TYPE reported after samples")
            }
            self[family: name, line: parser.lineNumber].type = type
            current = name
        case .unit:
            current = parser.metadataMetricName()
        case .series:
            let labels = parser.labels()
            let sampleName = labels.metricName
            let name = familyName(of: sampleName)
            var names = labels.names.filter { $0 != LabelName.metricName }
            let type = families[name]?.type
            if (type == .histogram || type == .gaugeHistogram) && sampleName.hasSuffix("_bucket") {
                names.removeAll { $0 == LabelName.bucket }
            }
            if type == .summary && sampleName == name { names.removeAll { $0 == LabelName.quantile } }
            self[family: name, line: parser.lineNumber].sampleLabelNames.append(names)
            hasSamples.insert(name)
            current = name
        case .comment, .eof:
            break
        }
    }

    /// The family a sample belongs to: the current one when the sample carries one
    /// of its type's suffixes, else a family of its own.
    private func familyName(of sample: String) -> String {
        guard let current, let type = families[current]?.type else { return sample }
        let suffixes: [String]
        switch type {
        case .counter: suffixes = openMetrics ? ["_total", "_created"] : [""]
        case .summary: suffixes = ["", "_sum", "_count"] + (openMetrics ? ["_created"] : [])
        case .histogram: suffixes = ["_bucket", "_sum", "_count"] + (openMetrics ? ["_created"] : [])
        case .gaugeHistogram: suffixes = ["_bucket", "_gsum", "_gcount"]
        case .info: suffixes = ["_info"]
        case .gauge, .stateSet, .unknown: suffixes = [""]
        }
        return suffixes.contains { current + $0 == sample } ? current : sample
    }

    private subscript(family name: String, line line: Int) -> LintFamily {
        get { families[name] ?? LintFamily(name: name, line: line) }
        set {
            if families[name] == nil { order.append(name) }
            families[name] = newValue
        }
    }

    func finished() -> [LintFamily] {
        order.compactMap { name in
            guard var family = families[name] else { return nil }
            // promtool lints OpenMetrics counters and infos by their sample names.
            if openMetrics, family.type == .counter { family.name += "_total" }
            if openMetrics, family.type == .info { family.name += "_info" }
            return family
        }
    }
}
