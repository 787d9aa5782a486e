import Foundation
import Model

/// A duration expression (PromQL 3.x): arithmetic on durations and numbers
/// (seconds), `step()`, `range()` and `min`/`max`, allowed in ranges,
/// subquery steps and offsets, e.g. `x[5m + step()]`, `x offset (2 * 1m)`.
public indirect enum DurationExpr: Sendable, CustomStringConvertible {
    /// Seconds; `isDuration` when written as `5m` rather than `300`.
    case literal(Double, isDuration: Bool)
    case step
    case range
    case negate(DurationExpr)
    case binary(BinaryOp, DurationExpr, DurationExpr)
    case minimum(DurationExpr, DurationExpr)
    case maximum(DurationExpr, DurationExpr)
    case paren(DurationExpr)

    /// The value in seconds for a query with the given step and range (seconds).
    func seconds(step: Double, range: Double) -> Double {
        switch self {
        case .literal(let v, _): return v
        case .step: return step
        case .range: return range
        case .negate(let e): return -e.seconds(step: step, range: range)
        case .paren(let e): return e.seconds(step: step, range: range)
        case .minimum(let a, let b): return Swift.min(a.seconds(step: step, range: range), b.seconds(step: step, range: range))
        case .maximum(let a, let b): return Swift.max(a.seconds(step: step, range: range), b.seconds(step: step, range: range))
        case .binary(let op, let a, let b):
            let x = a.seconds(step: step, range: range), y = b.seconds(step: step, range: range)
            switch op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            case .mod: return x.truncatingRemainder(dividingBy: y)
            case .pow: return Foundation.pow(x, y)
            default: return .nan
            }
        }
    }

    /// The expression as Prometheus prints it.
    public var description: String {
        switch self {
        case .literal(let v, let isDuration):
            if isDuration {
                let ms = Int64((abs(v) * 1000).rounded())
                return (v < 0 ? "-" : "") + PromDuration(milliseconds: ms).description
            }
            return formatPromFloat(v)
        case .step: return "step()"
        case .range: return "range()"
        case .negate(let e): return "-\(e)"
        case .paren(let e): return "(\(e))"
        case .minimum(let a, let b): return "min(\(a), \(b))"
        case .maximum(let a, let b): return "max(\(a), \(b))"
        case .binary(let op, let a, let b): return "\(a) \(op.rawValue) \(b)"
        }
    }

    /// A plain literal (possibly parenthesised or signed) needs no evaluation.
    var literalSeconds: Double? {
        switch self {
        case .literal(let v, _): return v
        case .paren(let e): return e.literalSeconds
        case .negate(let e): return e.literalSeconds.map { -$0 }
        default: return nil
        }
    }
}

extension Parser {
    /// `[...]` contents and subquery steps: full duration arithmetic.
    mutating func parseDurationExpr(minPrecedence: Int = 0) throws(ParseError) -> DurationExpr {
        var lhs = try parseDurationUnary()
        while let op = durationOperator(current), op.precedence >= minPrecedence {
            _ = advance()
            let next = op.isRightAssociative ? op.precedence : op.precedence + 1
            let rhs = try parseDurationExpr(minPrecedence: next)
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    private func durationOperator(_ t: Token) -> BinaryOp? {
        switch t.kind {
        case .add: return .add
        case .sub: return .sub
        case .mul: return .mul
        case .div: return .div
        case .mod: return .mod
        case .pow: return .pow
        default: return nil
        }
    }

    private mutating func parseDurationUnary() throws(ParseError) -> DurationExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > Parser.maxDepth {
            throw ParseError(position: current.start, message: "expression nested too deeply (more than \(Parser.maxDepth) levels)")
        }
        if current.kind == .sub || current.kind == .add {
            let neg = advance().kind == .sub
            let operand = try parseDurationExpr(minPrecedence: BinaryOp.pow.precedence)
            if !neg { return operand }
            if case .literal(let v, let d) = operand { return .literal(-v, isDuration: d) }
            return .negate(operand)
        }
        return try parseDurationPrimary()
    }

    /// A literal, `step()`, `range()`, `min(a, b)`/`max(a, b)` (also `min_of`/`max_of`) or a parenthesised expression.
    mutating func parseDurationPrimary() throws(ParseError) -> DurationExpr {
        let t = current
        switch t.kind {
        case .duration:
            _ = advance()
            guard let d = PromDuration(t.text) else {
                throw ParseError(position: t.start, message: "bad duration syntax: \"\(t.text)\"")
            }
            return .literal(Double(d.milliseconds) / 1000, isDuration: true)
        case .number:
            _ = advance()
            return .literal(parseNumberLiteral(t.text), isDuration: false)
        case .leftParen:
            _ = advance()
            let inner = try parseDurationExpr()
            _ = try expect(.rightParen, "duration expression")
            return .paren(inner)
        case .identifier where peek().kind == .leftParen:
            switch t.text.lowercased() {
            case "step", "range":
                _ = advance()
                _ = advance()
                _ = try expect(.rightParen, "duration expression")
                return t.text.lowercased() == "step" ? .step : .range
            case "min", "max", "min_of", "max_of":
                _ = advance()
                _ = advance()
                let a = try parseDurationExpr()
                _ = try expect(.comma, "duration expression")
                let b = try parseDurationExpr()
                _ = try expect(.rightParen, "duration expression")
                return t.text.lowercased().hasPrefix("min") ? .minimum(a, b) : .maximum(a, b)
            default:
                break
            }
        default:
            break
        }
        throw ParseError(position: t.start, message: "unexpected \(describe(t)) in duration expression, expected number, duration, step(), or range()")
    }

    /// After `offset`: a signed literal or call, or a parenthesised expression;
    /// a bare literal ends before a following operator (`x offset 1m + 1` is `(x offset 1m) + 1`).
    mutating func parseOffsetDuration() throws(ParseError) -> DurationExpr {
        var neg = false
        if current.kind == .sub || current.kind == .add {
            neg = advance().kind == .sub
        }
        let e = try parseDurationPrimary()
        if !neg { return e }
        if case .literal(let v, let d) = e { return .literal(-v, isDuration: d) }
        return .negate(e)
    }
}
