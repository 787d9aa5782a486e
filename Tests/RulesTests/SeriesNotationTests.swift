import Foundation
import Rules
import Testing

/// The series notation is exercised through the unit-test runner: each case
/// is a one-line input series and the value the runner must see at 0..n minutes,
/// and the reference promtool must reach the same verdict.
@Suite struct SeriesNotationTests {
    func run(series: String, values: String, expr: String, at minutes: Int, expect value: String) throws -> Int32 {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ember-notation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let test = """
            tests:
              - interval: 1m
                input_series:
                  - series: '\(series)'
                    values: \(values)
                promql_expr_test:
                  - expr: \(expr)
                    eval_time: \(minutes)m
                    exp_samples:
                      - value: \(value)
            """
        let path = dir.appendingPathComponent("t.yml").path
        try test.write(toFile: path, atomically: false, encoding: .utf8)
        let code = RuleUnitTester.run(files: [path]).exitCode
        if let ref = try Fixtures.runPromtool(["test", "rules", path]) {
            #expect(code == ref.status, "promtool disagrees on \(series) \(values): \(ref.stderr)")
        }
        return code
    }

    @Test(arguments: [
        ("'1 2 3'", "sum(m)", 2, "3"),
        ("'1+2x3'", "sum(m)", 3, "7"),
        ("'10-2x3'", "sum(m)", 3, "4"),
        ("'5x3'", "sum(m)", 3, "5"),
        ("0x10", "sum(m)", 10, "0"),
        ("'1 _ _ 4'", "sum(count_over_time(m[10m]))", 3, "2"),
        ("'1 _x2 4'", "sum(count_over_time(m[10m]))", 3, "2"),
        ("'1 stale 3'", "sum(count_over_time(m[10m]))", 2, "2"),
        ("'1e3 -Inf'", "sum(m)", 0, "1000"),
        ("'1.5e-1x2'", "sum(m)", 2, "0.15"),
        ("1.0", "sum(m)", 0, "1"),
    ])
    func values(_ c: (String, String, Int, String)) throws {
        #expect(try run(series: "m{a=\"b\"}", values: c.0, expr: c.1, at: c.2, expect: c.3) == 0, "\(c)")
    }

    @Test(arguments: ["m", "m{a=\"b\", c=\"d\"}", "{__name__=\"m\", a=\"b\"}", "m{a=`b`}"])
    func metricForms(_ series: String) throws {
        #expect(try run(series: series, values: "'7'", expr: "sum(m)", at: 0, expect: "7") == 0)
    }

    @Test(arguments: ["'1 x'", "'1+x3'", "'1x'", "'abc'", "'{{schema:0'"])
    func badValuesFail(_ values: String) throws {
        #expect(try run(series: "m", values: values, expr: "sum(m)", at: 0, expect: "1") == 1)
    }

    @Test(arguments: ["m{", "m{a=}", "rate(m[5m])", "m offset 5m", "{a=~\"x\"}"])
    func badSeriesFail(_ series: String) throws {
        #expect(try run(series: series, values: "'1'", expr: "vector(1)", at: 0, expect: "1") == 1)
    }
}
