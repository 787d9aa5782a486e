import Synchronization

/// The payload of one synthetic benchmark target: counters, gauges with two
/// decimals and histograms, every value moving from scrape to scrape the way a
/// busy service's metrics do.
struct SyntheticExposition {
    private enum Kind { case counter, gauge, bucket(Int), sum, count }

    private struct Series {
        var prefix: [UInt8]
        var kind: Kind
        var histogram: Int
    }

    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    private var series: [Series] = []
    private var counters: [Double]
    private var gauges: [Double]
    private var buckets: [[Double]] = []
    private var sums: [Double] = []
    private var rng: UInt64

    /// About `seriesCount` series (histograms come in whole families of 13).
    init(target: Int, seriesCount: Int) {
        rng = 0x9E37_79B9_7F4A_7C15 &+ UInt64(target) &* 0xBF58_476D_1CE4_E5B9
        let histogramSeries = seriesCount * 3 / 10 / 13 * 13
        let gaugeCount = seriesCount * 3 / 10
        let counterCount = max(seriesCount - histogramSeries - gaugeCount, 0)
        for i in 0..<counterCount {
            series.append(Series(prefix: Array("bench_requests_total{path=\"/api/v1/item\(i / 4)\",code=\"\(200 + (i % 4) * 100)\"} ".utf8), kind: .counter, histogram: 0))
        }
        for i in 0..<gaugeCount {
            series.append(Series(prefix: Array("bench_memory_usage_bytes{pool=\"pool\(i)\"} ".utf8), kind: .gauge, histogram: 0))
        }
        for h in 0..<(histogramSeries / 13) {
            let labels = "handler=\"/handler\(h)\""
            for (b, bound) in Self.bucketBounds.enumerated() {
                series.append(Series(prefix: Array("bench_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} ".utf8), kind: .bucket(b), histogram: h))
            }
            series.append(Series(prefix: Array("bench_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} ".utf8), kind: .bucket(Self.bucketBounds.count), histogram: h))
            series.append(Series(prefix: Array("bench_request_duration_seconds_sum{\(labels)} ".utf8), kind: .sum, histogram: h))
            series.append(Series(prefix: Array("bench_request_duration_seconds_count{\(labels)} ".utf8), kind: .count, histogram: h))
            buckets.append([Double](repeating: 0, count: Self.bucketBounds.count + 1))
            sums.append(0)
        }
        counters = [Double](repeating: 0, count: series.count)
        gauges = (0..<series.count).map { Double($0 % 1000) * 1024 }
    }

    var seriesCount: Int { series.count }

    private mutating func random() -> UInt64 {
        rng ^= rng << 13
        rng ^= rng >> 7
        rng ^= rng << 17
        return rng
    }

    /// Advances every value by one scrape's worth of activity.
    mutating func advance() {
        for i in series.indices {
            switch series[i].kind {
            case .counter: counters[i] += Double(random() % 100)
            case .gauge:
                let step = Double(Int64(random() % 20_001) - 10_000) / 100
                gauges[i] = max(0, ((gauges[i] + step) * 100).rounded() / 100)
            default: break
            }
        }
        for h in buckets.indices {
            for _ in 0..<8 {
                let v = Double(random() % 10_000) / 2_000
                sums[h] += v
                for (b, bound) in Self.bucketBounds.enumerated() where v <= bound { buckets[h][b] += 1 }
                buckets[h][Self.bucketBounds.count] += 1
            }
        }
    }

    /// The text exposition of the current values.
    func render() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(series.count * 64)
        out += Array("# TYPE bench_requests_total counter\n# TYPE bench_memory_usage_bytes gauge\n# TYPE bench_request_duration_seconds histogram\n".utf8)
        for (i, s) in series.enumerated() {
            out += s.prefix
            let value: Double
            switch s.kind {
            case .counter: value = counters[i]
            case .gauge: value = gauges[i]
            case .bucket(let b): value = buckets[s.histogram][b]
            case .sum: value = sums[s.histogram]
            case .count: value = buckets[s.histogram][Self.bucketBounds.count]
            }
            out += Array(String(value).utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}

/// Synthetic targets on 127.0.0.1, one port each, for `ember bench ingest`.
public final class SyntheticTargets: Sendable {
    private final class Generator: Sendable {
        let exposition: Mutex<SyntheticExposition>
        init(_ e: SyntheticExposition) { exposition = Mutex(e) }
    }

    private let server: LoopbackHTTPServer
    /// Series each target exposes.
    public let seriesPerTarget: Int

    /// Starts `count` targets of about `seriesPerTarget` series each.
    public init(count: Int, seriesPerTarget: Int) throws {
        let generators = (0..<count).map { Generator(SyntheticExposition(target: $0, seriesCount: seriesPerTarget)) }
        self.seriesPerTarget = generators.first?.exposition.withLock { $0.seriesCount } ?? 0
        server = try LoopbackHTTPServer(listeners: count) { request in
            guard request.listener < generators.count else { return .init(status: 404, body: []) }
            let body = generators[request.listener].exposition.withLock { e -> [UInt8] in
                e.advance()
                return e.render()
            }
            return .init(body: body)
        }
    }

    /// `127.0.0.1:port` of each target.
    public var addresses: [String] { server.ports.map { "127.0.0.1:\($0)" } }

    /// CPU seconds the targets spent producing payloads (to separate from the scraper's).
    public var cpuSeconds: Double { server.cpuSeconds }

    /// Stops serving; scrapes after this fail.
    public func shutdown() { server.shutdown() }
}
