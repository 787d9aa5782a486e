import Model

/// One position of a value sequence in a test script.
enum ScriptValue: Equatable {
    case omitted
    case float(Double)
    /// A native-histogram literal; Ember's runner only records that it was there.
    case histogram
}

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
        var out: [ScriptValue] = []
        for item in splitItems(text) {
            try expand(item, into: &out, line: line)
        }
        return out
    }

    /// Splits on white space, keeping `{{ ... }}` groups (which contain spaces) together.
    static func splitItems(_ text: Substring) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        var prev: Character = " "
        for ch in text {
            if ch == "{" && prev == "{" { depth += 1 }
            if ch == "}" && prev == "}" && depth > 0 { depth -= 1 }
            if (ch == " " || ch == "\t") && depth == 0 {
                if !current.isEmpty { items.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
            prev = ch
        }
        if !current.isEmpty { items.append(current) }
        return items
    }

    private static func expand(_ item: String, into out: inout [ScriptValue], line: Int) throws(ScriptError) {
        if item == "_" { out.append(.omitted); return }
        if item.hasPrefix("_x") {
            guard let n = Int(item.dropFirst(2)) else { throw ScriptError(line: line, message: "bad item \"\(item)\"") }
            out += [ScriptValue](repeating: .omitted, count: n)
            return
        }
        if item == "stale" { out.append(.float(StaleNaN.value)); return }
        if item.hasPrefix("{{") {
            var count = 1
            if let x = item.range(of: "}}x", options: .backwards), let n = Int(item[x.upperBound...]) { count = n + 1 }
            out += [ScriptValue](repeating: .histogram, count: count)
            return
        }
        if let v = parseScriptNumber(item) { out.append(.float(v)); return }
        guard let x = item.lastIndex(of: "x"), let times = Int(item[item.index(after: x)...]), times >= 0 else {
            throw ScriptError(line: line, message: "bad value \"\(item)\"")
        }
        let body = item[..<x]
        var opIndex: String.Index? = nil
        var i = body.index(after: body.startIndex)
        while i < body.endIndex {
            let c = body[i]
            if c == "+" || c == "-" {
                let p = body[body.index(before: i)]
                if p != "e" && p != "E" { opIndex = i }
            }
            i = body.index(after: i)
        }
        if let op = opIndex {
            guard let start = parseScriptNumber(String(body[..<op])),
                  let step = parseScriptNumber(String(body[body.index(after: op)...])) else {
                throw ScriptError(line: line, message: "bad value \"\(item)\"")
            }
            var v = start
            let inc = body[op] == "-" ? -step : step
            for _ in 0...times {
                out.append(.float(v))
                v += inc
            }
        } else {
            guard let v = parseScriptNumber(String(body)) else { throw ScriptError(line: line, message: "bad value \"\(item)\"") }
            out += [ScriptValue](repeating: .float(v), count: times + 1)
        }
    }

    /// Numbers as the test format allows: decimal, exponent, Inf/NaN with optional sign.
    static func parseScriptNumber(_ s: String) -> Double? {
        var t = Substring(s)
        var sign = 1.0
        if t.hasPrefix("+") {
            t = t.dropFirst()
        } else if t.hasPrefix("-") {
            sign = -1
            t = t.dropFirst()
        }
        switch t.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard let first = t.first, first.isNumber || first == "." else { return nil }
        guard t.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" || $0 == "_" }) else {
            return nil
        }
        guard let v = Double(t.replacingOccurrences(of: "_", with: "")) else { return nil }
        return sign * v
    }
}
