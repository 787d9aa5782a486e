import Model

/// The value-sequence notation shared by PromQL test scripts and rule unit
/// tests (`promtool test rules`): `1 2+3x4 _ _x2 stale {{...}}x3`.
public enum SeriesValues {
    /// One position of an expanded sequence.
    public enum Value: Equatable, Sendable {
        case omitted
        case float(Double)
        /// A native-histogram literal: Ember's storage holds floats only, so it is only marked.
        case histogram
    }

    /// An item that is not valid notation.
    public struct InvalidItem: Error, Equatable, Sendable {
        public var item: String
    }

    /// Upper bound on positions from one item, so a typo like `1x99999999999` cannot exhaust memory.
    public static let maxRepeat = 10_000_000

    /// Expands a whole sequence into positions.
    public static func expand(_ text: Substring) throws(InvalidItem) -> [Value] {
        var out: [Value] = []
        for item in splitItems(text) { try expand(item, into: &out) }
        return out
    }

    /// Splits on blanks, keeping `{{ ... }}` histogram literals (which contain blanks) whole.
    static func splitItems(_ text: Substring) -> [String] {
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

    private static func expand(_ item: String, into out: inout [Value]) throws(InvalidItem) {
        let bad = InvalidItem(item: item)
        if item == "_" { out.append(.omitted); return }
        if item.hasPrefix("_x") {
            guard let n = Int(item.dropFirst(2)), n >= 0, n <= maxRepeat else { throw bad }
            out += repeatElement(.omitted, count: n)
            return
        }
        if item == "stale" { out.append(.float(StaleNaN.value)); return }
        if item.hasPrefix("{{") {
            guard item.contains("}}") else { throw bad }
            var count = 1
            if let x = item.range(of: "}}x", options: .backwards) {
                guard let n = Int(item[x.upperBound...]), n >= 0, n <= maxRepeat else { throw bad }
                count = n + 1
            }
            out += repeatElement(.histogram, count: count)
            return
        }
        if let v = number(item) { out.append(.float(v)); return }
        guard let x = item.lastIndex(of: "x"), let times = Int(item[item.index(after: x)...]), times >= 0, times <= maxRepeat else {
            throw bad
        }
        let body = item[..<x]
        guard !body.isEmpty else { throw bad }
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
            guard let start = number(String(body[..<op])), let step = number(String(body[body.index(after: op)...])) else { throw bad }
            let inc = body[op] == "-" ? -step : step
            var v = start
            for _ in 0...times {
                out.append(.float(v))
                v += inc
            }
        } else {
            guard let v = number(String(body)) else { throw bad }
            out += repeatElement(.float(v), count: times + 1)
        }
    }

    /// Numbers of a value sequence: decimal, exponent, Inf/NaN with optional sign. `0x10` is
    /// not hex here but "0 repeated 10 more times", as in the upstream test scripts.
    public static func number(_ s: String) -> Double? {
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
