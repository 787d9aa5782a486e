import Config
import Foundation
import Model

/// A rule unit-test file (`promtool test rules` format).
struct UnitTestFile {
    var ruleFiles: [String] = []
    var evaluationInterval = PromDuration(seconds: 60)
    var groupEvalOrder: [String] = []
    var fuzzyCompare = false
    var tests: [TestGroupSpec] = []
}

struct InputSeries {
    var series: String
    var values: String
}

struct ExpectedAlert {
    var labels: [String: String]
    var annotations: [String: String]
}

struct AlertTestCase {
    var evalTime: PromDuration
    var alertname: String
    var expAlerts: [ExpectedAlert]
}

struct ExpectedSample {
    var labels: String
    var value: Double
    var histogram: String?
}

struct PromQLTestCase {
    var expr: String
    var evalTime: PromDuration
    var expSamples: [ExpectedSample]
}

struct TestGroupSpec {
    var name = ""
    var interval: PromDuration?
    var inputSeries: [InputSeries] = []
    /// Unix ms.
    var startTimestamp: Timestamp = 0
    var externalLabels: Labels = .empty
    var externalURL = ""
    var alertTests: [AlertTestCase] = []
    var promqlTests: [PromQLTestCase] = []

    /// The largest eval_time of all cases (ms).
    var maxEvalTime: Int64 {
        (alertTests.map(\.evalTime.milliseconds) + promqlTests.map(\.evalTime.milliseconds)).max() ?? 0
    }
}

/// Reads a test file strictly: an unknown key is an error, as yaml.UnmarshalStrict.
enum UnitTestFileReader {
    static func read(_ text: String, file: String) throws -> UnitTestFile {
        var out = UnitTestFile()
        guard let root = try YAMLNode.parse(text, file: file) else { return out }
        let m = try root.mapping(allowedKeys: ["rule_files", "evaluation_interval", "group_eval_order", "fuzzy_compare", "tests"])
        out.ruleFiles = try m["rule_files"]?.stringList() ?? []
        if let i = m["evaluation_interval"] {
            out.evaluationInterval = try i.duration()
            if out.evaluationInterval.milliseconds == 0 { out.evaluationInterval = PromDuration(seconds: 60) }
        }
        out.groupEvalOrder = try m["group_eval_order"]?.stringList() ?? []
        out.fuzzyCompare = try m["fuzzy_compare"]?.bool() ?? false
        out.tests = try (m["tests"]?.sequence() ?? []).map(readGroup)
        return out
    }

    private static func readGroup(_ node: YAMLNode) throws -> TestGroupSpec {
        let m = try node.mapping(allowedKeys: ["name", "interval", "input_series", "start_timestamp", "external_labels",
                                               "external_url", "alert_rule_test", "promql_expr_test"])
        var g = TestGroupSpec()
        g.name = try m["name"]?.string() ?? ""
        if let i = m["interval"] { g.interval = try i.duration() }
        g.inputSeries = try (m["input_series"]?.sequence() ?? []).map { n in
            let s = try n.mapping(allowedKeys: ["series", "values"])
            return InputSeries(series: try s["series"]?.string() ?? "", values: try s["values"]?.string() ?? "")
        }
        if let s = m["start_timestamp"] { g.startTimestamp = try timestamp(s) }
        g.externalLabels = Labels(try m["external_labels"]?.stringMap() ?? [:])
        g.externalURL = try m["external_url"]?.string() ?? ""
        g.alertTests = try (m["alert_rule_test"]?.sequence() ?? []).map { n in
            let a = try n.mapping(allowedKeys: ["eval_time", "alertname", "exp_alerts"])
            let exp = try (a["exp_alerts"]?.sequence() ?? []).map { e in
                let x = try e.mapping(allowedKeys: ["exp_labels", "exp_annotations"])
                return ExpectedAlert(labels: try x["exp_labels"]?.stringMap() ?? [:],
                                     annotations: try x["exp_annotations"]?.stringMap() ?? [:])
            }
            return AlertTestCase(evalTime: try a["eval_time"]?.duration() ?? .zero, alertname: try a["alertname"]?.string() ?? "",
                                 expAlerts: exp)
        }
        g.promqlTests = try (m["promql_expr_test"]?.sequence() ?? []).map { n in
            let p = try n.mapping(allowedKeys: ["expr", "eval_time", "exp_samples"])
            let exp = try (p["exp_samples"]?.sequence() ?? []).map { s in
                let x = try s.mapping(allowedKeys: ["labels", "value", "histogram"])
                return ExpectedSample(labels: try x["labels"]?.string() ?? "", value: try x["value"].map(yamlFloat) ?? 0,
                                      histogram: try x["histogram"]?.string())
            }
            return PromQLTestCase(expr: try p["expr"]?.string() ?? "", evalTime: try p["eval_time"]?.duration() ?? .zero,
                                  expSamples: exp)
        }
        return g
    }

    /// A YAML float as yaml.v3 decodes one into float64: `.nan`, `.inf`, hex/octal ints, decimals.
    static func yamlFloat(_ node: YAMLNode) throws -> Double {
        let s = try node.string()
        switch s {
        case ".nan", ".NaN", ".NAN": return .nan
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        default: break
        }
        if let v = Double(s), !s.lowercased().contains("inf"), !s.lowercased().contains("nan") { return v }
        let body = s.hasPrefix("-") || s.hasPrefix("+") ? String(s.dropFirst()) : s
        let sign: Double = s.hasPrefix("-") ? -1 : 1
        if body.hasPrefix("0x"), let v = UInt64(body.dropFirst(2), radix: 16) { return sign * Double(v) }
        if body.hasPrefix("0o"), let v = UInt64(body.dropFirst(2), radix: 8) { return sign * Double(v) }
        throw node.error("cannot unmarshal \(quoteLabelValue(s)) into float64")
    }

    /// Unix seconds (int) or an RFC 3339 time, in ms.
    static func timestamp(_ node: YAMLNode) throws -> Timestamp {
        let s = try node.string()
        if let secs = Int64(s) {
            let (ms, overflow) = secs.multipliedReportingOverflow(by: 1000)
            guard !overflow, ms.magnitude < 1 << 52 else { throw node.error("start_timestamp \(s) is out of range") }
            return ms
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) { return Timestamp((d.timeIntervalSince1970 * 1000).rounded()) }
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return Timestamp((d.timeIntervalSince1970 * 1000).rounded()) }
        throw node.error("invalid start_timestamp \(quoteLabelValue(s)): expected Unix seconds or RFC 3339")
    }
}
