import Config
import Foundation
import Rules
import Testing

@Suite struct RuleCheckerTests {
    /// Files that are valid; everything else in Fixtures/check must be rejected.
    static let valid: Set<String> = ["good.yml", "duplicate.yml", "group_labels_3x.yml"]
    /// Uses fields newer than the reference promtool 2.42.
    static let newerThanReference: Set<String> = ["group_labels_3x.yml"]

    @Test(arguments: Fixtures.files("check"))
    func verdictMatchesPromtool(_ path: String) throws {
        let name = (path as NSString).lastPathComponent
        // promtool 2.42 knows only legacy names.
        let result = RuleChecker.check(files: [path], nameValidation: .legacy)
        #expect(result.exitCode == (Self.valid.contains(name) ? 0 : 1), "\(result.output)")
        #expect(result.stdout.hasPrefix("Checking \(path)\n"))
        guard !Self.newerThanReference.contains(name), let ref = try Fixtures.runPromtool(["check", "rules", path]) else { return }
        #expect(result.exitCode == ref.status, "ember:\n\(result.output)\npromtool:\n\(ref.stdout)\(ref.stderr)")
        // Rule-level problems must carry promtool's wording (positions and YAML library messages may differ).
        for line in ref.stderr.split(separator: "\n") where line.contains("group \"") {
            guard let core = line.range(of: "group \"").map({ String(line[$0.lowerBound...]) }) else { continue }
            #expect(result.stderr.contains(core), "missing \(core) in\n\(result.stderr)")
        }
    }

    @Test func utf8NamesAreValidByDefaultAsInPrometheus3() throws {
        let label = Fixtures.dir.appendingPathComponent("check/bad_label.yml").path
        #expect(RuleChecker.check(files: [label]).exitCode == 0)
        #expect(RuleChecker.check(files: [label], nameValidation: .legacy).exitCode == 1)
        let name = Fixtures.dir.appendingPathComponent("check/name_label.yml").path
        #expect(RuleChecker.check(files: [name]).exitCode == 1, "__name__ stays reserved")
        let braces = Fixtures.dir.appendingPathComponent("check/bad_record_name.yml").path
        let out = RuleChecker.check(files: [braces])
        #expect(out.exitCode == 1 && out.stderr.contains("braces present in the recording rule name; should it be in expr?: up{job='x'}"))
        #expect(!out.stderr.contains("invalid recording rule name"))
    }

    @Test func successOutputAndCount() throws {
        let good = Fixtures.dir.appendingPathComponent("check/good.yml").path
        let result = RuleChecker.check(files: [good, good])
        #expect(result.exitCode == 0)
        #expect(result.stdout == "Checking \(good)\n  SUCCESS: 2 rules found\n\n" + "Checking \(good)\n  SUCCESS: 2 rules found\n\n")
    }

    @Test func errorsNameFileLineAndColumn() throws {
        let bad = Fixtures.dir.appendingPathComponent("check/bad_expr.yml").path
        let result = RuleChecker.check(files: [bad])
        #expect(result.stderr == "  FAILED:\n\(bad): 5:15: group \"a\", rule 1, \"job:x\": could not parse expression: 1:7: parse error: unclosed left parenthesis\n")
        let label = Fixtures.dir.appendingPathComponent("check/bad_label.yml").path
        #expect(RuleChecker.check(files: [label], nameValidation: .legacy).stderr.contains("\(label): 7:23: group \"a\", rule 1, \"Foo\": invalid label name: bad-name"))
    }

    @Test func duplicatesAreLintOnlyFatalOnRequest() throws {
        let dup = Fixtures.dir.appendingPathComponent("check/duplicate.yml").path
        let lenient = RuleChecker.check(files: [dup])
        #expect(lenient.exitCode == 0)
        #expect(lenient.stderr.contains("lint error 1 duplicate rule(s) found.\nMetric: job:x\nLabel(s):\nMight cause inconsistency"))
        #expect(RuleChecker.check(files: [dup], lintFatal: true).exitCode == 3)
        let off = RuleChecker.check(files: [dup], lintDuplicates: false, lintFatal: true)
        #expect(off.exitCode == 0 && off.stdout.contains("SUCCESS: 2 rules found"))
    }

    @Test func missingFileAndIgnoredUnknownFields() throws {
        let missing = RuleChecker.check(files: ["/nonexistent/rules.yml"])
        #expect(missing.exitCode == 1 && missing.stderr.contains("/nonexistent/rules.yml"))
        let unknown = Fixtures.dir.appendingPathComponent("check/unknown_field.yml").path
        #expect(RuleChecker.check(files: [unknown]).stderr.contains("field foo not found"))
        #expect(RuleChecker.check(files: [unknown], ignoreUnknownFields: true).exitCode == 0)
    }
}
