/// The metadata lines (`# TYPE`, `# HELP`, `# UNIT`) of a target's scrapes.
///
/// A target sends the same lines scrape after scrape. They are kept as raw
/// bytes, so that an unchanged set is recognized by one comparison and
/// decoded (names and help texts unescaped into strings, a dictionary
/// built) only when something changed. Decoding every scrape cost about 2%
/// of the scraper's CPU.
struct ScrapeMetadata {
    /// Where one line's parts sit in the payload.
    private struct Line {
        var kind: Kind
        var name: Range<Int>
        var nameEscaped: Bool
        /// Help or unit text (empty for TYPE).
        var text: Range<Int>
        var type: MetricType?
    }

    private enum Kind: UInt8 {
        case type = 1, help, unit
    }

    /// This scrape's lines as length-prefixed raw bytes, and the last
    /// successful scrape's.
    private var current: [UInt8] = []
    private var previous: [UInt8] = []
    private var lines: [Line] = []
    private var started = false

    /// Starts collecting a scrape of `format`.
    mutating func begin(format: ExpositionFormat) {
        current.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
        current.append(format == .openMetrics ? 1 : 0)
        started = true
    }

    /// Takes the parser's current metadata entry.
    mutating func record(_ entry: ExpositionEntry, of parser: ExpositionParser) {
        let line: Line
        switch entry {
        case .type(_, let type):
            line = Line(kind: .type, name: parser.metadataName, nameEscaped: parser.metadataNameEscaped, text: 0..<0, type: type)
        case .help:
            line = Line(kind: .help, name: parser.metadataName, nameEscaped: parser.metadataNameEscaped, text: parser.metadataText)
        case .unit:
            line = Line(kind: .unit, name: parser.metadataName, nameEscaped: parser.metadataNameEscaped, text: parser.metadataText)
        case .series, .comment, .eof:
            return
        }
        lines.append(line)
        current.append(line.kind.rawValue)
        append(line.type?.rawValue.utf8.count ?? 0)
        if let type = line.type { current.append(contentsOf: type.rawValue.utf8) }
        append(line.name.count)
        current.append(contentsOf: parser.bytes[line.name])
        current.append(line.nameEscaped ? 1 : 0)
        append(line.text.count)
        current.append(contentsOf: parser.bytes[line.text])
    }

    /// Ends parsing a payload (`parser` holds it): its metadata when it
    /// differs from the last accepted scrape's, nil when it is the same.
    func changes(_ parser: ExpositionParser) -> [String: MetricMetadata]? {
        precondition(started, "ScrapeMetadata.changes without begin")
        if current == previous { return nil }
        var metadata: [String: MetricMetadata] = [:]
        for line in lines {
            let name = parser.metadataMetricName(line.name, escaped: line.nameEscaped)
            switch line.kind {
            case .type: metadata[name, default: MetricMetadata()].type = line.type?.rawValue ?? "unknown"
            case .help: metadata[name, default: MetricMetadata()].help = parser.helpText(line.text)
            case .unit: metadata[name, default: MetricMetadata()].unit = parser.unitText(line.text)
            }
        }
        return metadata
    }

    /// The scrape committed: its lines are what the next one compares with.
    mutating func accept() {
        guard started else { return }
        started = false
        swap(&current, &previous)
    }

    private mutating func append(_ length: Int) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian) { current.append(contentsOf: $0) }
    }
}
