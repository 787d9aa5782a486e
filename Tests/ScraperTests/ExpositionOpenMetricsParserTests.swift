import Model
import Testing
@testable import Scraper

@Suite struct ExpositionOpenMetricsParserTests {
    typealias Support = ExpositionTestSupport

    static let fullPayload = """
        # TYPE acme_http_router_request_seconds summary
        # UNIT acme_http_router_request_seconds seconds
        # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
        acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
        acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
        acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
        # TYPE go_goroutines gauge
        go_goroutines 69
        # TYPE process_cpu_seconds counter
        # UNIT process_cpu_seconds seconds
        process_cpu_seconds_total 4.20072246e+06
        # TYPE foo histogram
        foo_bucket{le="0.01"} 0
        foo_bucket{le="0.1"} 8 # {} 0.054
        foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
        foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
        foo_bucket{le="+Inf"} 17
        foo_count 17
        foo_sum 324789.3
        foo_created 1520430000.123
        # TYPE kernel info
        kernel_info{version="6.1"} 1
        # TYPE door stateset
        door{door="open"} 1
        door{door="closed"} 0
        # TYPE temp gaugehistogram
        temp_bucket{le="-1"} 1
        temp_bucket{le="+Inf"} 3
        temp_gcount 3
        temp_gsum -4
        # EOF

        """

    @Test func parsesTheSpecificationExample() throws {
        var parser = ExpositionParser(Array(Self.fullPayload.utf8), format: .openMetrics)
        var kinds: [String] = []
        var series: [(Labels, Double, Int64?, Exemplar?)] = []
        var units: [String] = []
        while let entry = try parser.next() {
            switch entry {
            case .series(_, let v, let t): series.append((parser.labels(), v, t, parser.exemplar())); kinds.append("series")
            case .help: kinds.append("help")
            case .type: kinds.append("type")
            case .unit: units.append(parser.metadataTextString()); kinds.append("unit")
            case .comment: kinds.append("comment")
            case .eof: kinds.append("eof")
            }
        }
        #expect(kinds.last == "eof")
        #expect(units == ["seconds", "seconds"])
        #expect(series.count == 20)
        #expect(series[2].0 == ["__name__": "acme_http_router_request_seconds_created", "path": "/api/v1", "method": "GET"])
        #expect(series[2].1 == 1_605_281_325)
        let bucket = series[8]
        #expect(bucket.0 == ["__name__": "foo_bucket", "le": "10"])
        #expect(bucket.3 == Exemplar(labels: ["trace_id": "oHg5SJYRHA0"], value: 9.8, timestamp: 1_520_879_607_789))
        #expect(series[6].3 == Exemplar(labels: [:], value: 0.054, timestamp: nil))
        #expect(series[5].3 == nil)
        #expect(series.last?.1 == -4)
    }

    @Test func timestampsAreSecondsConvertedToMilliseconds() throws {
        let samples = try Support.samples("a 1 1520879607.789\nb 1 1.5e3\nc 1 -2.5\nd 1 0.0009\ne 1 12\n# EOF\n", .openMetrics)
        #expect(samples.map(\.timestamp) == [1_520_879_607_789, 1_500_000, -2_500, 0, 12_000])
    }

    @Test func exemplarAccessIsOptional() throws {
        var parser = ExpositionParser(Array("# TYPE c counter\nc_total 3 # {id=\"x\"} 1 2\n# EOF\n".utf8), format: .openMetrics)
        _ = try parser.next()
        guard case .series(_, let value, _) = try parser.next() else { Issue.record("expected series"); return }
        #expect(value == 3)
        #expect(parser.hasExemplar)
        #expect(parser.exemplar()?.timestamp == 2000)
        #expect(try parser.next() == .eof)
        #expect(!parser.hasExemplar)
        #expect(try parser.next() == nil)
    }

    @Test func quotedNamesAreAccepted() throws {
        let text = "# TYPE \"my.gauge\" gauge\n{\"my.gauge\",\"a.b\"=\"x\"} 1\n# EOF\n"
        let samples = try Support.samples(text, .openMetrics)
        #expect(samples.first?.labels == #"{"my.gauge", "a.b"="x"}"#)
    }

    @Test func syntaxOnlyModeSkipsSemanticRules() {
        let text = "# TYPE a counter\na_total -1\n# EOF\n"
        #expect(Support.error(text, .openMetrics)?.reason.contains("negative") == true)
        guard case .success = Support.entries(text, .openMetrics, semantics: false) else {
            Issue.record("syntax-only mode rejected a syntactically valid payload")
            return
        }
    }

    @Test(arguments: [
        ("a 1\n", 1, "missing # EOF"),
        ("", 1, "missing # EOF"),
        ("a 1\n# EOF\nb 1\n", 3, "after # EOF"),
        ("a 1\n# EOF\n\n", 3, "after # EOF"),
        ("a 1\n\n# EOF\n", 2, "empty line"),
        ("# some comment\n# EOF\n", 1, "invalid line"),
        ("# HELP a\n# EOF\n", 1, "expected a space after the metric name"),
        ("a  1\n# EOF\n", 1, "expected a value"),
        ("a 1 \n# EOF\n", 1, "unexpected space"),
        ("a\t1\n# EOF\n", 1, "expected a space"),
        ("a{a=\"1\", b=\"2\"} 1\n# EOF\n", 1, "expected label name"),
        ("a{a=\"1\",} 1\n# EOF\n", 1, "trailing comma"),
        ("a{__a=\"1\"} 1\n# EOF\n", 1, "reserved"),
        ("a 1 Inf\n# EOF\n", 1, "invalid timestamp"),
        ("a 1 1_0\n# EOF\n", 1, "invalid timestamp"),
        ("# TYPE a untyped\n# EOF\n", 1, "invalid metric type"),
        ("# UNIT a_s s-x\n# EOF\n", 1, "invalid character in unit"),
        ("# TYPE a counter\na_total 1 # {a=\"b\"}\n# EOF\n", 2, "expected a space and a value"),
        ("# TYPE a counter\na_total 1 # {a=\"b\"} 1 1 1\n# EOF\n", 2, "after the exemplar timestamp"),
        ("# TYPE a counter\na_total 1 # {\"a\"} 1\n# EOF\n", 2, "expected \"=\""),
        ("# TYPE a counter\na_total 1 1 1\n# EOF\n", 2, "exemplar"),
    ])
    func syntaxErrors(_ text: String, _ line: Int, _ reason: String) {
        let error = Support.error(text, .openMetrics)
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ("# TYPE a counter\na_total NaN\n# EOF\n", "cannot be NaN"),
        ("# TYPE a histogram\na_bucket{le=\"1\"} 2\na_bucket{le=\"+Inf\"} 1\n# EOF\n", "not cumulative"),
        ("# TYPE a histogram\na_bucket{le=\"2\"} 0\na_bucket{le=\"1\"} 0\na_bucket{le=\"+Inf\"} 0\n# EOF\n", "increasing le order"),
        ("# TYPE a histogram\na_bucket{le=\"1\"} 0\n# EOF\n", "no +Inf bucket"),
        ("# TYPE a histogram\na_bucket{le=\"+Inf\"} 2\na_count 3\na_sum 1\n# EOF\n", "does not match"),
        ("# TYPE a histogram\na_bucket{le=\"+Inf\"} 2\na_sum 1\n# EOF\n", "_sum but no _count"),
        ("# TYPE a histogram\na_bucket{le=\"inf\"} 2\n# EOF\n", "+Inf"),
        ("# TYPE a histogram\na_bucket 2\n# EOF\n", "no le label"),
        ("# TYPE a histogram\na_bucket{le=\"+Inf\"} 2.5\n# EOF\n", "must be an integer"),
        ("# TYPE a summary\na{quantile=\"2\"} 1\n# EOF\n", "between 0 and 1"),
        ("# TYPE a stateset\na{b=\"x\"} 1\n# EOF\n", "needs a label named"),
        ("# TYPE a stateset\na{a=\"x\"} 2\n# EOF\n", "0 or 1"),
        ("# TYPE a info\na_info 2\n# EOF\n", "must be 1"),
        ("# TYPE a gauge\na 1 # {x=\"y\"} 1\n# EOF\n", "exemplars are only allowed"),
        ("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 1\n# EOF\n", "contiguous"),
        ("# TYPE a gauge\na 1 2\na 1 1\n# EOF\n", "backwards"),
        ("# TYPE a gauge\na 1 2\na 1\n# EOF\n", "have a timestamp and some do not"),
        ("# TYPE a gauge\n# TYPE a gauge\n# EOF\n", "second TYPE"),
        ("# HELP a x\na 1\n# HELP a y\n# EOF\n", "after its samples"),
        ("a 1\nb 1\na 2\n# EOF\n", "clashes"),
        ("# TYPE a counter\n# TYPE a_created gauge\n# EOF\n", "clashes"),
        ("# TYPE a gauge\n# UNIT a seconds\n# EOF\n", "not a suffix"),
        ("# TYPE a_x info\n# UNIT a_x x\n# EOF\n", "cannot have a unit"),
        ("# TYPE a counter\na 1\n# EOF\n", "clashes"),
        ("# TYPE a histogram\na_bucket{le=\"+Inf\"} 1 # {x=\"\(String(repeating: "y", count: 128))\"} 1\n# EOF\n", "more than 128"),
    ])
    func semanticErrors(_ text: String, _ reason: String) {
        let error = Support.error(text, .openMetrics)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
        #expect((error?.line ?? 0) >= 2)
    }

    @Test func semanticErrorNamesTheLineWhereItIsDetected() {
        let text = "# TYPE a gauge\na 1\n# TYPE b counter\nb_total -3\n# EOF\n"
        #expect(Support.error(text, .openMetrics)?.description == "line 4: b_total cannot be negative")
    }

    @Test func validSemanticEdgeCases() throws {
        let valid = [
            "# TYPE a gaugehistogram\na_bucket{le=\"-1\"} 1\na_bucket{le=\"+Inf\"} 1\na_gcount 1\na_gsum -2\n# EOF\n",
            "# TYPE a info\na_info{x=\"1\"} 1 5\na_info{x=\"2\"} 1 1\n# EOF\n",
            "# TYPE a gauge\na 1 1\na 2 1\n# EOF\n",
            "# TYPE a histogram\na_bucket{le=\"1\"} 0\na_bucket{le=\"1\"} 0\na_bucket{le=\"+Inf\"} 0\n# EOF\n",
            "# TYPE a summary\na{quantile=\"0.5\"} NaN\na_count 0\na_sum 0\n# EOF\n",
            "# TYPE a counter\na_total{x=\"1\"} 1\na_created{x=\"1\"} 1\na_total{x=\"2\"} 1\n# EOF\n",
            "a{x=\"\u{2603}\"} 1\n# EOF",
        ]
        for text in valid {
            #expect(Support.error(text, .openMetrics) == nil, "\(text)")
        }
    }
}
