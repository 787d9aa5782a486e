import Model
import Storage

/// Settings of a PromQL engine.
public struct EngineOptions: Sendable {
    /// How far back an instant selector looks for the latest sample (ms).
    public var lookbackDelta: Int64 = 5 * 60_000
    /// Upper bound of samples held in memory at once by one query.
    public var maxSamples: Int = 50_000_000
    /// Maximum number of steps (points per series) of a range query.
    public var maxPointsPerSeries: Int = 11_000
    /// Wall-clock budget per query, in seconds.
    public var timeoutSeconds: Double = 120
    /// Resolution of subqueries written without a step (`[5m:]`), in ms.
    public var defaultSubqueryStep: Int64 = 60_000

    /// Options with Prometheus's defaults unless given.
    public init(lookbackDelta: Int64 = 5 * 60_000, maxSamples: Int = 50_000_000, maxPointsPerSeries: Int = 11_000,
                timeoutSeconds: Double = 120, defaultSubqueryStep: Int64 = 60_000) {
        self.lookbackDelta = lookbackDelta
        self.maxSamples = maxSamples
        self.maxPointsPerSeries = maxPointsPerSeries
        self.timeoutSeconds = timeoutSeconds
        self.defaultSubqueryStep = defaultSubqueryStep
    }
}

/// One sample of an instant-vector result.
public struct VectorSample: Sendable, Equatable {
    /// The series labels.
    public var labels: Labels
    /// Evaluation time (ms).
    public var t: Timestamp
    /// The value.
    public var v: Double
}

/// One series of a range-vector (matrix) result.
public struct MatrixSeries: Sendable, Equatable {
    /// The series labels.
    public var labels: Labels
    /// Points in time order.
    public var samples: [Sample]
}

/// The value a query produced.
public enum QueryValue: Sendable {
    case vector([VectorSample])
    case matrix([MatrixSeries])
    case scalar(t: Timestamp, v: Double)
    case string(t: Timestamp, v: String)

    /// Prometheus's name of the result type, as the HTTP API reports it.
    public var resultType: String {
        switch self {
        case .vector: return "vector"
        case .matrix: return "matrix"
        case .scalar: return "scalar"
        case .string: return "string"
        }
    }
}

/// A warning or info Prometheus attaches to a result.
public struct Annotation: Sendable, Hashable, CustomStringConvertible {
    /// Warning or info, as Prometheus distinguishes them.
    public enum Kind: String, Sendable { case warning, info }
    /// Warning or info.
    public var kind: Kind
    /// The text without the `PromQL warning:` prefix and position.
    public var message: String
    /// Where in the query the annotation points.
    public var position: PositionRange
    /// 1-based line and column of `position.start`.
    public var line: Int
    /// 1-based column (in bytes) of `position.start`.
    public var column: Int

    /// `PromQL warning: <message> (<line>:<col>)`, as the HTTP API renders it.
    public var description: String {
        "PromQL \(kind.rawValue): \(message) (\(line):\(column))"
    }
}

/// The outcome of a successful query.
public struct QueryResult: Sendable {
    /// The result value.
    public var value: QueryValue
    /// Warnings and infos, in the order they were raised.
    public var annotations: [Annotation]

    /// Only the warnings.
    public var warnings: [Annotation] { annotations.filter { $0.kind == .warning } }
    /// Only the infos.
    public var infos: [Annotation] { annotations.filter { $0.kind == .info } }
}

/// A query failure, typed so the HTTP API can map it to Prometheus's `errorType`.
public enum PromQLError: Error, Sendable, CustomStringConvertible, Equatable {
    case parse(String)
    /// Bad query arguments (e.g. end before start).
    case badData(String)
    case execution(String)
    case timeout(String)
    case canceled(String)

    /// Prometheus's `errorType` for this error.
    public var errorType: String {
        switch self {
        case .parse, .badData: return "bad_data"
        case .execution: return "execution"
        case .timeout: return "timeout"
        case .canceled: return "canceled"
        }
    }

    /// The error text Prometheus would report.
    public var description: String {
        switch self {
        case .parse(let m), .badData(let m), .execution(let m), .timeout(let m), .canceled(let m): return m
        }
    }
}

/// Evaluates PromQL over a `Queryable`.
public final class Engine: Sendable {
    /// The settings every query of this engine uses.
    public let options: EngineOptions

    /// An engine with the given settings.
    public init(_ options: EngineOptions = EngineOptions()) { self.options = options }

    /// Evaluates `query` at time `at` (ms).
    public func instantQuery(_ storage: any Queryable, _ query: String, at: Timestamp) throws(PromQLError) -> QueryResult {
        try instantQuery(storage, try parse(query), at: at, text: query)
    }

    /// Evaluates an already parsed expression at `at` (ms), e.g. a rule parsed once.
    /// Annotation positions refer to `text` (by default the expression as printed).
    public func instantQuery(_ storage: any Queryable, _ expr: Expr, at: Timestamp, text: String? = nil) throws(PromQLError) -> QueryResult {
        try checkTime(at)
        return try run(storage, expr, query: text ?? expr.description, start: at, end: at, step: 0)
    }

    /// Evaluates `query` at every `step` ms from `start` to `end` (inclusive).
    public func rangeQuery(_ storage: any Queryable, _ query: String, start: Timestamp, end: Timestamp,
                           step: Int64) throws(PromQLError) -> QueryResult {
        try rangeQuery(storage, try parse(query), start: start, end: end, step: step, text: query)
    }

    /// Range evaluation of an already parsed expression.
    public func rangeQuery(_ storage: any Queryable, _ expr: Expr, start: Timestamp, end: Timestamp, step: Int64,
                           text: String? = nil) throws(PromQLError) -> QueryResult {
        let query = text ?? expr.description
        guard step > 0 else {
            throw .badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        try checkTime(start)
        try checkTime(end)
        guard end >= start else { throw .badData("end timestamp must not be before start time") }
        if (end - start) / step + 1 > Int64(options.maxPointsPerSeries) {
            throw .badData("exceeded maximum resolution of \(options.maxPointsPerSeries) points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        switch expr.type {
        case .scalar, .vector: break
        default:
            throw .badData("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        return try run(storage, expr, query: query, start: start, end: end, step: step)
    }

    private func checkTime(_ t: Timestamp) throws(PromQLError) {
        guard Double(t.magnitude) < maxTimeSeconds * 1000 else { throw .badData("timestamp \(t) out of range") }
    }

    private func parse(_ query: String) throws(PromQLError) -> Expr {
        do {
            return try PromQLParser.parse(query)
        } catch {
            throw .parse(error.description)
        }
    }

    private func run(_ storage: any Queryable, _ expr: Expr, query: String, start: Timestamp, end: Timestamp,
                     step: Int64) throws(PromQLError) -> QueryResult {
        let evaluator = Evaluator(storage: storage, options: options, query: query,
                                  queryStart: start, queryEnd: end, queryStep: step)
        do {
            let value = try evaluator.evaluateTop(expr)
            return QueryResult(value: value, annotations: evaluator.annotations.list)
        } catch let e as PromQLError {
            throw e
        } catch {
            throw .execution("\(error)")
        }
    }
}
