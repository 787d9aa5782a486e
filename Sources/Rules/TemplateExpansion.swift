import Foundation
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
}

/// Where the `query` template function runs: set before each expansion, so
/// templates can be parsed once per rule instead of once per alert and evaluation.
final class TemplateQueryBinding: @unchecked Sendable {
    private let lock = NSLock()
    private var target: (engine: Engine, storage: any Queryable, time: Timestamp)?

    func bind(engine: Engine, storage: any Queryable, time: Timestamp) {
        lock.withLock { target = (engine, storage, time) }
    }

    func query(_ text: String) throws -> [QueryResultSample] {
        guard let (engine, storage, time) = lock.withLock({ target }) else {
            throw TemplateFunctionError("no query engine available")
        }
        let result = try engine.instantQuery(storage, text, at: time)
        switch result.value {
        case .vector(let v): return v.map { QueryResultSample(labels: $0.labels, value: $0.v) }
        case .scalar(_, let v): return [QueryResultSample(labels: .empty, value: v)]
        case .string(_, let s): return [QueryResultSample(labels: .empty, value: Double(s) ?? .nan)]
        case .matrix: throw PromQLError.execution("rule result is not a vector or scalar")
        }
    }
}

/// The label and annotation templates of one alerting rule, parsed once.
final class AlertTemplates: @unchecked Sendable {
    /// A parsed template, or Prometheus's text for a template that does not parse.
    enum Compiled {
        case template(Template)
        case failed(String)
    }

    let binding = TemplateQueryBinding()
    let labels: [(name: String, compiled: Compiled)]
    let annotations: [(name: String, compiled: Compiled)]

    init(ruleName: String, labels: [(name: String, value: String)], annotations: [(name: String, value: String)], externalURL: String) {
        let binding = self.binding
        let functions = TemplateFunctions.prometheus(query: { try binding.query($0) }, externalURL: externalURL)
        let name = "__alert_" + ruleName
        func compile(_ text: String) -> Compiled {
            do {
                return .template(try Template.parse(name: name, text: PrometheusTemplateData.variableDefinitions + text, functions: functions))
            } catch {
                return .failed("<error expanding template: error parsing template \(name): \(error.message)>")
            }
        }
        self.labels = labels.map { ($0.name, compile($0.value)) }
        self.annotations = annotations.map { ($0.name, compile($0.value)) }
    }

    /// Executes a template; failures become `<error expanding template: ...>` as in Prometheus.
    func expand(_ compiled: Compiled, data: TemplateValue) -> String {
        switch compiled {
        case .failed(let text): return text
        case .template(let t):
            do {
                return try t.execute(data: data)
            } catch {
                return "<error expanding template: error executing template \(t.name): \(error.message)>"
            }
        }
    }
}
