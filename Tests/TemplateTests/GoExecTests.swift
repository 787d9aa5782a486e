import Testing

@testable import Template

@Suite struct GoExecTests {
    /// Every case's output or error text equals what Go's text/template produced.
    @Test(arguments: goCases)
    func matchesGo(_ c: GoCase) {
        let result: Result<String, TemplateError> = Result { () throws(TemplateError) -> String in
            try Template.parse(name: c.name, text: c.template).execute(data: goFixture)
        }
        switch result {
        case .success(let out):
            #expect(c.error == nil, "expected error \(c.error ?? "")")
            #expect(out == c.output)
        case .failure(let error):
            #expect(c.output == nil, "unexpected error: \(error.message)")
            #expect(error.message == c.error)
        }
    }

    // Go 1.22+ semantics (newer than the Go that generated goCases).

    @Test func rangeOverInteger() throws {
        #expect(try run("{{range 3}}<{{.}}>{{end}}") == "<0><1><2>")
        #expect(try run("{{range $i := 2}}{{$i}}{{end}}") == "01")
        #expect(try run("{{range 0}}x{{else}}none{{end}}") == "none")
        #expect(throws: TemplateError.self) { try run("{{range $i, $e := 3}}{{end}}") }
    }

    @Test func elseWith() throws {
        let t = "{{with .A}}a={{.}}{{else with .B}}b={{.}}{{else}}none{{end}}"
        #expect(try run(t, data: ["A": "", "B": "2"]) == "b=2")
        #expect(try run(t, data: ["A": "1", "B": "2"]) == "a=1")
        #expect(try run(t, data: ["A": "", "B": ""]) == "none")
    }

    @Test func missingKeyOptions() throws {
        let data: TemplateValue = ["a": 1]
        let strict = TemplateOptions(missingKey: .error)
        #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: "{{.b}}", options: strict).execute(data: data) }
        let e = #expect(throws: TemplateError.self) { try Template.parse(name: "t", text: "{{ .Foo }}", options: strict).execute() }
        #expect(e?.message == #"template: t:1:3: executing "t" at <.Foo>: nil data; no entry for key "Foo""#)
        #expect(try Template.parse(name: "t", text: "{{.b}}", options: TemplateOptions(missingKey: .invalid)).execute(data: .stringMap(["a": "x"])) == "<no value>")
        #expect(try Template.parse(name: "t", text: "[{{.b}}]").execute(data: .stringMap(["a": "x"])) == "[]")
    }

    @Test func errorCarriesPosition() {
        let e = #expect(throws: TemplateError.self) { try run("ok\n  {{.X.Y}}", data: goFixture) }
        #expect(e?.kind == .execution)
        #expect(e?.line == 2)
        #expect(e?.column == 6)
        let p = #expect(throws: TemplateError.self) { try Template.parse(name: "summary", text: "a\n{{ $labels.instance }") }
        #expect(p?.kind == .parse)
        #expect(p?.line == 2)
    }

    @Test func templateSetAcrossFiles() throws {
        var set = TemplateSet()
        try set.parse(name: "a.tmpl", text: #"{{ define "greet" }}hello {{ . }}{{ end }}"#)
        try set.parse(name: "b.tmpl", text: #"{{ define "main" }}[{{ template "greet" .Name }}]{{ end }}"#)
        #expect(try set.execute(name: "main", data: ["Name": "bob"]) == "[hello bob]")
        // A later file redefines a template; an empty redefinition does not replace it.
        try set.parse(name: "c.tmpl", text: #"{{ define "greet" }}hi {{ . }}{{ end }}{{ define "main" }}{{ end }}"#)
        #expect(try set.execute(name: "main", data: ["Name": "bob"]) == "[hi bob]")
        #expect(try set.executeText(#"<{{ template "greet" "x" }}>"#, data: nil) == "<hi x>")
        #expect(set.names.contains("greet"))
        let e = #expect(throws: TemplateError.self) { try set.execute(name: "nope") }
        #expect(e?.message == #"template: no template "nope" associated with template """#)
    }

    @Test func blockCanBeOverridden() throws {
        var set = TemplateSet()
        try set.parse(name: "base", text: #"<{{ block "content" . }}default{{ end }}>"#)
        #expect(try set.execute(name: "base") == "<default>")
        try set.parse(name: "override", text: #"{{ define "content" }}custom{{ end }}"#)
        #expect(try set.execute(name: "base") == "<custom>")
    }

    private func run(_ text: String, data: TemplateValue = nil) throws -> String {
        try Template.parse(name: "t", text: text).execute(data: data)
    }
}
