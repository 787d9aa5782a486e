import Model

/// The type a PromQL expression evaluates to, named as Prometheus names it in errors.
public enum ValueType: String, Sendable, Equatable {
    case scalar = "scalar"
    case vector = "instant vector"
    case matrix = "range vector"
    case string = "string"
}

/// Byte offsets of an expression in the query text (end exclusive).
public struct PositionRange: Sendable, Hashable {
    public var start: Int
    public var end: Int
    public init(start: Int, end: Int) {
        self.start = start
        self.end = end
    }
}

/// The `@` modifier of a selector or subquery.
public enum AtModifier: Sendable, Equatable {
    case none
    /// Evaluate at a fixed time (ms since the epoch).
    case timestamp(Int64)
    case start
    case end
}

/// A parsed PromQL expression.
public indirect enum Expr: Sendable {
    case number(NumberLiteral)
    case string(StringLiteral)
    case vectorSelector(VectorSelector)
    case matrixSelector(MatrixSelector)
    case subquery(SubqueryExpr)
    case paren(ParenExpr)
    case unary(UnaryExpr)
    case binary(BinaryExpr)
    case call(Call)
    case aggregate(AggregateExpr)

    /// The static result type.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .vector
        case .matrixSelector, .subquery: return .matrix
        case .paren(let p): return p.expr.type
        case .unary(let u): return u.expr.type
        case .binary(let b):
            return b.lhs.type == .scalar && b.rhs.type == .scalar ? .scalar : .vector
        case .call(let c): return c.function.returnType
        case .aggregate: return .vector
        }
    }

    /// Where the expression sits in the query text.
    public var position: PositionRange {
        switch self {
        case .number(let n): return n.position
        case .string(let s): return s.position
        case .vectorSelector(let v): return v.position
        case .matrixSelector(let m): return m.position
        case .subquery(let s): return s.position
        case .paren(let p): return p.position
        case .unary(let u): return u.position
        case .binary(let b): return PositionRange(start: b.lhs.position.start, end: b.rhs.position.end)
        case .call(let c): return c.position
        case .aggregate(let a): return a.position
        }
    }

    /// The expression without enclosing parentheses.
    var unwrapped: Expr {
        if case .paren(let p) = self { return p.expr.unwrapped }
        return self
    }
}

public struct NumberLiteral: Sendable {
    public var value: Double
    public var position: PositionRange
    /// Set when the literal was written as a duration (`5m`), so it prints back as one.
    public var isDuration = false
}

public struct StringLiteral: Sendable {
    public var value: String
    public var position: PositionRange
}

public struct VectorSelector: Sendable {
    /// The metric name when written before the braces or as the quoted first item.
    public var name: String?
    public var matchers: [Matcher]
    /// Offset in ms (negative allowed).
    public var offset: Int64 = 0
    /// An offset written as a duration expression, resolved when the query runs.
    public var offsetExpr: DurationExpr?
    public var at: AtModifier = .none
    /// `x[5m] anchored`: windows also see the last sample before their start.
    public var anchored = false
    /// `x smoothed` / `x[5m] smoothed`: values interpolated at window boundaries.
    public var smoothed = false
    public var position: PositionRange
}

public struct MatrixSelector: Sendable {
    public var selector: VectorSelector
    /// Range in ms.
    public var range: Int64
    /// A range written as a duration expression, resolved when the query runs.
    public var rangeExpr: DurationExpr?
    public var position: PositionRange
}

public struct SubqueryExpr: Sendable {
    public var expr: Expr
    public var range: Int64
    /// Resolution in ms; nil means the engine's default.
    public var step: Int64?
    public var offset: Int64 = 0
    public var rangeExpr: DurationExpr?
    public var stepExpr: DurationExpr?
    public var offsetExpr: DurationExpr?
    public var at: AtModifier = .none
    public var position: PositionRange
}

public struct ParenExpr: Sendable {
    public var expr: Expr
    public var position: PositionRange
}

public enum UnaryOp: String, Sendable { case add = "+", sub = "-" }

public struct UnaryExpr: Sendable {
    public var op: UnaryOp
    public var expr: Expr
    public var position: PositionRange
}

/// Binary operators, in Prometheus's spelling.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2 = "atan2"
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and = "and", or = "or", unless = "unless"

    public var isComparison: Bool {
        switch self {
        case .eql, .neq, .gtr, .lss, .gte, .lte: return true
        default: return false
        }
    }

    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }

    /// Binding strength; higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    var isRightAssociative: Bool { self == .pow }
}

public enum MatchCardinality: Sendable, Equatable {
    case oneToOne, manyToOne, oneToMany, manyToMany
}

/// `on`/`ignoring` and `group_left`/`group_right` of a binary operation between vectors.
public struct VectorMatching: Sendable {
    public var cardinality: MatchCardinality = .oneToOne
    public var matchingLabels: [String] = []
    /// True for `on(...)`, false for `ignoring(...)` or no clause.
    public var on = false
    /// Extra labels copied from the "one" side (`group_left(x)`).
    public var include: [String] = []
    /// `fill_left(v)` / `fill_right(v)` / `fill(v)`: the value used for a
    /// missing match on that side instead of dropping the sample.
    public var fillLeft: Double?
    public var fillRight: Double?
    /// Written as `fill(v)` (both sides), which prints back the same way.
    public var fillBoth = false
}

public struct BinaryExpr: Sendable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    public var returnBool = false
    /// Present when both sides are vectors.
    public var matching: VectorMatching?
    /// Position of the operator token, used for annotations.
    public var opPosition: PositionRange
}

public struct Call: Sendable {
    public var function: FunctionDef
    public var args: [Expr]
    public var position: PositionRange
}

/// Aggregation operators.
public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk
    case countValues = "count_values"
    case quantile, limitk
    case limitRatio = "limit_ratio"

    var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: return true
        default: return false
        }
    }
}

public struct AggregateExpr: Sendable {
    public var op: AggregateOp
    public var expr: Expr
    public var param: Expr?
    public var grouping: [String]
    public var without: Bool
    public var position: PositionRange
}
