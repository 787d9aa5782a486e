import Model
import PromQL
import Storage
import Template

/// Expands alerting-rule label and annotation templates the way Prometheus does.
enum TemplateExpansion {
    /// The parse error of a label or annotation template, or nil if it parses.
    static func parseError(_ text: String, ruleName: String) -> String? {
        do {
            _ = try Template.parse(name: "__alert_" + ruleName, text: PrometheusTemplateData.variableDefinitions + text,
                                   functions: .prometheus())
            return nil
        } catch {
            return error.message
        }
    }

    /// Prometheus's template functions with `query` bound to `engine` over `storage` at `time`.
    static func functions(engine: Engine, storage: any Queryable, time: Timestamp, externalURL: String) -> TemplateFunctions {
        let query: TemplateQueryFunction = { text in
            let result = try engine.instantQuery(storage, text, at: time)
            switch result.value {
            case .vector(let v): return v.map { QueryResultSample(labels: $0.labels, value: $0.v) }
            case .scalar(_, let v): return [QueryResultSample(labels: .empty, value: v)]
            case .string(_, let s):
                return [QueryResultSample(labels: .empty, value: Double(s) ?? .nan)]
            case .matrix:
                throw PromQLError.execution("rule result is not a vector or scalar")
            }
        }
        return .prometheus(query: query, externalURL: externalURL)
    }
}
