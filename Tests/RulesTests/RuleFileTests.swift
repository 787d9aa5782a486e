import Model
import Rules
import Storage
import Testing

@Suite struct RuleFileTests {
    @Test func parsesAllFields() throws {
        let yaml = """
            groups:
              - name: g
                interval: 30s
                query_offset: 1m
                limit: 5
                labels: {team: infra}
                rules:
                  - record: job:up:sum
                    expr: sum by (job) (up)
                    labels: {source: rules}
                  - alert: Down
                    expr: up == 0
                    for: 5m
                    keep_firing_for: 2m
                    labels: {severity: page}
                    annotations: {summary: "{{ $labels.instance }} down"}
            """
        let (groups, errors) = RuleFileParser.parse(yaml, file: "r.yml")
        #expect(errors.isEmpty)
        let g = try #require(groups.first)
        #expect(g.name == "g" && g.file == "r.yml" && g.interval == PromDuration(seconds: 30))
        #expect(g.queryOffset == PromDuration(seconds: 60) && g.limit == 5)
        #expect(g.labels.map(\.name) == ["team"])
        #expect(g.rules.count == 2)
        #expect(g.rules[0].kind == .recording("job:up:sum"))
        #expect(g.rules[1].kind == .alerting("Down"))
        #expect(g.rules[1].holdDuration == PromDuration(seconds: 300) && g.rules[1].keepFiringFor == PromDuration(seconds: 120))
        #expect(g.rules[1].annotations.map(\.value) == ["{{ $labels.instance }} down"])
        #expect(g.rules[1].line == 11)
    }

    @Test func zeroIntervalMeansGlobalInterval() throws {
        let (groups, errors) = RuleFileParser.parse("groups:\n  - name: g\n    interval: 0s\n    rules: []\n", file: "r.yml")
        #expect(errors.isEmpty && groups.first?.interval == nil)
        let group = RuleGroup(try #require(groups.first), options: RuleGroupOptions(storage: MemoryStorage()),
                              defaultInterval: PromDuration(seconds: 30))
        #expect(group.interval == 30_000)
    }

    @Test func groupLabelsApplyUnderRuleLabels() throws {
        let yaml = """
            groups:
              - name: g
                labels: {team: infra, severity: low}
                rules:
                  - record: r
                    expr: vector(1)
                    labels: {severity: high}
            """
        let storage = MemoryStorage()
        let group = try #require(makeGroups(yaml, storage: storage).first)
        group.evaluate(at: 0)
        #expect(samples(storage, ["__name__": "r", "team": "infra", "severity": "high"]).count == 1)
    }

    @Test func reportsEveryProblemWithPosition() {
        let yaml = """
            groups:
              - name: g
                rules:
                  - record: "bad name"
                    expr: up
                    annotations: {a: b}
                  - alert: A
                    expr: up
                    labels: {__name__: x}
                  - expr: up
              - name: g
                rules: []
            """
        let (groups, errors) = RuleFileParser.parse(yaml, file: "r.yml", nameValidation: .legacy)
        #expect(groups.isEmpty)
        let text = errors.map(\.description)
        #expect(text.contains("r.yml: 4:17: group \"g\", rule 1, \"bad name\": invalid field 'annotations' in recording rule"))
        #expect(text.contains("r.yml: 4:17: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name"))
        #expect(text.contains("r.yml: 9:28: group \"g\", rule 2, \"A\": invalid label name: __name__"))
        #expect(text.contains("r.yml: 10:9: group \"g\", rule 3, \"\": one of 'record' or 'alert' must be set"))
        #expect(text.contains("r.yml: 11:5: groupname: \"g\" is repeated in the same file"))
    }

    @Test func yamlAndTypeErrorsAreLocated() {
        let (_, syntax) = RuleFileParser.parse("groups:\n  - name: [\n", file: "r.yml")
        #expect(syntax.count == 1 && syntax[0].description.hasPrefix("r.yml: "))
        let (_, duration) = RuleFileParser.parse("groups:\n  - name: g\n    interval: 5 minutes\n    rules: []\n", file: "r.yml")
        #expect(duration.map(\.description) == ["r.yml: 3:15: invalid duration \"5 minutes\""])
        let (groups, empty) = RuleFileParser.parse("# nothing\n", file: "r.yml")
        #expect(groups.isEmpty && empty.isEmpty)
    }
}
