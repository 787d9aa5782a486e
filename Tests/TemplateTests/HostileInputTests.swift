import Testing

@testable import Template
import TestSupport

/// Templates written to hurt: each must end in a clear error (or a result), never
/// a crash or a hang.
@Suite struct HostileInputTests {
    private func run(_ text: String, options: TemplateOptions = TemplateOptions(), data: TemplateValue = nil) throws(TemplateError) -> String {
        try Template.parse(name: "h", text: text, functions: .prometheus(), options: options).execute(data: data)
    }

    @Test func infiniteTemplateRecursionStops() {
        let e = #expect(throws: TemplateError.self) { try run(#"{{define "a"}}x{{template "a" .}}{{end}}{{template "a" .}}"#) }
        #expect(e?.kind == .limit)
        #expect(e?.message.hasSuffix("exceeded maximum template depth (100)") == true)
    }

    @Test func exponentialTemplateFanOutStops() {
        var text = #"{{define "t0"}}xxxxxxxxxx{{end}}"#
        for i in 1...40 { text += #"{{define "t\#(i)"}}{{template "t\#(i - 1)"}}{{template "t\#(i - 1)"}}{{end}}"# }
        text += #"{{template "t40"}}"#
        let e = #expect(throws: TemplateError.self) { try run(text) }
        #expect(e?.kind == .limit)
    }

    @Test func hugeRangesStop() {
        let e = #expect(throws: TemplateError.self) { try run("{{range $i := 1000000000}}{{end}}") }
        #expect(e?.kind == .limit)
        #expect(e?.message.contains("range iterations exceed the limit of 100000") == true)
        let nested = #expect(throws: TemplateError.self) { try run("{{range 1000}}{{range 1000}}{{end}}{{end}}") }
        #expect(nested?.kind == .limit)
    }

    @Test func outputLimit() {
        let options = TemplateOptions(maxOutputBytes: 1000)
        let e = #expect(throws: TemplateError.self) { try run("{{range 200}}0123456789{{end}}", options: options) }
        #expect(e?.kind == .limit)
        #expect(e?.message.contains("output exceeds the limit of 1000 bytes") == true)
        #expect((try? run("{{range 50}}0123456789{{end}}", options: options))?.count == 500)
    }

    @Test func doublingStringsStop() {
        let e = #expect(throws: TemplateError.self) {
            try run(#"{{$x := "0123456789"}}{{range 64}}{{$x = printf "%s%s" $x $x}}{{end}}{{len $x}}"#)
        }
        #expect(e?.kind == .limit)
        #expect(e?.message.contains("result of printf exceeds") == true)
    }

    @Test func stepLimit() {
        let e = #expect(throws: TemplateError.self) {
            try run("{{range 1000}}{{range 100}}{{end}}{{end}}", options: TemplateOptions(maxRangeIterations: 10_000_000, maxSteps: 50_000))
        }
        #expect(e?.kind == .limit)
        #expect(e?.message.contains("execution exceeded 50000 steps") == true)
    }

    @Test func deepNestingIsAParseError() throws {
        let parens = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        let p = #expect(throws: TemplateError.self) { try run("{{ \(parens) }}") }
        #expect(p?.kind == .parse)
        #expect(p?.message.contains("nesting deeper than 200 levels") == true)
        let ifs = String(repeating: "{{if true}}", count: 5000) + String(repeating: "{{end}}", count: 5000)
        #expect(throws: TemplateError.self) { try run(ifs) }
        // Within the limit, deep nesting works.
        let ok = String(repeating: "{{if true}}", count: 150) + "x" + String(repeating: "{{end}}", count: 150)
        #expect(try run(ok) == "x")
    }

    @Test func hugeFormatWidthsAreRejectedLikeGo() throws {
        #expect(try run(#"{{ printf "%99999999d" 1 }}"#) == "%!(NOVERB)%!(EXTRA int=1)")
        #expect(try run(#"{{ printf "%*d" 100000000 1 }}"#) == "%!(BADWIDTH)1")
        #expect(try run(#"{{ printf "%.*f" 100000000 1.0 }}"#) == "%!(BADPREC)1.000000")
    }

    @Test func largeInputParses() throws {
        let text = String(repeating: "line {{ .x }}\n", count: 20_000)
        #expect(try run(text, data: ["x": 1]).count == 20_000 * 7)
    }

    /// Random token soup: every input either parses and executes or fails with an
    /// error; the loop is bounded and deterministic.
    @Test func randomTokenSoup() {
        let tokens = [
            "{{", "}}", "{{- ", " -}}", " ", ".", "$", "$x", "x", "if", "end", "range", "else", "(", ")", "|", "\"", "`", "1",
            "-", "define", "template", "with", "/*", "*/", ":=", "=", ",", "printf", "len", "index", "'", "\\", "\n", "break",
            "continue", "block", "nil", "true", ".Labels", "\"%d\"", "\"a\"", "é", "\u{a0}", "humanize", "1e400", "0x", "$labels",
        ]
        var rng = SeededGenerator(seed: 42)
        var parsed = 0, failed = 0
        let data = PrometheusTemplateData(labels: ["a": "b"], value: 1).templateValue
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int(rng.next() % 24) { text += tokens[Int(rng.next() % UInt64(tokens.count))] }
            do {
                let t = try Template.parse(name: "fuzz", text: text, functions: .prometheus(), options: TemplateOptions(maxSteps: 10_000))
                parsed += 1
                _ = try? t.execute(data: data)
            } catch {
                failed += 1
                #expect(error.message.hasPrefix("template: fuzz:"))
            }
        }
        #expect(parsed + failed == 3000)
        #expect(parsed > 100 && failed > 100)
    }
}

