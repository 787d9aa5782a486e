import Testing
@testable import Exporter

@Suite struct ExpositionTests {
    func format(_ v: Double) -> String {
        var out: [UInt8] = []
        GoFloat.append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Expected strings are Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang prints.
    @Test func floatsAreFormattedLikeGo() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (62907, "62907"), (100000, "100000"), (1e6, "1e+06"),
            (16777216, "1.6777216e+07"), (82580465, "8.2580465e+07"), (2.70553174016e11, "2.70553174016e+11"),
            (1904.85, "1904.85"), (0.31, "0.31"), (0.0001, "0.0001"), (0.00001, "1e-05"), (1e-7, "1e-07"),
            (1795680726.0154662, "1.7956807260154662e+09"), (123456.5, "123456.5"), (1234567.5, "1.2345675e+06"),
            (9.312040000000001, "9.312040000000001"), (1e21, "1e+21"), (1.5e300, "1.5e+300"), (.leastNonzeroMagnitude, "5e-324"),
            (.infinity, "+Inf"), (-.infinity, "-Inf"), (.nan, "NaN"), (-2.5, "-2.5"), (1e15, "1e+15"), (999999, "999999"),
        ]
        for (v, expected) in cases {
            #expect(format(v) == expected, "formatting \(v)")
        }
    }

    func page() -> [MetricFamily] {
        var set = MetricSet()
        set.add("x_total", help: "A counter with \\ and\nnewline.", type: .counter, labels: [LabelPair("a", "q\"uo\\te\nnl")], value: 3)
        set.add("g", help: "", type: .gauge, value: 1.5)
        set.add("u", help: "untyped", type: .untyped, value: 2)
        return set.sorted()
    }

    @Test func textFormatEscapesHelpAndLabelValues() {
        let text = String(decoding: ExpositionWriter.render(page(), format: .text), as: UTF8.self)
        #expect(text == """
        # TYPE g gauge
        g 1.5
        # HELP u untyped
        # TYPE u untyped
        u 2
        # HELP x_total A counter with \\\\ and\\nnewline.
        # TYPE x_total counter
        x_total{a="q\\"uo\\\\te\\nnl"} 3

        """)
    }

    @Test func openMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEOF() {
        let text = String(decoding: ExpositionWriter.render(page(), format: .openMetrics), as: UTF8.self)
        #expect(text.contains("# TYPE x counter\n# HELP x A counter with \\\\ and\\nnewline.\nx_total{a=\"q\\\"uo\\\\te\\nnl\"} 3\n"))
        #expect(text.contains("# TYPE u unknown\n"))
        #expect(text.hasSuffix("# EOF\n"))
    }

    @Test func metricSetMergesFamiliesAndRefusesTypeConflicts() {
        var a = MetricSet()
        a.add("m", help: "h", type: .gauge, labels: [LabelPair("x", "1")], value: 1)
        var b = MetricSet()
        b.add("m", help: "h", type: .gauge, labels: [LabelPair("x", "2")], value: 2)
        b.add("m2", help: "h", type: .counter, value: 2)
        a.merge(b)
        #expect(a["m"]?.samples.count == 2)
        a.add("m2", help: "h", type: .gauge, value: 9)
        #expect(a.conflicts == ["m2"])
        #expect(a["m2"]?.samples.map(\.value) == [2])
    }

    @Test func negotiationPicksOpenMetricsOnlyWhenAsked() {
        #expect(ExpositionFormat.negotiate(accept: nil) == .text)
        #expect(ExpositionFormat.negotiate(accept: "text/plain;version=0.0.4;q=0.5,*/*;q=0.1") == .text)
        #expect(ExpositionFormat.negotiate(accept: "application/openmetrics-text;version=1.0.0,text/plain;q=0.5") == .openMetrics)
        #expect(ExpositionFormat.text.contentType == "text/plain; version=0.0.4; charset=utf-8")
    }
}

@Suite struct TextParserTests {
    @Test func parsesFamiliesHistogramsAndEscapes() throws {
        let text = """
        # HELP req_seconds Request latency.\\nSecond line.
        # TYPE req_seconds histogram
        req_seconds_bucket{le="0.1"} 3
        req_seconds_bucket{le="+Inf"} 5
        req_seconds_sum 1.25
        req_seconds_count 5
        # a free comment
        plain{path="/a\\"b",x="y"} -Inf
        other 7e3

        """
        let r = try TextFormatParser.parse(Array(text.utf8))
        #expect(r.hasTimestamps == false)
        #expect(r.families.map(\.name) == ["req_seconds", "plain", "other"])
        let h = r.families[0]
        #expect(h.type == .histogram)
        #expect(h.help == "Request latency.\nSecond line.")
        #expect(h.samples.map(\.name) == ["req_seconds_bucket", "req_seconds_bucket", "req_seconds_sum", "req_seconds_count"])
        #expect(r.families[1].type == .untyped)
        #expect(r.families[1].samples[0].labels == [LabelPair("path", "/a\"b"), LabelPair("x", "y")])
        #expect(r.families[1].samples[0].value == -.infinity)
        #expect(r.families[2].samples[0].value == 7000)
    }

    @Test func reportsTheLineOfAnError() {
        let cases = [
            ("ok 1\nbad{ 2\n", 2),
            ("a 1\nb 2\nc notanumber\n", 3),
            ("# TYPE x bogus\n", 1),
            ("x{a=\"1\",a=\"2\"} 1\n", 1),
            ("x 1\n# TYPE x gauge\n", 2),
            ("1x 1\n", 1),
            ("x{a=\"unterminated} 1\n", 1),
        ]
        for (text, line) in cases {
            let error = #expect(throws: TextFormatParser.ParseError.self) { try TextFormatParser.parse(Array(text.utf8)) }
            #expect(error?.line == line, "for \(text.debugDescription)")
        }
    }

    @Test func flagsTimestamps() throws {
        #expect(try TextFormatParser.parse(Array("x 1 1700000000000\n".utf8)).hasTimestamps)
    }
}

@Suite struct SearchRegexTests {
    @Test func literalFastPathAgreesWithTheRegexEngine() throws {
        let subjects = ["", "python3", "/usr/bin/python3 -m http.server", "xpython3x", "python", "pypython3", "python3 python3"]
        for pattern in ["python3", "^python3", "python3$", "^python3$", "^/usr/bin/python3 ", "server$", "", "^$"] {
            let fast = try SearchRegex(pattern)
            // A trivially non-literal spelling of the same pattern goes through ICU.
            let slow = try SearchRegex(pattern.isEmpty ? "(?:)" : "(?:" + pattern + ")")
            for s in subjects {
                #expect(fast.matches(s) == slow.matches(s), "\(pattern) on \(s.debugDescription)")
            }
        }
        #expect(try SearchRegex(#"http\.server"#).matches("python3 -m http.server"))
        #expect(try !SearchRegex(#"http\.server"#).matches("python3 -m httpxserver"))
        #expect(try SearchRegex("(?P<disk>sd[a-z])").captures(in: "on sdb1")?.named["disk"] == "sdb")
        #expect(throws: RegexSyntaxError.self) { try SearchRegex("(") }
    }
}
