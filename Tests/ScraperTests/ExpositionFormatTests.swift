import Testing
@testable import Scraper

@Suite struct ExpositionFormatTests {
    @Test func acceptHeaderPrefersOpenMetricsThenText() {
        let header = ExpositionFormat.scrapeAcceptHeader
        let parts = header.split(separator: ",")
        #expect(parts.first?.hasPrefix("application/openmetrics-text;version=1.0.0") == true)
        let openMetrics = header.range(of: "application/openmetrics-text")
        let text = header.range(of: "text/plain;version=0.0.4")
        #expect(openMetrics != nil && text != nil)
        if let openMetrics, let text { #expect(openMetrics.lowerBound < text.lowerBound) }
        #expect(parts.last == "*/*;q=0.2")
        #expect(ExpositionFormat.legacyScrapeAcceptHeader
            == "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    }

    @Test(arguments: [
        ("text/plain; version=0.0.4; charset=utf-8", ExpositionFormat.prometheusText),
        ("text/plain;version=0.0.4", .prometheusText),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("Application/OpenMetrics-Text", .openMetrics),
        (" application/openmetrics-text ;version=1.0.0", .openMetrics),
        ("text/html", .prometheusText),
        ("", .prometheusText),
    ])
    func detectsFormatFromContentType(_ contentType: String, _ expected: ExpositionFormat) {
        #expect(ExpositionFormat.detect(contentType: contentType) == expected)
    }

    @Test func missingContentTypeMeansText() {
        #expect(ExpositionFormat.detect(contentType: nil) == .prometheusText)
    }
}
