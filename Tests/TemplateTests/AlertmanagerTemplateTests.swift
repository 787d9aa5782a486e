import Foundation
import Testing

@testable import Template

@Suite struct AlertmanagerTemplateTests {
    static let start = TemplateTime(seconds: 1_710_072_000)  // 2024-03-10 12:00:00 UTC

    /// The data the oracle output in AlertmanagerOracle.swift was produced from.
    static let oracleData = AlertmanagerTemplateData(
        receiver: #"team\-a"#, status: "firing",
        alerts: [
            AlertmanagerTemplateAlert(
                status: "firing", labels: ["alertname": "HighCPU", "instance": "a:9100", "job": "node", "severity": "critical"],
                annotations: ["summary": "CPU high on a", "runbook": "http://rb/cpu"], startsAt: start,
                generatorURL: "http://prom/graph?g0.expr=x", fingerprint: "1111"),
            AlertmanagerTemplateAlert(
                status: "firing", labels: ["alertname": "HighCPU", "instance": "b:9100", "job": "node", "severity": "warning"],
                annotations: ["summary": "CPU high on b", "runbook": "http://rb/cpu"], startsAt: start,
                generatorURL: "http://prom/graph?g0.expr=y", fingerprint: "2222"),
            AlertmanagerTemplateAlert(
                status: "resolved", labels: ["alertname": "HighCPU", "instance": "c:9100", "job": "node", "severity": "info"],
                annotations: ["runbook": "http://rb/cpu"], startsAt: start, endsAt: start.adding(nanoseconds: 3_600_000_000_000),
                generatorURL: "http://prom/graph?g0.expr=z", fingerprint: "3333"),
        ],
        groupLabels: ["alertname": "HighCPU"], commonLabels: ["alertname": "HighCPU", "job": "node"],
        commonAnnotations: ["runbook": "http://rb/cpu"], externalURL: "http://am.example:9093")

    struct OracleSection: Sendable, CustomStringConvertible {
        let key: String
        let output: String
        let error: String?
        var description: String { key }
    }

    static let oracleSections: [OracleSection] = {
        var sections: [OracleSection] = []
        var key: String?
        var lines: [Substring] = []
        func flush() {
            guard let key else { return }
            var error: String?
            if let last = lines.last, last.hasPrefix("ERR ") {
                error = String(last.dropFirst(4))
                lines.removeLast()
            }
            sections.append(OracleSection(key: key, output: lines.joined(separator: "\n"), error: error))
        }
        for line in alertmanagerOracleOutput.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("=====") {
                flush()
                key = String(line.dropFirst(5))
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return sections
    }()

    /// Default templates and texts render exactly as Go renders them.
    @Test(arguments: oracleSections)
    func matchesGoOracle(_ section: OracleSection) throws {
        let set = try AlertmanagerDefaultTemplates.set()
        let data = Self.oracleData.templateValue
        let result: Result<String, TemplateError>
        if section.key.hasPrefix("{{") {
            result = Result { () throws(TemplateError) in try set.executeText(section.key, data: data, name: "x") }
        } else {
            result = Result { () throws(TemplateError) in try set.execute(name: section.key, data: data) }
        }
        switch result {
        case .success(let out):
            #expect(section.error == nil)
            #expect(out == section.output)
        case .failure(let e):
            #expect(e.message == section.error)
        }
    }

    /// alertmanager/template/template_test.go TestData.
    @Test func dataAssembly() {
        let t0 = TemplateTime.zero.adding(nanoseconds: 1_000_000_000)
        let t1 = TemplateTime.zero.adding(nanoseconds: 2_000_000_000)
        let a1 = AlertmanagerTemplateAlert(
            status: "firing", labels: ["severity": "warning", "job": "foo"],
            annotations: ["description": "something happened", "runbook": "foo"], startsAt: t0)
        let a2 = AlertmanagerTemplateAlert(
            status: "resolved", labels: ["severity": "critical", "job": "foo"],
            annotations: ["description": "something else happened", "runbook": "foo"], startsAt: t0, endsAt: t1)
        #expect(a1.fingerprint == "9266ef3da838ad95")
        #expect(a2.fingerprint == "3b15fd163d36582e")
        let d = AlertmanagerTemplateData(receiverName: "webhook", groupLabels: ["job": "foo"], alerts: [a1, a2], externalURL: "http://example.com/")
        #expect(d.status == "firing")
        #expect(d.commonLabels == ["job": "foo"])
        #expect(d.commonAnnotations == ["runbook": "foo"])
        let a3 = AlertmanagerTemplateAlert(
            status: "resolved", labels: ["severity": "critical", "job": "bar"], annotations: ["runbook": "bar"], startsAt: t0, endsAt: t1)
        #expect(a3.fingerprint == "c7e68cb08e3e67f9")
        let d2 = AlertmanagerTemplateData(receiverName: "web.hook", groupLabels: [:], alerts: [a1, a3], externalURL: "")
        #expect(d2.commonLabels.isEmpty && d2.commonAnnotations.isEmpty)
        #expect(d2.receiver == #"web\.hook"#)
        let empty = AlertmanagerTemplateData(receiverName: "webhook", groupLabels: [:], alerts: [], externalURL: "")
        #expect(empty.status == "resolved")
    }

    /// alertmanager/template/template_test.go TestTemplateExpansion and TestTemplateFuncs (text mode).
    @Test func expansionAndFunctions() throws {
        let now = TemplateTime(seconds: 1_700_000_000)
        let set = try AlertmanagerDefaultTemplates.set(functions: .alertmanager(now: { now }))
        func run(_ text: String, _ data: TemplateValue = nil) throws -> String { try set.executeText(text, data: data) }
        #expect(try run("abc") == "abc")
        #expect(try run(#"{{ "abc" }}"#) == "abc")
        #expect(throws: TemplateError.self) { try run("{{ ") }
        #expect(try run(#"{{ "abc" | toUpper }}"#) == "ABC")
        #expect(try run(#"{{ "ABC" | toLower }}"#) == "abc")
        #expect(try run(#"{{ "abc" | title }}"#) == "Abc")
        #expect(try run(#"{{ "aa bb CC" | title }}"#) == "Aa Bb Cc")
        #expect(try run(#"{{ " a b c " | trimSpace }}"#) == "a b c")
        #expect(try run(#"{{ if match "^a" "abc"}}abc{{ end }}"#) == "abc")
        #expect(try run(#"{{ if match "abcd" "abc" }}abc{{ end }}"#) == "")
        #expect(try run(#"{{ . | join "," }}"#, .strings(["a", "b", "c"])) == "a,b,c")
        #expect(try run(#"{{ "<b>" }}"#) == "<b>")
        #expect(try run(#"{{ reReplaceAll "ab" "AB" "abcdabcda"}}"#) == "ABcdABcda")
        #expect(try run(#"{{ "search?q=test%20foo" | urlUnescape }}"#) == "search?q=test foo")
        let kvData = AlertmanagerTemplateData(
            receiver: "", status: "", alerts: [], groupLabels: ["key1": "key1", "key2": "key2", "key3": "key3", "key4": "key4"],
            commonLabels: [:], commonAnnotations: [:], externalURL: "")
        #expect(try run(#"{{ with .GroupLabels }}{{ with .Remove (stringSlice "key1" "key3") }}{{ .SortedPairs.Values }}{{ end }}{{ end }}"#, kvData.templateValue) == "[key2 key4]")
        #expect(try run(#"{{ "test" | toJson }}"#) == #""test""#)
        #expect(try run(#"{{ 42 | toJson }}"#) == "42")
        #expect(try run(#"{{ true | toJson }}"#) == "true")
        #expect(try run(#"{{ . | toJson }}"#, ["key": "value", "number": 123]) == #"{"key":"value","number":123}"#)
        #expect(try run(#"{{ . | toJson }}"#, .strings(["a", "b", "c"])) == #"["a","b","c"]"#)
        #expect(try run(#"{{ .CommonLabels | toJson }}"#, AlertmanagerTemplateData(receiver: "", status: "", alerts: [], groupLabels: [:], commonLabels: ["severity": "critical", "job": "foo"], commonAnnotations: [:], externalURL: "").templateValue) == #"{"job":"foo","severity":"critical"}"#)
        let jsonData = AlertmanagerTemplateData(
            receiver: "", status: "", alerts: [
                AlertmanagerTemplateAlert(status: "firing", labels: ["alertname": "test"], startsAt: .zero, fingerprint: ""),
                AlertmanagerTemplateAlert(status: "resolved", labels: [:], startsAt: .zero, fingerprint: ""),
            ], groupLabels: [:], commonLabels: [:], commonAnnotations: [:], externalURL: "")
        #expect(
            try run(#"{{ .Alerts.Firing | toJson }}"#, jsonData.templateValue)
                == #"[{"status":"firing","labels":{"alertname":"test"},"annotations":{},"startsAt":"0001-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":""}]"#)
        let jan1 = TemplateValue.time(TemplateTime(seconds: 1_704_096_930))  // 2024-01-01 08:15:30 UTC
        #expect(try run(#"{{ . | date "2006-01-02" }}"#, jan1) == "2024-01-01")
        #expect(try run(#"{{ . | tz "Europe/Paris" }}"#, jan1) == "2024-01-01 09:15:30 +0100 CET")
        let e = #expect(throws: TemplateError.self) { try run(#"{{ . | tz "Invalid/Timezone" }}"#, jan1) }
        #expect(e?.message == #"template: :1:7: executing "" at <tz "Invalid/Timezone">: error calling tz: unknown time zone Invalid/Timezone"#)
        #expect(
            try run("{{ range . }}{{ humanizeDuration . }}:{{ end }}", .floats([0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99]))
                == "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:")
        let h = #expect(throws: TemplateError.self) { try run(#"{{ humanizeDuration "one" }}"#) }
        #expect(h?.message == #"template: :1:3: executing "" at <humanizeDuration "one">: error calling humanizeDuration: strconv.ParseFloat: parsing "one": invalid syntax"#)
        #expect(try run("{{ . | since | humanizeDuration }}", .time(now.adding(nanoseconds: -3_600_000_000_000))) == "1h 0m 0s")
        #expect(try run("{{ . | since }}", .time(now.adding(nanoseconds: -90_500_000_000))) == "1m30.5s")
    }

    @Test func pairsAndKV() throws {
        let set = try AlertmanagerDefaultTemplates.set()
        let kv = TemplateValue.kv(["d": "dVal", "b": "bVal", "c": "cVal", "alertname": "alert", "a": "aVal"])
        #expect(try set.executeText("{{ range .SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}", data: kv) == "alertname=alert;a=aVal;b=bVal;c=cVal;d=dVal;")
        #expect(try set.executeText("{{ .Names }} {{ .Values }} {{ .SortedPairs.Names }}", data: kv) == "[alertname a b c d] [alert aVal bVal cVal dVal] [alertname a b c d]")
        #expect(try set.executeText(#"{{ (.Remove (stringSlice "b" "d")).Names }}"#, data: kv) == "[alertname a c]")
        #expect(try set.executeText("{{ index .SortedPairs 0 }}", data: kv) == "{alertname alert}")
        #expect(try set.executeText(#"{{ .SortedPairs }}"#, data: .kv(["name1": "value1", "name2": "value2"])) == "name1=value1, name2=value2")
    }

    @Test func customFunctionsYieldToDefaults() throws {
        var custom = TemplateFunctions()
        custom["printFoo"] = TemplateFunction([]) { _ in "foo" }
        custom["toUpper"] = TemplateFunction([.string]) { _ in "foo" }
        // Alertmanager's DefaultFuncs win over user functions of the same name.
        let set = try AlertmanagerDefaultTemplates.set(functions: custom.merging(.alertmanager()))
        #expect(try set.executeText("{{ printFoo }}", data: nil) == "foo")
        #expect(try set.executeText(#"{{ toUpper "test" }}"#, data: nil) == "TEST")
    }

    @Test func userTemplateFilesOverrideAndCallDefaults() throws {
        var set = try AlertmanagerDefaultTemplates.set()
        try set.parse(name: "custom.tmpl", text: #"{{ define "slack.custom.title" }}:fire: {{ template "__subject" . }}{{ end }}"#)
        #expect(try set.executeText(#"{{ template "slack.custom.title" . }}"#, data: Self.oracleData.templateValue) == ":fire: [FIRING:2] HighCPU (node)")
        let e = #expect(throws: TemplateError.self) { try set.parse(name: "broken.tmpl", text: "{{ define \"x\" }}\n{{ if }}{{ end }}") }
        #expect(e?.message == "template: broken.tmpl:2: missing value for if")
    }

    @Test func emailHTMLRenders() throws {
        let set = try AlertmanagerDefaultTemplates.set()
        let html = try set.execute(name: "email.default.html", data: Self.oracleData.templateValue)
        #expect(html.contains("<title>[FIRING:2] HighCPU (node)</title>"))
        #expect(html.contains("[2] Firing"))
        #expect(html.contains("[1] Resolved"))
        #expect(html.contains(#"<a href="http://prom/graph?g0.expr=z">Source</a>"#))
    }

    @Test func everyDefaultTemplateRenders() throws {
        let set = try AlertmanagerDefaultTemplates.set()
        let data = Self.oracleData.templateValue
        for name in set.names where name.contains(".default.") || name.hasPrefix("__") {
            if name == "__text_alert_list" || name == "__text_alert_list_markdown" || name == "pagerduty.default.instances" { continue }
            _ = try set.execute(name: name, data: data)
        }
        #expect(set.names.contains("msteams.default.text"))
        #expect(set.names.contains("email.default.html"))
        let alerts = TemplateValue.list(TemplateList(Self.oracleData.alerts.map(\.templateValue), kind: .alertSlice))
        #expect(try set.execute(name: "__text_alert_list", data: alerts).hasPrefix("Labels:\n - alertname = HighCPU\n"))
    }
}
