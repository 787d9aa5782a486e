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

    @Test func runFilterSkipsOtherGroups() throws {
        let fail = Fixtures.dir.appendingPathComponent("unit/fail_value.yml").path
        #expect(RuleUnitTester.run(files: [fail], options: RuleUnitTestOptions(run: ["^nothing"])).exitCode == 0)
        #expect(RuleUnitTester.run(files: [fail], options: RuleUnitTestOptions(run: ["wrong"])).exitCode == 1)
    }

    @Test func evaluationErrorIsReported() throws {
        let path = Fixtures.dir.appendingPathComponent("unit/fail_many_to_many.yml").path
        let result = RuleUnitTester.run(files: [path])
        #expect(result.stderr.contains("rule: joined, time: 1m, err:"))
        #expect(result.stderr.contains("many-to-many matching not allowed"))
    }
}
