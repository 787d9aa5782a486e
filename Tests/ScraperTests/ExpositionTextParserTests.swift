import Model
import Testing
@testable import Scraper

@Suite struct ExpositionTextParserTests {
    typealias Support = ExpositionTestSupport

    @Test func parsesEveryEntryKindInOrder() throws {
        let text = """
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # A free comment
            metric_without_timestamp_and_labels 12.47
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.5"} 4773
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """
        var parser = ExpositionParser(Array(text.utf8), format: .prometheusText)
        guard case .help = try parser.next() else { Issue.record("expected HELP"); return }
        #expect(parser.metadataMetricName() == "http_requests_total")
        #expect(parser.helpText() == "The total number of HTTP requests.")
        guard case .type(_, let type) = try parser.next() else { Issue.record("expected TYPE"); return }
        #expect(type == .counter)
        #expect(parser.metadataMetricName() == "http_requests_total")

        guard case .series(let raw, let value, let ts) = try parser.next() else { Issue.record("expected series"); return }
        #expect(String(decoding: parser.bytes[raw], as: UTF8.self) == #"http_requests_total{method="post",code="200"}"#)
        #expect(value == 1027)
        #expect(ts == 1_395_066_363_000)
        #expect(parser.labels() == ["__name__": "http_requests_total", "method": "post", "code": "200"])
        #expect(parser.lineNumber == 3)

        guard case .series(_, let v2, _) = try parser.next() else { Issue.record("expected series"); return }
        #expect(v2 == 3)
        #expect(parser.lineNumber == 4)
        guard case .comment = try parser.next() else { Issue.record("expected comment"); return }
        #expect(parser.metadataTextString() == "# A free comment")
        guard case .series(_, let v3, let t3) = try parser.next() else { Issue.record("expected series"); return }
        #expect(v3 == 12.47 && t3 == nil)
        #expect(parser.labels() == ["__name__": "metric_without_timestamp_and_labels"])
        guard case .type(_, .summary) = try parser.next() else { Issue.record("expected TYPE summary"); return }
        var count = 0
        while let entry = try parser.next() {
            if case .series = entry { count += 1 }
        }
        #expect(count == 3)
        #expect(try parser.next() == nil)
    }

    @Test func valuesFollowGoParseFloat() throws {
        let cases: [(String, Double)] = [
            ("1", 1), ("-1.5", -1.5), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1E-3", 0.001),
            ("+Inf", .infinity), ("-Inf", -.infinity), ("inf", .infinity), ("Infinity", .infinity),
            ("-infinity", -.infinity), ("00012", 12), ("1.7560473e+07", 17_560_473),
            ("0.1", 0.1), ("123456789012345678901234567890", 123456789012345678901234567890.0),
            ("4.9406564584124654e-324", Double.leastNonzeroMagnitude), ("1e-400", 0),
        ]
        for (literal, expected) in cases {
            let samples = try Support.samples("m \(literal)\n", .prometheusText)
            #expect(samples.first?.value == expected, "\(literal)")
        }
        let nan = try Support.samples("m NaN\nn nan\n", .prometheusText)
        #expect(nan.count == 2 && nan.allSatisfy { $0.value.isNaN })
    }

    @Test func rejectsValuesPrometheusRejects() {
        for literal in ["0x1p-3", "0x10", "1_000", "1e", "e5", ".", "--1", "+NaN", "1e400", "one", "1,5", "0b1", "0o7", "Inf1"] {
            let error = Support.error("m \(literal)\n", .prometheusText)
            #expect(error?.line == 1, "\(literal) should be rejected")
            #expect(error?.column == 3, "\(literal)")
        }
    }

    @Test func timestampsAreIntegerMilliseconds() throws {
        #expect(try Support.samples("m 1 0\n", .prometheusText).first?.timestamp == 0)
        #expect(try Support.samples("m 1 9223372036854775807\n", .prometheusText).first?.timestamp == Int64.max)
        for bad in ["1.5", "-1", "1e3", "9223372036854775808", "x"] {
            let error = Support.error("m 1 \(bad)\n", .prometheusText)
            #expect(error?.reason.contains("timestamp") == true, "\(bad): \(String(describing: error))")
        }
        #expect(Support.error("m 1 2 3\n", .prometheusText)?.column == 7)
    }

    @Test func whitespaceIsFlexible() throws {
        let samples = try Support.samples("  m { a = \"1\" , b=\"2\", }\t 3 \t 4  \n", .prometheusText)
        #expect(samples.count == 1)
        #expect(samples.first?.labels == #"m{a="1", b="2"}"#)
        #expect(samples.first?.value == 3)
        #expect(samples.first?.timestamp == 4)
    }

    @Test func escapingInLabelValuesAndHelp() throws {
        let text = #"""
            # HELP m Line one\nline "two" with \\ backslash and \" kept and \x unknown
            m{a="quote \" backslash \\ newline \n unknown \x"} 1
            """#
        var parser = ExpositionParser(Array(text.utf8), format: .prometheusText)
        _ = try parser.next()
        #expect(parser.helpText() == "Line one\nline \"two\" with \\ backslash and \\\" kept and \\x unknown")
        _ = try parser.next()
        #expect(parser.labels()["a"] == "quote \" backslash \\ newline \n unknown \\x")
    }

    @Test func quotedUTF8Names() throws {
        let text = """
            # HELP "my.metric" Dotted.
            # TYPE "my.metric" gauge
            {"my.metric", "a.b"="x", c="y"} 1
            {"a.b"="x", "my.metric"} 2
            {"weird \\"name\\""} 3
            legacy{"ünïcode"="v"} 4
            """
        var parser = ExpositionParser(Array(text.utf8), format: .prometheusText)
        _ = try parser.next()
        #expect(parser.metadataMetricName() == "my.metric")
        _ = try parser.next()
        var labels: [Labels] = []
        while let entry = try parser.next() {
            if case .series = entry { labels.append(parser.labels()) }
        }
        #expect(labels == [
            ["__name__": "my.metric", "a.b": "x", "c": "y"],
            ["__name__": "my.metric", "a.b": "x"],
            ["__name__": "weird \"name\""],
            ["__name__": "legacy", "ünïcode": "v"],
        ])
    }

    @Test func emptyLabelValuesAreDropped() throws {
        let samples = try Support.samples("m{a=\"\",b=\"1\"} 1\nm{} 2\n", .prometheusText)
        #expect(samples.map(\.labels) == [#"m{b="1"}"#, "m"])
    }

    @Test func rawSeriesIsTheTextAsWritten() throws {
        var parser = ExpositionParser(Array("m{b=\"2\",a=\"1\"} 1\n{\"x.y\"} 2\n".utf8), format: .prometheusText)
        _ = try parser.next()
        #expect(Array(parser.rawSeries) == Array(#"m{b="2",a="1"}"#.utf8))
        let hashed = parser.withRawSeries { raw in raw.count }
        #expect(hashed == 14)
        _ = try parser.next()
        #expect(Array(parser.rawSeries) == Array(#"{"x.y"}"#.utf8))
    }

    @Test func metadataForms() throws {
        let entries = try Support.entries("#HELP not metadata\n# HELP m\n#\tTYPE\tm\tuntyped\n", .prometheusText).get()
        #expect(entries.count == 3)
        if case .comment = entries[0] {} else { Issue.record("#HELP without blank is a comment") }
        if case .help(_, let text) = entries[1] { #expect(text.isEmpty) } else { Issue.record("HELP without text") }
        if case .type(_, .unknown) = entries[2] {} else { Issue.record("untyped is unknown") }
        // The text after the first blank is the type: a second blank makes it invalid, as in Prometheus.
        #expect(Support.error("#\tTYPE\tm\tuntyped\n# TYPE m  gauge\n", .prometheusText)?.line == 2)
    }

    @Test(arguments: [
        ("m{a=\"1\",a=\"2\"} 1\n", 1, "duplicate label name"),
        ("m{a=\"1\" b=\"2\"} 1\n", 1, "expected \",\" or \"}\""),
        ("m{a=\"1} 1\n", 1, "quoted string is not terminated"),
        ("m{a=\"1\"\n", 1, "label set is not closed"),
        ("m{a=1} 1\n", 1, "expected quoted label value"),
        ("m{,a=\"1\"} 1\n", 1, "expected label name"),
        ("m{a} 1\n", 1, "expected \"=\""),
        ("m{__name__=\"x\"} 1\n", 1, "__name__"),
        ("{a=\"1\"} 1\n", 1, "metric name missing"),
        ("{\"a\",\"b\"} 1\n", 1, "metric name given twice"),
        ("{\"\"} 1\n", 1, "empty metric name"),
        ("ok 1\n1m 1\n", 2, "invalid metric name"),
        ("m\n", 1, "expected blank"),
        ("m{} \n", 1, "expected a value"),
        ("# TYPE m gauges\n", 1, "invalid metric type"),
        ("# TYPE m unknown\n", 1, "invalid metric type"),
        ("# HELP 1m x\n", 1, "expected metric name"),
        ("m{a=\"\u{FFFD}\"} 1\n", 0, ""),
    ])
    func reportsLineAndReason(_ text: String, _ line: Int, _ reason: String) {
        let error = Support.error(text, .prometheusText)
        if line == 0 {
            #expect(error == nil)
            return
        }
        #expect(error?.line == line)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect((error?.column ?? 0) > 0)
    }

    @Test func rejectsInvalidUTF8() {
        var bytes = Array("m{a=\"".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\"} 1\n".utf8)
        guard case .failure(let error) = Support.entries(bytes, .prometheusText) else {
            Issue.record("invalid UTF-8 accepted")
            return
        }
        #expect(error.reason.contains("UTF-8"))
        var help = Array("# HELP m ".utf8)
        help += [0xFF, 0x0A]
        guard case .failure = Support.entries(help, .prometheusText) else {
            Issue.record("invalid UTF-8 in HELP accepted")
            return
        }
    }

    @Test func errorDescriptionNamesLineAndColumn() {
        let error = Support.error("ok 1\nbad 1 x\n", .prometheusText)
        #expect(error?.description == "line 2:7: invalid timestamp \"x\": expected integer milliseconds")
    }

    @Test func lastLineWithoutNewlineAndEmptyPayload() throws {
        #expect(try Support.samples("a 1\nb 2", .prometheusText).count == 2)
        #expect(try Support.entries("", .prometheusText).get().isEmpty)
        #expect(try Support.entries("\n\n  \n", .prometheusText).get().isEmpty)
    }

    @Test func nulBytesInsideLabelValuesAndHelp() throws {
        let bytes = Array("# HELP m a\u{0}b\nm{a=\"x\u{0}y\"} 1\n".utf8)
        var parser = ExpositionParser(bytes, format: .prometheusText)
        _ = try parser.next()
        #expect(parser.helpText() == "a\u{0}b")
        _ = try parser.next()
        #expect(parser.labels()["a"] == "x\u{0}y")
    }
}
