import Foundation
import Rules
import Testing

@Suite struct UnitTesterTests {
    static let testFiles = Fixtures.files("unit") { $0.hasSuffix("rules.yml") }

    @Test(arguments: testFiles)
    func verdictMatchesNameAndPromtool(_ path: String) throws {
        let name = (path as NSString).lastPathComponent
        let result = RuleUnitTester.run(files: [path])
        #expect(result.exitCode == (name.hasPrefix("pass_") ? 0 : 1), "\(result.output)")
        if let ref = try Fixtures.runPromtool(["test", "rules", path]) {
            #expect(result.exitCode == ref.status, "ember:\n\(result.output)\npromtool:\n\(ref.stdout)\(ref.stderr)")
        }
    }

    @Test func outputFormat() throws {
        let pass = Fixtures.dir.appendingPathComponent("unit/pass_basic.yml").path
        let ok = RuleUnitTester.run(files: [pass])
        #expect(ok.stdout == "Unit Testing:  \(pass)\n  SUCCESS\n\n")
        let fail = Fixtures.dir.appendingPathComponent("unit/fail_value.yml").path
        let bad = RuleUnitTester.run(files: [fail])
        #expect(bad.stderr == """
              FAILED:
                expr: "job:up:ratio", time: 9m,
                    exp: {__name__="job:up:ratio", job="node"} 5E-01
                    got: {__name__="job:up:ratio", job="node"} 1E+00

            """)
    }

    /// For these failures the whole report is worded exactly as promtool words it.
    @Test(arguments: ["fail_alert_labels.yml", "fail_value.yml", "fail_missing_alertname.yml", "fail_repeated_order.yml", "fail_bad_rule_file.yml", "fail_query_error.yml"])
    func failureReportMatchesPromtool(_ name: String) throws {
        let path = Fixtures.dir.appendingPathComponent("unit/\(name)").path
        let result = RuleUnitTester.run(files: [path])
        guard let ref = try Fixtures.runPromtool(["test", "rules", path]) else { return }
        #expect(result.stderr == ref.stderr)
        #expect(result.stdout == ref.stdout)
    }

    @Test func runFilterSkipsOtherGroups() throws {
        let fail = Fixtures.dir.appendingPathComponent("unit/fail_value.yml").path
        #expect(RuleUnitTester.run(files: [fail], options: RuleUnitTestOptions(run: ["^nothing"])).exitCode == 0)
        #expect(RuleUnitTester.run(files: [fail], options: RuleUnitTestOptions(run: ["wrong"])).exitCode == 1)
    }

    @Test func evaluationErrorIsReported() throws {
        let path = Fixtures.dir.appendingPathComponent("unit/fail_many_to_many.yml").path
        let result = RuleUnitTester.run(files: [path])
        #expect(result.stderr.contains("rule: joined, time: 1m0s, err:"))
        #expect(result.stderr.contains("many-to-many matching not allowed"))
    }
}

/// Features newer than the reference promtool 2.42 (FORMAT.md §9), checked by expected verdict only.
@Suite struct UnitTesterNewerFeatureTests {
    static func path(_ name: String) -> String { Fixtures.dir.appendingPathComponent("unit3x/\(name)").path }

    @Test(arguments: ["pass_fuzzy.yml", "pass_start_timestamp.yml", "pass_histogram_input.yml"])
    func passes(_ name: String) {
        let result = RuleUnitTester.run(files: [Self.path(name)])
        #expect(result.exitCode == 0, "\(result.output)")
    }

    @Test func exactComparisonWithoutFuzzy() {
        let result = RuleUnitTester.run(files: [Self.path("fail_not_fuzzy.yml")])
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("exp: {__name__=\"third\"} 1E-01"))
        #expect(result.stderr.contains("got: {__name__=\"third\"} 1.0000000000000002E-01"))
    }

    @Test func unknownRuleFieldsOnlyWithFlag() {
        let strict = RuleUnitTester.run(files: [Self.path("extra_fields.yml")])
        #expect(strict.exitCode == 1 && strict.stderr.contains("field owner not found"))
        let lenient = RuleUnitTester.run(files: [Self.path("extra_fields.yml")], options: RuleUnitTestOptions(ignoreUnknownFields: true))
        #expect(lenient.exitCode == 0, "\(lenient.output)")
    }

    @Test func unmatchedGlobWarns() {
        let result = RuleUnitTester.run(files: [Self.path("missing_glob.yml")])
        #expect(result.exitCode == 0)
        #expect(result.stderr.contains("  WARNING: no file match pattern \(Self.path("nothing-*.yml"))"))
    }

    @Test func missingFileFails() {
        let result = RuleUnitTester.run(files: ["/nonexistent/test.yml"])
        #expect(result.exitCode == 1 && result.stderr.contains("/nonexistent/test.yml"))
    }
}
