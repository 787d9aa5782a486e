import Benchmark
import Foundation
import Model
import PromQL
import Rules
import Storage

/// Evaluation of 1,000 rules over 10,000 series: 900 recording rules (aggregations
/// of rates and gauges) and 100 alerting rules, as one group at one timestamp.
let benchmarks: @Sendable () -> Void = {
    let storage = MemoryStorage()
    let start: Int64 = 1_700_000_000_000
    do {
        let app = storage.appender()
        for s in 0..<10_000 {
            let labels = Labels(["__name__": "bench_metric_\(s % 100)", "job": "job\(s % 10)", "instance": "i\(s % 1000)", "shard": "\(s)"])
            for i in 0..<40 { try app.append(labels, start + Int64(i) * 15_000, Double(i * (s % 7 + 1))) }
        }
        try app.commit()
    } catch {
        fatalError("benchmark fixture: \(error)")
    }
    var yaml = "groups:\n  - name: bench\n    interval: 15s\n    rules:\n"
    for r in 0..<900 {
        yaml += "      - record: job:bench_metric_\(r % 100):rate5m_\(r / 100)\n        expr: sum by (job) (rate(bench_metric_\(r % 100)[5m]))\n"
    }
    for r in 0..<100 {
        yaml += "      - alert: BenchHigh\(r)\n        expr: bench_metric_\(r) > \(r * 3)\n        for: 1m\n        labels: {severity: warning}\n"
        yaml += "        annotations: {summary: \"{{ $labels.instance }} is at {{ $value }}\"}\n"
    }
    let (definitions, errors) = RuleFileParser.parse(yaml, file: "bench.yml")
    precondition(errors.isEmpty && definitions.first?.rules.count == 1000, "benchmark rule file: \(errors)")
    let options = RuleGroupOptions(storage: storage, engine: Engine())
    let evalTime = start + 39 * 15_000

    Benchmark("Rules: evaluate 1,000 rules over 10,000 series",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 5)) { b in
        for _ in b.scaledIterations {
            let group = RuleGroup(definitions[0], options: options, defaultInterval: PromDuration(seconds: 15))
            blackHole(group.evaluate(at: evalTime))
        }
    }
}
