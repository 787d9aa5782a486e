import Model

/// One position of a value sequence in a test script.
typealias ScriptValue = SeriesValues.Value

/// A parsed `metric values...` line of a test script.
struct SeriesLine {
    var labels: Labels
    var values: [ScriptValue]
}

/// A problem in a test script line.
struct ScriptError: Error, CustomStringConvertible {
    var line: Int
    var message: String
    var description: String { "line \(line): \(message)" }
}

enum SeriesLineParser {
    /// Parses `name{l="v"} 1 2+3x4 _ stale {{...}}`.
    static func parse(_ text: String, line: Int) throws(ScriptError) -> SeriesLine {
        let (labels, rest) = try parseMetric(text, line: line)
        return SeriesLine(labels: labels, values: try parseValues(rest, line: line))
    }

    /// Splits the metric off the front of `text` and returns its labels and the remaining text.
    static func parseMetric(_ text: String, line: Int) throws(ScriptError) -> (Labels, Substring) {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count, isNameChar(bytes[i]) { i += 1 }
        let name = String(decoding: bytes[0..<i], as: UTF8.self)
        var pairs: [Label] = []
        if !name.isEmpty { pairs.append(Label(LabelName.metricName, name)) }
        if i < bytes.count, bytes[i] == UInt8(ascii: "{") {
            let open = i
            var quote: UInt8? = nil
            i += 1
            while i < bytes.count {
                let c = bytes[i]
                if let q = quote {
                    if c == UInt8(ascii: "\\") && q != UInt8(ascii: "`") { i += 1 } else if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") {
                    quote = c
                } else if c == UInt8(ascii: "}") {
                    break
                }
                i += 1
            }
            guard i < bytes.count else { throw ScriptError(line: line, message: "unterminated label set in \"\(text)\"") }
            let inner = String(decoding: bytes[(open + 1)..<i], as: UTF8.self)
            pairs += try parseLabelPairs(inner, line: line)
            i += 1
        }
        if name.isEmpty && i == 0 { throw ScriptError(line: line, message: "expected a metric in \"\(text)\"") }
        let rest = String(decoding: bytes[i...], as: UTF8.self)
        return (Labels(pairs), Substring(rest))
    }

    private static func isNameChar(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 || c == 58
    }

    private static func parseLabelPairs(_ inner: String, line: Int) throws(ScriptError) -> [Label] {
        let tokens: [Token]
        do {
            tokens = try Lexer.tokenize(inner)
        } catch {
            throw ScriptError(line: line, message: "bad label set: \(error.message)")
        }
        var out: [Label] = []
        var k = 0
        while tokens[k].kind != .eof {
            let nameTok = tokens[k]
            guard nameTok.kind == .identifier || nameTok.kind == .string else {
                throw ScriptError(line: line, message: "expected label name, got \"\(nameTok.text)\"")
            }
            if nameTok.kind == .string, tokens[k + 1].kind == .comma || tokens[k + 1].kind == .eof {
                out.append(Label(LabelName.metricName, nameTok.text))
                k += tokens[k + 1].kind == .comma ? 2 : 1
                continue
            }
            guard tokens[k + 1].kind == .assign, k + 2 < tokens.count, tokens[k + 2].kind == .string else {
                throw ScriptError(line: line, message: "expected label=\"value\" after \"\(nameTok.text)\"")
            }
            out.append(Label(nameTok.text, tokens[k + 2].text))
            k += 3
            if tokens[k].kind == .comma { k += 1 }
        }
        return out
    }

    /// Expands the value sequence items into positions.
    static func parseValues(_ text: Substring, line: Int) throws(ScriptError) -> [ScriptValue] {
        do {
            return try SeriesValues.expand(text)
        } catch {
            throw ScriptError(line: line, message: "bad value \"\(error.item)\"")
        }
    }
}
