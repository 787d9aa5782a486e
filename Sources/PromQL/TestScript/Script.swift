import Model

/// One `expect warn|info ...` requirement.
enum AnnotationExpectation {
    case any
    case message(String)
    case regex(String)
}

/// One `eval` command with its expectations.
struct EvalCommand {
    var line: Int
    var expr: String
    var isRange: Bool
    var at: Int64 = 0
    var start: Int64 = 0
    var end: Int64 = 0
    var step: Int64 = 0

    var expectFail = false
    var failMessage: String?
    var failRegex: String?
    var warns: [AnnotationExpectation] = []
    var infos: [AnnotationExpectation] = []
    var noWarn = false
    var noInfo = false
    var atLeastOneWarn = false
    var atLeastOneInfo = false
    var ordered = false
    var rangeVector: (from: Int64, to: Int64, step: Int64)?
    var expectedString: String?
    var expectedScalar: Double?
    var series: [SeriesLine] = []
    /// The expectations mention a native-histogram literal.
    var mentionsHistogram = false
}

enum ScriptCommand {
    case clear
    case load(interval: Int64, series: [SeriesLine], withNHCB: Bool, line: Int)
    case eval(EvalCommand)
}

/// Parses the `.test` script language (see shared/promql-tests/FORMAT.md).
enum ScriptParser {
    static func parse(_ text: String) throws(ScriptError) -> [ScriptCommand] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { trimScript($0) }
        var commands: [ScriptCommand] = []
        var i = 0
        while i < lines.count {
            let l = lines[i]
            if l.isEmpty || l.hasPrefix("#") {
                i += 1
                continue
            }
            let word = l.prefix { $0 != " " && $0 != "\t" }.lowercased()
            var body: [(Int, String)] = []
            var j = i + 1
            while j < lines.count, !lines[j].isEmpty, !lines[j].hasPrefix("#") {
                body.append((j + 1, lines[j]))
                j += 1
            }
            if word == "clear" {
                commands.append(.clear)
                j = i + 1
            } else if word.hasPrefix("load") {
                commands.append(try parseLoad(l, body, line: i + 1))
            } else if word.hasPrefix("eval") {
                commands.append(.eval(try parseEval(l, body, line: i + 1)))
            } else {
                throw ScriptError(line: i + 1, message: "invalid command \"\(l)\"")
            }
            i = j
        }
        return commands
    }

    private static func trimScript(_ s: Substring) -> String {
        String(s.drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }

    static func duration(_ s: String, line: Int) throws(ScriptError) -> Int64 {
        guard let d = PromDuration(s) else { throw ScriptError(line: line, message: "invalid duration \"\(s)\"") }
        return d.milliseconds
    }

    private static func tokens(_ s: String) -> [Substring] {
        s.split(whereSeparator: { $0 == " " || $0 == "\t" })
    }

    private static func parseLoad(_ header: String, _ body: [(Int, String)], line: Int) throws(ScriptError) -> ScriptCommand {
        let parts = tokens(header)
        guard parts.count == 2 else { throw ScriptError(line: line, message: "invalid load command \"\(header)\"") }
        let interval = try duration(String(parts[1]), line: line)
        var series: [SeriesLine] = []
        for (n, text) in body {
            let (labelsPart, _) = try SeriesLineParser.parseMetric(text, line: n)
            _ = labelsPart
            // `metric@st` lines give start timestamps for the next line; Ember ignores them.
            if let at = text.firstIndex(of: "@"), text[at...].hasPrefix("@st"), !text[..<at].contains(" ") { continue }
            series.append(try SeriesLineParser.parse(text, line: n))
        }
        return .load(interval: interval, series: series, withNHCB: parts[0].lowercased() == "load_with_nhcb", line: line)
    }

    /// The text after the first `count` white-space separated tokens of `s`.
    private static func remainder(_ s: String, after count: Int) -> String {
        var idx = s.startIndex
        for _ in 0..<count {
            while idx < s.endIndex, s[idx] == " " || s[idx] == "\t" { idx = s.index(after: idx) }
            while idx < s.endIndex, s[idx] != " " && s[idx] != "\t" { idx = s.index(after: idx) }
        }
        return String(s[idx...]).trimmingSpaces
    }

    private static func parseEval(_ header: String, _ body: [(Int, String)], line: Int) throws(ScriptError) -> EvalCommand {
        let parts = tokens(header)
        let word = parts[0].lowercased()
        guard parts.count >= 2 else { throw ScriptError(line: line, message: "invalid eval command \"\(header)\"") }
        var cmd: EvalCommand
        if parts[1] == "instant" {
            guard parts.count >= 5, parts[2] == "at" else { throw ScriptError(line: line, message: "invalid eval instant command") }
            cmd = EvalCommand(line: line, expr: remainder(header, after: 4), isRange: false)
            cmd.at = try duration(String(parts[3]), line: line)
        } else if parts[1] == "range" {
            guard parts.count >= 9, parts[2] == "from", parts[4] == "to", parts[6] == "step" else {
                throw ScriptError(line: line, message: "invalid eval range command")
            }
            cmd = EvalCommand(line: line, expr: remainder(header, after: 8), isRange: true)
            cmd.start = try duration(String(parts[3]), line: line)
            cmd.end = try duration(String(parts[5]), line: line)
            cmd.step = try duration(String(parts[7]), line: line)
            guard cmd.end >= cmd.start else { throw ScriptError(line: line, message: "end must not be before start") }
        } else {
            throw ScriptError(line: line, message: "invalid eval command \"\(header)\"")
        }
        switch word {
        case "eval_fail": cmd.expectFail = true
        case "eval_warn": cmd.atLeastOneWarn = true
        case "eval_info": cmd.atLeastOneInfo = true
        case "eval_ordered": cmd.ordered = true
        default: break
        }
        for (n, text) in body {
            if text.contains("{{") { cmd.mentionsHistogram = true }
            let ws = tokens(text)
            if ws.first == "expect" {
                try parseExpect(text, &cmd, line: n)
            } else if ws.first == "expected_fail_message" {
                cmd.expectFail = true
                cmd.failMessage = remainder(text, after: 1)
            } else if ws.first == "expected_fail_regexp" {
                cmd.expectFail = true
                cmd.failRegex = remainder(text, after: 1)
            } else if ws.count == 1, let v = parseScalarLine(String(ws[0])) {
                cmd.expectedScalar = v
            } else {
                cmd.series.append(try SeriesLineParser.parse(text, line: n))
            }
        }
        return cmd
    }

    private static func parseScalarLine(_ s: String) -> Double? {
        if let v = SeriesValues.number(s) { return v }
        let lower = s.lowercased()
        if lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x") {
            let neg = lower.hasPrefix("-")
            let digits = lower.drop { $0 == "-" || $0 == "+" }.dropFirst(2)
            guard let v = UInt64(digits, radix: 16) else { return nil }
            return neg ? -Double(v) : Double(v)
        }
        return nil
    }

    private static func parseExpect(_ text: String, _ cmd: inout EvalCommand, line: Int) throws(ScriptError) {
        let rest = remainder(text, after: 1)
        let kind = rest.prefix { $0 != " " && $0 != "\t" }
        let tail = remainder(rest, after: 1)
        func expectation() -> AnnotationExpectation {
            if tail.hasPrefix("msg:") { return .message(String(tail.dropFirst(4)).trimmingSpaces) }
            if tail.hasPrefix("regex:") { return .regex(String(tail.dropFirst(6)).trimmingSpaces) }
            return .any
        }
        switch kind {
        case "fail":
            if cmd.expectFail { throw ScriptError(line: line, message: "more than one expect fail") }
            cmd.expectFail = true
            switch expectation() {
            case .message(let m): cmd.failMessage = m
            case .regex(let r): cmd.failRegex = r
            case .any: break
            }
        case "warn": cmd.warns.append(expectation())
        case "info": cmd.infos.append(expectation())
        case "no_warn": cmd.noWarn = true
        case "no_info": cmd.noInfo = true
        case "ordered": cmd.ordered = true
        case "string":
            let v = tail
            if v.count >= 2, let f = v.first, f == "\"" || f == "`", v.last == f {
                let inner = String(v.dropFirst().dropLast())
                if f == "`" {
                    cmd.expectedString = inner
                } else if let tok = try? Lexer.tokenize(v).first, tok.kind == .string {
                    cmd.expectedString = tok.text
                } else {
                    cmd.expectedString = inner
                }
            } else {
                throw ScriptError(line: line, message: "invalid expect string \"\(v)\"")
            }
        case "range":
            let p = tokens(tail)
            guard p.count == 7, p[0] == "vector", p[1] == "from", p[3] == "to", p[5] == "step" else {
                throw ScriptError(line: line, message: "invalid expect range vector line")
            }
            cmd.rangeVector = (try duration(String(p[2]), line: line), try duration(String(p[4]), line: line),
                               try duration(String(p[6]), line: line))
        default:
            throw ScriptError(line: line, message: "invalid expect line \"\(text)\"")
        }
        if (cmd.noWarn && !cmd.warns.isEmpty) || (cmd.noInfo && !cmd.infos.isEmpty) {
            throw ScriptError(line: line, message: "contradicting annotation expectations")
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
