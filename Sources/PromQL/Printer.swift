import Model

/// Prints expressions back as PromQL, formatted the way Prometheus's
/// `Expr.String()` does (rule files and the API show this form).
extension Expr: CustomStringConvertible {
    /// PromQL text as Prometheus formats it.
    public var description: String {
        switch self {
        case .number(let n):
            if n.isDuration {
                let ms = Int64((abs(n.value) * 1000).rounded())
                return (n.value < 0 ? "-" : "") + PromDuration(milliseconds: ms).description
            }
            return formatPromFloat(n.value)
        case .string(let s):
            return quoteLabelValue(s.value)
        case .vectorSelector(let vs):
            return vs.description
        case .matrixSelector(let ms):
            let range = ms.rangeExpr.map(\.description) ?? "\(PromDuration(milliseconds: ms.range))"
            return ms.selector.body + "[\(range)]" + ms.selector.extendedAttribute + ms.selector.modifiers
        case .subquery(let sq):
            let step = sq.stepExpr.map(\.description) ?? sq.step.map { "\(PromDuration(milliseconds: $0))" } ?? ""
            let range = sq.rangeExpr.map(\.description) ?? "\(PromDuration(milliseconds: sq.range))"
            return "\(sq.expr)[\(range):\(step)]" + modifierText(at: sq.at, offset: sq.offset, offsetExpr: sq.offsetExpr)
        case .paren(let p):
            return "(\(p.expr))"
        case .unary(let u):
            return "\(u.op.rawValue)\(u.expr)"
        case .binary(let b):
            return "\(b.lhs) \(b.op.rawValue)\(b.returnBool ? " bool" : "")\(matchingText(b)) \(b.rhs)"
        case .call(let c):
            return "\(c.function.name)(\(c.args.map(\.description).joined(separator: ", ")))"
        case .aggregate(let a):
            var s = a.op.rawValue
            if a.without {
                s += " without (\(labelList(a.grouping))) "
            } else if !a.grouping.isEmpty {
                s += " by (\(labelList(a.grouping))) "
            }
            s += "("
            if let p = a.param { s += "\(p), " }
            return s + "\(a.expr))"
        }
    }

    private func matchingText(_ b: BinaryExpr) -> String {
        guard let m = b.matching else { return "" }
        var s = ""
        if m.on || !m.matchingLabels.isEmpty || m.cardinality == .manyToOne || m.cardinality == .oneToMany {
            s = " \(m.on ? "on" : "ignoring") (\(labelList(m.matchingLabels)))"
        }
        if m.cardinality == .manyToOne || m.cardinality == .oneToMany {
            s += " group_\(m.cardinality == .manyToOne ? "left" : "right") (\(labelList(m.include)))"
        }
        if m.fillBoth, let v = m.fillLeft {
            s += " fill (\(formatPromFloat(v)))"
        } else {
            if let v = m.fillLeft { s += " fill_left (\(formatPromFloat(v)))" }
            if let v = m.fillRight { s += " fill_right (\(formatPromFloat(v)))" }
        }
        return s
    }
}

private func labelList(_ names: [String]) -> String {
    names.map { isValidLegacyLabelName($0) ? $0 : quoteLabelValue($0) }.joined(separator: ", ")
}

func modifierText(at: AtModifier, offset: Int64, offsetExpr: DurationExpr? = nil) -> String {
    var s = ""
    switch at {
    case .none: break
    case .timestamp(let t): s += " @ " + formatMillisAsSeconds(t)
    case .start: s += " @ start()"
    case .end: s += " @ end()"
    }
    if let e = offsetExpr {
        s += " offset \(e)"
    } else if offset > 0 {
        s += " offset \(PromDuration(milliseconds: offset))"
    } else if offset < 0 {
        s += " offset -\(PromDuration(milliseconds: -offset))"
    }
    return s
}

/// `%.3f` of a millisecond timestamp in seconds, without floating-point rounding surprises.
private func formatMillisAsSeconds(_ ms: Int64) -> String {
    let sign = ms < 0 ? "-" : ""
    let a = ms.magnitude
    let frac = a % 1000
    let fracText = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
    return "\(sign)\(a / 1000).\(fracText)"
}

extension VectorSelector: CustomStringConvertible {
    /// Name and matchers, without modifiers.
    var body: String {
        var parts: [String] = []
        for m in matchers {
            if m.name == LabelName.metricName, m.type == .equal, m.value == name, !m.value.isEmpty { continue }
            parts.append(m.description)
        }
        let head = name ?? ""
        if parts.isEmpty { return head }
        parts.sort()
        return head + "{" + parts.joined(separator: ",") + "}"
    }

    var modifiers: String { modifierText(at: at, offset: offset, offsetExpr: offsetExpr) }

    var extendedAttribute: String { anchored ? " anchored" : smoothed ? " smoothed" : "" }

    /// PromQL text as Prometheus formats it.
    public var description: String {
        // Prometheus prints `@` before the attribute and the offset after it.
        let at = modifierText(at: self.at, offset: 0)
        return body + at + extendedAttribute + modifierText(at: .none, offset: offset, offsetExpr: offsetExpr)
    }
}

/// Formats a float like Go's `strconv.FormatFloat(v, 'f', -1, 64)` with
/// Prometheus's spellings of the special values.
func formatPromFloat(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
    let s = "\(v)"
    guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
    // Expand Swift's exponent form into plain decimal digits.
    let mantissa = String(s[..<e])
    guard let exp = Int(s[s.index(after: e)...]) else { return s }
    let negative = mantissa.hasPrefix("-")
    let digitsPart = negative ? String(mantissa.dropFirst()) : mantissa
    let pieces = digitsPart.split(separator: ".", omittingEmptySubsequences: false)
    let intPart = String(pieces[0])
    let fracPart = pieces.count > 1 ? String(pieces[1]) : ""
    var digits = intPart + fracPart
    var point = intPart.count + exp
    if point <= 0 {
        digits = String(repeating: "0", count: -point + 1) + digits
        point = 1
    } else if point > digits.count {
        digits += String(repeating: "0", count: point - digits.count)
    }
    var out = String(digits.prefix(point))
    var rest = String(digits.dropFirst(point))
    while rest.hasSuffix("0") { rest.removeLast() }
    if !rest.isEmpty { out += "." + rest }
    return (negative ? "-" : "") + out
}

/// Go's `%g` with the shortest representation: plain digits unless the
/// decimal exponent is below -4 or at least 6, as Go formats floats in messages.
func goG(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v == .infinity { return "+Inf" }
    if v == -.infinity { return "-Inf" }
    if v == 0 { return v.sign == .minus ? "-0" : "0" }
    // Shortest round-trip digits and decimal exponent from Swift's description.
    let text = "\(abs(v))"
    var mantissa = text
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = String(text[..<e])
        exp10 = Int(text[text.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    var intPart = String(parts[0])
    var frac = parts.count > 1 ? String(parts[1]) : ""
    if frac == "0" { frac = "" }
    var digits = intPart + frac
    var point = intPart.count + exp10
    while digits.hasPrefix("0") && digits.count > 1 {
        digits.removeFirst()
        point -= 1
    }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    intPart = ""
    let x = point - 1
    let sign = v < 0 ? "-" : ""
    if x < -4 || x >= 6 {
        var m = String(digits.prefix(1))
        if digits.count > 1 { m += "." + digits.dropFirst() }
        let e = abs(x) < 10 ? "0\(abs(x))" : "\(abs(x))"
        return sign + m + "e" + (x < 0 ? "-" : "+") + e
    }
    return sign + formatPromFloat(abs(v))
}
