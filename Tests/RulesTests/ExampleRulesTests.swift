import Foundation
import Rules
import TestSupport
import Testing

/// The shipped rules in examples/rules must be valid and pass their unit tests,
/// with Ember's runner and with the reference promtool.
@Suite struct ExampleRulesTests {
    static let dir = TestPaths.repoRoot.appendingPathComponent("examples/rules")
    static let rules = dir.appendingPathComponent("ember-alerts.yml").path
    static let tests = dir.appendingPathComponent("ember-alerts.test.yml").path

    @Test func rulesCheck() throws {
        let result = RuleChecker.check(files: [Self.rules])
        #expect(result.exitCode == 0, "\(result.output)")
        #expect(result.stdout.contains("SUCCESS: 10 rules found"))
        if let ref = try Fixtures.runPromtool(["check", "rules", Self.rules]) { #expect(ref.status == 0, "\(ref.stderr)") }
    }

    @Test func unitTestsPass() throws {
        let result = RuleUnitTester.run(files: [Self.tests])
        #expect(result.exitCode == 0, "\(result.output)")
        if let ref = try Fixtures.runPromtool(["test", "rules", Self.tests]) { #expect(ref.status == 0, "\(ref.stderr)") }
    }

    @Test func everyAlertHasSummaryAndDescription() throws {
        let (groups, errors) = RuleFileParser.load(file: Self.rules)
        #expect(errors.isEmpty)
        for rule in groups.flatMap(\.rules) {
            let names = Set(rule.annotations.map(\.name))
            #expect(names.isSuperset(of: ["summary", "description"]), "\(rule.name)")
        }
    }
}
