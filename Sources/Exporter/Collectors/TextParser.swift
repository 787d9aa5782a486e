/// A strict parser for the Prometheus text format 0.0.4, for the textfile collector.
///
/// It returns families in file order with each sample attached to the family its
/// name belongs to (`x_bucket` to histogram `x`), and rejects what expfmt's parser
/// rejects, with the line number.
struct TextFormatParser {
    struct ParseError: Error, CustomStringConvertible {
        let line: Int
        let message: String
        var description: String { "text format parsing error in line \(line): \(message)" }
    }

    struct Result {
        var families: [MetricFamily]
        /// True when any sample carried a timestamp (the textfile collector refuses these).
        var hasTimestamps: Bool
    }

    private let bytes: [UInt8]
    private var families: [MetricFamily] = []
    private var index: [String: Int] = [:]
    private var declaredHelp: [String: String] = [:]
    private var declaredType: [String: MetricType] = [:]
    private var hasTimestamps = false
    private var lineNumber = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func parse(_ bytes: [UInt8]) throws -> Result {
        var parser = TextFormatParser(bytes)
        var scanner = ByteScanner(bytes)
        while let line = scanner.nextLine() {
            parser.lineNumber += 1
            var cursor = LineCursor(bytes: bytes, position: line.lowerBound, end: line.upperBound)
            cursor.skipBlanks()
            if cursor.atEnd { continue }
            if cursor.peek == UInt8(ascii: "#") {
                try parser.comment(&cursor)
            } else {
                try parser.sample(&cursor)
            }
        }
        return Result(families: parser.families, hasTimestamps: parser.hasTimestamps)
    }

    private func error(_ message: String) -> ParseError { ParseError(line: lineNumber, message: message) }

    /// `# HELP name text`, `# TYPE name type`; other comments are ignored.
    private mutating func comment(_ cursor: inout LineCursor) throws {
        cursor.position += 1
        cursor.skipBlanks()
        let keyword = cursor.token()
        guard keyword == "HELP" || keyword == "TYPE" else { return }
        cursor.skipBlanks()
        let name = cursor.token()
        guard Self.isValidMetricName(name) else { throw error("invalid metric name in comment") }
        if !cursor.atEnd, cursor.peek == UInt8(ascii: " ") || cursor.peek == UInt8(ascii: "\t") { cursor.position += 1 }
        if keyword == "HELP" {
            if declaredHelp[name] != nil { throw error("second HELP line for metric name \"\(name)\"") }
            let help = Self.unescapeHelp(bytes[cursor.position ..< cursor.end])
            declaredHelp[name] = help
            if let i = index[name] { families[i] = MetricFamily(name: name, help: help, type: families[i].type, samples: families[i].samples) }
            return
        }
        cursor.skipBlanks()
        let typeText = cursor.token().lowercased()
        guard let type = MetricType(rawValue: typeText) else { throw error("unknown metric type \"\(typeText)\"") }
        if declaredType[name] != nil || (index[name].map { !families[$0].samples.isEmpty } ?? false) {
            throw error("second TYPE line for metric name \"\(name)\", or TYPE reported after samples")
        }
        declaredType[name] = type
        if let i = index[name] { families[i] = MetricFamily(name: name, help: families[i].help, type: type) }
    }

    /// `name{labels} value [timestamp]`.
    private mutating func sample(_ cursor: inout LineCursor) throws {
        let name = cursor.token(stopAt: UInt8(ascii: "{"))
        guard Self.isValidMetricName(name) else { throw error("invalid metric name \"\(name)\"") }
        var labels: [LabelPair] = []
        if !cursor.atEnd, cursor.peek == UInt8(ascii: "{") {
            cursor.position += 1
            labels = try Self.parseLabels(&cursor, line: lineNumber)
        }
        cursor.skipBlanks()
        let valueText = cursor.token()
        guard let value = Self.parseGoFloat(valueText) else { throw error("expected float as value, got \"\(valueText)\"") }
        cursor.skipBlanks()
        if !cursor.atEnd {
            let ts = cursor.token()
            guard Int64(ts) != nil else { throw error("expected integer as timestamp, got \"\(ts)\"") }
            hasTimestamps = true
            cursor.skipBlanks()
            guard cursor.atEnd else { throw error("spurious string after timestamp") }
        }
        let i = familyIndex(for: name)
        families[i].samples.append(ExposedSample(name: name, labels: labels, value: value))
    }

    /// The family a sample belongs to: `x_bucket`, `x_sum`, `x_count` go to a
    /// histogram `x` (and the last two to a summary `x`); anything else is its own.
    private mutating func familyIndex(for sampleName: String) -> Int {
        var base = sampleName
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let candidate = String(sampleName.dropLast(suffix.count))
            if let t = declaredType[candidate], t == .histogram || (t == .summary && suffix != "_bucket") {
                base = candidate
            }
        }
        if let i = index[base] { return i }
        families.append(MetricFamily(name: base, help: declaredHelp[base] ?? "", type: declaredType[base] ?? .untyped))
        index[base] = families.count - 1
        return families.count - 1
    }

    private static func parseLabels(_ cursor: inout LineCursor, line: Int) throws -> [LabelPair] {
        var labels: [LabelPair] = []
        while true {
            cursor.skipBlanks()
            if cursor.atEnd { throw ParseError(line: line, message: "unexpected end of label set") }
            if cursor.peek == UInt8(ascii: "}") { cursor.position += 1; return labels }
            let name = cursor.token(stopAt: UInt8(ascii: "="))
            guard isValidLabelName(name) else { throw ParseError(line: line, message: "invalid label name \"\(name)\"") }
            cursor.skipBlanks()
            guard !cursor.atEnd, cursor.peek == UInt8(ascii: "=") else { throw ParseError(line: line, message: "expected '=' after label name \"\(name)\"") }
            cursor.position += 1
            cursor.skipBlanks()
            guard !cursor.atEnd, cursor.peek == UInt8(ascii: "\"") else { throw ParseError(line: line, message: "expected '\"' to start label value") }
            cursor.position += 1
            var value: [UInt8] = []
            var closed = false
            while !cursor.atEnd {
                let b = cursor.bytes[cursor.position]
                cursor.position += 1
                if b == UInt8(ascii: "\"") { closed = true; break }
                if b == UInt8(ascii: "\\") {
                    guard !cursor.atEnd else { break }
                    let e = cursor.bytes[cursor.position]
                    cursor.position += 1
                    switch e {
                    case UInt8(ascii: "n"): value.append(0x0A)
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(e)
                    default: throw ParseError(line: line, message: "invalid escape sequence in label value")
                    }
                    continue
                }
                value.append(b)
            }
            guard closed else { throw ParseError(line: line, message: "unterminated label value") }
            if labels.contains(where: { $0.name == name }) { throw ParseError(line: line, message: "duplicate label name \"\(name)\"") }
            labels.append(LabelPair(name, String(decoding: value, as: UTF8.self)))
            cursor.skipBlanks()
            if !cursor.atEnd, cursor.peek == UInt8(ascii: ",") { cursor.position += 1 }
        }
    }

    private static func unescapeHelp(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < bytes.endIndex {
                let e = bytes[i + 1]
                if e == UInt8(ascii: "n") { out.append(0x0A); i += 2; continue }
                if e == UInt8(ascii: "\\") { out.append(e); i += 2; continue }
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's strconv.ParseFloat spellings, as expfmt accepts them.
    static func parseGoFloat(_ s: String) -> Double? {
        switch s.lowercased() {
        case "nan": return .nan
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        default:
            guard let first = s.utf8.first, isDigit(first) || first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") else { return nil }
            return Double(s)
        }
    }

    static func isValidMetricName(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        for (i, b) in s.utf8.enumerated() {
            let ok = (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || b == 95 || b == 58 || (i > 0 && isDigit(b))
            if !ok { return false }
        }
        return true
    }

    static func isValidLabelName(_ s: String) -> Bool {
        guard !s.isEmpty else { return false }
        for (i, b) in s.utf8.enumerated() {
            let ok = (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || b == 95 || (i > 0 && isDigit(b))
            if !ok { return false }
        }
        return true
    }
}

/// A position within one line.
struct LineCursor {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    var atEnd: Bool { position >= end }
    var peek: UInt8 { bytes[position] }

    mutating func skipBlanks() {
        while position < end, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
    }

    /// Bytes up to the next blank (or `stopAt`).
    mutating func token(stopAt: UInt8? = nil) -> String {
        let start = position
        while position < end, bytes[position] != 0x20, bytes[position] != 0x09, bytes[position] != stopAt { position += 1 }
        return String(decoding: bytes[start ..< position], as: UTF8.self)
    }
}
