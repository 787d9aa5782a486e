import Benchmark
import Foundation
import Model
import Scraper

/// Exposition parsing as a scrape does it: every entry of the payload, with
/// the series' labels built (the scrape cache skips that step for series it
/// has seen, so "parse only" is the steady-state cost and "parse + labels" the
/// first-scrape cost). Issue 4 asks for MB/s and samples/s of both formats.
let benchmarks: @Sendable () -> Void = {
    let text = Payloads.make(format: .prometheusText, series: 10_000)
    let openMetrics = Payloads.make(format: .openMetrics, series: 10_000)

    for (name, payload, format) in [("text 0.0.4", text, ExpositionFormat.prometheusText),
                                    ("OpenMetrics 1.0", openMetrics, .openMetrics)] {
        for buildLabels in [false, true] {
            let title = "Parse \(name), 10k series\(buildLabels ? " + labels" : "")"
            Benchmark(title, configuration: .init(metrics: [.wallClock, .throughput] + Payloads.rateMetrics,
                                                  maxIterations: 1)) { b in
                let rounds = 50
                var samples = 0
                let clock = ContinuousClock()
                let start = clock.now
                for _ in 0..<rounds {
                    samples += try Payloads.parse(payload, format: format, buildLabels: buildLabels)
                }
                let seconds = Payloads.seconds(clock.now - start)
                b.measurement(Payloads.megabytesPerSecond, Int(Double(payload.count * rounds) / seconds / 1e6))
                b.measurement(Payloads.samplesPerSecond, Int(Double(samples) / seconds))
            }
        }
    }
}

enum Payloads {
    static let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    static let samplesPerSecond = BenchmarkMetric.custom("samples/s", polarity: .prefersLarger, useScalingFactor: false)
    static let rateMetrics = [megabytesPerSecond, samplesPerSecond]

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Parses a whole payload; returns the number of samples.
    static func parse(_ payload: [UInt8], format: ExpositionFormat, buildLabels: Bool) throws -> Int {
        var parser = ExpositionParser(payload, format: format)
        var samples = 0
        var checksum = 0.0
        while let entry = try parser.next() {
            if case .series(_, let value, _) = entry {
                samples += 1
                checksum += value
                if buildLabels { blackHole(parser.labels()) }
            }
        }
        blackHole(checksum)
        return samples
    }

    /// A payload shaped like a busy service's: 40% counters, 30% gauges with
    /// decimals, 30% classic histograms, HELP and TYPE for every family.
    static func make(format: ExpositionFormat, series: Int) -> [UInt8] {
        var out = ""
        let counters = series * 4 / 10, gauges = series * 3 / 10, histograms = (series - counters - gauges) / 13
        let om = format == .openMetrics
        out += "# HELP http_requests Total HTTP requests.\n# TYPE http_requests counter\n"
        for i in 0..<counters {
            out += "http_requests_total{handler=\"/api/v1/item\(i / 4)\",method=\"GET\",code=\"\(200 + (i % 4) * 100)\"} \(1_000_000 + i * 37)\n"
        }
        out += "# HELP memory_usage_bytes Memory in use.\n# TYPE memory_usage_bytes gauge\n"
        for i in 0..<gauges {
            out += "memory_usage_bytes{pool=\"pool\(i)\",zone=\"z\(i % 3)\"} \(Double(i) * 1024.25)\n"
        }
        out += "# HELP request_duration_seconds Request latency.\n# TYPE request_duration_seconds histogram\n"
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "+Inf"]
        for h in 0..<histograms {
            var cumulative = 0
            for bound in bounds {
                cumulative += 3 + h % 5
                out += "request_duration_seconds_bucket{handler=\"/handler\(h)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "request_duration_seconds_sum{handler=\"/handler\(h)\"} \(Double(cumulative) * 0.125)\n"
            out += "request_duration_seconds_count{handler=\"/handler\(h)\"} \(cumulative)\n"
        }
        if om { out += "# EOF\n" }
        return Array(out.utf8)
    }
}
