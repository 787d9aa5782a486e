import Foundation
import Model
import PromQL

/// A problem in an input series or expected-sample notation.
struct NotationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One position of an input value sequence.
enum SeriesValue: Equatable {
    case omitted
    case float(Double)
    /// A native histogram: Ember stores it as an opaque marker (floats only).
    case histogram
}

/// The series notation of PromQL test scripts and rule unit tests:
/// `name{l="v"}` metrics and `1 2+3x4 _ _x2 stale {{...}}` value sequences.
enum SeriesNotation {
    /// Parses `name`, `name{l="v",...}` or `{__name__="n",...}` into labels. Empty text is the empty set.
    static func labels(_ text: String) throws(NotationError) -> Labels {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "{}" { return .empty }
        let expr: Expr
        do {
            expr = try PromQLParser.parse(trimmed)
        } catch {
            throw NotationError(message: "\(error.description)")
        }
        guard case .vectorSelector(let sel) = expr, sel.offset == 0, sel.at == .none else {
            throw NotationError(message: "\(trimmed): not a series (expected name{label=\"value\",...})")
        }
        var pairs: [Label] = []
        for m in sel.matchers {
            guard m.type == .equal else { throw NotationError(message: "\(trimmed): only = matchers describe a series") }
            if !m.value.isEmpty { pairs.append(Label(m.name, m.value)) }
        }
        return Labels(pairs)
    }

    /// Expands a value sequence into positions.
    static func values(_ text: String) throws(NotationError) -> [SeriesValue] {
        var out: [SeriesValue] = []
        for item in splitItems(text) { try expand(item, into: &out) }
        return out
    }

    /// Splits on blanks, keeping `{{ ... }}` histogram literals (which contain blanks) whole.
    static func splitItems(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        var previous: Character = " "
        for ch in text {
            if ch == "{" && previous == "{" { depth += 1 }
            if ch == "}" && previous == "}" && depth > 0 { depth -= 1 }
            if (ch == " " || ch == "\t" || ch == "\n") && depth == 0 {
                if !current.isEmpty { items.append(current) }
                current = ""
            } else {
                current.append(ch)
            }
            previous = ch
        }
        if !current.isEmpty { items.append(current) }
        return items
    }

    /// Upper bound on positions from one item, so a typo like `1x99999999999` cannot exhaust memory.
    static let maxRepeat = 10_000_000

    private static func expand(_ item: String, into out: inout [SeriesValue]) throws(NotationError) {
        if item == "_" { out.append(.omitted); return }
        if item.hasPrefix("_x") {
            guard let n = Int(item.dropFirst(2)), n >= 0, n <= maxRepeat else { throw bad(item) }
            out += repeatElement(.omitted, count: n)
            return
        }
        if item == "stale" { out.append(.float(StaleNaN.value)); return }
        if item.hasPrefix("{{") {
            guard item.contains("}}") else { throw bad(item) }
            var count = 1
            if let x = item.range(of: "}}x", options: .backwards) {
                guard let n = Int(item[x.upperBound...]), n >= 0, n <= maxRepeat else { throw bad(item) }
                count = n + 1
            }
            out += repeatElement(.histogram, count: count)
            return
        }
        if let v = number(item) { out.append(.float(v)); return }
        guard let x = item.lastIndex(of: "x"), let times = Int(item[item.index(after: x)...]), times >= 0, times <= maxRepeat else {
            throw bad(item)
        }
        let body = item[..<x]
        guard !body.isEmpty else { throw bad(item) }
        var opIndex: String.Index?
        var i = body.index(after: body.startIndex)
        while i < body.endIndex {
            if body[i] == "+" || body[i] == "-" {
                let p = body[body.index(before: i)]
                if p != "e" && p != "E" { opIndex = i }
            }
            i = body.index(after: i)
        }
        if let op = opIndex {
            guard let start = number(String(body[..<op])), let step = number(String(body[body.index(after: op)...])) else {
                throw bad(item)
            }
            let inc = body[op] == "-" ? -step : step
            var v = start
            for _ in 0...times {
                out.append(.float(v))
                v += inc
            }
        } else {
            guard let v = number(String(body)) else { throw bad(item) }
            out += repeatElement(.float(v), count: times + 1)
        }
    }

    private static func bad(_ item: String) -> NotationError {
        NotationError(message: "invalid value \"\(item)\" in series values")
    }

    /// Numbers of a value sequence: decimal, exponent, Inf/NaN with optional sign. `0x10` is
    /// not hex here but "0 repeated 10 more times", as in the PromQL test scripts.
    static func number(_ s: String) -> Double? {
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

/// Go's `%E` with the shortest precision, as promtool prints values (`1E+00`, `1.5E-03`).
func goExponent(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
    if v == 0 { return v.sign == .minus ? "-0E+00" : "0E+00" }
    // Swift's description is the shortest round-tripping form; re-shape it into mantissa and exponent.
    let text = "\(v.magnitude)"
    var digits = "", exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: e)...]) ?? 0
        let mantissa = text[..<e]
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        exponent += parts[0].count - 1
    } else {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts[0]), frac = parts.count > 1 ? String(parts[1]) : ""
        if intPart != "0" {
            digits = intPart + frac
            exponent = intPart.count - 1
        } else {
            let zeros = frac.prefix { $0 == "0" }.count
            digits = String(frac.dropFirst(zeros))
            exponent = -(zeros + 1)
        }
    }
    while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }
    let leading = digits.prefix(1), rest = digits.dropFirst()
    let mantissa = rest.isEmpty ? String(leading) : "\(leading).\(rest)"
    let sign = exponent < 0 ? "-" : "+"
    let magnitude = abs(exponent)
    return (v < 0 ? "-" : "") + mantissa + "E" + sign + (magnitude < 10 ? "0\(magnitude)" : "\(magnitude)")
}
