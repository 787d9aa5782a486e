import Model
import Synchronization
import Testing

@testable import Template

/// A case of prometheus/template/template_test.go (text mode; the html/template
/// cases are out of scope).
struct PromCase: Sendable, CustomStringConvertible {
    let text: String
    var input: TemplateValue = nil
    var query: [QueryResultSample] = []
    var strict = false
    var output: String? = nil
    var error: String? = nil
    var description: String { text }
}

private let metricA = Labels(["__name__": "metric", "instance": "a"])

let prometheusCases: [PromCase] = [
    PromCase(text: "plain text", output: "plain text"),
    PromCase(text: "{{ 1 }}", output: "1"),
    PromCase(text: "{{ \u{a0}}}", error: "error parsing template test: template: test:1: unrecognized character in action: U+00A0"),
    PromCase(text: "{{ \"<b>\" }}", output: "<b>"),
    PromCase(text: #"{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}"#, output: "1 2"),
    PromCase(text: #"{{ query "1.5" | first | value }}"#, query: [QueryResultSample(labels: .empty, value: 1.5)], output: "1.5"),
    PromCase(text: #"{{ query "metric{instance='a'}" | first | value }}"#, query: [QueryResultSample(labels: metricA, value: 11)], output: "11"),
    PromCase(text: #"{{ query "metric{instance='a'}" | first | label "instance" }}"#, query: [QueryResultSample(labels: metricA, value: 11)], output: "a"),
    PromCase(
        text: #"{{ query "metric{__value__='a'}" | first | strvalue }}"#,
        query: [QueryResultSample(labels: Labels(["__name__": "metric", "__value__": "a"]), value: 11)], output: "a"),
    PromCase(text: #"{{ query "metric{instance='a'}" | first | label "foo" }}"#, query: [QueryResultSample(labels: metricA, value: 11)], output: ""),
    PromCase(text: #"{{ $x := query "metric" | first }}{{ $x.Labels.foo }}"#, query: [QueryResultSample(labels: metricA, value: 11)], output: ""),
    PromCase(
        text: #"{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}"#,
        query: [
            QueryResultSample(labels: Labels(["__name__": "metric", "instance": "b"]), value: 21),
            QueryResultSample(labels: metricA, value: 11),
        ], output: "a:11: b:21: "),
    PromCase(text: #"{{ "foo.example.com" | stripPort }}"#, output: "foo.example.com"),
    PromCase(text: #"{{ "foo.example.com:12345" | stripPort }}"#, output: "foo.example.com"),
    PromCase(text: #"{{ "192.0.2.1" | stripPort }}"#, output: "192.0.2.1"),
    PromCase(text: #"{{ "192.0.2.1:12345" | stripPort }}"#, output: "192.0.2.1"),
    PromCase(text: #"{{ "2001:0DB8::1" | stripPort }}"#, output: "2001:0DB8::1"),
    PromCase(text: #"{{ "[2001:0DB8::1]:12345" | stripPort }}"#, output: "2001:0DB8::1"),
    PromCase(text: #"{{ "[2001:0DB8::1]::12345" | stripPort }}"#, output: "[2001:0DB8::1]::12345"),
    PromCase(text: "{{ .Foo }}", output: "<no value>"),
    PromCase(
        text: "{{ .Foo }}", strict: true,
        error: #"error executing template test: template: test:1:3: executing "test" at <.Foo>: nil data; no entry for key "Foo""#),
    PromCase(text: "{{", error: "error parsing template test: template: test:1: unclosed action"),
    PromCase(
        text: #"{{ query "missing" | first }}"#,
        error: #"error executing template test: template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements"#),
    PromCase(
        text: #"{{ (query "missing").banana }}"#,
        error: #"error executing template test: template: test:1:10: executing "test" at <"missing">: can't evaluate field banana in type template.queryResult"#),
    PromCase(text: #"{{ reReplaceAll "(a)b" "x$1" "ab" }}"#, output: "xa"),
    PromCase(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: .floats([0.0, 1.0, 1234567.0, 0.12]), output: "0:1:1.235M:120m:"),
    PromCase(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: .strings(["0.0", "1.0", "1234567.0", ".12"]), output: "0:1:1.235M:120m:"),
    PromCase(
        text: #"{{ humanize "one" }}"#,
        error: #"error executing template test: template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax"#),
    PromCase(text: "{{ range . }}{{ humanize . }}:{{ end }}", input: .ints([0, -1, 1, 1_234_567, Int.max]), output: "0:-1:1:1.235M:9.223E:"),
    PromCase(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: .floats([0.0, 1.0, 1_048_576.0, 0.12]), output: "0:1:1Mi:0.12:"),
    PromCase(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: .strings(["0.0", "1.0", "1048576.0", ".12"]), output: "0:1:1Mi:0.12:"),
    PromCase(
        text: #"{{ humanize1024 "one" }}"#,
        error: #"error executing template test: template: test:1:3: executing "test" at <humanize1024 "one">: error calling humanize1024: strconv.ParseFloat: parsing "one": invalid syntax"#),
    PromCase(text: "{{ range . }}{{ humanize1024 . }}:{{ end }}", input: .ints([0, -1, 1, 1_234_567, Int.max]), output: "0:-1:1:1.177Mi:8Ei:"),
    PromCase(
        text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}",
        input: .floats([0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99]),
        output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:"),
    PromCase(
        text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: .strings(["0", "1", "60", "3600", "86400"]),
        output: "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:"),
    PromCase(
        text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: .floats([0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345]),
        output: "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"),
    PromCase(
        text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: .strings([".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"]),
        output: "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:"),
    PromCase(
        text: #"{{ humanizeDuration "one" }}"#,
        error: #"error executing template test: template: test:1:3: executing "test" at <humanizeDuration "one">: error calling humanizeDuration: strconv.ParseFloat: parsing "one": invalid syntax"#),
    PromCase(text: "{{ range . }}{{ humanizeDuration . }}:{{ end }}", input: .ints([0, -1, 1, 1_234_567]), output: "0s:-1s:1s:14d 6h 56m 7s:"),
    PromCase(
        text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
        input: .floats([.infinity, -.infinity, .nan]), output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"),
    PromCase(
        text: "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}",
        input: .strings(["+Inf", "-Inf", "NaN"]), output: "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"),
    PromCase(
        text: "{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}",
        output: "-22.22%:0%:12.35%:123.5%"),
    PromCase(
        text: "{{ range . }}{{ humanizePercentage . }}:{{ end }}", input: .ints([0, -1, 1, 1_234_567, Int.max]),
        output: "0%:-100%:100%:1.235e+08%:9.223e+20%:"),
    PromCase(
        text: #"{{ "-0.22222" | humanizePercentage }}:{{ "0.0" | humanizePercentage }}:{{ "0.1234567" | humanizePercentage }}:{{ "1.23456" | humanizePercentage }}"#,
        output: "-22.22%:0%:12.35%:123.5%"),
    PromCase(
        text: #"{{ "one" | humanizePercentage }}"#,
        error: #"error executing template test: template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax"#),
    PromCase(
        text: "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", input: .ints([0, -1, 1, 1_234_567, 9_223_372_036]),
        output:
            "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:"
    ),
    PromCase(
        text: "{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", input: .ints([Int.min, Int.max]),
        error:
            #"error executing template test: template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64"#
    ),
    PromCase(text: "{{ 1435065584.128 | humanizeTimestamp }}", output: "2015-06-23 13:19:44.128 +0000 UTC"),
    PromCase(text: #"{{ "1435065584.128" | humanizeTimestamp }}"#, output: "2015-06-23 13:19:44.128 +0000 UTC"),
    PromCase(text: #"{{ (1435065584.128 | toTime).Format "2006" }}"#, output: "2015"),
    PromCase(text: #"{{ ("1435065584.128" | toTime).Format "2006" }}"#, output: "2015"),
    PromCase(text: #"{{ "aa bb CC" | title }}"#, output: "Aa Bb CC"),
    PromCase(text: #"{{ "aa bb CC" | toUpper }}"#, output: "AA BB CC"),
    PromCase(text: #"{{ "aA bB CC" | toLower }}"#, output: "aa bb cc"),
    PromCase(text: #"{{ match "a+" "aa" }} {{ match "a+" "b" }}"#, output: "true false"),
    PromCase(text: #"{{ graphLink "up" }}"#, output: "/graph?g0.expr=up&g0.tab=0"),
    PromCase(text: #"{{ tableLink "up" }}"#, output: "/graph?g0.expr=up&g0.tab=1"),
    PromCase(text: "{{ pathPrefix }}", output: "/path/prefix"),
    PromCase(text: "{{ externalURL }}", output: "http://testhost:9090/path/prefix"),
    PromCase(text: #"{{ printf "%0.2f" (parseDuration "1h2m10ms") }}"#, output: "3720.01"),
    PromCase(text: #"{{ "foo.example.com" | stripDomain }}"#, output: "foo"),
    PromCase(text: #"{{ "foo.example.com:12345" | stripDomain }}"#, output: "foo:12345"),
    PromCase(text: #"{{ "192.0.2.1" | stripDomain }}"#, output: "192.0.2.1"),
    PromCase(text: #"{{ "192.0.2.1:12345" | stripDomain }}"#, output: "192.0.2.1:12345"),
    PromCase(text: #"{{ "2001:0DB8::1" | stripDomain }}"#, output: "2001:0DB8::1"),
    PromCase(text: #"{{ "[2001:0DB8::1]:12345" | stripDomain }}"#, output: "[2001:0DB8::1]:12345"),
    PromCase(text: #"{{ "[2001:0DB8::1]::12345" | stripDomain }}"#, output: "[2001:0DB8::1]::12345"),
]

@Suite struct PrometheusTemplateTests {
    /// prometheus/template/template_test.go's TestTemplateExpansion, text mode.
    @Test(arguments: prometheusCases)
    func expansion(_ c: PromCase) {
        let samples = c.query
        let functions = TemplateFunctions.prometheus(query: { _ in samples }, externalURL: "http://testhost:9090/path/prefix")
        let options = TemplateOptions(missingKey: c.strict ? .error : .zero)
        do {
            let out = try PrometheusTemplateData.expand(name: "test", text: c.text, data: c.input, functions: functions, options: options)
            #expect(c.error == nil, "expected error \(c.error ?? "")")
            #expect(out == c.output)
        } catch {
            #expect(c.output == nil, "unexpected error \(error.message)")
            #expect(error.message == c.error)
        }
    }

    @Test func floatToTimeBounds() throws {
        let f = TemplateFunctions.prometheus()
        #expect(try Template.parse(name: "t", text: "{{ toTime . }}", functions: f).execute(data: 1_657_155_181) == "2022-07-07 00:53:01 +0000 UTC")
        for v in [1.79769313486231570814527423731704356798070e+300, -1.79769313486231570814527423731704356798070e+300] {
            #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: "{{ toTime . }}", functions: f).execute(data: .float(v)) }
        }
        #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: "{{ toTime . }}", functions: f).execute(data: .float(.nan)) }
    }

    /// What Prometheus's alerting rules produce: `$labels`, `$value`, `$externalLabels`, `$externalURL`.
    @Test func alertRuleVariables() throws {
        let data = PrometheusTemplateData(
            labels: Labels(["instance": "host:9100", "job": "node"]), externalLabels: Labels(["cluster": "eu1"]),
            externalURL: "http://prom.example", value: 0.1234)
        let f = TemplateFunctions.prometheus(externalURL: "http://prom.example")
        let text = #"{{ $labels.instance }} of {{ $labels.job }} in {{ $externalLabels.cluster }}: {{ $value | humanizePercentage }} ({{ .Value }}) {{ $externalURL }}"#
        #expect(try data.expand(text, ruleName: "HighLoad", functions: f) == "host:9100 of node in eu1: 12.34% (0.1234) http://prom.example")
        #expect(try data.expand("Instance {{ $labels.missing }} down", ruleName: "X", functions: f) == "Instance  down")
        #expect(try data.expand(#"{{ printf "%.2f" $value }} {{ if gt $value 0.1 }}high{{ end }}"#, ruleName: "X", functions: f) == "0.12 high")
        // Prometheus prepends its definitions, so columns on line 1 include them.
        let e = #expect(throws: PrometheusExpansionError.self) { try data.expand("{{ .Nope }}", ruleName: "R", functions: f) }
        #expect(
            e?.message
                == #"error executing template __alert_R: template: __alert_R:1:115: executing "__alert_R" at <.Nope>: can't evaluate field Nope in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value interface {} }"#
        )
        #expect(data.expandOrError("{{ if gt $value 1 }}x{{ end }}", ruleName: "R", functions: f).hasPrefix("<error expanding template: error executing template __alert_R:"))
        #expect(data.expandOrError("{{ if gt $value 1 }}x{{ end }}", ruleName: "R", functions: f).hasSuffix("error calling gt: incompatible types for comparison>"))
    }

    @Test func queryErrorsAndHostFunction() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "parse error at char 3" } }
        let failing = TemplateFunctions.prometheus(query: { _ in throw Boom() })
        let e = #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: #"{{ query "up{" }}"#, functions: failing).execute() }
        #expect(e?.message == #"template: t:1:3: executing "t" at <query "up{">: error calling query: parse error at char 3"#)
        let seen = QueryRecorder()
        let recording = TemplateFunctions.prometheus(query: { q in
            seen.set(q)
            return [QueryResultSample(labels: Labels(["job": "a"]), value: 1), QueryResultSample(labels: Labels(["job": "b"]), value: 2)]
        })
        let out = try Template.parse(name: "t", text: #"{{ range query "up" }}{{ .Labels.job }}={{ .Value }} {{ end }}{{ with query "up" }}{{ len . }}{{ end }}"#, functions: recording).execute()
        #expect(out == "a=1 b=2 2")
        #expect(seen.get() == "up")
    }

    @Test func regexFunctions() throws {
        let f = TemplateFunctions.prometheus()
        func run(_ t: String) throws -> String { try Template.parse(name: "t", text: t, functions: f).execute() }
        #expect(try run(#"{{ reReplaceAll "^(.*):(\\d+)$" "$1" "host:9100" }}"#) == "host")
        #expect(try run(#"{{ reReplaceAll "(?P<host>[a-z]+):(\\d+)" "${host}-$2" "db:5432" }}"#) == "db-5432")
        // Go reads "$1x" as the group named "1x", which does not exist.
        #expect(try run(#"{{ reReplaceAll "(a)" "$1x" "a" }}"#) == "")
        #expect(try run(#"{{ reReplaceAll "a*" "X" "baaac" }}"#) == "XbXcX")
        #expect(try run(#"{{ reReplaceAll "b" "$$" "abc" }}"#) == "a$c")
        let e = #expect(throws: TemplateError.self) { try run(#"{{ reReplaceAll "(" "" "x" }}"#) }
        #expect(e?.message == #"template: t:1:3: executing "t" at <reReplaceAll "(" "" "x">: error calling reReplaceAll: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"#)
        let m = #expect(throws: TemplateError.self) { try run(#"{{ match "[a" "x" }}"#) }
        #expect(m?.message.hasSuffix("error calling match: error parsing regexp: missing closing ]: `[a`") == true)
    }

    @Test func typeErrorsLikeGo() {
        let f = TemplateFunctions.prometheus()
        func message(_ t: String, _ data: TemplateValue = nil) -> String? {
            #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: t, functions: f).execute(data: data) }?.message
        }
        #expect(message("{{ toUpper 1 }}") == #"template: t:1:11: executing "t" at <1>: expected string; found 1"#)
        #expect(message("{{ . | toUpper }}", 1) == #"template: t:1:7: executing "t" at <toUpper>: wrong type for value; expected string; got int"#)
        #expect(message("{{ first . }}", "x") == #"template: t:1:9: executing "t" at <.>: wrong type for value; expected template.queryResult; got string"#)
        #expect(message(#"{{ humanize (args 1) }}"#)?.hasSuffix("error calling humanize: can't convert map[string]interface {} to float") == true)
        #expect(message("{{ nosuch }}") == #"template: t:1: function "nosuch" not defined"#)
    }
}

/// Records the last query a template ran, from the @Sendable query closure.
final class QueryRecorder: Sendable {
    private let last = Mutex<String?>(nil)
    func set(_ v: String) { last.withLock { $0 = v } }
    func get() -> String? { last.withLock { $0 } }
}
