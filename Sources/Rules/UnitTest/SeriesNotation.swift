import Foundation
import Model
import PromQL

/// A problem in an input series or expected-sample notation.
struct NotationError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One position of an input value sequence.
typealias SeriesValue = SeriesValues.Value

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
        do {
            return try SeriesValues.expand(Substring(text))
        } catch {
            throw NotationError(message: "invalid value \"\(error.item)\" in series values")
        }
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
