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
    /// First byte of the expression.
    public var start: Int
    /// One past its last byte.
    public var end: Int
    /// A range of byte offsets.
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

/// A number, e.g. `1.5`, `0x1f`, `Inf` or a duration used as seconds (`5m`).
public struct NumberLiteral: Sendable {
    /// The value.
    public var value: Double
    /// Where the expression sits in the query text.
    public var position: PositionRange
    /// Set when the literal was written as a duration (`5m`), so it prints back as one.
    public var isDuration = false
}

/// A string literal (already unescaped).
public struct StringLiteral: Sendable {
    /// The value.
    public var value: String
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// An instant vector selector: `name{label="value"} @ t offset d`.
public struct VectorSelector: Sendable {
    /// The metric name when written before the braces or as the quoted first item.
    public var name: String?
    /// All matchers, the name as a `__name__` matcher included.
    public var matchers: [Matcher]
    /// Offset in ms (negative allowed).
    public var offset: Int64 = 0
    /// An offset written as a duration expression, resolved when the query runs.
    public var offsetExpr: DurationExpr?
    /// The `@` modifier.
    public var at: AtModifier = .none
    /// `x[5m] anchored`: windows also see the last sample before their start.
    public var anchored = false
    /// `x smoothed` / `x[5m] smoothed`: values interpolated at window boundaries.
    public var smoothed = false
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// A range vector selector: `selector[range]`.
public struct MatrixSelector: Sendable {
    /// The selector with its modifiers.
    public var selector: VectorSelector
    /// Range in ms.
    public var range: Int64
    /// A range written as a duration expression, resolved when the query runs.
    public var rangeExpr: DurationExpr?
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// A subquery: `expr[range:step]`.
public struct SubqueryExpr: Sendable {
    /// The operand.
    public var expr: Expr
    /// Range in ms.
    public var range: Int64
    /// Resolution in ms; nil means the engine's default.
    public var step: Int64?
    /// Offset in ms.
    public var offset: Int64 = 0
    /// A range written as a duration expression.
    public var rangeExpr: DurationExpr?
    /// A step written as a duration expression.
    public var stepExpr: DurationExpr?
    /// An offset written as a duration expression.
    public var offsetExpr: DurationExpr?
    /// The `@` modifier.
    public var at: AtModifier = .none
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// A parenthesised expression, kept so the text prints back as written.
public struct ParenExpr: Sendable {
    /// The operand.
    public var expr: Expr
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// Unary `+` or `-`.
public enum UnaryOp: String, Sendable { case add = "+", sub = "-" }

/// `-expr` or `+expr` on a scalar or instant vector.
public struct UnaryExpr: Sendable {
    /// The operator.
    public var op: UnaryOp
    /// The operand.
    public var expr: Expr
    /// Where the expression sits in the query text.
    public var position: PositionRange
}

/// Binary operators, in Prometheus's spelling.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2 = "atan2"
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and = "and", or = "or", unless = "unless"

    /// `==`, `!=`, `>`, `<`, `>=`, `<=`.
    public var isComparison: Bool {
        switch self {
        case .eql, .neq, .gtr, .lss, .gte, .lte: return true
        default: return false
        }
    }

    /// `and`, `or`, `unless`.
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

/// How samples of the two sides of a vector operation pair up.
public enum MatchCardinality: Sendable, Equatable {
    case oneToOne, manyToOne, oneToMany, manyToMany
}

/// `on`/`ignoring` and `group_left`/`group_right` of a binary operation between vectors.
public struct VectorMatching: Sendable {
    /// One-to-one unless `group_left`/`group_right` (many-to-many for set operators).
    public var cardinality: MatchCardinality = .oneToOne
    /// The labels of `on(...)` or `ignoring(...)`.
    public var matchingLabels: [String] = []
    /// True for `on(...)`, false for `ignoring(...)` or no clause.
    public var on = false
    /// Extra labels copied from the "one" side (`group_left(x)`).
    public var include: [String] = []
    /// `fill_left(v)` / `fill_right(v)` / `fill(v)`: the value used for a
    /// missing match on that side instead of dropping the sample.
    public var fillLeft: Double?
    /// Value for a missing right-hand sample.
    public var fillRight: Double?
    /// Written as `fill(v)` (both sides), which prints back the same way.
    public var fillBoth = false
}

/// `lhs op [bool] [on/ignoring(...)] [group_x(...)] [fill(...)] rhs`.
public struct BinaryExpr: Sendable {
    /// The operator.
    public var op: BinaryOp
    /// Left operand.
    public var lhs: Expr
    /// Right operand.
    public var rhs: Expr
    /// `bool`: comparisons return 0/1 instead of filtering.
    public var returnBool = false
    /// Present when both sides are vectors.
    public var matching: VectorMatching?
    /// Position of the operator token, used for annotations.
    public var opPosition: PositionRange
}

/// A function call.
public struct Call: Sendable {
    /// The function called.
    public var function: FunctionDef
    /// The arguments, in order.
    public var args: [Expr]
    /// Where the expression sits in the query text.
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

/// An aggregation: `op [by|without (labels)] ([param,] expr)`.
public struct AggregateExpr: Sendable {
    /// The aggregation operator.
    public var op: AggregateOp
    /// The operand.
    public var expr: Expr
    /// The parameter of topk, bottomk, quantile, count_values, limitk, limit_ratio.
    public var param: Expr?
    /// The labels of `by(...)` / `without(...)`.
    public var grouping: [String]
    /// `without` rather than `by`.
    public var without: Bool
    /// Where the expression sits in the query text.
    public var position: PositionRange
}
