import Model
import PromQL
import Storage
import Template

/// What a rule evaluation needs from its group and manager.
struct EvaluationContext {
    let engine: Engine
    let storage: any Queryable
    /// The group's evaluation time (ms).
    let time: Timestamp
    /// `query_offset` (ms): queries run at `time - queryOffset`, outputs are stamped there.
    let queryOffset: Int64
    let limit: Int
    let externalLabels: Labels
    let externalURL: String

    var queryTime: Timestamp { time - queryOffset }
}

/// One sample a rule writes.
struct OutputSample {
    var labels: Labels
    var t: Timestamp
    var v: Double
}

/// Why a rule evaluation failed, in Prometheus's wording.
public struct RuleEvaluationError: Error, Sendable, CustomStringConvertible {
    /// Prometheus's wording of the failure.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Health of a rule after its last evaluation, as `/api/v1/rules` reports it.
public enum RuleHealth: String, Sendable {
    case unknown, ok, err
}

enum RuleQuery {
    /// Runs a rule expression; scalars become one sample with empty labels, as
    /// Prometheus's EngineQueryFunc does.
    static func run(_ expr: Expr, text: String, _ ctx: EvaluationContext) throws(RuleEvaluationError) -> [OutputSample] {
        let result: QueryResult
        do {
            result = try ctx.engine.instantQuery(ctx.storage, expr, at: ctx.queryTime, text: text)
        } catch {
            throw RuleEvaluationError(message: error.description)
        }
        switch result.value {
        case .vector(let v): return v.map { OutputSample(labels: $0.labels, t: $0.t, v: $0.v) }
        case .scalar(let t, let v): return [OutputSample(labels: .empty, t: t, v: v)]
        case .matrix, .string: throw RuleEvaluationError(message: "rule result is not a vector or scalar")
        }
    }
}

/// A recording rule: stores its expression's result under a new metric name.
public final class RecordingRule: @unchecked Sendable {
    /// The rule as written in its file.
    public let definition: RuleDefinition
    /// Rule labels with the group's labels merged under them.
    let labels: [(name: String, value: String)]
    /// Outcome of the last evaluation.
    public internal(set) var health = RuleHealth.unknown
    /// Error of the last evaluation, nil when it succeeded.
    public internal(set) var lastError: String?
    /// Time (ms) of the last evaluation; 0 before the first.
    public internal(set) var lastEvaluation: Timestamp = 0
    /// Wall-clock duration of the last evaluation, in seconds.
    public internal(set) var lastDurationSeconds: Double = 0
    /// Label sets written at the previous evaluation, to mark vanished ones stale.
    var previousSeries: Set<Labels> = []

    init(_ definition: RuleDefinition, groupLabels: [(name: String, value: String)]) {
        self.definition = definition
        self.labels = mergedLabels(rule: definition.labels, group: groupLabels)
    }

    func evaluate(_ ctx: EvaluationContext) throws(RuleEvaluationError) -> [OutputSample] {
        var vector = try RuleQuery.run(definition.expr, text: definition.exprText, ctx)
        var seen = Set<Labels>(minimumCapacity: vector.count)
        for i in vector.indices {
            var b = LabelsBuilder(vector[i].labels)
            b.set(LabelName.metricName, definition.name)
            for l in labels { b.set(l.name, l.value) }
            vector[i].labels = b.labels()
            vector[i].t = ctx.queryTime
            if !seen.insert(vector[i].labels).inserted {
                throw RuleEvaluationError(message: "vector contains metrics with the same labelset after applying rule labels")
            }
        }
        if ctx.limit > 0 && vector.count > ctx.limit {
            throw RuleEvaluationError(message: "exceeded limit of \(ctx.limit) with \(vector.count) series")
        }
        return vector
    }
}

/// Rule labels win over group labels.
func mergedLabels(rule: [(name: String, value: String)], group: [(name: String, value: String)]) -> [(name: String, value: String)] {
    let own = Set(rule.map(\.name))
    return group.filter { !own.contains($0.name) } + rule
}
