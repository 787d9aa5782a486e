import Testing
import Model
@testable import PromQL

@Suite struct ParserTests {
    private func printed(_ q: String) throws -> String { "\(try PromQLParser.parse(q))" }

    private func parseError(_ q: String) -> ParseError? {
        do {
            _ = try PromQLParser.parse(q)
            return nil
        } catch {
            return error
        }
    }

    @Test func multiplicationBindsTighterThanAddition() throws {
        guard case .binary(let b) = try PromQLParser.parse("1 + 2 * 3") else {
            Issue.record("not a binary expression")
            return
        }
        #expect(b.op == .add)
        guard case .binary(let rhs) = b.rhs else {
            Issue.record("rhs is not a binary expression")
            return
        }
        #expect(rhs.op == .mul)
    }

    @Test func powerIsRightAssociative() throws {
        guard case .binary(let b) = try PromQLParser.parse("2 ^ 3 ^ 2") else {
            Issue.record("not a binary expression")
            return
        }
        #expect(b.op == .pow)
        guard case .number(let l) = b.lhs, case .binary(let r) = b.rhs else {
            Issue.record("wrong association")
            return
        }
        #expect(l.value == 2)
        #expect(r.op == .pow)
    }

    @Test func setOperatorsAndUnaryMinusPrecedence() throws {
        guard case .binary(let b) = try PromQLParser.parse("a or b and c unless d") else {
            Issue.record("not binary")
            return
        }
        #expect(b.op == .or)
        guard case .binary(let r) = b.rhs else {
            Issue.record("rhs not binary")
            return
        }
        #expect(r.op == .unless)
        // Unary minus binds weaker than ^ and folds into number literals.
        guard case .unary(let u) = try PromQLParser.parse("-2 ^ 2") else {
            Issue.record("not unary")
            return
        }
        #expect(u.op == .sub)
        guard case .number(let n) = try PromQLParser.parse("-5") else {
            Issue.record("not a number")
            return
        }
        #expect(n.value == -5)
    }

    @Test func numberLiterals() throws {
        let cases: [(String, Double)] = [("0x1f", 31), ("1e3", 1000), (".5", 0.5), ("2.", 2), ("5m", 300),
                                         ("1h30m", 5400), ("010", 8), ("-Inf", -.infinity)]
        for (text, value) in cases {
            guard case .number(let n) = try PromQLParser.parse(text) else {
                Issue.record("\(text) is not a number")
                continue
            }
            #expect(n.value == value, "\(text)")
        }
        guard case .number(let nan) = try PromQLParser.parse("NaN") else {
            Issue.record("NaN is not a number")
            return
        }
        #expect(nan.value.isNaN)
    }

    @Test func stringLiteralsUnescapeLikeGo() throws {
        let cases: [(String, String)] = [(#""a\nb""#, "a\nb"), ("'it\\'s'", "it's"), ("`raw\\n`", "raw\\n"),
                                         (#""\u00e9\x41\101""#, "éAA")]
        for (text, value) in cases {
            guard case .string(let s) = try PromQLParser.parse(text) else {
                Issue.record("\(text) is not a string")
                continue
            }
            #expect(s.value == value)
        }
    }

    @Test func selectorsWithAllMatcherTypesAndUTF8Names() throws {
        guard case .vectorSelector(let vs) = try PromQLParser.parse(#"{"my.metric", "a.b"="x", c!="y", d=~"z.*", e!~"w"}"#) else {
            Issue.record("not a selector")
            return
        }
        #expect(vs.matchers.count == 5)
        #expect(vs.matchers.contains { $0.name == "__name__" && $0.value == "my.metric" && $0.type == .equal })
        #expect(vs.matchers.contains { $0.name == "a.b" && $0.type == .equal })
        #expect(vs.matchers.contains { $0.name == "e" && $0.type == .regexNoMatch })
    }

    @Test func printsLikePrometheus() throws {
        let cases: [(String, String)] = [
            ("sum(rate(m[5m])) by (job)", "sum by (job) (rate(m[5m]))"),
            ("SUM WITHOUT(a,b)(x)", "sum without (a, b) (x)"),
            ("topk(5, x)", "topk(5, x)"),
            (#"foo{b="1", a=~"x"} offset -5m"#, #"foo{a=~"x",b="1"} offset -5m"#),
            ("foo @ 100", "foo @ 100.000"),
            ("rate(foo[5m] @ end() offset 1h)", "rate(foo[5m] @ end() offset 1h)"),
            ("max_over_time(rate(x[1m])[10m:1m])", "max_over_time(rate(x[1m])[10m:1m])"),
            ("a + on(x) group_left(y) b", "a + on (x) group_left (y) b"),
            ("a > bool ignoring(z) b", "a > bool ignoring (z) b"),
            ("x[100]", "x[1m40s]"),
            (#"label_replace(up, "a", "$1", "b", "(.*)")"#, #"label_replace(up, "a", "$1", "b", "(.*)")"#),
            ("-(1)", "-(1)"),
            ("1.5e-7", "0.00000015"),
            ("predict_linear(x[1h], 1h)", "predict_linear(x[1h], 1h)"),
            ("x[26m+4m]", "x[26m + 4m]"),
            ("x[step()*2:range()] offset (1m * 2)", "x[step() * 2:range()] offset (1m * 2)"),
            ("x offset -min_of(step(), 1s)", "x offset -min(step(), 1s)"),
            ("a + fill(0) b", "a + fill (0) b"),
            ("a - on(x) fill_left(1) fill_right(-2) b", "a - on (x) fill_left (1) fill_right (-2) b"),
            ("a * group_left b", "a * ignoring () group_left () b"),
        ]
        for (input, output) in cases {
            #expect(try printed(input) == output, "\(input)")
        }
    }

    @Test func printedFormReparsesToTheSameText() throws {
        for q in ["sum by (job) (rate(m[5m]))", "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))",
                  "a unless on (x) b", "count_values(\"v\", x)", "x offset 1d", "{__name__=~\"a.*\"}"] {
            let once = try printed(q)
            #expect(try printed(once) == once)
        }
    }

    @Test func syntaxErrorsCarryPositions() throws {
        let e1 = try #require(parseError("sum(foo"))
        #expect(e1.description == "1:8: parse error: unclosed left parenthesis")
        #expect(parseError("foo{a=\"b\"")?.message == "unexpected end of input inside braces")
        #expect(parseError("foo[5m")?.message == "unclosed left bracket")
        #expect(parseError("1)")?.message == "unexpected right parenthesis ')'")
        let e2 = try #require(parseError("rate(foo)"))
        #expect(e2.description == "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector")
        let e3 = try #require(parseError("1 == 1"))
        #expect(e3.message == "comparisons between scalars must use BOOL modifier")
        let e4 = try #require(parseError("nosuchfn(x)"))
        #expect(e4.message == "unknown function with name \"nosuchfn\"")
        let e5 = try #require(parseError("foo\n  + {}"))
        #expect(e5.lineAndColumn.line == 2)
        #expect(e5.message == "vector selector must contain at least one non-empty matcher")
        let e6 = try #require(parseError("1 and 2"))
        #expect(e6.message == "set operator \"and\" not allowed in binary scalar expression")
        let e7 = try #require(parseError("(1 + 2) offset 5m"))
        #expect(e7.message.hasPrefix("offset modifier must be preceded by"))
        let e8 = try #require(parseError(#"foo{a="\q"}"#))
        #expect(e8.position == 7)
    }

    @Test func durationExpressionsStayUnresolvedUntilQueryTime() throws {
        guard case .matrixSelector(let ms) = try PromQLParser.parse("x[step() + 1]") else {
            Issue.record("not a range selector")
            return
        }
        #expect(ms.rangeExpr != nil)
        #expect(ms.rangeExpr?.seconds(step: 15, range: 0) == 16)
        // A bare offset literal ends before a following operator.
        guard case .binary(let b) = try PromQLParser.parse("x offset 1m + 1") else {
            Issue.record("not a binary expression")
            return
        }
        guard case .vectorSelector(let vs) = b.lhs else {
            Issue.record("lhs is not a selector")
            return
        }
        #expect(vs.offset == 60_000)
        #expect(parseError("x[0s]") != nil)
        #expect(parseError("a and fill(0) b") != nil)
    }

    @Test func aggregationParametersAndGroupingPlacement() throws {
        guard case .aggregate(let a) = try PromQLParser.parse(#"count_values without (instance) ("version", build_info)"#) else {
            Issue.record("not an aggregation")
            return
        }
        #expect(a.op == .countValues)
        #expect(a.without)
        #expect(a.grouping == ["instance"])
        if case .string(let s) = a.param { #expect(s.value == "version") } else { Issue.record("param is not a string") }
        guard case .aggregate(let q) = try PromQLParser.parse("quantile(0.9, x) by (job)") else {
            Issue.record("not an aggregation")
            return
        }
        #expect(q.grouping == ["job"])
        #expect(parseError("topk(x)") != nil)
    }

    @Test func malformedInputFailsCleanly() {
        let inputs = ["", "(", "{", "}", "foo[", "foo[5m", "foo[5m:", "rate(", "sum by", "sum by (", "1 +", "@", "foo @",
                      "foo offset", "\"unterminated", "'x", "0x", "foo{a=}", "foo{a=\"b\",,}", "foo{=\"b\"}", "1 == bool",
                      "foo and", "topk(,x)", "x[1y2y]", "x @ start(", "x offset 5m offset 1m", "rate(x[5m]) @ 1 @ 2",
                      "count_values(1, x)", "label_replace(x)", "a + on(b) group_left(b) c", "x[5m] anchored smoothed",
                      "fill(1)", "a + fill(x) b", "foo[5m:1m:1m]", "\u{0}", "§", "!x", "x !~ y",
                      String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
                      String(repeating: "-", count: 5000) + "1"]
        for q in inputs {
            #expect(parseError(q) != nil, "\(q.prefix(40))")
        }
        #expect(parseError("")?.message == "no expression found in input")
    }
}
